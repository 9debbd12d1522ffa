"""CLI commands for analysts and data protection: query, export, serve, forget.

Retention is ``brandpulse forget --expired``: one command for "remove personal data", either
one person's (``--author``/``--source``) or everyone's past ``privacy.retention_days``.
"""

from __future__ import annotations

import os
import sys
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
    parse_day,
)


def _readonly(wl):
    from monitor.analyst.query import open_readonly

    try:
        return open_readonly(wl.archive_path)
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)


def query(
    ctx: typer.Context,
    sql: str = typer.Argument(..., help="One SQL statement (SELECT, WITH, PRAGMA table_info...)."),
    fmt: Literal["table", "csv", "json"] = typer.Option("table", "--format", "-f", help="Output format."),
    max_rows: int = typer.Option(200, "--max-rows", help="Rows shown as a table (csv/json: all)."),
    wide: bool = typer.Option(
        False, "--wide", help="Table: keep every cell whole, wider than the terminal (for less -S)."
    ),
    line: bool = typer.Option(
        False, "--line", help="One field per line (the default when a table cannot fit the terminal)."
    ),
) -> None:
    """Run read-only SQL on the archive. Views: v_daily_sentiment, v_topic_daily,
    v_open_alerts, v_alert_evidence, v_review_nps_monthly, v_survey_nps_monthly; full-text
    search: ... FROM mentions_fts WHERE mentions_fts MATCH 'liefer* verspätet'."""
    from monitor.analyst.formats import write_csv, write_json
    from monitor.analyst.query import FORMATS, QueryFailed, QueryRefused, run_query

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}", EXIT_USAGE)
    if wide and line:
        fail("use one of --wide (a table) or --line (one field per line)", EXIT_USAGE)
    wl = load_config(ctx)
    conn = _readonly(wl)
    try:
        columns, rows = run_query(conn, sql)
        if fmt == "csv":
            write_csv(columns, rows, sys.stdout)
        elif fmt == "json":
            write_json(columns, rows, sys.stdout)
        else:
            _print_table(columns, rows, max_rows, layout="wide" if wide else "line" if line else "auto")
    except QueryRefused as exc:
        fail(str(exc), EXIT_USAGE)
    except QueryFailed as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        conn.close()


def _print_table(columns: list[str], rows, max_rows: int, *, layout: str = "auto") -> None:
    """A table cut to the terminal's width (``wide``: cells whole), or one field per line
    (``line``; ``auto`` switches to it when the columns cannot fit even cut)."""
    from rich.text import Text

    from monitor.analyst.formats import terminal_safe
    from monitor.cli.tables import FitTable, display, fits, print_records

    shown: list[list[str]] = []
    numeric = [True] * len(columns)
    more = False
    for row in rows:
        if len(shown) >= max_rows:
            more = True
            break
        for i, v in enumerate(row):
            numeric[i] = numeric[i] and (v is None or isinstance(v, int | float))
        # Cells are strangers' texts: no terminal control sequences (and no markup: Text).
        shown.append([terminal_safe(display(v)) for v in row])
    headers = [terminal_safe(c) for c in columns]
    table = FitTable()
    for h, num in zip(headers, numeric):
        table.column(h, justify="right" if num else "left")
    for cells in shown:  # one line a row: line breaks in a cell shown as ↵
        table.row(*(Text(" ↵ ".join(c.splitlines())) for c in cells))
    natural = table.natural_widths()
    # Short columns (numbers, dates, time stamps) stay whole; longer ones are cut first.
    flexible = [w > 20 for w in natural]
    room = console.width - table.overhead()
    if not fits(natural, flexible, room):
        flexible = [True] * len(natural)
    table.columns = [(h, f, j) for (h, _, j), f in zip(table.columns, flexible)]
    if layout == "line" or (layout == "auto" and not fits(natural, flexible, room)):
        print_records(console, headers, shown)
        if layout == "auto":
            err_console.print(
                f"{len(columns)} columns do not fit {console.width} characters: one field per line "
                "(--wide for a table)",
                highlight=False,
            )
    else:
        table.print(console, wide=layout == "wide")
        if layout == "auto" and table.too_wide(console):
            err_console.print("long cells cut with …: --wide or --line shows them whole", highlight=False)
    note = f"{len(shown)} row(s)" + ("; more not shown (--max-rows, or --format csv)" if more else "")
    err_console.print(note, highlight=False)


