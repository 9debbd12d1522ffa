"""CLI commands for analysts and data protection: query, export, serve, forget.

Retention is ``brandpulse forget --expired``: one command for "remove personal data", either
one person's (``--author``/``--source``) or everyone's past ``privacy.retention_days``.
"""

from __future__ import annotations

import sys
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
    fmt: str = typer.Option("table", "--format", "-f", help="table | csv | json"),
    max_rows: int = typer.Option(200, "--max-rows", help="Rows shown as a table (csv/json: all)."),
) -> None:
    """Run read-only SQL on the archive. Views: v_daily_sentiment, v_topic_daily,
    v_open_alerts, v_alert_evidence, v_review_nps_monthly, v_survey_nps_monthly; full-text
    search: ... FROM mentions_fts WHERE mentions_fts MATCH 'liefer* verspätet'."""
    from monitor.analyst.query import (
        FORMATS,
        QueryFailed,
        QueryRefused,
        run_query,
        write_csv,
        write_json,
    )

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}", EXIT_USAGE)
    wl = load_config(ctx)
    conn = _readonly(wl)
    try:
        columns, rows = run_query(conn, sql)
        if fmt == "csv":
            write_csv(columns, rows, sys.stdout)
        elif fmt == "json":
            write_json(columns, rows, sys.stdout)
        else:
            _print_table(columns, rows, max_rows)
    except QueryRefused as exc:
        fail(str(exc), EXIT_USAGE)
    except QueryFailed as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        conn.close()


def _print_table(columns: list[str], rows, max_rows: int) -> None:
    from rich.table import Table

    table = Table(*(escape(c) for c in columns), show_lines=False, highlight=False)
    shown = 0
    more = False
    for row in rows:
        if shown >= max_rows:
            more = True
            break
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
        shown += 1
    console.print(table)
    note = f"{shown} row(s)" + ("; more not shown (--max-rows, or --format csv)" if more else "")
    err_console.print(note, highlight=False)


def export(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="First local day (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last local day, inclusive."),
    brand: str | None = typer.Option(None, "--brand"),
    match: str | None = typer.Option(None, "--match", help="Full-text query, e.g. 'liefer*'."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv | jsonl | parquet"),
    out: Path | None = typer.Option(None, "--out", "-o", help="File (default: stdout)."),
) -> None:
    """Export mentions with their sentiment and topics for spreadsheets and pandas. Days are
    the watchlist's local days; the export streams, so any archive size works."""
    from monitor.analyst.query import ExportFilter
    from monitor.analyst.query import export as run_export

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
        n = run_export(conn, flt, fmt, out, stdout=sys.stdout)
    except (ValueError, RuntimeError) as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"could not write the export: {exc}", EXIT_FAILED)
    finally:
        conn.close()
    if out:
        err_console.print(escape(f"wrote {n} mention(s) to {out}"), highlight=False)


def serve(
    ctx: typer.Context,
    port: int = typer.Option(8001, "--port", "-p"),
    host: str = typer.Option("127.0.0.1", "--host", help="Keep 127.0.0.1 unless behind auth."),
    immutable: bool = typer.Option(
        False, "--immutable", help="For a copy nobody writes to (faster; never for a live archive)."
    ),
) -> None:
    """Browse the archive in Datasette (read-only; needs the optional extra: pip install
    'brandpulse[serve]'): table and column docs, full-text search, canned queries."""
    from monitor.analyst.serve import DatasetteMissing
    from monitor.analyst.serve import serve as run_serve

    wl = load_config(ctx)
    if not wl.archive_path.exists():
        fail(f"no archive at {wl.archive_path}: run `brandpulse crawl` or `import` first", EXIT_USAGE)
    try:
        code = run_serve(wl, host=host, port=port, immutable=immutable)
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
            rep = apply_retention(archive, days)
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
                raise typer.Exit(EXIT_FAILED)
            return
        _confirm(yes, f"erase {plan.mentions} mention(s) of {author!r} on {source} everywhere?")
        rep = run_forget(archive, author, source, key=key, digest_dir=wl.digest_dir)
        console.print(
            "removed: "
            + ", ".join(f"{n} {what}" for what, n in rep.removed().items())
            + (f"; {rep.reposts_repointed} repost(s) by others re-pointed" if rep.reposts_repointed else ""),
            highlight=False,
        )
        _purge_note(rep.purged)
        if rep.residual:
            err_console.print(
                "still naming them (others' texts, kept): "
                + ", ".join(f"{k}: {v}" for k, v in rep.residual.items()),
                highlight=False,
            )


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
            "rendered digests outside the archive quote them (delete or keep "
            "per your policy): " + escape(", ".join(plan.digest_files)),
            highlight=False,
        )


def _purge_note(purged: bool) -> None:
    if purged:
        console.print("files purged: secure_delete, FTS optimize, WAL truncated", highlight=False)
    else:
        err_console.print(
            "[yellow]warning:[/] another process (e.g. brandpulse serve) kept a "
            "read open, so the WAL could not be emptied: old bytes stay in it until "
            "that process stops and the next checkpoint runs",
            highlight=False,
        )


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
