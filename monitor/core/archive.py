"""The SQLite archive: one file per watchlist, managed with sqlite-utils.

Every stage reads what the previous one wrote here and writes its own tables (see
docs/archive.md). This module owns opening (WAL, migrations) and the single writer for
mentions, so that crawler and importer share one idempotent path.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from monitor.core.rows import MENTION_COLUMNS
from monitor.core.schema import migrate
from monitor.core.times import iso, utcnow

_REPLY, _SOURCE, _EXT = (MENTION_COLUMNS.index(c) for c in ("replied_at", "source", "external_id"))
# Numbered parameters, so that reply_source ('source' where the row carries a reply) is set
# from the same tuple without a second pass.
_INSERT_MENTION = (
    f"INSERT OR IGNORE INTO mentions ({', '.join(MENTION_COLUMNS)}, reply_source) "
    f"VALUES ({', '.join(f'?{i + 1}' for i in range(len(MENTION_COLUMNS)))}, "
    f"CASE WHEN ?{_REPLY + 1} IS NOT NULL THEN 'source' END)"
)
# A reply the source shows replaces a manual mark (its time is the real one); a crawl that
# shows none never touches replied_at, so a manual mark stays.
_RECORD_REPLY = (
    "UPDATE mentions SET replied_at = ?, reply_source = 'source' WHERE source = ? AND external_id = ?"
    " AND (replied_at IS NULL OR reply_source = 'manual')"
)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")


def database_name(path: Path) -> str:
    """The name Datasette serves the archive under (``brandpulse serve``, the digest's links):
    the file's stem, with every character outside ``A-Za-z0-9_-`` as ``_``. Why: the dashboard
    plugin puts the name into its chart data URLs unencoded, so "Acme archive.2026.db" would
    break every chart."""
    return _UNSAFE_NAME.sub("_", path.stem) or "archive"


@dataclass
class InsertStats:
    new: int = 0
    seen: int = 0
    duplicates: int = 0
    new_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerMark:
    """What ``Archive.mark_answered`` did to one mention."""

    mention_id: int
    brand: str
    source: str
    outcome: str  # marked | already_marked | answered_on_source | cleared | not_marked
    replied_at: str | None  # UTC, after the change


class UnknownMentions(LookupError):
    """Mention ids the archive does not hold; nothing was changed."""

    def __init__(self, ids: list[int]):
        self.ids = ids
        shown = ", ".join(str(i) for i in ids)
        super().__init__(
            f"no mention with id {shown} in the archive; nothing was changed "
            '(ids: `brandpulse query "SELECT id, brand, source, text FROM mentions ..."`)'
        )


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
            # A reply the company wrote after the mention was first stored.
            self.conn.executemany(
                _RECORD_REPLY, [(r[_REPLY], r[_SOURCE], r[_EXT]) for r in batch if r[_REPLY]]
            )
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

    def mark_answered(
        self, ids: Iterable[int], *, undo: bool = False, at: datetime | None = None
    ) -> list[AnswerMark]:
        """Mark mentions answered by hand (``brandpulse answered``), or clear such marks.

        Why by hand: most sources never show the company's reply (App Store feed, Reddit,
        feeds), so a critic answered there would stay on the digest's reply list. Every id is
        checked before anything changes, so a typo changes nothing. A reply the source shows
        is never cleared and never re-timed: it is the real one."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            raise ValueError("give at least one mention id")
        when = iso(at or utcnow())
        marks: list[AnswerMark] = []
        with self.conn:
            if not self.conn.in_transaction:
                self.conn.execute("BEGIN IMMEDIATE")
            found = {
                r[0]: r
                for r in self.conn.execute(
                    "SELECT id, brand, source, replied_at, reply_source FROM mentions"
                    f" WHERE id IN ({', '.join('?' for _ in wanted)})",
                    wanted,
                )
            }
            if missing := [i for i in wanted if i not in found]:
                raise UnknownMentions(missing)
            for mid in wanted:
                _, brand, source, replied, by = found[mid]
                outcome, new = _answer_change(replied, by, undo, when)
                if outcome in ("marked", "cleared"):
                    self.conn.execute(
                        "UPDATE mentions SET replied_at = ?, reply_source = ? WHERE id = ?",
                        (new, "manual" if new else None, mid),
                    )
                marks.append(AnswerMark(mid, brand, source, outcome, new))
        return marks

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


def _answer_change(replied: str | None, by: str | None, undo: bool, when: str) -> tuple[str, str | None]:
    """(outcome, replied_at afterwards) for one mention's manual mark or its undo."""
    if replied and by != "manual":
        return "answered_on_source", replied
    if undo:
        return ("cleared", None) if replied else ("not_marked", None)
    return ("already_marked", replied) if replied else ("marked", when)
