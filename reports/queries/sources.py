"""Per source: the period's volume and rating, and its crawl health."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.core.times import Window
from reports.queries.labels import source_label

BROKEN_STATUSES = ("failed", "timeout", "killed")


@dataclass
class SourceInfo:
    """Volume, rating and crawler health of one configured (or seen) source."""

    source: str
    source_key: str | None
    label: str
    mentions: int = 0
    rated: int = 0
    avg_rating: float | None = None
    last_status: str | None = None
    last_run_at: str | None = None
    layout_suspect: bool = False
    failures_in_row: int = 0
    message: str | None = None

    @property
    def broken(self) -> bool:
        return self.layout_suspect or self.last_status in BROKEN_STATUSES

    @property
    def detail(self) -> str:
        """The key's parameters, short ("acme.example", "mastodon.social #acme"), to tell
        two sources of one type apart."""
        if not self.source_key or ":" not in self.source_key:
            return ""
        values = []
        for part in self.source_key.split(":", 1)[1].split(","):
            name, _, value = part.partition("=")
            if name == "url" or value.startswith(("http://", "https://")):
                parsed = urlsplit(value)
                last = parsed.path.rstrip("/").rpartition("/")[2]
                value = parsed.netloc + (f" {last}" if len(last) <= 16 else f" …{last[-6:]}")
            elif name == "hashtag":
                value = "#" + value
            if value and name not in ("country", "language", "lang", "tags"):
                values.append(value)
        return " ".join(values)


def source_stats(
    conn: sqlite3.Connection,
    brand: str,
    win: Window,
    configured: Iterable[tuple[str, str]] = (),
    *,
    language: str = "en",
) -> list[SourceInfo]:
    """Per source: the window's volume and rating, and its health from the newest crawl runs.

    Health is as of now, not as of the window: the morning digest must report the spider
    that broke overnight, and a replayed day (demo, ``--date``) has only today's runs.
    ``configured`` lists (type, key) pairs from the watchlist so that a source that found
    nothing still shows up with its health. Labels are in ``language``, the digest's.
    """
    infos: dict[tuple[str, str | None], SourceInfo] = {}
    for stype, key in configured:
        infos[(stype, key)] = SourceInfo(stype, key, source_label(stype, language))
    for stype, key, n, rated, avg in conn.execute(
        """
        SELECT source, source_key, count(*), count(CASE WHEN rating >= 1 THEN 1 END),
               avg(CASE WHEN rating >= 1 THEN rating END)
        FROM mentions
        WHERE brand = ? AND published_at >= ? AND published_at < ? AND duplicate_of IS NULL
        GROUP BY source, source_key
        """,
        (brand, win.start_iso, win.end_iso),
    ):
        info = infos.setdefault((stype, key), SourceInfo(stype, key, source_label(stype, language)))
        info.mentions, info.rated, info.avg_rating = n, rated, avg
    for info in infos.values():
        if info.source_key is None:
            continue
        runs = conn.execute(
            """
            SELECT status, started_at, layout_suspect, message FROM crawl_runs
            WHERE brand = ? AND source_key = ? AND status != 'running'
            ORDER BY started_at DESC, id DESC LIMIT 20
            """,
            (brand, info.source_key),
        ).fetchall()
        if not runs:
            continue
        info.last_status, info.last_run_at = runs[0][0], runs[0][1]
        info.layout_suspect = bool(runs[0][2])
        info.message = runs[0][3]
        for status, *_ in runs:
            if status not in BROKEN_STATUSES:
                break
            info.failures_in_row += 1
    return sorted(infos.values(), key=lambda s: (not s.broken, -s.mentions, s.label))
