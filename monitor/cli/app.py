"""The ``brandpulse`` command line.

The command names are a contract (README, scheduler, outside checks). Each stage's commands
live in their own module under ``monitor/cli/`` and are registered here, so the CLI
stays a thin shell over the stages.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Literal

import typer
from rich.markup import escape

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    load_config,
    open_archive,
    print_config_error,
    state,
)
from monitor.core.config import ConfigError, load_watchlist

app = typer.Typer(
    name="brandpulse",
    help="Self-hosted brand sentiment monitor: crawl → archive → enrich → detect → digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain (click) help: on/off flags without a "<bool>" type, choices listed, docstrings
    # re-flowed to the terminal; rich's panels showed "<bool>" for every flag.
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Work with the watchlist file.", no_args_is_help=True)
app.add_typer(config_app, name="config")

TEMPLATE = Path(__file__).parent / "templates" / "watchlist.yaml"


def _print_version(value: bool) -> None:
    """``--version``: the installed distribution's version (pyproject.toml's, via pip)."""
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"brandpulse {version('brandpulse')}")
    except PackageNotFoundError:
        fail("brandpulse is not installed (run `pip install -e .` in the checkout)", EXIT_USAGE)
    raise typer.Exit(0)


@app.callback()
def main(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        envvar="BRANDPULSE_CONFIG",
        help="Watchlist file (default ./watchlist.yaml).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details."),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        expose_value=False,
        callback=_print_version,
        help="Print the installed version and exit.",
    ),
) -> None:
    from monitor.daemon.logs import setup_cli_logging

    st = state(ctx)
    st.config_path = config
    st.verbose = verbose
    setup_cli_logging(logging.DEBUG if verbose else logging.WARNING)


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), help="Folder to write watchlist.yaml into."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing watchlist.yaml."),
) -> None:
    """Write a commented example watchlist (German and English topics) to DIR/watchlist.yaml."""
    target = directory / "watchlist.yaml"
    if target.exists() and not force:
        fail(f"{target} exists; use --force to overwrite it", EXIT_USAGE)
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(
        escape(f"wrote {target} — edit it, then run: brandpulse --config {target} config check"),
        highlight=False,
    )


@config_app.command("check")
def config_check(
    ctx: typer.Context,
    file: Path | None = typer.Argument(None, help="Watchlist to check (default: --config)."),
) -> None:
    """Validate a watchlist: every problem is named with its field path; exit code 2 if any.

    Also checks what the commands will need: the archive and digest folders writable, the
    pseudonym key set when pseudonymisation is on, cron expressions the scheduler accepts."""
    from monitor.core.preflight import preflight

    path = file or state(ctx).config_path or Path("watchlist.yaml")
    try:
        wl = load_watchlist(path)
        problems = preflight(wl)
        if problems:
            raise ConfigError(path, problems)
    except ConfigError as exc:
        print_config_error(exc)
        raise typer.Exit(EXIT_USAGE) from None
    n_sources = sum(len(b.sources) for b in wl.brands)
    rivals = len(wl.competitor_brands)
    brands = f"{len(wl.own_brands)} brand(s)" + (f" + {rivals} tracked competitor(s)" if rivals else "")
    console.print(
        "[green]ok[/] "
        + escape(
            f"{path}: {brands}, {n_sources} source(s), {len(wl.topics)} topic(s); archive {wl.archive_path}"
        ),
        highlight=False,
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or JSONL file."),
    kind: Literal["mentions", "survey"] = typer.Option("mentions", "--kind", help="What the file holds."),
    brand: str | None = typer.Option(None, "--brand", help="Brand for rows that name none."),
) -> None:
    """Import mentions (text, id, source, url, author, title, lang, rating, published_at, brand)
    or NPS survey responses (score 0-10, comment, date). Good rows are stored, bad rows are
    reported with their line number; re-importing stores no duplicates."""
    from monitor.core.pseudonyms import MissingKey
    from monitor.pipeline import steps

    wl = load_config(ctx)
    archive = open_archive(wl)
    with archive:
        try:
            result = steps.import_records(wl, archive, file, kind=kind, brand=brand)
        except (ValueError, MissingKey) as exc:
            fail(f"{exc}; nothing was imported", EXIT_USAGE)
    s = result.stats
    console.print(
        f"{file}: {s.new} new, {s.seen} already in the archive"
        + (f", {s.duplicates} near-duplicate repost(s) marked" if s.duplicates else "")
        + f", {len(result.errors)} bad row(s)",
        highlight=False,
        soft_wrap=True,
    )
    for e in result.errors:
        err_console.print(escape(f"  {file}:{e.line}: {e.reason}"), highlight=False, soft_wrap=True)
    if result.errors:
        raise typer.Exit(EXIT_FAILED)


# Stage commands, one module each (monitor/cli/<stage>.py).
for _name in (
    "classify",
    "crawl",
    "enrich",
    "detect",
    "incidents",
    "answered",
    "digest",
    "daemon",
    "status",
    "analyst",
    "demo",
):
    importlib.import_module(f"monitor.cli.{_name}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
