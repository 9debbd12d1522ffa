"""The SQLite archive: one file per watchlist, managed with sqlite-utils.

Every stage reads what the previous one wrote here and writes its own tables (see
docs/archive.md). This module owns opening (WAL, migrations) and the single writer for
mentions, so that crawler and importer share one idempotent path.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.core.schema import migrate
from monitor.core.times import iso, parse_time, utcnow

MENTION_COLUMNS = (
    "source",
    "source_key",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "lang",
    "rating",
    "reach",
    "published_at",
    "fetched_at",
    "brand",
    "content_hash",
    "raw_ref",
)


_INSERT_MENTION = (
    f"INSERT OR IGNORE INTO mentions ({', '.join(MENTION_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in MENTION_COLUMNS)})"
)


_URL = re.compile(r"https?://\S+")
_HANDLE = re.compile(r"[@#]\w+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def content_hash(text: str | None, title: str | None = None) -> str:
    """Hash of the normalised content: reposts that differ in links, handles, case,
    punctuation or whitespace get the same hash."""
    raw = f"{title or ''} {text or ''}"
    norm = unicodedata.normalize("NFKC", raw).casefold()
    norm = _HANDLE.sub(" ", _URL.sub(" ", norm))
    norm = _NON_WORD.sub(" ", norm).strip()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    """Exact hash of a text that was classified (for the sentiment cache)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class MentionIn(BaseModel):
    """One mention as a spider or an import file delivers it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    text: str = Field(..., min_length=1)
    id: str | None = Field(None, alias="external_id")
    source: str = "import"
    source_key: str | None = None
    url: str | None = None
    author: str | None = None
    title: str | None = None
    lang: str | None = None
    rating: float | None = Field(None, ge=0, le=5)
    reach: int | None = None
    published_at: datetime | None = None
    brand: str | None = None
    raw_ref: str | None = None

    @field_validator("id", "author", "lang", "url", "title", "brand", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return str(v) if isinstance(v, (int, float)) else v

    @field_validator("rating", "reach", mode="before")
    @classmethod
    def _blank_none(cls, v: Any) -> Any:
        return None if v == "" else v

    @field_validator("published_at", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Any:
        if v is None or v == "":
            return None
        return parse_time(v)


def mention_row(m: MentionIn, *, default_brand: str, fetched_at: datetime | None = None) -> dict:
    """The archive row for a validated mention."""
    fetched = fetched_at or utcnow()
    ext = m.id or content_hash(m.text, f"{m.url or ''} {m.author or ''} {m.published_at or ''}")
    return {
        "source": m.source,
        "source_key": m.source_key,
        "external_id": ext,
        "url": m.url,
        "author": m.author,
        "title": m.title,
        "text": m.text,
        "lang": (m.lang or None) and m.lang.lower()[:2],
        "rating": m.rating,
        "reach": m.reach,
        "published_at": iso(m.published_at or fetched),
        "fetched_at": iso(fetched),
        "brand": m.brand or default_brand,
        "content_hash": content_hash(m.text, m.title),
        "raw_ref": m.raw_ref,
    }


@dataclass
class InsertStats:
    new: int = 0
    seen: int = 0
    duplicates: int = 0
    new_ids: list[int] = field(default_factory=list)


@dataclass
class RowError:
    line: int
    reason: str


class Archive:
    """An open archive. Use ``Archive.open(path)``; the file is created and migrated."""

    def __init__(self, db: sqlite_utils.Database, path: Path | None, readonly: bool = False):
        self.db = db
        self.path = path
        self.readonly = readonly

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = False) -> Archive:
        path = Path(path)
        if readonly:
            if not path.exists():
                raise FileNotFoundError(f"no archive at {path}: run `brandpulse crawl` or `import` first")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            return cls(db, path, readonly=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        # 256 MiB page cache (grown only as used): mentions feed eight B-trees, two with random
        # keys; with SQLite's default 2 MiB, or even 64 MiB, they stop fitting as the file grows
        # (bench/archive.py, 1M mentions: 18.7k/s at 64 MiB vs 22.7k/s wall-clock at 256 MiB).
        db.execute("PRAGMA cache_size=-262144")
        migrate(db)
        return cls(db, path)

    @classmethod
    def memory(cls) -> Archive:
        db = sqlite_utils.Database(memory=True)
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
        return cls(db, None)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    # ------------------------------------------------------------------ mentions
    def add_mentions(self, rows: Iterable[dict]) -> InsertStats:
        """Insert archive rows idempotently on (source, external_id), in one transaction.

        Near-identical reposts (same content hash for the same brand) get ``duplicate_of``
        pointing at the first copy; they stay in the archive but counts can skip them.
        """
        stats = InsertStats()
        # Positional tuples bind faster than dicts with named parameters (no per-column
        # dict lookup inside sqlite3); the statement is prepared once for the batch.
        batch = [tuple(map(row.get, MENTION_COLUMNS)) for row in rows]
        if not batch:
            return stats
        with self.conn:
            # IMMEDIATE: hold the write lock from the max(id) read on, so that every id above
            # it is one of ours (new rows always get ids above the current maximum).
            if not self.conn.in_transaction:
                self.conn.execute("BEGIN IMMEDIATE")
            last = self.conn.execute("SELECT coalesce(max(id), 0) FROM mentions").fetchone()[0]
            self.conn.execute("UPDATE fts_batch SET active = 1")
            self.conn.executemany(_INSERT_MENTION, batch)
            self.conn.execute("UPDATE fts_batch SET active = 0")
            stats.new_ids = [
                r[0] for r in self.conn.execute("SELECT id FROM mentions WHERE id > ? ORDER BY id", (last,))
            ]
            stats.new = len(stats.new_ids)
            stats.seen = len(batch) - stats.new
            if stats.new_ids:
                # Full-text index of the batch in one statement (see schema._v2_analyst).
                self.conn.execute(
                    "INSERT INTO mentions_fts (rowid, title, text) "
                    "SELECT id, title, text FROM mentions WHERE id > ?",
                    (last,),
                )
                stats.duplicates = self._mark_duplicates(last + 1)
        return stats

    def _mark_duplicates(self, from_id: int) -> int:
        """Point each new row whose (content_hash, brand) an older row has at the oldest one.

        One probe of idx_mentions_hash per new row (UPDATE ... FROM), not one to test and a
        second to find the target."""
        cur = self.conn.execute(
            """
            UPDATE mentions SET duplicate_of = first.id
            FROM (
                SELECT n.id AS new_id,
                       (SELECT min(m2.id) FROM mentions m2
                        WHERE m2.content_hash = n.content_hash AND m2.brand = n.brand
                          AND m2.id < n.id) AS id
                FROM mentions n
                WHERE n.id >= ? AND n.duplicate_of IS NULL
            ) AS first
            WHERE mentions.id = first.new_id AND first.id IS NOT NULL
            """,
            (from_id,),
        )
        return cur.rowcount

    def count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]

    # ------------------------------------------------------------------ crawl bookkeeping
    def get_cursor(self, brand: str, source_key: str) -> dict | None:
        row = self.db.execute(
            "SELECT cursor, newest_published_at FROM crawl_cursors WHERE brand=? AND source_key=?",
            (brand, source_key),
        ).fetchone()
        return {"cursor": row[0], "newest_published_at": row[1]} if row else None

    def set_cursor(
        self, brand: str, source_key: str, cursor: str | None, newest_published_at: str | None
    ) -> None:
        with self.conn:
            self.conn.execute(
                """INSERT INTO crawl_cursors (brand, source_key, cursor, newest_published_at, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (brand, source_key) DO UPDATE SET
                     cursor = coalesce(excluded.cursor, cursor),
                     newest_published_at = max(coalesce(newest_published_at, ''),
                                               coalesce(excluded.newest_published_at, '')),
                     updated_at = excluded.updated_at""",
                (brand, source_key, cursor, newest_published_at, iso(utcnow())),
            )

    def start_run(self, table: str, **values: Any) -> int:
        """Open a crawl_runs / job_runs record with status 'running'."""
        values.setdefault("started_at", iso(utcnow()))
        values.setdefault("status", "running")
        with self.conn:
            return self.db[table].insert(values).last_pk

    def finish_run(self, table: str, run_id: int, **values: Any) -> None:
        values.setdefault("finished_at", iso(utcnow()))
        with self.conn:
            self.db[table].update(run_id, values)

    # ------------------------------------------------------------------ surveys
    def add_survey_responses(self, rows: Iterable[dict]) -> InsertStats:
        stats = InsertStats()
        with self.conn:
            cur = self.conn.cursor()
            for r in rows:
                cur.execute(
                    """INSERT OR IGNORE INTO survey_responses
                       (brand, score, comment, responded_at, customer_ref, content_hash, imported_at)
                       VALUES (:brand, :score, :comment, :responded_at, :customer_ref,
                               :content_hash, :imported_at)""",
                    r,
                )
                if cur.rowcount == 1:
                    stats.new += 1
                else:
                    stats.seen += 1
        return stats


# ---------------------------------------------------------------------- import files


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    score: int = Field(..., ge=0, le=10)
    comment: str | None = None
    date: datetime = Field(..., alias="responded_at")
    customer_ref: str | None = Field(None, alias="customer")
    brand: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return parse_time(v)

    @field_validator("customer_ref", "comment", "brand", mode="before")
    @classmethod
    def _s(cls, v: Any) -> Any:
        return None if v in (None, "") else str(v)


def survey_row(s: SurveyIn, default_brand: str | None) -> dict:
    day = s.date.date().isoformat()
    brand = s.brand or default_brand
    key = f"{brand}|{s.customer_ref}|{day}|{s.score}|{s.comment or ''}"
    return {
        "brand": brand,
        "score": s.score,
        "comment": s.comment,
        "responded_at": day,
        "customer_ref": s.customer_ref,
        "content_hash": hashlib.sha1(key.encode()).hexdigest(),
        "imported_at": iso(utcnow()),
    }


def read_records(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """Yield (line number, record or None, error) from a CSV or JSONL file.

    Line numbers are 1-based physical lines (CSV: the header is line 1)."""
    import csv
    import json

    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if suffix == ".csv":
            reader = csv.DictReader(fh)
            for rec in reader:
                line = reader.line_num
                if None in rec:
                    yield line, None, "more fields than the header has"
                    continue
                yield line, {k.strip(): v for k, v in rec.items() if k}, None
        else:
            for n, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield n, None, f"invalid JSON: {exc.msg} at column {exc.colno}"
                    continue
                if not isinstance(rec, dict):
                    yield n, None, "expected a JSON object"
                    continue
                yield n, rec, None


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "row"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


@dataclass
class ImportResult:
    stats: InsertStats
    errors: list[RowError]


def import_file(
    archive: Archive,
    path: Path,
    *,
    kind: str = "mentions",
    default_brand: str,
    known_brands: set[str] | None = None,
    batch_size: int = 5000,
    prepare: Any = None,
) -> ImportResult:
    """Import mentions or survey responses; good rows are stored, bad rows reported.

    ``prepare`` may transform each archive row before storing (e.g. pseudonymise authors)."""
    errors: list[RowError] = []
    total = InsertStats()
    batch: list[dict] = []

    def flush() -> None:
        if not batch:
            return
        s = archive.add_survey_responses(batch) if kind == "survey" else archive.add_mentions(batch)
        total.new += s.new
        total.seen += s.seen
        total.duplicates += s.duplicates
        batch.clear()

    for line, rec, err in read_records(path):
        if err:
            errors.append(RowError(line, err))
            continue
        try:
            if kind == "survey":
                row = survey_row(SurveyIn.model_validate(rec), default_brand)
            else:
                m = MentionIn.model_validate(rec)
                if known_brands is not None and m.brand and m.brand not in known_brands:
                    raise ValueError(f"brand {m.brand!r} is not in the watchlist")
                row = mention_row(m, default_brand=default_brand)
                if prepare:
                    row = prepare(row)
        except ValidationError as exc:
            errors.append(RowError(line, _validation_reason(exc)))
            continue
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    flush()
    return ImportResult(total, errors)
