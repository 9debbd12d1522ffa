"""The archive for analysts: read-only SQL and streaming exports.

Why a separate read-only connection: an analyst's typo must never change the archive that
the daemon writes. The file is opened with ``mode=ro``, ``PRAGMA query_only`` is set, and an
authorizer refuses every write *before* it runs, so the error names what was refused instead
of SQLite's "attempt to write a readonly database".
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from monitor.analyst import formats
from monitor.analyst.tables import EXPORT_COLUMNS, SHEETS, ExportFilter, export_query

FORMATS = ("table", "csv", "json")
EXPORT_FORMATS = ("csv", "jsonl", "parquet", "xlsx")
FETCH = formats.FETCH  # rows per fetch: exports stream, they never hold the archive in memory


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


# --------------------------------------------------------------------------- exports


def export(
    conn: sqlite3.Connection,
    flt: ExportFilter,
    fmt: str,
    out: Path | None,
    stdout: IO[str] | None = None,
    *,
    excel: bool = False,
) -> int:
    """Write matching mentions (with sentiment and topics) as csv, jsonl or parquet, or the
    workbook of every table as xlsx (``tables.SHEETS``). ``excel``: csv for German Excel.

    A file is written under a temporary name and renamed when complete, so a failed export
    never leaves a truncated file that looks finished. Returns the number of mentions."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    if excel and fmt != "csv":
        raise ValueError(f"--excel shapes csv for Excel; --format {fmt} does not take it")
    if fmt in ("parquet", "xlsx") and out is None:
        raise ValueError(f"{fmt} is binary: give --out FILE.{fmt}")
    flt.check()
    if out is None:
        assert stdout is not None
        return _write_text(conn, flt, fmt, stdout, excel)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would stick to the export; this gets the user's umask.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if fmt == "xlsx":
            n = formats.write_xlsx(_sheets(conn, flt), tmp, flt.tz)["mentions"]
        elif fmt == "parquet":
            n = formats.write_parquet(
                EXPORT_COLUMNS, _rows(conn, flt, EXPORT_COLUMNS, export_query, fmt), tmp
            )
        else:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                n = _write_text(conn, flt, fmt, fh, excel)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def _write_text(conn: sqlite3.Connection, flt: ExportFilter, fmt: str, fh: IO[str], excel: bool) -> int:
    rows = _rows(conn, flt, EXPORT_COLUMNS, export_query, fmt)
    names = [c.name for c in EXPORT_COLUMNS]
    if fmt == "csv":
        return formats.write_csv(names, rows, fh, excel=excel)
    return formats.write_jsonl(names, rows, fh)


def _rows(conn: sqlite3.Connection, flt: ExportFilter, columns, build, fmt: str) -> Iterator[tuple]:
    """The rows of one table, converted for ``fmt``; a bad ``--match`` is named as such."""
    sql, params = build(flt)
    try:
        _, rows = run_query(conn, sql, params)
    except QueryFailed as exc:
        if not flt.match:
            raise
        reason = str(exc).removeprefix("SQL error: ")
        raise QueryFailed(
            f"the full-text query {flt.match!r} is invalid ({reason}); use words,"
            ' "exact phrases", prefix*, AND / OR / NOT, NEAR(a b, 5)'
        ) from None
    return map(formats.converter(columns, fmt, flt.tz), rows)


def _sheets(conn: sqlite3.Connection, flt: ExportFilter) -> Iterator[formats.Sheet]:
    for name, columns, build in SHEETS:
        yield name, columns, _rows(conn, flt, columns, build, "xlsx")
