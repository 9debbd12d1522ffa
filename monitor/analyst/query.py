"""The archive for analysts: read-only SQL and streaming exports.

Why a separate read-only connection: an analyst's typo must never change the archive that
the daemon writes. The file is opened with ``mode=ro``, ``PRAGMA query_only`` is set, and an
authorizer refuses every write *before* it runs, so the error names what was refused instead
of SQLite's "attempt to write a readonly database".
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from monitor.core.times import iso

FORMATS = ("table", "csv", "json")
EXPORT_FORMATS = ("csv", "jsonl", "parquet")
FETCH = 5000  # rows per fetch: exports stream, they never hold the archive in memory


class QueryRefused(ValueError):
    """A statement that would change the archive (or attach another file)."""


class QueryFailed(ValueError):
    """SQL the archive could not run: syntax, unknown table, bad FTS query, ..."""


# --------------------------------------------------------------------------- read-only SQL

_READ_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_SCHEMA_ROW_ACTIONS = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
#: Pragmas that only read: those taking a table/index name, and those asked without a value.
_PRAGMAS_WITH_NAME = {
    "table_info",
    "table_xinfo",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
}
_PRAGMAS_QUERY_ONLY = {
    "data_version",
    "database_list",
    "compile_options",
    "user_version",
    "page_count",
    "page_size",
    "freelist_count",
    "function_list",
    "table_list",
    "collation_list",
    "schema_version",
    "journal_mode",
}
_ACTION_NAMES = {
    sqlite3.SQLITE_INSERT: "insert into",
    sqlite3.SQLITE_UPDATE: "update",
    sqlite3.SQLITE_DELETE: "delete from",
    sqlite3.SQLITE_ATTACH: "attach",
    sqlite3.SQLITE_DETACH: "detach",
    sqlite3.SQLITE_ALTER_TABLE: "alter table",
    sqlite3.SQLITE_REINDEX: "reindex",
    sqlite3.SQLITE_ANALYZE: "analyze",
    sqlite3.SQLITE_TRANSACTION: "start a transaction",
    sqlite3.SQLITE_SAVEPOINT: "savepoint",
    sqlite3.SQLITE_CREATE_TABLE: "create table",
    sqlite3.SQLITE_CREATE_INDEX: "create index",
    sqlite3.SQLITE_CREATE_VIEW: "create view",
    sqlite3.SQLITE_CREATE_TRIGGER: "create trigger",
    sqlite3.SQLITE_CREATE_VTABLE: "create virtual table",
    sqlite3.SQLITE_DROP_TABLE: "drop table",
    sqlite3.SQLITE_DROP_INDEX: "drop index",
    sqlite3.SQLITE_DROP_VIEW: "drop view",
    sqlite3.SQLITE_DROP_TRIGGER: "drop trigger",
    sqlite3.SQLITE_DROP_VTABLE: "drop virtual table",
    sqlite3.SQLITE_CREATE_TEMP_TABLE: "create temp table",
    sqlite3.SQLITE_CREATE_TEMP_VIEW: "create temp view",
}


def _pragma_reads(name: str | None, arg: str | None) -> bool:
    name = (name or "").lower()
    return name in _PRAGMAS_WITH_NAME or (name in _PRAGMAS_QUERY_ONLY and arg is None)


class _Guard:
    """sqlite3 authorizer: allow reads, remember the first refused action for the message."""

    def __init__(self) -> None:
        self.refused: str | None = None

    def __call__(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
    ) -> int:
        if action in _READ_ACTIONS:
            return sqlite3.SQLITE_OK
        if arg1 in ("sqlite_master", "sqlite_temp_master") and action in _SCHEMA_ROW_ACTIONS:
            # SQLite reports schema bookkeeping (FTS5 connecting, DDL) as row changes of
            # sqlite_master; the DDL action itself is checked separately and refused.
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and _pragma_reads(arg1, arg2):
            return sqlite3.SQLITE_OK
        if self.refused is None:
            if action == sqlite3.SQLITE_PRAGMA:
                what = f"set pragma {arg1}" + (f" = {arg2}" if arg2 else "")
            else:
                what = _ACTION_NAMES.get(action, f"run action {action}")
                if arg1 and action not in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_ATTACH):
                    what = f"{what} {arg1}"
            self.refused = what
        return sqlite3.SQLITE_DENY


class ReadOnlyConnection(sqlite3.Connection):
    """A connection carrying its authorizer, so errors can say what was refused."""

    bp_guard: _Guard | None = None


def open_readonly(path: Path | str) -> sqlite3.Connection:
    """A connection that cannot change the archive, whatever SQL it is given."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no archive at {path}: run `brandpulse crawl` or `import` first")
    conn = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, check_same_thread=False, factory=ReadOnlyConnection
    )
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    guard = _Guard()
    conn.set_authorizer(guard)
    conn.bp_guard = guard
    return conn