def export(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="First local day (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last local day, inclusive."),
    brand: str | None = typer.Option(None, "--brand"),
    match: str | None = typer.Option(None, "--match", help="Full-text query, e.g. 'liefer*'."),
    fmt: Literal["csv", "jsonl", "parquet", "xlsx"] = typer.Option(
        "csv", "--format", "-f", help="File format (xlsx: a workbook, one sheet per table)."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="File (default: stdout)."),
    excel: bool = typer.Option(
        False, "--excel", help="csv for German Excel: UTF-8 with BOM, ';' between fields, decimal comma."
    ),
) -> None:
    """Export mentions with their sentiment and topics for spreadsheets and pandas; xlsx adds
    sheets for topic hits, alerts, incidents and surveys, with real dates and numbers. Days
    are the watchlist's local days; the export streams, so any archive size works."""
    from monitor.analyst.query import ExportFilter
    from monitor.analyst.query import export as run_export
    from monitor.analyst.tables import SHEETS

    wl = load_config(ctx)
    if brand:
        try:
            brand = wl.brand(brand).name
        except KeyError as exc:
            fail(str(exc.args[0]), EXIT_USAGE)
    flt = ExportFilter(
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        brand=brand,
        match=match,
        tz=wl.timezone,
    )
    conn = _readonly(wl)
    try:
        n = run_export(conn, flt, fmt, out, stdout=sys.stdout, excel=excel)
    except (ValueError, RuntimeError) as exc:
        fail(str(exc), EXIT_USAGE)
    except BrokenPipeError:  # `export | head`: the reader has all it wants, as with git log
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit's flush
        raise typer.Exit(141) from None
    except OSError as exc:
        fail(f"could not write the export: {exc}", EXIT_FAILED)
    finally:
        conn.close()
    if out:
        sheets = f" (sheets: {', '.join(name for name, *_ in SHEETS)})" if fmt == "xlsx" else ""
        err_console.print(escape(f"wrote {n} mention(s) to {out}{sheets}"), highlight=False)


def serve(
    ctx: typer.Context,
    port: int = typer.Option(8001, "--port", "-p"),
    host: str = typer.Option("127.0.0.1", "--host", help="Keep 127.0.0.1 unless behind auth."),
    immutable: bool = typer.Option(
        False, "--immutable", help="For a copy nobody writes to (faster; never for a live archive)."
    ),
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        help="Also accept this Host header (the name a reverse proxy forwards); repeatable. "
        "Other names are refused, against DNS rebinding.",
    ),
) -> None:
    """Browse the archive in Datasette (read-only; needs the optional extra: pip install
    'brandpulse[serve]'): table and column docs, full-text search, canned queries.
    Answers only requests naming --host, a loopback name or an --allow-host name."""
    from monitor.analyst.serve import DatasetteMissing
    from monitor.analyst.serve import serve as run_serve

    wl = load_config(ctx)
    if not wl.archive_path.exists():
        fail(f"no archive at {wl.archive_path}: run `brandpulse crawl` or `import` first", EXIT_USAGE)
    try:
        code = run_serve(wl, host=host, port=port, immutable=immutable, allow_hosts=allow_host)
    except DatasetteMissing as exc:
        fail(str(exc), EXIT_USAGE)
    raise typer.Exit(code)


