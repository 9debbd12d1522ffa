"""CLI command of the digest stage: ``brandpulse digest [--date D] [--out FILE] [--send]``.

Without options the digest of yesterday (watchlist time zone) is rendered into the digest
folder and recorded in the ledger; ``--out`` renders a preview file only; ``--send`` also
e-mails it to every recipient who has not had it yet (exit 1 if any send failed).
"""

from __future__ import annotations

from pathlib import Path

import typer

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    load_config,
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
            help="Local day the digest covers. Default: yesterday in the watchlist time zone.",
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
    ) -> None:
        """Render the daily digest (HTML + text) and, with --send, e-mail it."""
        from monitor.pipeline import steps
        from reports.pipeline import DigestError

        period = parse_day(day, "--date")
        if send and out is not None:
            fail("--out writes a preview and never sends; use either --out or --send", EXIT_USAGE)
        wl = load_config(ctx)
        archive = open_archive(wl)
        with archive:
            try:
                results = steps.digest(wl, archive, period=period, send=send, out=out)
            except DigestError as exc:
                fail(str(exc), EXIT_USAGE)
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
                    line += " (a send was interrupted; not retried, to never send twice)"
                console.print(line, highlight=False)
            for email, error in r.errors.items():
                err_console.print(f"  [red]{email}[/]: {error}", highlight=False, soft_wrap=True)
            failed += len(r.failed)
        if failed:
            err_console.print(
                f"{failed} send(s) failed; the digest files are on disk and the next "
                "`brandpulse digest --send` retries them.",
                highlight=False,
            )
            raise typer.Exit(EXIT_FAILED)
