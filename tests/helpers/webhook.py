"""A real HTTP receiver for push tests: a threading HTTPServer on 127.0.0.1 that keeps every
JSON body posted to it (Apprise's ``json://127.0.0.1:PORT/path``).

Why a real server: the promise is "the channel receives the message once", which only a
receiver that gets the bytes over HTTP can check. ``fail_next`` scripts error answers (e.g.
three 503s) to exercise retries.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Posts:
    """What the receiver got: (path, parsed JSON body) per accepted post."""

    received: list[tuple[str, dict]] = field(default_factory=list)
    refused: int = 0
    fail_next: list[int] = field(default_factory=list)  # status codes to answer first
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [b for p, b in self.received if path is None or p == path]


class WebhookServer:
    """Context manager: ``with WebhookServer(posts) as host:`` gives "127.0.0.1:PORT" (for json://…)."""

    def __init__(self, posts: Posts):
        self.posts = posts
        posts_ = posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with posts_.lock:
                    status = posts_.fail_next.pop(0) if posts_.fail_next else 200
                    if status == 200:
                        posts_.received.append((self.path, json.loads(raw or b"{}")))
                    else:
                        posts_.refused += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
