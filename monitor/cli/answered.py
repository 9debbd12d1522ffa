"""``brandpulse answered MENTION_ID [MENTION_ID …] [--undo]``: mark critics answered by hand.

Most sources never show the company's reply, so a critic answered there would stay on the
digest's "answer today" list. The marking itself is ``Archive.mark_answered``; this module
only parses ids and prints what happened to each.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from monitor.cli.support import EXIT_USAGE, console, err_console, fail, load_config, open_archive


def answered(
    ctx: typer.Context,
    mention_ids: list[str] = typer.Argument(
        ..., metavar="MENTION_ID", help="Mention ids (the archive's mentions.id; #123 works too)."
    ),
    undo: bool = typer.Option(False, "--undo", help="Clear a mark set by hand (a typo, a wrong id)."),
) -> None:
    """Mark mentions answered by hand: the digest's "answer today" list then leaves them out and
    the reply rate counts them. A reply the source shows (Trustpilot, Google Play) is kept."""
    from monitor.core.archive import UnknownMentions
    from monitor.core.times import parse_time

    ids = [_mention_id(v) for v in mention_ids]
    wl = load_config(ctx)
    with open_archive(wl) as archive:
        try:
            marks = archive.mark_answered(ids, undo=undo)
        except UnknownMentions as exc:
            fail(str(exc), EXIT_USAGE)

    def local(stamp: str | None) -> str:
        return parse_time(stamp).astimezone(wl.tz).strftime("%Y-%m-%d %H:%M") if stamp else ""

    for m in marks:
        who = escape(f"#{m.mention_id} ({m.brand}, {m.source})")
        if m.outcome == "marked":
            console.print(f"{who}: marked answered at {local(m.replied_at)}", highlight=False)
        elif m.outcome == "cleared":
            console.print(f"{who}: manual mark cleared, waiting for an answer again", highlight=False)
        elif m.outcome == "already_marked":
            console.print(f"{who}: already marked answered at {local(m.replied_at)}", highlight=False)
        elif m.outcome == "answered_on_source":
            err_console.print(
                f"{who}: the source shows the company's reply of {local(m.replied_at)}; left as is",
                highlight=False,
            )
        else:
            err_console.print(f"{who}: was not marked answered; nothing to undo", highlight=False)


def _mention_id(value: str) -> int:
    """``123`` or ``#123`` (as this command prints it), else exit 2 naming the value."""
    text = value.strip().removeprefix("#")
    if not text.isascii() or not text.isdigit():
        fail(f"{value!r} is not a mention id: give the number (mentions.id), e.g. 123", EXIT_USAGE)
    return int(text)


def register(app: typer.Typer) -> None:
    app.command("answered")(answered)
