"""``brandpulse crawl``: run the spiders now and show what each source brought in.

Exit status: 0 when every source ran (ok or skipped), 1 when one failed or timed out,
2 for an unknown brand or source type.
"""

from __future__ import annotations

import typer
from rich.table import Table

from monitor.cli.support import EXIT_FAILED, EXIT_USAGE, console, fail, load_config

KEY_WIDTH = 48


def short_key(key: str) -> str:
    """Source keys of multi-URL sources get long; the table shows their start."""
    return key if len(key) <= KEY_WIDTH else key[: KEY_WIDTH - 1] + "…"


STATUS_STYLE = {"ok": "green", "skipped": "yellow", "failed": "bold red", "timeout": "bold red"}


def outcome_table(outcomes) -> Table:
    table = Table(title="crawl", show_lines=False)
    table.add_column("brand", min_width=5, overflow="fold")
    table.add_column("source", min_width=12, overflow="fold")
    table.add_column("status", no_wrap=True)
    for col in ("new", "seen", "off-brand", "errors parse/http", "s"):
        table.add_column(col, justify="right", no_wrap=True)
    for o in outcomes:
        style = STATUS_STYLE.get(o.status, "")
        status = f"[{style}]{o.status}[/]" if style else o.status
        if o.layout_suspect:
            status += " [bold red]layout?[/]"
        table.add_row(
            o.brand,
            short_key(o.source_key),
            status,
            str(o.items_new),
            str(o.items_seen),
            str(o.items_irrelevant),
            f"{o.parse_errors}/{o.http_errors}",
            f"{o.duration_s:.1f}" if o.duration_s is not None else "—",
        )
    return table


def print_notes(outcomes) -> None:
    """The first lines of each run's message: why it failed, was skipped, or what it noticed."""
    for o in outcomes:
        if o.message:
            lines = o.message.splitlines()
            more = f" (+{len(lines) - 3} more lines)" if len(lines) > 3 else ""
            console.print(
                f"[bold]{o.brand}/{short_key(o.source_key)}[/]: " + "\n  ".join(lines[:3]) + more,
                highlight=False,
                soft_wrap=True,
            )


def register(app: typer.Typer) -> None:
    @app.command(name="crawl")
    def crawl(
        ctx: typer.Context,
        source: str | None = typer.Option(
            None, "--source", "-s", help="Only sources of this type (appstore, reddit, …)."
        ),
        brand: str | None = typer.Option(None, "--brand", "-b", help="Only this brand."),
        timeout: float | None = typer.Option(
            None,
            "--timeout",
            min=1,
            help="Seconds per source before it is killed (default: crawler.timeout_minutes).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the outcomes as JSON."),
    ) -> None:
        """Crawl the watchlist's sources now (each in its own process) and store new mentions."""
        from crawler.launch import selected_sources
        from monitor.pipeline import steps

        wl = load_config(ctx)
        try:
            pairs = selected_sources(wl, source_type=source, brand=brand)
        except (KeyError, ValueError) as exc:
            fail(str(exc.args[0] if exc.args else exc), EXIT_USAGE)
        if not pairs:
            fail(
                "no enabled source matches"
                + (f" --source {source}" if source else "")
                + (f" --brand {brand}" if brand else "")
                + "; check the watchlist's sources",
                EXIT_USAGE,
            )
        outcomes = steps.crawl(wl, source_type=source, brand=brand, timeout_s=timeout).outcomes
        if as_json:
            import json

            console.print_json(json.dumps([o.to_dict() for o in outcomes]))
        else:
            console.print(outcome_table(outcomes))
            print_notes(outcomes)
            new = sum(o.items_new for o in outcomes)
            console.print(f"{new} new mention{'s' if new != 1 else ''} stored in {wl.archive_path}")
        bad = [o for o in outcomes if o.failed]
        if bad:
            fail(
                f"{len(bad)} source{'s' if len(bad) != 1 else ''} failed: "
                + ", ".join(f"{o.brand}/{short_key(o.source_key)} ({o.status})" for o in bad)
                + " — see the note column or `brandpulse status`",
                EXIT_FAILED,
            )
