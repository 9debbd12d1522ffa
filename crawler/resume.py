"""Where a source's crawl goes on: the newest item stored without a hole below it, and the
stretches of older pages ("gaps") still to fetch.

Why not just "the newest item seen": sources list newest first, and a run can end anywhere —
``kill -9``, the timeout, a shutdown, the page cap. If the next run trusted the newest date it
saw, it would stop at its first page of known items and never fetch what lay below the point
where the last run ended. So each stream of a source keeps (``crawl_cursors.resume``, JSON):

- ``newest``: everything between this item and the gaps is stored. It only moves when the
  page that holds the newer items is stored, and moving it opens a gap below that page unless
  the page reaches down to the old ``newest``.
- ``gaps`` (newest first): ``{"next": token, "until": ISO time or null, "taken": n}`` — fetch
  from the page ``next`` names until a page holds nothing newer than ``until``. The gap with
  ``until: null`` is the backfill: it goes on until ``taken`` reaches ``backfill_limit`` or
  the source ends. At the limit it stays parked, so that raising the limit continues it.

A run walks the catch-up first (from the first page down to ``newest``), then each gap.
A page's changes are written only after its items are stored (``CrawlContext`` orders that),
so whatever stops a run, the next one redoes at most the pages it had not finished.
Tokens are whatever the spider's next request needs (a page number, a paging token);
page-number tokens drift down as new items arrive, which re-reads known items, never skips.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from monitor.core.archive import Archive
from monitor.core.times import iso, utcnow

#: The stream of sources that page through one list (all but Mastodon's two).
MAIN = "main"


@dataclass
class Gap:
    next: Any
    until: str | None = None
    taken: int = 0


@dataclass
class StreamState:
    newest: str | None = None
    gaps: list[Gap] = field(default_factory=list)

    @property
    def fresh(self) -> bool:
        """Never stored anything: the first walk is the backfill from the first page."""
        return self.newest is None and not self.gaps


@dataclass
class ResumeState:
    streams: dict[str, StreamState] = field(default_factory=dict)
    #: ``newest_published_at`` of a cursor written before schema v4 (no ``resume`` yet)
    legacy_newest: str | None = None

    def stream(self, name: str = MAIN) -> StreamState:
        if name not in self.streams:
            self.streams[name] = StreamState(newest=self.legacy_newest)
        return self.streams[name]

    @property
    def newest(self) -> str | None:
        dates = [s.newest for s in self.streams.values() if s.newest]
        return max(dates) if dates else self.legacy_newest

    def to_json(self) -> str:
        return json.dumps(
            {
                name: {"newest": s.newest, "gaps": [asdict(g) for g in s.gaps]}
                for name, s in self.streams.items()
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None, legacy_newest: str | None = None) -> ResumeState:
        if not text:
            return cls(legacy_newest=legacy_newest)
        data = json.loads(text)
        return cls(
            streams={
                name: StreamState(newest=s.get("newest"), gaps=[Gap(**g) for g in s.get("gaps") or []])
                for name, s in data.items()
            }
        )


# --------------------------------------------------------------------------- walks


@dataclass
class Walk:
    """One pass over consecutive pages of a stream in this run: the catch-up or one gap."""

    stream: str
    token: Any  # the first page's token (None: the source's first page)
    until: str | None  # stop at a page with nothing newer than this (None: the backfill)
    limit: int | None  # items this walk may still take (the backfill only)
    catchup: bool
    gap: Gap | None = None  # the gap in the planned state this walk works through
    taken: int = 0
    pages: int = 0
    ended: str | None = None  # why it stopped: end | connected | limit | broken


@dataclass
class PageFacts:
    """What one accepted page tells the walk."""

    token: Any  # the page that was fetched
    next: Any  # the next page's token; None at the source's end
    newest: str | None  # newest item on the page (ISO)
    newer: bool  # it holds an item newer than the walk's ``until`` (any item, for the backfill)
    broken: bool  # nothing on it was readable, and something failed
    taken: int = 0  # items it added that the archive did not have
    cut: bool = False  # the walk's item limit ended it part-way


def plan(state: StreamState, stream: str, backfill_limit: int) -> Iterator[Walk]:
    """This run's walks for one stream: the catch-up, then the gaps as they were at the start."""
    if state.fresh:
        yield Walk(stream, None, until=None, limit=backfill_limit, catchup=True)
        return
    yield Walk(stream, None, until=state.newest, limit=None, catchup=True)
    for gap in list(state.gaps):
        limit = None if gap.until is not None else backfill_limit - gap.taken
        if limit is not None and limit <= 0:
            continue  # the backfill is parked at its limit
        if gap in state.gaps:  # not closed by an earlier walk of this run
            yield Walk(stream, gap.next, until=gap.until, limit=limit, catchup=False, gap=gap)


def later(a: str | None, b: str | None) -> str | None:
    return max(x for x in (a, b) if x) if (a or b) else None


def after_page(state: StreamState, walk: Walk, f: PageFacts) -> str | None:
    """Apply one page to the planned state; why the walk stops here, or None to go on.

    The caller writes the result only once the page's items are stored."""
    walk.pages += 1
    if f.broken:
        return "broken"  # the gap keeps pointing at this page: retried at the next run
    if walk.catchup:
        state.newest = later(state.newest, f.newest)
    walk.taken += f.taken
    if walk.gap is not None and walk.gap.until is None:
        walk.gap.taken += f.taken
    if not f.newer or f.next is None:
        if walk.gap is not None:
            state.gaps.remove(walk.gap)
            walk.gap = None
        return "end" if f.next is None or walk.until is None else "connected"
    limit_hit = walk.limit is not None and walk.taken >= walk.limit
    _keep_place(state, walk, f.token if (limit_hit and f.cut) else f.next)
    return "limit" if limit_hit else None


def _keep_place(state: StreamState, walk: Walk, token: Any) -> None:
    if walk.gap is None:  # the catch-up's first page: a gap opens below it
        walk.gap = Gap(next=token, until=walk.until, taken=walk.taken if walk.until is None else 0)
        state.gaps.insert(0, walk.gap)
    else:
        walk.gap.next = token


# --------------------------------------------------------------------------- storage


def load(archive: Archive, brand: str, source_key: str) -> ResumeState:
    row = archive.conn.execute(
        "SELECT resume, newest_published_at FROM crawl_cursors WHERE brand=? AND source_key=?",
        (brand, source_key),
    ).fetchone()
    if row is None:
        return ResumeState()
    return ResumeState.from_json(row[0], legacy_newest=row[1])


def save(archive: Archive, brand: str, source_key: str, snapshot: str, newest: str | None) -> None:
    """Write a state snapshot (inside the caller's transaction, if any)."""
    archive.conn.execute(
        """INSERT INTO crawl_cursors (brand, source_key, resume, newest_published_at, updated_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (brand, source_key) DO UPDATE SET
             resume = excluded.resume,
             newest_published_at = coalesce(excluded.newest_published_at, newest_published_at),
             updated_at = excluded.updated_at""",
        (brand, source_key, snapshot, newest, iso(utcnow())),
    )
