"""Tables that fit the terminal: one line per row, long cells cut with "…", floats rounded.

Why not rich's own sizing: when a table is too wide, rich wraps every wrappable cell (a date
over four lines, a brand name letter by letter) and lets columns that must not wrap run off
the screen. Here the short columns (numbers, statuses, dates) keep their width and only the
columns marked flexible (names, keys, texts) give up room, each to at least a few characters;
``wide`` keeps every cell whole for ``less -S`` or a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

#: A flexible column is never cut below this many characters (the "…" included).
MIN_FLEX = 8
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
    share what is left, the narrow ones whole first, none below :data:`MIN_FLEX`."""
    widths = list(natural)
    flex = sorted((w, i) for i, (w, f) in enumerate(zip(natural, flexible)) if f)
    left = room - sum(w for w, f in zip(natural, flexible) if not f)
    for n, (want, i) in enumerate(flex):
        share = left // (len(flex) - n)
        widths[i] = min(want, max(MIN_FLEX, share))
        left -= widths[i]
    return widths


class FitTable:
    """Collect columns and rows, then render a table that fits ``console``'s width."""

    def __init__(self, title: str | None = None):
        self.title = title
        self.columns: list[tuple[str, bool, str]] = []  # header, flexible, justify
        self.rows: list[list[str | Text]] = []

    def column(self, header: str, *, flexible: bool = False, justify: str = "left") -> None:
        self.columns.append((header, flexible, justify))

    def row(self, *cells: str | Text) -> None:
        self.rows.append(list(cells))

    def natural_widths(self) -> list[int]:
        return [
            max([len(h)] + [_cell_width(r[i]) for r in self.rows]) for i, (h, _, _) in enumerate(self.columns)
        ]

    def overhead(self) -> int:
        """Characters a row spends besides its cells: between two columns a one-space rule
        and a space of padding either side; nothing at the outer edges."""
        return 3 * (len(self.columns) - 1)

    def render(self, width: int | None) -> Table:
        """The table for a line of ``width`` characters (None: every cell whole)."""
        natural = self.natural_widths()
        if width is None:
            widths = natural
        else:
            widths = fit_widths(natural, [f for _, f, _ in self.columns], width - self.overhead())
        table = Table(
            title=self.title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            highlight=False,
        )
        for (header, _, justify), w in zip(self.columns, widths):
            table.add_column(header, width=w, no_wrap=True, overflow="ellipsis", justify=justify)  # type: ignore[arg-type]
        for r in self.rows:
            table.add_row(*r)
        return table

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
