"""ASGI middleware in front of ``brandpulse serve``: known Host headers only, reads only.

Why a Host check: Datasette answers any ``Host:``. A web page on ``evil.example`` whose DNS
name is re-bound to 127.0.0.1 (DNS rebinding) is then same-origin with the local Datasette
in the victim's browser and can read the whole archive. Requests must name the host the
server was started for (or one the operator allowed, e.g. the name a reverse proxy forwards).

Why reads only: the archive is served read-only, so a write can only fail; without this,
Datasette answers a POST to an unknown route (``…/-/insert``) with a 500 and a traceback in
the log. A clean 405 says what is going on.

Pure ASGI, no Datasette import: ``datasette_plugin.py`` wires it in, the tests call it directly.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

#: The plugin's name in the Datasette metadata that carries the allowed hosts.
PLUGIN = "brandpulse-guard"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

Scope = dict[str, Any]
App = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> list[str]:
    """Host names a request may carry: the bound address, the loopback names when bound to a
    loopback or wildcard address, and ``extra`` (names a proxy forwards)."""
    hosts = [bind_host]
    if bind_host in (*LOCAL_HOSTS, "0.0.0.0", "::"):
        hosts.extend(LOCAL_HOSTS)
    hosts.extend(extra)
    return list(dict.fromkeys(h.strip().lower() for h in hosts if h.strip()))


def host_name(header: str) -> str:
    """The name in a Host header without its port: ``[::1]:8001`` → ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostAndMethodGuard:
    """Refuse requests with an unknown Host (400) or a method that writes (405)."""

    def __init__(self, app: App, hosts: Iterable[str]):
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = host_name(headers.get("host", ""))
        if host not in self.hosts:
            await _reply(
                send,
                400,
                f"Host {host or '(none)'!r} is not served here; allowed: {', '.join(sorted(self.hosts))}"
                " (brandpulse serve --allow-host NAME adds the name your proxy forwards)",
            )
            return
        if scope.get("method", "GET").upper() not in READ_METHODS:
            await _reply(
                send,
                405,
                "the archive is served read-only: brandpulse serve accepts GET and HEAD only",
                allow="GET, HEAD, OPTIONS",
            )
            return
        await self.app(scope, receive, send)


async def _reply(send: Any, status: int, message: str, *, allow: str | None = None) -> None:
    body = json.dumps({"ok": False, "status": status, "error": message}).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if allow:
        headers.append((b"allow", allow.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
