"""Import of CSV/JSONL files: mentions or NPS survey responses, good rows stored, bad rows named.

Why row by row with line numbers: an operator fixing a 50,000-line export needs to know which
lines were refused and why, while every good line is stored (re-importing stores nothing twice).
Why so lenient about the CSV's shape: files come from German Excel (``;``, decimal comma, a
byte order mark), from brandpulse's own ``export --excel`` and from hand-written scripts, and
each must import as written; only a row that cannot be read as one row is refused.
"""

from __future__ import annotations

import csv
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from monitor.core.archive import Archive, InsertStats
from monitor.core.rows import MentionIn, SurveyIn, mention_row, survey_row


@dataclass
class RowError:
    line: int  # the record's first physical line (the file's first line is 1)
    reason: str
    last: int | None = None  # its last line, where the record spans several


# Bytes that are not UTF-8 are read as lone surrogates (errors="surrogateescape"), so that one
# bad line is named and skipped instead of stopping the whole file at the first bad byte.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _not_utf8(values: Iterable[str | None]) -> str | None:
    """The refusal for a record holding undecodable bytes, naming the first one, or None."""
    for value in values:
        bad = _UNDECODABLE.search(value or "")
        if bad:
            byte = ord(bad.group()) - 0xDC00
            return (
                f"not UTF-8 (byte 0x{byte:02X} after {value[: bad.start()][-20:]!r}); "
                "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and import it again"
            )
    return None


#: File name endings read as delimited text; any other file is read as JSON Lines.
DELIMITED_SUFFIXES = (".csv", ".tsv")
#: The separators a header line may use; on a tie the earlier one wins.
SEPARATORS = (",", ";", "\t")
#: Numeric columns (mentions: rating, reach; surveys: score) that take a decimal comma in a
#: file separated by ``;`` or tab, where a comma cannot be a separator.
NUMERIC_COLUMNS = frozenset({"rating", "reach", "score"})
_DECIMAL_COMMA = re.compile(r"\s*[+-]?\d*,\d+(?:[eE][+-]?\d+)?\s*")
#: What ``monitor.analyst.formats.spreadsheet_safe`` puts a ``'`` before in a CSV export (the
#: core cannot import the analyst layer; a test keeps the two equal).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def separator(header_line: str) -> str:
    """The separator of a delimited file: whichever of ``,`` ``;`` tab its header line holds
    most often (``,`` when it holds none, a file of one column).

    Why not ``csv.Sniffer``: it guesses from quoting and from how regularly characters repeat
    across lines, and it raises on a one-column header; column names do not hold the
    separator, so counting on the header line is exact and can be explained in a sentence."""
    return max(SEPARATORS, key=lambda s: (header_line.count(s), -SEPARATORS.index(s)))


def _unneutralised(value: str) -> str:
    """A cell as it was before a CSV export put ``'`` before a formula character (``'=1+1``,
    ``'-)``, ``'@anna``); a spreadsheet does not write that ``'`` into a CSV it saves."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _span(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def _run_on(first: int, last: int, why: str, *, again: bool) -> str:
    """The refusal of lines that a never-closed ``"`` ran together, saying what became of them."""
    text = f'{_span(first, last)} {why}: a " on line {first} that is never closed is the likely cause; '
    if not again:
        return text + "none of these lines was imported"
    if last == first + 1:
        return text + f"line {first} was skipped and line {last} read again on its own"
    return text + f"line {first} was skipped and lines {first + 1}-{last} read again on their own"


class _Lines:
    """The file's physical lines for ``csv.reader``, numbered, with the lines it took for the
    record it is reading (``taken``) and lines put back to be read again first.

    ``cut``: the reader asked for a line past the end while reading a record, which it does
    only inside a quoted field: a ``"`` that opened a field was never closed."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh
        self._n = 0
        self._back: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []
        self.cut = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._back:
            item = self._back.popleft()
        else:
            try:
                text = next(self._fh)
            except StopIteration:
                self.cut = bool(self.taken)
                raise
            self._n += 1
            item = (self._n, text)
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        self.taken = []
        self.cut = False

    def put_back(self, items: list[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(items))


def _blank(fields: list[str]) -> bool:
    """An empty line, or a row of empty cells (``;;;;`` below a table saved by Excel)."""
    return not any(f.strip() for f in fields)


def _rows_of_their_own(lines: list[str], sep: str, width: int) -> bool:
    """Whether ``lines``, read on their own, are whole rows: each of ``width`` fields.

    They are the lines after the first of a record that a ``"`` ran on: if the ``"`` was
    never meant to be closed, they are the rows it swallowed. Where instead a quoted field
    truly spans lines, its last line holds the closing ``"`` and then the separator, which read
    on its own leaves a cell ending in ``"``: those lines are no rows to store."""
    rows = [r for r in csv.reader(lines, delimiter=sep) if not _blank(r)]
    if not rows or any(len(r) != width for r in rows):
        return False
    return not any(f.rstrip().endswith('"') for f in rows[-1])


