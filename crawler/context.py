"""What one spider run knows and counts: the source, the archive, where to go on, the health.

A ``CrawlContext`` is handed to the spider (and through it to the pipeline). It turns parsed
fields into validated archive rows, decides whether paging goes on (``crawler.resume``: the
catch-up down to the newest stored item, then the gaps a cut-short run left), applies the
brand filter and counts everything that ends up in the ``crawl_runs`` row.

Ordering is what makes a stop lose nothing: each accepted page queues a *checkpoint* (the
resume state after that page) that is written only once every row of that page and of the
pages before it is stored. Rows are stored by the pipeline in batches, or all at once by
``flush_all`` when the run is told to stop.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from crawler import resume
from crawler.resume import MAIN, PageFacts, Walk
from monitor.core.archive import Archive
from monitor.core.config_sources import REVIEW_SOURCES
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import parse_time

log = logging.getLogger(__name__)

#: Review sources: every item is about the configured product, so no name filter applies.
#: Parse error messages kept in the run record.
MESSAGE_SAMPLES = 5


@dataclass
class ParsedPage:
    """What a parser got out of one response: item fields, per-item errors, the next page."""

    items: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    next: Any = None
    notes: list[str] = field(default_factory=list)


@dataclass
class RunCounters:
    items_new: int = 0
    items_seen: int = 0
    items_irrelevant: int = 0
    items_parsed: int = 0
    parse_errors: int = 0
    http_errors: int = 0
    pages_ok: int = 0
    responses: int = 0  # 2xx responses, readable or not
    duplicates: int = 0
    #: of the rows stored (new or seen), the reviews with stars and no text
    items_rating_only: int = 0
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: caps that ended paging and why the run stopped: always written in full
    limits: list[str] = field(default_factory=list)


def row_key(row: dict) -> tuple[str, str]:
    return row["source"], row["external_id"]


class CrawlContext:
    """State of one (brand, source) run."""

    def __init__(
        self,
        wl: Any,
        brand: Any,
        source: Any,
        archive: Archive,
        *,
        matcher: Any = None,
        run_id: int | None = None,
    ):
        self.wl = wl
        self.brand = brand
        self.source = source
        self.archive = archive
        self.run_id = run_id
        self.counters = RunCounters()
        self.started = time.monotonic()
        self.state = resume.load(archive, brand.name, source.key)
        self.backfill_limit: int = source.backfill_limit or wl.crawler.backfill_limit
        self.max_pages: int = wl.crawler.max_pages_per_run
        self.first_run = self.state.stream(MAIN).fresh
        #: item cap of pages outside walks (sources without paging): their first run only
        self.limit: int | None = self.backfill_limit if self.first_run else None
        self.emitted = 0
        #: set by spiders whose API filters by date server-side: an empty answer is then normal
        self.empty_is_normal = False
        #: set by spiders whose streams are lists of their own (App Store storefronts): the page
        #: cap then holds for each stream, so that one deep list cannot starve the others
        self.pages_per_stream = False
        self._stream_pages: Counter[str] = Counter()
        #: where the page cap was reached: a stream, or None for the whole source
        self._capped: set[str | None] = set()
        #: 'timeout' | 'interrupted' once the run was told to stop
        self.stopping: str | None = None
        self.pending: dict[tuple[str, str], dict] = {}
        self.checkpoints: deque[tuple[set, str]] = deque()
        self._walks: dict[str, Any] = {}
        self.matcher = matcher if matcher is not None else self._default_matcher()
        from monitor.core.pseudonyms import ingest_transform

        # Pseudonymise authors before anything is stored (raises MissingKey without the key).
        self.prepare = ingest_transform(wl)

    # ------------------------------------------------------------------ identity
    @property
    def source_type(self) -> str:
        return self.source.type

    @property
    def source_key(self) -> str:
        return self.source.key

    @property
    def since(self) -> datetime | None:
        """The newest item stored without a hole below it (main stream)."""
        newest = self.state.stream(MAIN).newest
        return parse_time(newest) if newest else None

    def search_terms(self, *, boolean: bool = True) -> str:
        """The query for search APIs: the source's own, else the brand's names OR-ed
        (or just the name for APIs without OR); the brand filter then drops false hits."""
        own = getattr(self.source, "query", None)
        if own:
            return own
        if not boolean:
            return self.brand.name
        return " OR ".join(f'"{t}"' if " " in t else t for t in self.brand.terms)

    def _default_matcher(self) -> Any:
        if self.source_type in REVIEW_SOURCES:
            return None
        from nlp.brands import compile_brand

        b = self.brand
        return compile_brand(b.name, b.aliases, b.exclude, query=b.query, case_sensitive=b.case_sensitive)

    # ------------------------------------------------------------------ walks
    def next_walk(self, stream: str = MAIN) -> Walk | None:
        """The next stretch of pages to fetch in ``stream`` (catch-up first, then the gaps);
        None when there is none, the page cap is reached or the run is stopping."""
        if self.stopping or self._cap_scope(stream) in self._capped:
            return None
        if stream not in self._walks:
            self._walks[stream] = resume.plan(self.state.stream(stream), stream, self.backfill_limit)
        return next(self._walks[stream], None)

    # ------------------------------------------------------------------ items
    def to_row(self, fields: dict) -> dict:
        """Validate parsed fields into an archive row (raises ValueError with a reason)."""
        data = {**fields, "source": self.source_type, "source_key": self.source_key, "brand": self.brand.name}
        try:
            m = MentionIn.model_validate(data)
        except ValidationError as exc:
            reason = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
            raise ValueError(reason) from None
        row = mention_row(m, default_brand=self.brand.name)
        return self.prepare(row) if self.prepare else row

    def is_known(self, row: dict) -> bool:
        """Stored already, or accepted earlier in this run (e.g. from another storefront)."""
        if row_key(row) in self.pending:
            return True
        hit = self.archive.conn.execute(
            "SELECT 1 FROM mentions WHERE source=? AND external_id=?",
            (row["source"], row["external_id"]),
        ).fetchone()
        return hit is not None

    def is_relevant(self, row: dict) -> bool:
        if self.matcher is None:
            return True
        return bool(self.matcher.matches(f"{row.get('title') or ''}\n{row.get('text') or ''}"))

    def accept(
        self, page: ParsedPage, url: str, walk: Walk | None = None, token: Any = None
    ) -> tuple[list[dict], bool]:
        """Rows to store from a parsed page, and whether fetching the walk's next page is worth it.

        ``walk`` is the stretch of pages this one belongs to (None for sources without
        paging). Paging goes on while the page holds an item newer than the walk's ``until``
        — known or not, so that pages a killed run stored are walked through, not stopped at."""
        c = self.counters
        c.pages_ok += 1
        c.responses += 1
        c.notes.extend(page.notes)
        for err in page.errors:
            self.parse_error(url, err)
        rows, facts = self._rows(page, url, walk, token)
        more = False
        if walk is None:
            stream = self.state.stream(MAIN)
            stream.newest = resume.later(stream.newest, facts.newest)
        else:
            more = self._go_on(walk, facts)
        self._checkpoint(rows)
        return rows, more

    def _room(self, walk: Walk | None) -> int | None:
        """Items this page may still add: the walk's backfill limit, or the first-run limit of
        a source without paging."""
        if walk is not None:
            return None if walk.limit is None else walk.limit - walk.taken
        return None if self.limit is None else self.limit - self.emitted

    def _rows(
        self, page: ParsedPage, url: str, walk: Walk | None, token: Any
    ) -> tuple[list[dict], PageFacts]:
        room = self._room(walk)
        rows: list[dict] = []
        newest, newer, taken, parsed, failed, cut = None, False, 0, 0, len(page.errors), False
        for n, fields in enumerate(page.items):
            if room is not None and (taken if walk is not None else len(rows)) >= room:
                cut = True
                break
            try:
                row = self.to_row({**fields, "raw_ref": f"{url}#{n}"})
            except ValueError as exc:
                self.parse_error(url, f"item {n}: {exc}")
                failed += 1
                continue
            parsed += 1
            self.counters.items_parsed += 1
            newest = resume.later(newest, row["published_at"])
            newer = newer or walk is None or walk.until is None or row["published_at"] > walk.until
            if not self.is_relevant(row):
                self.counters.items_irrelevant += 1
                continue
            taken += not self.is_known(row)  # what counts against the backfill limit
            self.emitted += 1
            self.counters.items_rating_only += row["text"] is None
            rows.append(row)
        return rows, PageFacts(token, page.next, newest, newer, parsed == 0 and failed > 0, taken, cut)

    def _go_on(self, walk: Walk, facts: PageFacts) -> bool:
        """Apply the page to the planned resume state; whether the walk fetches its next page."""
        walk.ended = resume.after_page(self.state.stream(walk.stream), walk, facts)
        if walk.ended == "limit":
            self._limit(
                f"backfill limit reached: {self.backfill_limit} items (crawler.backfill_limit or the "
                "source's backfill_limit); older items are not fetched until it is raised"
            )
        more = walk.ended is None and not self.stopping
        self._stream_pages[walk.stream] += 1
        scope = self._cap_scope(walk.stream)
        pages = self.counters.pages_ok if scope is None else self._stream_pages[scope]
        if more and pages >= self.max_pages:
            more = False
            if scope not in self._capped:
                self._capped.add(scope)
                where = "" if scope is None else f" of {scope!r} (the cap holds for each of its lists)"
                self._limit(
                    f"page cap reached: {self.max_pages} pages this run{where} (crawler.max_pages_per_run); "
                    "the next run goes on from here"
                )
        return more

    def _cap_scope(self, stream: str) -> str | None:
        return stream if self.pages_per_stream else None

    def _limit(self, text: str) -> None:
        if text not in self.limits:  # a source with many streams reaches one limit many times
            self.limits.append(text)

    @property
    def limits(self) -> list[str]:
        return self.counters.limits

    # ------------------------------------------------------------------ storing
    def _checkpoint(self, rows: list[dict]) -> None:
        keys = set()
        for row in rows:
            key = row_key(row)
            self.pending.setdefault(key, row)  # seen twice in a run: the first sighting is stored
            keys.add(key)
        self.checkpoints.append((keys, self.state.to_json()))
        self._advance()

    def store(self, rows: list[dict]) -> None:
        """Store rows accepted earlier (idempotent on (source, external_id)); then write every
        checkpoint whose pages are now stored, and the run's progress."""
        todo = [r for r in rows if row_key(r) in self.pending]
        if todo:
            stats = self.archive.add_mentions(todo)
            self.counters.items_new += stats.new
            self.counters.items_seen += stats.seen
            self.counters.duplicates += stats.duplicates
            for row in todo:
                self.pending.pop(row_key(row), None)
        self._advance(progress=bool(todo))

    def flush_all(self) -> None:
        """Store everything accepted so far, including rows still on their way to the pipeline."""
        self.store(list(self.pending.values()))

    def _advance(self, *, progress: bool = False) -> None:
        snapshot = None
        while self.checkpoints and not (self.checkpoints[0][0] & self.pending.keys()):
            snapshot = self.checkpoints.popleft()[1]
        if snapshot is None and not progress:
            return
        with self.archive.conn:
            if snapshot is not None:
                resume.save(self.archive, self.brand.name, self.source_key, snapshot, self.state.newest)
            if progress and self.run_id is not None:
                c = self.counters
                self.archive.conn.execute(
                    "UPDATE crawl_runs SET items_new=?, items_seen=?, items_irrelevant=?, "
                    "items_rating_only=?, parse_errors=?, http_errors=? WHERE id=? AND status='running'",
                    (
                        c.items_new,
                        c.items_seen,
                        c.items_irrelevant,
                        c.items_rating_only,
                        c.parse_errors,
                        c.http_errors,
                        self.run_id,
                    ),
                )

    def stop(self, status: str, why: str) -> None:
        """The run was told to stop (timeout, SIGTERM): no new requests, everything parsed is
        stored now, and the record says why."""
        if self.stopping is None:
            self.stopping = status
            self.limits.append(why)
        self.flush_all()

    # ------------------------------------------------------------------ health
    def parse_error(self, url: str, reason: str) -> None:
        self.counters.parse_errors += 1
        log.warning("parse error at %s: %s", url, reason)
        if len(self.counters.messages) < MESSAGE_SAMPLES:
            self.counters.messages.append(f"parse error at {url}: {reason}")

    def unreadable(self, url: str, reason: str) -> None:
        """A whole response that could not be parsed: one parse error, paging stops there."""
        self.counters.responses += 1
        self.parse_error(url, f"unreadable response: {reason}")

    def http_error(self, url: str, reason: str) -> None:
        self.counters.http_errors += 1
        log.warning("HTTP error at %s: %s", url, reason)
        if len(self.counters.messages) < MESSAGE_SAMPLES:
            self.counters.messages.append(f"HTTP error at {url}: {reason}")

    def note(self, text: str) -> None:
        if text not in self.counters.notes:
            self.counters.notes.append(text)

    def yielded_before(self) -> bool:
        row = self.archive.conn.execute(
            """SELECT 1 FROM crawl_runs WHERE brand=? AND source_key=? AND status='ok'
               AND items_new + items_seen + items_irrelevant > 0 LIMIT 1""",
            (self.brand.name, self.source_key),
        ).fetchone()
        return row is not None

    def summary(self) -> dict:
        """The ``crawl_runs`` columns for this run (status decided by the caller)."""
        c = self.counters
        layout_suspect = (
            c.responses > 0
            and c.items_parsed == 0
            and (c.parse_errors > 0 or not self.empty_is_normal)
            and self.yielded_before()
        )
        message_parts = list(c.limits)
        if layout_suspect:
            message_parts.insert(
                0,
                "no items parsed although this source yielded items before: "
                "its page layout or API probably changed",
            )
        message_parts.extend(c.messages)
        message_parts.extend(c.notes[:3])
        return {
            "items_new": c.items_new,
            "items_seen": c.items_seen,
            "items_irrelevant": c.items_irrelevant,
            "items_rating_only": c.items_rating_only,
            "parse_errors": c.parse_errors,
            "http_errors": c.http_errors,
            "duration_s": round(time.monotonic() - self.started, 3),
            "layout_suspect": int(layout_suspect),
            "message": "\n".join(message_parts) or None,
        }
