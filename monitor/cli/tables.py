"""Tables that fit the terminal: one line per row, long cells cut with "…", floats rounded.

Why not rich's own sizing: when a table is too wide, rich wraps every wrappable cell (a date
over four lines, a brand name letter by letter) and lets columns that must not wrap run off
the screen. Here the short columns (numbers, statuses, dates) keep their width and only the
columns marked flexible (names, keys, texts) give up room; ``wide`` keeps every cell whole for
``less -S`` or a file.

When a row does not fit, in this order: (1) flexible columns shrink to :data:`MIN_FLEX`;
(2) columns marked ``optional`` are left out, the rightmost optional one first, until the row
fits with flexible columns at :data:`MIN_FLEX`; (3) flexible columns shrink further, down to
:data:`MIN_CUT`. Only a table that is too wide even then gets its fixed columns squeezed (by
rich). Dropping before (3): a name cut to four characters tells nothing, while a left-out
column is still whole in ``--json``/``wide``. A status or time cut in half misleads, hence
fixed columns come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

#: A flexible column is cut below this many characters (the "…" included) only when no
#: optional column is left to drop.
MIN_FLEX = 8
#: ... and never below this many.
MIN_CUT = 5
#: Significant digits a float keeps on screen (csv/json keep them all): enough for any
#: figure a person reads, few enough to hide binary noise like 1.0000000000000002.
FLOAT_DIGITS = 12


def display(value: Any) -> str:
    """A cell as text: None blank, floats without binary noise (``1.0000000000000002`` → 1.0)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(float(f"{value:.{FLOAT_DIGITS}g}"))
    return str(value)


def _cell_width(cell: str | Text) -> int:
    text = cell if isinstance(cell, Text) else Text.from_markup(cell)
    return max((Text(line).cell_len for line in text.plain.splitlines()), default=0)


def fit_widths(natural: Sequence[int], flexible: Sequence[bool], room: int) -> list[int]:
    """Column widths within ``room``: fixed columns keep their natural width; flexible ones
    share what is left, the narrow ones whole first, none below :data:`MIN_CUT`."""
    widths = list(natural)
    flex = sorted((w, i) for i, (w, f) in enumerate(zip(natural, flexible)) if f)
    left = room - sum(w for w, f in zip(natural, flexible) if not f)
    for n, (want, i) in enumerate(flex):
        share = left // (len(flex) - n)
        widths[i] = min(want, max(MIN_CUT, share))
        left -= widths[i]
    return widths


def cut_middle(cell: str | Text, width: int) -> str | Text:
    """``cell`` in ``width`` characters, cut in the middle: for keys that differ only at the
    end (``feed:url=…/news.rss``), where an end cut would show the same prefix on every row.
    The head keeps a ``kind:`` prefix whole where that leaves a few characters of the end."""
    text = cell if isinstance(cell, Text) else Text.from_markup(cell)
    if text.cell_len <= width or width < 3:
        return cell
    head = (width - 1) // 2
    kind = text.plain.find(":") + 1
    if width - 1 - kind >= 3:
        head = max(head, kind)
    tail = width - 1 - head
    plain = len(text.plain)
    return text[:head] + Text("…") + text[plain - tail :]


