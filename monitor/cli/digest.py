"""CLI command of the digest stage:
``brandpulse digest [--period day|week|month] [--date D] [--out FILE] [--send]``.

Without options the digest of yesterday (watchlist time zone) is rendered into the digest
folder and recorded in the ledger; ``--period week`` / ``month`` reports last week or last
month instead; ``--out`` renders a preview file only; ``--send`` also
e-mails it to every recipient who has not had it yet (exit 1 if any send failed).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    load_config,
    not_future,
    open_archive,
    parse_day,
)


def register(app: typer.Typer) -> None:
    @app.command(name="digest")
    def digest(
        ctx: typer.Context,
        day: str | None = typer.Option(
            None,
            "--date",
            metavar="YYYY-MM-DD",
            help="Local day the digest covers (with --period: a day of that week or month). "
            "Default: yesterday (last week, last month) in the watchlist time zone.",
        ),
        kind: str = typer.Option(
            "day",
            "--period",
            metavar="day|week|month",
            help="A daily digest, or the week (Monday-Sunday) or calendar month, compared with the one before.",
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            dir_okay=False,
            help="Write the HTML here (text beside it, .txt) as a preview; nothing is sent or recorded.",
        ),
        send: bool = typer.Option(
            False, "--send", help="E-mail the digest to every recipient not yet sent it."
        ),
        resend_interrupted: bool = typer.Option(
            False,
            "--resend-interrupted",
            help="With --send: send again to addresses a killed run left 'sending' (they may get it twice).",
        ),
        mark_interrupted_sent: bool = typer.Option(
            False,
            "--mark-interrupted-sent",
            help="Record addresses a killed run left 'sending' as sent (check the mail log first).",
        ),
    ) -> None:
        """Render the digest (HTML, text, chart images, CSV) and, with --send, e-mail it."""
        from monitor.core.times import utcnow
        from monitor.pipeline import steps
        from reports.periods import KINDS, not_ended, resolve
        from reports.pipeline import DigestError, interrupted_sends

        if kind not in KINDS:
            fail(f"--period {kind!r}: use one of {', '.join(KINDS)}", EXIT_USAGE)
        period = parse_day(day, "--date")
        if send and out is not None:
            fail("--out writes a preview and never sends; use either --out or --send", EXIT_USAGE)
        if resend_interrupted and mark_interrupted_sent:
            fail("use one of --resend-interrupted or --mark-interrupted-sent", EXIT_USAGE)
        interrupted = "resend" if resend_interrupted else "mark-sent" if mark_interrupted_sent else "keep"
        wl = load_config(ctx)
        today = utcnow().astimezone(wl.tz).date()
        not_future(period, today, "--date")
        if kind != "day":  # a week or month: the one holding --date, or the last complete one
            period = resolve(period, kind, today)
        if period is not None:  # today, this week, this month: not over, so its figures are partial
            unfinished = not_ended(resolve(period, kind, today), today)
            if unfinished:
                fail(f"--date {day}: {unfinished}", EXIT_USAGE)
        archive = open_archive(wl)
        with archive:
            try:
                results = steps.digest(
                    wl, archive, period=period, send=send, out=out, interrupted=interrupted
                )
            except DigestError as exc:
                fail(str(exc), EXIT_USAGE)
            unsettled = interrupted_sends(archive) if out is None else []
        failed = 0
        for r in results:
            console.print(
                f"{r.period} · {r.group} ({r.language}): {r.html_path}"
                + (f" — {r.subject}" if r.subject else ""),
                highlight=False,
                soft_wrap=True,
            )
            for email, status in r.recipients.items():
                line = f"  {email}: {status}"
                if status == "sending":
                    line += " (interrupted mid-send: not retried, to never send twice)"
                console.print(line, highlight=False)
            for email, error in r.errors.items():
                err_console.print(
                    f"  [red]{escape(email)}[/]: {escape(str(error))}", highlight=False, soft_wrap=True
                )
            failed += len(r.failed)
        if unsettled:
            err_console.print(
                "[bold red]error:[/] "
                + escape(
                    f"{len(unsettled)} digest(s) were left 'sending' by a run that was killed "
                    "mid-send (or another process is sending them right now): "
                    + ", ".join(f"{p} → {e}" for p, e in unsettled)
                    + ". Whether they went out is unknown: check the mail server's log, then run "
                    "`brandpulse digest --date DAY --send --resend-interrupted` to send again, or "
                    "`brandpulse digest --date DAY --mark-interrupted-sent` to record them as sent."
                ),
                highlight=False,
                soft_wrap=True,
            )
        if failed:
            err_console.print(
                f"{failed} send(s) failed; the digest files are on disk and the next "
                "`brandpulse digest --send` retries them.",
                highlight=False,
            )
            raise typer.Exit(EXIT_FAILED)
        if unsettled:
            raise typer.Exit(EXIT_FAILED)