def run_query(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict = ()
) -> tuple[list[str], Iterator[tuple]]:
    """Run one read-only statement; return its column names and a streaming row iterator."""
    guard: _Guard | None = getattr(conn, "bp_guard", None)
    if guard:
        guard.refused = None
    if not sql.strip():
        raise QueryFailed("the query is empty")
    try:
        cur = conn.execute(sql, params)
    except sqlite3.DatabaseError as exc:
        if guard and guard.refused:
            raise QueryRefused(
                f"refused: the statement would {guard.refused}. `brandpulse query` is "
                "read-only; the archive is changed only by brandpulse's own commands"
            ) from None
        raise QueryFailed(f"SQL error: {exc}") from None
    except sqlite3.ProgrammingError as exc:
        raise QueryFailed(f"{exc} (give one statement; no trailing ';'-separated ones)") from None
    columns = [d[0] for d in cur.description or ()]

    def rows() -> Iterator[tuple]:
        try:
            while batch := cur.fetchmany(FETCH):
                yield from batch
        except sqlite3.DatabaseError as exc:
            raise QueryFailed(f"SQL error while reading rows: {exc}") from None

    return columns, rows()


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return value


def write_csv(columns: Sequence[str], rows: Iterator[tuple], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else _jsonable(v) for v in row])
        n += 1
    return n


def write_json(columns: Sequence[str], rows: Iterator[tuple], out: IO[str]) -> int:
    """A JSON array of objects, written row by row (valid JSON even for zero rows)."""
    out.write("[")
    n = 0
    for row in rows:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(dict(zip(columns, map(_jsonable, row))), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def write_jsonl(columns: Sequence[str], rows: Iterator[tuple], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, map(_jsonable, row))), ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


# --------------------------------------------------------------------------- exports

EXPORT_COLUMNS: list[tuple[str, str, str]] = [
    # (output name, SQL expression, parquet type)
    ("id", "m.id", "int64"),
    ("brand", "m.brand", "string"),
    ("source", "m.source", "string"),
    ("source_key", "m.source_key", "string"),
    ("external_id", "m.external_id", "string"),
    ("url", "m.url", "string"),
    ("author", "m.author", "string"),
    ("title", "m.title", "string"),
    ("text", "m.text", "string"),
    ("published_at", "m.published_at", "string"),
    ("fetched_at", "m.fetched_at", "string"),
    ("rating", "m.rating", "float64"),
    ("reach", "m.reach", "int64"),
    ("duplicate_of", "m.duplicate_of", "int64"),
    ("redacted_at", "m.redacted_at", "string"),
    ("lang", "coalesce(e.lang, m.lang)", "string"),
    ("sentiment", "e.sentiment", "string"),
    ("sentiment_score", "e.score", "float64"),
    ("prob_negative", "e.prob_negative", "float64"),
    ("prob_neutral", "e.prob_neutral", "float64"),
    ("prob_positive", "e.prob_positive", "float64"),
    ("mixed", "e.mixed", "int64"),
    ("model_version", "e.model_version", "string"),
    (
        "topics",
        "(SELECT group_concat(topic, ',') FROM (SELECT DISTINCT topic FROM mention_topics"
        " t WHERE t.mention_id = m.id ORDER BY topic))",
        "string",
    ),
]