def _misquoted_line(lines: list[str], sep: str) -> int | None:
    """The index in ``lines`` (one record) where a ``"`` that ends a quoted field is followed
    by more text instead of the separator, or None.

    Why it matters: a record spanning lines whose closing ``"`` is well placed is a text with
    line breaks; one closed by the opening ``"`` of some later row's field (a ``"`` never
    closed ran on to there) is not, even where the field count comes out right."""
    reader = csv.reader(lines, delimiter=sep, strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error:
        return max(reader.line_num - 1, 0)
    return None


def _delimited(
    fh: TextIO, numeric: frozenset[str] = NUMERIC_COLUMNS
) -> Iterator[tuple[int, int, dict | None, str | None]]:
    lines = _Lines(fh)
    lines.start_record()
    first_line = next(lines, None)
    if first_line is None:
        return
    sep = separator(first_line)
    lines.put_back(lines.taken)
    reader = csv.reader(lines, delimiter=sep)
    lines.start_record()
    header = next(reader, None)
    if header is None:
        return
    if lines.taken[-1][0] > 1:  # no column names: every row would be misread
        end = lines.taken[-1][0]
        yield (
            1,
            end,
            None,
            (
                f'lines 1-{end} were read as the header: a " in line 1 is never closed; nothing '
                "was imported, fix the header line and import again"
            ),
        )
        return
    header_problem = _not_utf8(header)
    if header_problem:
        yield 1, 1, None, f"header: {header_problem}"
        return
    names = [h.strip() for h in header]
    width = len(names)
    decimal_comma = sep != "," and numeric.intersection(names)
    while True:
        lines.start_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field past csv's size limit: a quote ran on for pages
            first, last = lines.taken[0][0], lines.taken[-1][0]
            if last == first:
                yield first, first, None, f"not readable as CSV: {exc}"
                continue
            lines.put_back(lines.taken[1:])
            why = f"were read as one field until it grew too long ({exc})"
            yield first, first, None, _run_on(first, last, why, again=True)
            continue
        first, last = lines.taken[0][0], lines.taken[-1][0]
        if _blank(fields):
            continue
        if last > first:
            taken = [t for _, t in lines.taken]
            misquoted = None if lines.cut else _misquoted_line(taken, sep)
            if lines.cut or len(fields) != width or misquoted is not None:
                if misquoted is not None and len(fields) == width:
                    why = f'(a " on line {first + misquoted} ends a quoted field but text follows it)'
                else:
                    why = f"({len(fields)} field(s), the header has {width}"
                    why += ", and the file ended inside it)" if lines.cut else ")"
                own = _rows_of_their_own(taken[1:], sep, width)
                if own:
                    lines.put_back(lines.taken[1:])
                yield (
                    first,
                    first if own else last,
                    None,
                    _run_on(first, last, f"were read as one record {why}", again=own),
                )
                continue
        elif lines.cut:
            yield first, last, None, 'a " on this line is never closed (the file ends inside it)'
            continue
        elif len(fields) != width and _misquoted_line([lines.taken[0][1]], sep) is not None:
            yield (
                first,
                last,
                None,
                (
                    f'a " on this line ends a quoted field but text follows it, so its fields are '
                    f'mixed up ({len(fields)}, the header has {width}); double a " inside a quoted text'
                ),
            )
            continue
        if len(fields) > width:
            yield (
                first,
                last,
                None,
                f"more fields than the header has ({len(fields)}, the header has {width})",
            )
            continue
        bad = _not_utf8(fields)
        if bad:
            yield first, last, None, bad
            continue
        # An empty cell is None, a missing value (the column's default applies); a short row
        # (Excel leaves off trailing empty cells) lacks the keys of the cells it leaves off.
        rec = {k: _unneutralised(v) if v.strip() else None for k, v in zip(names, fields) if k}
        if decimal_comma:
            for k in numeric.intersection(rec):
                if rec[k] and _DECIMAL_COMMA.fullmatch(rec[k]):
                    rec[k] = rec[k].replace(",", ".")
        yield first, last, rec, None


def _json_lines(fh: TextIO) -> Iterator[tuple[int, int, dict | None, str | None]]:
    for n, raw in enumerate(fh, start=1):
        if not raw.strip():
            continue
        bad = _not_utf8([raw])
        if bad:
            yield n, n, None, bad
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield n, n, None, f"invalid JSON: {exc.msg} at column {exc.colno}"
            continue
        if not isinstance(rec, dict):
            yield n, n, None, "expected a JSON object"
            continue
        yield n, n, rec, None


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_records(path: Path) -> Iterator[tuple[int, int, dict | None, str | None]]:
    """Yield (first line, last line, record or None, error) from a CSV or JSONL file.

    Lines are 1-based physical lines (CSV: the header is line 1); a CSV record whose quoted
    field holds line breaks spans several. A UTF-8 byte order mark is skipped. CSV: the
    separator is found on the header line (:func:`separator`); with ``;`` or tab a numeric
    column may have a decimal comma; a ``'`` that an export put before a formula character is
    taken off again; rows of empty cells are skipped."""
    with path.open("rb") as raw:
        if raw.read(2) in _UTF16_BOMS:
            utf16 = "the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' and import it again"
            yield 1, 1, None, utf16
            return
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        if path.suffix.lower() in DELIMITED_SUFFIXES:
            yield from _delimited(fh)
        else:
            yield from _json_lines(fh)


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "row"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


#: The column of a brandpulse export that holds the language the source stated; its ``lang``
#: is the one the figures use (detected, or the source's where it states one). Reading that
#: ``lang`` back as stated would turn every detected language into a stated one.
STATED_LANG = "stated_lang"


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

    def refuse(first: int, last: int, reason: str) -> None:
        where = f"{_span(first, last)}: " if last > first and not reason.startswith("lines ") else ""
        errors.append(RowError(first, where + reason, last if last > first else None))

    for first, last, rec, err in read_records(path):
        if err or rec is None:
            refuse(first, last, err or "empty record")
            continue
        if kind == "mentions" and STATED_LANG in rec:
            rec["lang"] = rec.pop(STATED_LANG)
        # None (JSON null, an empty CSV cell) is a missing value: the field's default applies.
        rec = {k: v for k, v in rec.items() if v is not None}
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
            refuse(first, last, _validation_reason(exc))
            continue
        except ValueError as exc:
            refuse(first, last, str(exc))
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    flush()
    return ImportResult(total, errors)
