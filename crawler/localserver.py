"""A tiny HTTP server on 127.0.0.1 that plays back saved responses.

Why: the spiders must be tested (and the offline demo run) through the real Scrapy engine
without touching the internet. ``FixtureServer`` serves a *route table*::

    routes = {
        "/feed.xml": Route(file=Path("tests/fixtures/crawler/feed/alerts.xml")),
        "/api?page=2": [Route.too_many(retry_after=1), Route(body='{"ok": true}')],
        "/broken": Route.malformed(),
        "/search": lambda req: Route(body=...),          # decide per request
    }
    with FixtureServer(routes, directory=Path("snapshots")) as server:
        server.url                # "http://127.0.0.1:<port>"
        server.requests           # [Hit(method, target, headers, body), ...]

Lookup order for a request: the exact ``path?query`` (query parameters sorted, so their
order does not matter), then the bare ``path``, then a file under ``directory``, else 404.
A list of routes is served in order, one per request, and its last entry repeats (that is
how a 429 followed by success is expressed). A callable gets the :class:`Hit` and returns
a :class:`Route`. ``/robots.txt`` is 404 (= everything allowed) unless routed.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["FixtureServer", "Hit", "Route", "RouteSpec", "RouteTable", "normalise_target"]


@dataclass
class Route:
    """One canned response: a body (or a file), a status and headers."""

    body: bytes | str | None = None
    file: Path | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    @classmethod
    def too_many(cls, retry_after: float | str = 1) -> Route:
        """A 429 rate-limit answer carrying ``Retry-After`` (seconds or an HTTP date)."""
        return cls(
            body="rate limited",
            status=429,
            headers={"Retry-After": str(retry_after)},
            content_type="text/plain",
        )

    @classmethod
    def malformed(cls, content_type: str = "application/json") -> Route:
        """A 200 answer whose body is truncated garbage in the announced format."""
        return cls(body='{"feed": {"entry": [{"id": ', content_type=content_type)

    def payload(self) -> bytes:
        if self.file is not None:
            return Path(self.file).read_bytes()
        if self.body is None:
            return b""
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body

    def guess_type(self) -> str:
        if self.content_type:
            return self.content_type
        if self.file is not None:
            guessed, _ = mimetypes.guess_type(str(self.file))
            if guessed:
                return guessed + ("; charset=utf-8" if guessed.startswith("text/") else "")
        return "application/octet-stream" if isinstance(self.body, bytes) else "text/plain; charset=utf-8"


@dataclass
class Hit:
    """A request the server received (for assertions and per-request routes)."""

    method: str
    target: str  # normalised path?query
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (for back-off checks)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


RouteSpec = Route | Sequence[Route] | Callable[[Hit], Route]


def normalise_target(target: str) -> str:
    """``/p?b=2&a=1`` -> ``/p?a=1&b=2``: route keys match whatever the parameter order."""
    parts = urlsplit(target)
    if not parts.query:
        return parts.path or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.path or '/'}?{query}"


class RouteTable(dict):
    """A dict of routes whose keys are normalised on every write (``server.routes[...] = ...``)."""

    def __init__(self, routes: Mapping[str, RouteSpec] | None = None):
        super().__init__()
        self.update(routes or {})

    def __setitem__(self, key: str, value: RouteSpec) -> None:
        super().__setitem__(normalise_target(key), value)

    def update(self, *args: object, **kwargs: RouteSpec) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


class FixtureServer:
    """Serve ``routes`` (and optionally files under ``directory``) on 127.0.0.1:<free port>."""

    def __init__(self, routes: Mapping[str, RouteSpec] | None = None, *, directory: Path | None = None):
        self.routes = RouteTable(routes)
        self.directory = Path(directory).resolve() if directory else None
        self.requests: list[Hit] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FixtureServer:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fixture-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._httpd:
            raise RuntimeError("the server is not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str) -> list[Hit]:
        """Requests received for ``path`` (any query)."""
        return [h for h in self.requests if h.path == path]

    # ------------------------------------------------------------------ routing
    def resolve(self, hit: Hit) -> Route:
        spec = self.routes.get(hit.target)
        key = hit.target
        if spec is None:
            spec, key = self.routes.get(hit.path), hit.path
        if spec is None:
            return self._from_directory(hit.path)
        if callable(spec) and not isinstance(spec, Route):
            return spec(hit)
        if isinstance(spec, Route):
            return spec
        with self._lock:
            n = self._served.get(key, 0)
            self._served[key] = n + 1
        return spec[min(n, len(spec) - 1)]

    def _from_directory(self, path: str) -> Route:
        if self.directory is not None:
            candidate = (self.directory / path.lstrip("/")).resolve()
            if candidate.is_relative_to(self.directory) and candidate.is_file():
                return Route(file=candidate)
        return Route(body="not found", status=404, content_type="text/plain")


def _make_handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            hit = Hit(self.command, normalise_target(self.path), dict(self.headers.items()), body)
            with server._lock:
                server.requests.append(hit)
            route = server.resolve(hit)
            payload = route.payload()
            self.send_response(route.status)
            self.send_header("Content-Type", route.guess_type())
            self.send_header("Content-Length", str(len(payload)))
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output clean; ``server.requests`` records everything

    return Handler
