"""Shared plumbing for CLI commands: the global options, config loading, error exits.

Every command module under ``monitor/cli/`` uses these so that a bad watchlist or a
missing archive looks the same everywhere: one sentence, the file, and exit code 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from monitor.core.config import ConfigError, Watchlist, default_config_path, load_watchlist


def _soft_wrap(stream) -> bool:
    """Soft-wrap (no line breaks inserted) when the output is not a terminal: a pipe, a file or
    a log must get each message as one line, e.g. a command to copy and paste."""
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return True


console = Console(soft_wrap=_soft_wrap(sys.stdout))
err_console = Console(stderr=True, soft_wrap=_soft_wrap(sys.stderr))

EXIT_USAGE = 2  # bad configuration or arguments
EXIT_FAILED = 1  # the work ran but something failed (bad rows, failed sends, ...)


@dataclass
class State:
    config_path: Path | None = None
    verbose: bool = False


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def config_path(ctx: typer.Context) -> Path:
    return state(ctx).config_path or default_config_path()


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print one actionable sentence and exit. The message is shown literally (it may hold
    SQL, paths or ``brandpulse[serve]``, which rich would otherwise read as markup)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value, or exit 2 naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-21", EXIT_USAGE)


def not_future(day: date | None, today: date, option: str) -> date | None:
    """``day`` unless it is after ``today`` (the watchlist's local day): exit 2 naming the
    option. A digest or detection run for a day that has not happened yet finds nothing and
    would record an empty result as if it were true."""
    if day is not None and day > today:
        fail(f"{option} {day.isoformat()} is in the future (today is {today.isoformat()})", EXIT_USAGE)
    return day


def print_config_error(exc: ConfigError) -> None:
    """Every problem on its own line, shown literally: messages quote the file's own text
    (``countries: [de, at]``), which rich would otherwise swallow as markup."""
    err_console.print(
        f"[bold red]invalid watchlist[/] {escape(str(exc.path))} ({len(exc.problems)} problem"
        f"{'s' if len(exc.problems) != 1 else ''}):",
        highlight=False,
    )
    for p in exc.problems:
        err_console.print(escape(f"  {exc.path}: {p}"), highlight=False, soft_wrap=True)


def load_config(ctx: typer.Context) -> Watchlist:
    """The watchlist named by --config / BRANDPULSE_CONFIG / ./watchlist.yaml, or exit 2."""
    try:
        return load_watchlist(config_path(ctx))
    except ConfigError as exc:
        print_config_error(exc)
        raise typer.Exit(EXIT_USAGE) from None


def open_archive(wl: Watchlist, *, readonly: bool = False):
    from monitor.core.archive import Archive

    try:
        return Archive.open(wl.archive_path, readonly=readonly)
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
