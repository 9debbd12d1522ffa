"""A review source deep enough to need several runs, served on 127.0.0.1, that can kill the
crawl process in the middle of a page or answer slowly.

The reviews live in one list, newest first, like the real sites list them; ``add_newer`` puts
new reviews on top between runs, so page numbers (Trustpilot) and offset tokens (Google Play)
drift the way they do in production. ``kill_at`` makes the server SIGKILL the crawl's process
group when a given request of the current run arrives — before it answers, so the items of
the pages before it may still be waiting in the pipeline's batch.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psutil

from crawler.localserver import Hit, Route
from monitor.demo.run import play_token

TRUSTPILOT_PER_PAGE = 20
PLAY_PER_PAGE = 40
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def crawl_children() -> list[psutil.Process]:
    """The ``python -m crawler.run`` processes this test process started."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "crawler.run" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@dataclass
class DeepSource:
    total: int
    reviews: list[dict] = field(default_factory=list)
    #: request number (1-based, counted per run) -> kill the crawl process group there
    kill_at: set[int] = field(default_factory=set)
    #: seconds every page answer waits (the timeout path)
    delay_s: float = 0.0
    #: (request number in the run) -> seconds that one answer hangs (a slow-loris URL)
    hang: dict[int, float] = field(default_factory=dict)
    requests: int = 0
    kills: int = 0
    _newest: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.add_newer(self.total)

    def add_newer(self, n: int) -> None:
        """``n`` new reviews on top (one minute apart, newer than everything so far)."""
        new = []
        for _ in range(n):
            self._newest += 1
            i = self._newest
            when = START + timedelta(minutes=i)
            new.append(
                {
                    "id": f"rev-{i:05d}",
                    "text": f"Bewertung Nummer {i}: Lieferung kam nach {i % 7 + 1} Tagen.",
                    "author": f"Kunde {i}",
                    "rating": i % 5 + 1,
                    "when": when,
                }
            )
        self.reviews[:0] = reversed(new)

    @property
    def ids(self) -> set[str]:
        return {r["id"] for r in self.reviews}

    def new_run(self, kill_at: set[int] | None = None) -> None:
        self.requests, self.kill_at = 0, set(kill_at or ())

    # ------------------------------------------------------------------ serving
    def _arrived(self) -> None:
        with self._lock:
            self.requests += 1
            n = self.requests
        if n in self.kill_at:
            for child in crawl_children():
                try:
                    os.killpg(child.pid, signal.SIGKILL)  # the crawl's own process group
                    self.kills += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        time.sleep(self.delay_s + self.hang.get(n, 0.0))

    def trustpilot_route(self, hit: Hit) -> Route:
        self._arrived()
        page = int(hit.query.get("page", "1"))
        pages = max(1, -(-len(self.reviews) // TRUSTPILOT_PER_PAGE))
        chunk = self.reviews[(page - 1) * TRUSTPILOT_PER_PAGE : page * TRUSTPILOT_PER_PAGE]
        data = {
            "props": {
                "pageProps": {
                    "reviews": [
                        {
                            "id": r["id"],
                            "consumer": {"displayName": r["author"]},
                            "title": None,
                            "text": r["text"],
                            "language": "de",
                            "rating": r["rating"],
                            "dates": {"publishedDate": r["when"].strftime("%Y-%m-%dT%H:%M:%S.000Z")},
                            "likes": 0,
                        }
                        for r in chunk
                    ],
                    "filters": {"pagination": {"currentPage": page, "totalPages": pages}},
                }
            }
        }
        html = (
            '<html><body><script id="__NEXT_DATA__" type="application/json">'
            f"{json.dumps(data)}</script></body></html>"
        )
        return Route(body=html, content_type="text/html; charset=utf-8")

    def play_route(self, hit: Hit) -> Route:
        self._arrived()
        token = play_token(hit.body)
        start = int(token[1:]) if token else 0
        chunk = self.reviews[start : start + PLAY_PER_PAGE]
        nxt = f"T{start + PLAY_PER_PAGE}" if start + PLAY_PER_PAGE < len(self.reviews) else None
        rows = [
            [r["id"], [r["author"]], r["rating"], None, r["text"], [int(r["when"].timestamp()), 0], 0]
            for r in chunk
        ]
        inner = json.dumps([rows, [None, nxt] if nxt else None])
        envelope = [["wrb.fr", "UsvDTd", inner, None, None, None, "generic"]]
        return Route(body=")]}'\n\n" + json.dumps(envelope), content_type="application/json")

    def routes(self, domain: str = "tief.example") -> dict:
        return {
            f"/review/{domain}": self.trustpilot_route,
            "/_/PlayStoreUi/data/batchexecute": self.play_route,
        }


def deep_watchlist(base_url: str, source_type: str, **crawler: object) -> dict:
    source = (
        {"type": "trustpilot", "domain": "tief.example"}
        if source_type == "trustpilot"
        else {"type": "google_play", "app_id": "example.tief", "country": "de", "language": "de"}
    )
    return {
        "archive": "archive.db",
        "crawler": {"download_delay": 0, "backfill_limit": 5000, **crawler},
        "brands": [{"name": "Tief", "sources": [{**source, "base_url": base_url}]}],
    }