def forget(
    ctx: typer.Context,
    author: str | None = typer.Option(None, "--author", help="The person's name / handle."),
    source: str | None = typer.Option(
        None, "--source", help="Source type as stored (reddit, appstore, ...; survey = customer_ref)."
    ),
    expired: bool = typer.Option(
        False, "--expired", help="Apply privacy.retention_days to every mention instead."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report what would be removed."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Erase personal data: one person's everywhere (--author NAME --source S), or text and
    author of every mention older than the retention period (--expired)."""
    from monitor.core.archive import Archive
    from monitor.core.pseudonyms import key_from_env
    from monitor.privacy.erasure import apply_retention
    from monitor.privacy.erasure import forget as run_forget
    from monitor.privacy.purge import purge_bytes

    wl = load_config(ctx)
    if expired == bool(author or source):
        fail("give either --author NAME --source S, or --expired", EXIT_USAGE)
    if not expired and not (author and source):
        fail("--author and --source go together (e.g. --author jdoe --source reddit)", EXIT_USAGE)
    if not wl.archive_path.exists():
        fail(f"no archive at {wl.archive_path}: nothing to erase", EXIT_USAGE)
    archive = Archive.open(wl.archive_path)
    with archive:
        if expired:
            days = wl.privacy.retention_days
            if not days:
                fail("privacy.retention_days is not set in the watchlist: nothing expires", EXIT_USAGE)
            plan = apply_retention(archive, days, dry_run=True)
            console.print(
                f"{plan.mentions} mention(s) published before {plan.cutoff} still hold text/author",
                highlight=False,
            )
            if dry_run or not plan.mentions:
                return
            _confirm(yes, f"remove text, title, author and url of {plan.mentions} mention(s)?")
            rep = apply_retention(archive, days, on_blocked=_blocked_note)
            console.print(
                f"redacted {rep.mentions} mention(s), {rep.mention_topics} topic "
                f"sentence(s), {rep.alert_quotes} alert quote(s)",
                highlight=False,
            )
            _purge_note(rep.purged)
            return
        key = key_from_env(wl)
        plan = run_forget(archive, author, source, key=key, digest_dir=wl.digest_dir, dry_run=True)
        _print_plan(plan)
        if dry_run or not (plan.mentions or plan.survey_responses):
            if not (plan.mentions or plan.survey_responses):
                if not dry_run:  # finishes a purge that a reader blocked last time
                    _purge_note(purge_bytes(archive, on_blocked=_blocked_note))
                raise typer.Exit(EXIT_FAILED)
            return
        _confirm(yes, f"erase {plan.mentions} mention(s) of {author!r} on {source} everywhere?")
        rep = run_forget(archive, author, source, key=key, digest_dir=wl.digest_dir, on_blocked=_blocked_note)
        console.print(
            "removed: "
            + ", ".join(f"{n} {what}" for what, n in rep.removed().items())
            + (f"; {rep.reposts_repointed} repost(s) by others re-pointed" if rep.reposts_repointed else ""),
            highlight=False,
        )
        if rep.residual:
            err_console.print(
                "still naming them (others' texts, kept): "
                + ", ".join(f"{k}: {v}" for k, v in rep.residual.items()),
                highlight=False,
            )
        _digest_note(rep)
        _purge_note(rep.purged and not rep.digest_failed)


def _print_plan(plan) -> None:
    if plan.mentions or plan.survey_responses:
        console.print(
            f"found {plan.mentions} mention(s)"
            + (f" and {plan.survey_responses} survey response(s)" if plan.survey_responses else "")
            + escape(
                f" by {plan.author!r} on {plan.source}"
                + (f" (stored as {', '.join(plan.stored_as)})" if plan.stored_as else "")
            ),
            highlight=False,
        )
    else:
        err_console.print(escape(f"no data of {plan.author!r} on {plan.source}"), highlight=False)
    if plan.other_sources:
        err_console.print(
            escape(
                f"the same name also appears on: {', '.join(plan.other_sources)}"
                " (run forget for each source that is the same person)"
            ),
            highlight=False,
        )
    if plan.digest_files:
        err_console.print(
            "rendered digests quote them (forget redacts them): " + escape(", ".join(plan.digest_files)),
            highlight=False,
            soft_wrap=True,
        )


def _digest_note(rep) -> None:
    for label, paths in (
        ("redacted", rep.digest_redacted),
        ("deleted (could not redact)", rep.digest_deleted),
    ):
        if paths:
            console.print(
                escape(f"digest files {label}: {', '.join(paths)}"), highlight=False, soft_wrap=True
            )
    for path, why in rep.digest_failed.items():
        err_console.print(
            escape(f"error: could not redact {path} ({why}): delete it by hand"),
            highlight=False,
            soft_wrap=True,
        )


def _blocked_note() -> None:
    from monitor.privacy.purge import PURGE_WAIT_S

    err_console.print(
        f"another process holds the archive open for reading (brandpulse serve, a query, a "
        f"backup?); retrying the purge for up to {PURGE_WAIT_S:g} s",
        highlight=False,
        soft_wrap=True,
    )


def _purge_note(purged: bool) -> None:
    """Say whether the bytes are gone; exit 1 when they are not, so scripts notice."""
    if purged:
        console.print("files purged: secure_delete, FTS optimize, WAL truncated", highlight=False)
        return
    err_console.print(
        "[bold red]error:[/] the rows are deleted, but another process kept a read open, so the "
        "old bytes are still in the archive file: stop it (e.g. brandpulse serve) and run "
        "`brandpulse forget` again to finish the purge",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_FAILED)


def _confirm(yes: bool, question: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail(f"{question} — pass --yes to confirm when not running interactively", EXIT_USAGE)
    if not typer.confirm(question):
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.command("query")(query)
    app.command("export")(export)
    app.command("serve")(serve)
    app.command("forget")(forget)
