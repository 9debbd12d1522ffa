"""Writers for query results and exports: CSV (plain or for German Excel), JSON, JSON Lines,
Parquet and an Excel workbook.

Why one module: every format meets the same two hazards, strangers' texts and the archive's
text-typed times. Text that a spreadsheet would run as a formula is neutralised the same way
in CSV and in the workbook; times become real timestamps wherever the format has them
(Parquet, the workbook), driven by each column's kind (``monitor.analyst.tables``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from monitor.analyst.tables import Column
from monitor.core.times import parse_time

FETCH = 5000  # rows per batch: exports stream, they never hold the archive in memory

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What Excel holds: rows per sheet (with the header) and characters per cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CHARS = 32_767


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a leading ``'`` before a formula character.

    Why: mention texts are written by strangers; ``=HYPERLINK(…)`` or ``=cmd|…`` in a cell
    would run when an analyst opens the export. Numbers stay numbers (SQLite gives them as
    int/float, so a negative score is not touched)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# C0 controls except tab and newline, DEL, and C1 controls (ESC starts terminal sequences; C1
# CSI/OSC do the same on some terminals).
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text that cannot move the cursor, clear the screen or retitle the terminal when printed:
    control characters become U+FFFD (visible, so nothing is silently hidden)."""
    return _TERMINAL_CONTROLS.sub("\ufffd", text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return value


# --------------------------------------------------------------------------- text formats


def write_csv(columns: Sequence[str], rows: Iterator[tuple], out: IO[str], *, excel: bool = False) -> int:
    """CSV for spreadsheets: text cells that would start a formula are neutralised.

    ``excel``: for a German Excel, which opens a double-clicked CSV with ``;`` between fields
    and a decimal comma and reads UTF-8 only after a byte order mark (else "Zürich" shows
    as "ZÃ¼rich" and 4.5 stars as the date 4 May)."""
    writer = csv.writer(out, delimiter=";" if excel else ",")
    if excel:
        out.write("\ufeff")
    writer.writerow([spreadsheet_safe(c) for c in columns])

    def cell(v: Any) -> Any:
        if v is None:
            return ""
        if excel and isinstance(v, float):
            return repr(v).replace(".", ",")
        return spreadsheet_safe(_jsonable(v))

    n = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
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


# --------------------------------------------------------------------------- cell conversion


def _local_naive(zone: ZoneInfo) -> Callable[[str], datetime]:
    # Excel has no time zones: the watchlist's local time, named in the column header.
    return lambda v: parse_time(v).astimezone(zone).replace(tzinfo=None)


def converter(columns: Sequence[Column], fmt: str, tz: str = "UTC") -> Callable[[tuple], tuple]:
    """Turn an archive row (times as ISO text, lists as JSON) into the cells ``fmt`` wants:
    csv joins lists with ``,``; jsonl keeps lists as lists; parquet gets aware UTC
    datetimes and dates; xlsx local datetimes, dates and texts a spreadsheet cannot run."""
    day = date.fromisoformat
    by_kind: dict[str, dict[str, Callable[[Any], Any]]] = {
        "csv": {"list": lambda v: ",".join(json.loads(v))},
        "jsonl": {"list": json.loads},
        "parquet": {"time": parse_time, "date": day, "list": json.loads},
        "xlsx": {
            "time": _local_naive(ZoneInfo(tz)),
            "date": day,
            "list": lambda v: ", ".join(json.loads(v)),
        },
    }
    table = by_kind[fmt]
    funcs = [table.get(c.kind) for c in columns]
    if fmt == "xlsx":
        funcs = [_xlsx_text if c.kind == "text" else f for c, f in zip(columns, funcs)]
    if not any(funcs):
        return tuple

    def convert(row: tuple) -> tuple:
        return tuple(f(v) if f and v is not None else v for f, v in zip(funcs, row))

    return convert


def header(column: Column, fmt: str, tz: str) -> str:
    """The column's name; in the workbook a time column names its zone."""
    return f"{column.name} ({tz})" if fmt == "xlsx" and column.kind == "time" else column.name


# --------------------------------------------------------------------------- parquet


def _arrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError(
            "parquet export needs pyarrow: pip install 'brandpulse[parquet]' (or use csv/jsonl)"
        ) from None
    return pa, pq


def parquet_schema(pa: Any, columns: Sequence[Column]) -> Any:
    types = {
        "int": pa.int64(),
        "float": pa.float64(),
        "text": pa.string(),
        # Parquet has no seconds unit (a timestamp[s] is stored and read back as [ms]): say ms,
        # so the file's type is the one written; the values are whole seconds.
        "time": pa.timestamp("ms", tz="UTC"),
        "date": pa.date32(),
        "list": pa.list_(pa.string()),
    }
    return pa.schema([(c.name, types[c.kind]) for c in columns])


def write_parquet(columns: Sequence[Column], rows: Iterable[tuple], path: Path) -> int:
    """Typed columns (timestamps with their zone, topics as lists) in row groups of FETCH
    rows: memory stays flat however big the archive is. ``rows`` are already converted."""
    pa, pq = _arrow()
    schema = parquet_schema(pa, columns)
    writer = pq.ParquetWriter(str(path), schema, compression="zstd")
    n = 0
    try:
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= FETCH:
                writer.write_table(_table(pa, schema, batch))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(_table(pa, schema, batch))
            n += len(batch)
    finally:
        writer.close()
    return n


def _table(pa: Any, schema: Any, batch: list[tuple]) -> Any:
    cols = list(zip(*batch)) if batch else [[] for _ in schema.names]
    return pa.Table.from_arrays(
        [pa.array(c, type=schema.field(i).type) for i, c in enumerate(cols)], schema=schema
    )


# --------------------------------------------------------------------------- xlsx


def _xlsx_text(value: Any) -> Any:
    """Text for a workbook cell: formula-safe like CSV, without the control characters the
    file format forbids (shown as U+FFFD), and cut to the 32,767 characters a cell holds."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", spreadsheet_safe(value))
    return text if len(text) <= XLSX_MAX_CHARS else text[: XLSX_MAX_CHARS - 1] + "…"


class TooManyRows(ValueError):
    """A sheet would pass the row limit of Excel."""


Sheet = tuple[str, Sequence[Column], Iterable[tuple]]


def write_xlsx(sheets: Iterable[Sheet], path: Path, tz: str) -> dict[str, int]:
    """One sheet per table, header frozen and filterable, rows already converted
    (``converter(…, "xlsx")``). Written in openpyxl's streaming mode; returns rows per sheet."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise RuntimeError(
            "xlsx export needs openpyxl: pip install -e . in the checkout (or use csv)"
        ) from None
    wb = Workbook(write_only=True)
    counts: dict[str, int] = {}
    bold = Font(bold=True)
    for name, columns, rows in sheets:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTH.get(c.kind, 14)
        heads = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=header(c, "xlsx", tz))
            cell.font = bold
            heads.append(cell)
        ws.append(heads)
        try:
            counts[name] = _append_rows(ws, name, rows)
        except BaseException:
            ws.close()  # finish the sheet's XML stream, else it fails noisily when collected
            raise
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{counts[name] + 1}"
    wb.save(str(path))
    return counts


def _append_rows(ws: Any, name: str, rows: Iterable[tuple]) -> int:
    n = 0
    for row in rows:
        if n + 1 >= XLSX_MAX_ROWS:
            raise TooManyRows(
                f"more than {XLSX_MAX_ROWS - 1:,} {name}: an Excel sheet holds no more; "
                "narrow the export with --since/--until or --brand, or use --format parquet"
            )
        ws.append(row)
        n += 1
    return n


_WIDTH = {"int": 9, "float": 10, "time": 19, "date": 11, "list": 20, "text": 24}