class FitTable:
    """Collect columns and rows, then render a table that fits ``console``'s width."""

    def __init__(self, title: str | None = None):
        self.title = title
        self.columns: list[tuple[str, bool, str]] = []  # header, flexible, justify
        self.optional: set[int] = set()  # indexes of columns that may be left out
        self.middle: set[int] = set()  # indexes of columns cut in the middle
        self.rows: list[list[str | Text]] = []

    def column(
        self,
        header: str,
        *,
        flexible: bool = False,
        justify: str = "left",
        optional: bool = False,
        cut: str = "end",
    ) -> None:
        """``optional``: left out when the row does not fit otherwise, the rightmost optional
        column first, so put the least important last. ``cut="middle"``: where cutting the
        column's cells at the end would make rows look alike, they lose their middle instead."""
        if optional:
            self.optional.add(len(self.columns))
        if cut == "middle":
            self.middle.add(len(self.columns))
        self.columns.append((header, flexible, justify))

    def row(self, *cells: str | Text) -> None:
        self.rows.append(list(cells))

    def natural_widths(self) -> list[int]:
        return [
            max([len(h)] + [_cell_width(r[i]) for r in self.rows]) for i, (h, _, _) in enumerate(self.columns)
        ]

    def overhead(self, columns: int | None = None) -> int:
        """Characters a row spends besides its cells: between two columns a one-space rule
        and a space of padding either side; nothing at the outer edges."""
        return 3 * ((len(self.columns) if columns is None else columns) - 1)

    def shown_columns(self, width: int | None) -> list[int]:
        """Indexes of the columns a line of ``width`` characters shows: all, less the
        rightmost optional ones while the rest do not fit with flexible ones at MIN_FLEX."""
        keep = list(range(len(self.columns)))
        if width is None:
            return keep
        natural = self.natural_widths()
        drop = sorted(self.optional, reverse=True)
        while True:
            kept = [(natural[i], self.columns[i][1]) for i in keep]
            room = width - self.overhead(len(keep))
            if not drop or fits([w for w, _ in kept], [f for _, f in kept], room):
                return keep
            keep.remove(drop.pop(0))

    def render(self, width: int | None) -> Table:
        """The table for a line of ``width`` characters (None: every cell whole)."""
        natural = self.natural_widths()
        keep = self.shown_columns(width)
        if width is None:
            widths = natural
        else:
            widths = [0] * len(natural)
            fitted = fit_widths(
                [natural[i] for i in keep],
                [self.columns[i][1] for i in keep],
                width - self.overhead(len(keep)),
            )
            for i, w in zip(keep, fitted):
                widths[i] = w
        table = Table(
            title=self.title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            highlight=False,
        )
        for i in keep:
            header, _, justify = self.columns[i]
            table.add_column(header, width=widths[i], no_wrap=True, overflow="ellipsis", justify=justify)  # type: ignore[arg-type]
        middle = {
            i for i in self.middle & set(keep) if width is not None and self._ends_collide(i, widths[i])
        }
        for r in self.rows:
            table.add_row(*(cut_middle(r[i], widths[i]) if i in middle else r[i] for i in keep))
        return table

    def _ends_collide(self, column: int, width: int) -> bool:
        """Whether cutting the column's cells at the end to ``width`` makes different cells
        look the same (then ``cut="middle"`` cuts them in the middle)."""
        plain = {
            (c if isinstance(c, Text) else Text.from_markup(c)).plain for c in (r[column] for r in self.rows)
        }
        ends = {p if Text(p).cell_len <= width else p[: width - 1] for p in plain}
        return len(ends) < len(plain)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.render(options.max_width)

    def too_wide(self, console: Console) -> bool:
        """True when cells had to be cut to fit."""
        return sum(self.natural_widths()) + self.overhead() > console.width

    def print(self, console: Console, *, wide: bool = False) -> None:
        """Print fitted to ``console``, or (``wide``) with every cell whole, however wide."""
        if not wide:
            console.print(self, soft_wrap=False)
            return
        width = sum(self.natural_widths()) + self.overhead()
        if width > console.width:  # a console never prints wider than itself
            console = Console(
                file=console.file,
                width=width,
                force_terminal=console.is_terminal,
                color_system=console.color_system,  # type: ignore[arg-type]
                no_color=console.no_color,
            )
        console.print(self.render(None), soft_wrap=False)


def fits(natural: Sequence[int], flexible: Sequence[bool], room: int) -> bool:
    """Whether the columns fit ``room`` with every flexible one cut to at most :data:`MIN_FLEX`."""
    return sum(min(w, MIN_FLEX) if f else w for w, f in zip(natural, flexible)) <= room


def print_records(console: Console, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """One field per line (``name  value``), a rule between records: for results with more
    columns than a terminal line holds. Values are whole; continuation lines are indented."""
    pad = max((len(c) for c in columns), default=0)
    for n, row in enumerate(rows, 1):
        console.print(Text(f"-[ record {n} ]" + "-" * max(0, 30 - len(str(n)))), soft_wrap=True)
        for name, value in zip(columns, row):
            lines = value.splitlines() or [""]
            text = Text(f"{name.ljust(pad)}  {lines[0]}")
            for more in lines[1:]:
                text.append("\n" + " " * (pad + 2) + more)
            console.print(text, soft_wrap=True)
