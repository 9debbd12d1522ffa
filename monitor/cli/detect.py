"""CLI command of the detection stage: ``brandpulse detect [--as-of YYYY-MM-DD] [--json]``."""

from __future__ import annotations

import json

import typer

from monitor.cli.support import (
    EXIT_USAGE,
    console,
    fail,
    load_config,
    open_archive,
    parse_day,
)


def register(app: typer.Typer) -> None:
    @app.command(name="detect")
    def detect(
        ctx: typer.Context,
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Judge this local day (replay history day by day). Default: the last 24 hours.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the alerts opened or updated as JSON."),
    ) -> None:
        """Detect emerging systemic complaints: spikes per brand and topic, new complaint
        themes, and churn leads. Opens or updates alerts in the archive; nothing is alerted
        twice."""
        from monitor.pipeline import steps

        day = parse_day(as_of, "--as-of")
        wl = load_config(ctx)
        archive = open_archive(wl)
        with archive:
            try:
                changes = steps.detect(wl, archive, as_of=day)
            except ValueError as exc:
                fail(str(exc), EXIT_USAGE)
        if as_json:
            typer.echo(json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=2))
            return
        if not changes:
            console.print("no alerts opened or updated", highlight=False)
            return
        for c in changes:
            console.print(_line(c), highlight=False, soft_wrap=True)


def _line(c) -> str:
    """One alert change as a log-friendly line."""
    what = c.topic or ("all topics" if c.kind == "spike" else "")
    window = c.window_start if c.window_start == c.window_end else f"{c.window_start}..{c.window_end}"
    head = f"{c.brand}: {c.kind} {what} — {c.status} ({c.change}), {window}"
    if c.expected is None:
        return f"{head}: {c.observed:g} mention(s) from {c.authors} author(s)"
    q = f", q {c.q_value:.2g}" if c.q_value is not None else ""
    return f"{head}: {c.observed:g} complaining authors vs {c.expected:.1f} expected (p {c.p_value:.2g}{q})"
