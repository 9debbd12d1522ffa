"""``brandpulse crawl``: run the spiders now and show what each source brought in.

Exit status: 0 when every source ran (ok or skipped), 1 when one failed or timed out,
2 for an unknown brand or source type.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from monitor.cli.support import EXIT_FAILED, EXIT_USAGE, console, fail, load_config
from monitor.cli.tables import FitTable

KEY_WIDTH = 48


def short_key(key: str) -> str:
    """Source keys of multi-URL sources get long; the table shows their start."""
    return key if len(key) <= KEY_WIDTH else key[: KEY_WIDTH - 1] + "…"


STATUS_STYLE = {"ok": "green", "skipped": "yellow", "failed": "bold red", "timeout": "bold red"}


def outcome_table(outcomes) -> FitTable:
    """One line per source; brand and source are cut to fit, the figures never are. One
    brand (the usual case) goes into the title, leaving its width to the figures."""
    brands = sorted({o.brand for o in outcomes})
    one_brand = len(brands) == 1
    table = FitTable(title=f"crawl — {brands[0]}" if one_brand else "crawl")
    if not one_brand:
        table.column("brand", flexible=True)
    table.column("source", flexible=True)
    table.column("status")
    for col in ("new", "seen", "off-brand", "err p/h", "s"):
        table.column(col, justify="right")
    for o in outcomes:
        style = STATUS_STYLE.get(o.status, "")
        status = f"[{style}]{o.status}[/]" if style else o.status
        if o.layout_suspect:
            status += " [bold red]layout?[/]"
        table.row(
            *([] if one_brand else [escape(o.brand)]),
            escape(short_key(o.source_key)),
            status,
            str(o.items_new),
            str(o.items_seen),
            str(o.items_irrelevant),
            f"{o.parse_errors}/{o.http_errors}",
            f"{o.duration_s:.1f}" if o.duration_s is not None else "—",
        )
    return table


def print_notes(outcomes) -> None:
    """The first lines of each run's message: why it failed, was skipped, or what it noticed.
    A crashed crawler's message is an introduction ("crawler exited with status 1:") and its
    stderr's tail, whose last lines (the exception) say why: those are shown, not its start."""
    for o in outcomes:
        if o.message:
            lines = o.message.splitlines()
            if len(lines) > 3 and lines[0].endswith(":"):
                text = "\n  ".join([lines[0], f"… ({len(lines) - 3} more lines)", *lines[-2:]])
            else:
                more = f" (+{len(lines) - 3} more lines)" if len(lines) > 3 else ""
                text = "\n  ".join(lines[:3]) + more
            console.print(
                f"[bold]{escape(o.brand)}/{escape(short_key(o.source_key))}[/]: " + escape(text),
                highlight=False,
                soft_wrap=True,
            )


def failure_hint(bad, *, as_json: bool) -> str:
    """Where the reasons of failed sources are: the notes under the table (the table has no
    column for them), each outcome's "message" in JSON; later, under `brandpulse status`'s
    Sources table."""
    if not any(o.message for o in bad):
        return " — no reason was recorded; `brandpulse status --json` has the runs"
    here = 'each outcome\'s "message" above' if as_json else "the notes under the table above"
    them = "them" if len(bad) > 1 else "it"
    return f" — why: {here}; `brandpulse status` shows {them} under its Sources table"


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
        cluster: str | None = typer.Option(
            None,
            "--cluster",
            help="Dask scheduler address (tcp://HOST:8786): run the work on its workers "
            "(default: cluster.address; docs/scaling.md).",
        ),
    ) -> None:
        """Crawl the watchlist's sources now (each in its own process) and store new mentions."""
        from crawler.launch import selected_sources
        from monitor.cluster.client import ClusterError, use_cluster
        from monitor.pipeline import steps

        try:
            use_cluster(cluster)
        except ClusterError as exc:
            fail(str(exc), EXIT_USAGE)
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
        try:
            outcomes = steps.crawl(wl, source_type=source, brand=brand, timeout_s=timeout).outcomes
        except ClusterError as exc:
            fail(str(exc), EXIT_FAILED)
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
                + failure_hint(bad, as_json=as_json),
                EXIT_FAILED,
            )
