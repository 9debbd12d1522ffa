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
        as_json: bool = typer.Option(
            False,
            "--json",
            help="Print the alerts and incidents opened or updated as JSON (incidents: kind 'incident').",
        ),
        no_notify: bool = typer.Option(
            False, "--no-notify", help="Do not push incident events to the watchlist's notify channels."
        ),
    ) -> None:
        """Detect emerging systemic complaints: spikes per brand and topic, new complaint
        themes, and churn leads. Opens or updates alerts in the archive; nothing is alerted
        twice. New incident events are then pushed to the notify channels (once each)."""
        from monitor.pipeline import steps

        day = parse_day(as_of, "--as-of")
        wl = load_config(ctx)
        archive = open_archive(wl)
        with archive:
            try:
                changes = steps.detect(wl, archive, as_of=day)
            except ValueError as exc:
                fail(str(exc), EXIT_USAGE)
            pushed = None if no_notify else steps.notify(wl, archive)
        if pushed is not None and pushed.summary():
            typer.echo(f"notify: {pushed.summary()}", err=True)  # stdout stays the --json document
        incidents = getattr(changes, "incidents", [])
        if as_json:
            records = [c.to_json() for c in changes] + [i.to_json() for i in incidents]
            typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
            return
        if not changes and not incidents:
            console.print("no alerts opened or updated", highlight=False)
            return
        for i in incidents:
            console.print(_incident_line(i, wl.digest.language), highlight=False, soft_wrap=True)
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


def _incident_line(i, language: str) -> str:
    """One incident change: its id, what happened, its severity and headline."""
    head = i.headline.get(language) or i.headline.get("en")
    return f"{i.brand}: incident #{i.incident_id} {i.change} ({i.status}), severity {i.severity:g} — {head}"