@dataclass
class ExportFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    brand: str | None = None
    match: str | None = None  # FTS5 query over title + text
    tz: str = "UTC"

    def bounds(self) -> tuple[str | None, str | None]:
        """UTC ISO bounds of the local days [since, until]: days are the watchlist's days."""
        zone = ZoneInfo(self.tz)

        def start_of(d: date) -> str:
            return iso(datetime.combine(d, time(0), zone).astimezone(UTC))

        lo = start_of(self.since) if self.since else None
        hi = start_of(self.until + timedelta(days=1)) if self.until else None
        return lo, hi


def export_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    if flt.since and flt.until and flt.until < flt.since:
        raise ValueError(f"--until {flt.until} is before --since {flt.since}")
    select = ",\n  ".join(f"{expr} AS {name}" for name, expr, _ in EXPORT_COLUMNS)
    sql = f"SELECT\n  {select}\nFROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id"
    where: list[str] = []
    params: list[Any] = []
    if flt.match:
        sql += "\nJOIN mentions_fts f ON f.rowid = m.id"
        where.append("mentions_fts MATCH ?")
        params.append(flt.match)
    lo, hi = flt.bounds()
    if lo:
        where.append("m.published_at >= ?")
        params.append(lo)
    if hi:
        where.append("m.published_at < ?")
        params.append(hi)
    if flt.brand:
        where.append("m.brand = ?")
        params.append(flt.brand)
    if where:
        sql += "\nWHERE " + " AND ".join(where)
    sql += "\nORDER BY m.published_at, m.id"
    return sql, params


def _parquet_writer(path: Path):
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError(
            "parquet export needs pyarrow: pip install 'brandpulse[parquet]' (or use csv/jsonl)"
        ) from None
    schema = pa.schema([(name, getattr(pa, typ)()) for name, _, typ in EXPORT_COLUMNS])
    return pa, pq.ParquetWriter(str(path), schema, compression="zstd"), schema


def write_parquet(rows: Iterator[tuple], path: Path) -> int:
    """Row groups of FETCH rows: memory stays flat however big the archive is."""
    pa, writer, schema = _parquet_writer(path)
    n = 0
    names = [c[0] for c in EXPORT_COLUMNS]
    try:
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= FETCH:
                writer.write_table(_table(pa, schema, names, batch))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(_table(pa, schema, names, batch))
            n += len(batch)
    finally:
        writer.close()
    return n


def _table(pa: Any, schema: Any, names: list[str], batch: list[tuple]) -> Any:
    cols = list(zip(*batch)) if batch else [[] for _ in names]
    return pa.Table.from_arrays(
        [pa.array(c, type=schema.field(i).type) for i, c in enumerate(cols)], schema=schema
    )


def export(
    conn: sqlite3.Connection, flt: ExportFilter, fmt: str, out: Path | None, stdout: IO[str] | None = None
) -> int:
    """Write matching mentions (with sentiment and topics) as csv, jsonl or parquet.

    A file is written under a temporary name and renamed when complete, so a failed export
    never leaves a truncated file that looks finished. Returns the number of rows."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "parquet" and out is None:
        raise ValueError("parquet is binary: give --out FILE.parquet")
    sql, params = export_query(flt)
    try:
        columns, rows = run_query(conn, sql, params)
    except QueryFailed as exc:
        if not flt.match:
            raise
        reason = str(exc).removeprefix("SQL error: ")
        raise QueryFailed(
            f"the full-text query {flt.match!r} is invalid ({reason}); use words,"
            ' "exact phrases", prefix*, AND / OR / NOT, NEAR(a b, 5)'
        ) from None
    if out is None:
        assert stdout is not None
        writer = write_csv if fmt == "csv" else write_jsonl
        return writer(columns, rows, stdout)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would stick to the export; this gets the user's umask.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if fmt == "parquet":
            n = write_parquet(rows, tmp)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                writer = write_csv if fmt == "csv" else write_jsonl
                n = writer(columns, rows, fh)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n
