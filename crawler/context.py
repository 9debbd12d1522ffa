"""What one spider run knows and counts: the source, the archive, the cursor, the health.

A ``CrawlContext`` is handed to the spider (and through it to the pipeline). It turns parsed
fields into validated archive rows, decides whether paging should go on (incremental runs
stop at known items), applies the brand filter and counts everything that ends up in the
``crawl_runs`` row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import iso, parse_time

log = logging.getLogger(__name__)

#: Review sources: every item is about the configured product, so no name filter applies.
REVIEW_SOURCES = frozenset({"appstore", "google_play", "trustpilot", "schemaorg"})
#: Safety cap on pages per run, whatever the source says.
MAX_PAGES = 50
#: Parse error messages kept in the run record.
MESSAGE_SAMPLES = 5


@dataclass
class ParsedPage:
    """What a parser got out of one response: item fields, per-item errors, the next page."""

    items: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    next: Any = None
    notes: list[str] = field(default_factory=list)
    #: reviews that carry a rating but no text: not errors, not (yet) stored mentions
    rating_only: int = 0


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
    items_rating_only: int = 0  # star ratings without text (not stored yet)
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class CrawlContext:
    """State of one (brand, source) run."""

    def __init__(self, wl: Any, brand: Any, source: Any, archive: Archive, *, matcher: Any = None):
        self.wl = wl
        self.brand = brand
        self.source = source
        self.archive = archive
        self.counters = RunCounters()
        self.started = time.monotonic()
        cursor = archive.get_cursor(brand.name, source.key)
        self.cursor: str | None = cursor["cursor"] if cursor else None
        newest = cursor["newest_published_at"] if cursor else None
        self.since: datetime | None = parse_time(newest) if newest else None
        self.first_run = cursor is None
        self.limit: int | None = (
            (source.backfill_limit or wl.crawler.backfill_limit) if self.first_run else None
        )
        self.emitted = 0
        #: set by spiders whose API filters by date server-side: an empty answer is then normal
        self.empty_is_normal = False
        self.newest: datetime | None = None
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
        hit = self.archive.conn.execute(
            "SELECT 1 FROM mentions WHERE source=? AND external_id=?",
            (row["source"], row["external_id"]),
        ).fetchone()
        return hit is not None

    def is_relevant(self, row: dict) -> bool:
        if self.matcher is None:
            return True
        return bool(self.matcher.matches(f"{row.get('title') or ''}\n{row.get('text') or ''}"))

    def is_fresh(self, row: dict) -> bool:
        """New to the archive and newer than the last run's newest item."""
        if self.is_known(row):
            return False
        if self.since is None:
            return True
        return parse_time(row["published_at"]) > self.since

    @property
    def limit_reached(self) -> bool:
        return self.limit is not None and self.emitted >= self.limit

    def accept(self, page: ParsedPage, url: str) -> tuple[list[dict], bool]:
        """Rows to store from a parsed page, and whether fetching the next page is worth it.

        Paging goes on only while the page held something fresh: an incremental run stops at
        the first page made of known (or older-than-cursor) items."""
        c = self.counters
        c.pages_ok += 1
        c.responses += 1
        c.notes.extend(page.notes)
        c.items_rating_only += page.rating_only
        for err in page.errors:
            self.parse_error(url, err)
        rows, fresh = [], False
        for n, fields in enumerate(page.items):
            if self.limit_reached:
                break
            try:
                row = self.to_row({**fields, "raw_ref": f"{url}#{n}"})
            except ValueError as exc:
                self.parse_error(url, f"item {n}: {exc}")
                continue
            c.items_parsed += 1
            published = parse_time(row["published_at"])
            if self.newest is None or published > self.newest:
                self.newest = published
            if self.is_fresh(row):
                fresh = True
            if not self.is_relevant(row):
                c.items_irrelevant += 1
                continue
            self.emitted += 1
            rows.append(row)
        more = fresh and page.next is not None and not self.limit_reached and c.pages_ok < MAX_PAGES
        return rows, more

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

    def save_cursor(self, token: str | None = None) -> None:
        self.archive.set_cursor(
            self.brand.name, self.source_key, token, iso(self.newest) if self.newest else None
        )

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
        message_parts = list(c.messages)
        if layout_suspect:
            message_parts.insert(
                0,
                "no items parsed although this source yielded items before: "
                "its page layout or API probably changed",
            )
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
