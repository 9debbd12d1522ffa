"""``brandpulse status``: is the daemon running, what ran when, what runs next, what is broken.

The figures come from ``monitor.daemon.status.collect_status``; this module only renders them
(tables, or ``--json``).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from monitor.cli.support import console, load_config
from monitor.cli.tables import FitTable

# --------------------------------------------------------------------------- rendering


def _local(value: str | None, tz) -> str:
    """A time stamp in the watchlist's zone; this year's without the year, so that the
    tables' time columns stay narrow (``--json`` has them whole)."""
    if not value:
        return "—"
    from monitor.core.times import parse_time, utcnow

    when = parse_time(value).astimezone(tz)
    same_year = when.year == utcnow().astimezone(tz).year
    return when.strftime("%m-%d %H:%M" if same_year else "%Y-%m-%d %H:%M")


def _status_style(status: str | None) -> str:
    colour = {
        "ok": "green",
        "sent": "green",
        "running": "cyan",
        "skipped": "yellow",
        "interrupted": "yellow",
        "failed": "red",
        "timeout": "red",
        "killed": "red",
    }
    return f"[{colour.get(status or '', 'dim')}]{status or 'never'}[/]"


#: A source in one of these states (or with a changed layout) gets its reason under the table.
BROKEN = ("failed", "timeout", "killed")
#: Of a source's key, the reason line shows at most this much (the table has it too).
REASON_KEY_WIDTH = 28


def reason_line(message: str) -> str:
    """A run's message on one line: its first line, which says what went wrong; where that
    only introduces what follows ("crawler exited with status 1:" and a stderr tail), the last
    line, usually the exception, with the introduction after it, so that a cut keeps the
    exception. ``status --json`` has the message whole."""
    lines = [" ".join(line.split()) for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1 and lines[0].endswith(":"):
        return f"{lines[-1]} ({lines[0].removesuffix(':')})"
    return lines[0]


def render_reasons(sources: list[dict[str, Any]], *, brands: bool) -> None:
    """Under the Sources table, one line per failing source: why, from its last run, cut to the
    terminal's width (the table has no room for a column of sentences)."""
    for s in sources:
        if not (s.get("status") in BROKEN or s.get("layout_suspect")) or not s.get("message"):
            continue
        key = s["source_key"]
        if len(key) > REASON_KEY_WIDTH:
            key = key[: REASON_KEY_WIDTH - 1] + "…"
        who = f"{s['brand']}/{key}" if brands else key
        line = Text("  ")
        line.append(f"{who}: ", style="red")
        line.append(reason_line(s["message"]))
        line.truncate(console.width, overflow="ellipsis")
        console.print(line, soft_wrap=True, highlight=False)


def job_label(job: str, brand: str | None) -> str:
    """A job id for the Jobs table: with one brand (``brand``), a crawl job without it
    (``crawl:<source key>``), the brand being the same on every row."""
    prefix = f"crawl:{brand}/"
    if brand is not None and job.startswith(prefix):
        return "crawl:" + job.removeprefix(prefix)
    return job


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def render(st: dict[str, Any], tz) -> None:
    d = st["daemon"]
    if d["running"]:
        console.print(
            f"[green]●[/] daemon running (pid {d.get('pid')}, since {_local(d.get('started_at'), tz)})",
            highlight=False,
        )
    else:
        console.print(
            "[yellow]○[/] daemon not running — next runs below are what `brandpulse run` would do on start",
            highlight=False,
        )

    # One brand (the usual case): its name goes into the Sources title, leaving the width to
    # the figures, and out of the crawl job cells, where it would be all a cut cell shows.
    brands = sorted({s["brand"] for s in st["sources"]})
    one_brand = len(brands) == 1

    jobs = FitTable(title="Jobs")
    # Crawl job ids (``crawl:<brand>/<source key>``, whole in --json) differ at their end: cut
    # in the middle, so that a cut cell keeps the kind and what tells the sources apart.
    jobs.column("job", flexible=True, cut="middle")
    jobs.column("schedule", flexible=True)
    jobs.column("last run", optional=True)
    for col in ("status", "next run"):
        jobs.column(col)
    for j in st["jobs"]:
        status = "running" if j["running_since"] else j["last_status"]
        nxt = _local(j["next_run_at"], tz)
        if not d["running"] and j["next_run_at"] and j["next_run_at"] <= st["generated_at"]:
            nxt = "due on start"
        jobs.row(
            escape(job_label(j["job"], brands[0] if one_brand else None)),
            escape(j["schedule"]),
            _local(j["last_started_at"], tz),
            _status_style(status),
            nxt,
        )
    jobs.print(console)

    src = FitTable(title=f"Sources — {brands[0]}" if one_brand else "Sources")
    if not one_brand:
        src.column("brand", flexible=True)
    src.column("source", flexible=True, cut="middle")
    for col in ("last run", "status", "new/seen"):
        src.column(col)
    # Left out right to left on a narrow terminal: a failure's reason is printed under the
    # table, and "last ok" matters less than the last run's status.
    for col in ("err p/h", "layout", "last ok"):
        src.column(col, optional=True)
    for s in st["sources"]:
        layout = "[red]changed?[/]" if s.get("layout_suspect") else "ok" if s.get("status") else "—"
        name = s["source_key"] + (" (disabled)" if not s.get("enabled", True) else "")
        src.row(
            *([] if one_brand else [escape(s["brand"])]),
            escape(name),
            _local(s.get("last_run"), tz),
            _status_style(s.get("status")),
            f"{s.get('items_new', 0)}/{s.get('items_seen', 0)}" if s.get("status") else "—",
            f"{s.get('parse_errors', 0)}/{s.get('http_errors', 0)}" if s.get("status") else "—",
            layout,
            _local(s.get("last_ok_at"), tz),
        )
    src.print(console)
    render_reasons(st["sources"], brands=not one_brand)

    if st["open_alerts"]:
        al = FitTable(title="Open alerts")
        al.column("brand", flexible=True)
        al.column("kind")
        al.column("topic", flexible=True)
        al.column("status")
        al.column("window")
        al.column("obs/exp", justify="right")
        al.column("authors", justify="right", optional=True)
        for a in st["open_alerts"]:
            exp = f"{a['expected']:.1f}" if a["expected"] is not None else "—"
            obs = f"{a['observed']:g}" if a["observed"] is not None else "—"
            window = (
                a["window_start"]
                if a["window_start"] == a["window_end"]
                else f"{a['window_start']}–{a['window_end']}"
            )
            al.row(
                escape(a["brand"]),
                escape(a["kind"]),
                escape(a["topic"] or "—"),
                escape(a["status"]),
                window or "—",
                f"{obs}/{exp}",
                str(a["authors"] if a["authors"] is not None else "—"),
            )
        al.print(console)
    else:
        console.print("Open alerts: none")

    g = st["digest"]
    if g["last_sent_at"]:
        line = (
            f"Last digest: {g['last_sent_period']} sent {_local(g['last_sent_at'], tz)} to "
            f"{g['last_sent_recipients']} recipient(s)"
        )
    elif g["last_rendered_period"]:
        line = (
            f"Last digest: none sent yet; {g['last_rendered_period']} rendered "
            f"{_local(g['last_rendered_at'], tz)} → {g['last_rendered_html']}"
        )
    else:
        line = "Last digest: none sent yet"
    line += f"; daily at {g['send_time']}"
    if g["failed_deliveries"]:
        line += f"; [red]{g['failed_deliveries']} failed deliveries[/]"
    console.print(line, highlight=False)
    for s in g.get("interrupted_sends", []):
        console.print(
            f"[red]digest {escape(s['period'])} to {escape(s['recipient'])} was interrupted mid-send[/] — run "
            f"`brandpulse digest --date {escape(s['period'])} --send --resend-interrupted` or "
            "`--mark-interrupted-sent` (see docs/operations.md)",
            highlight=False,
            soft_wrap=True,
        )
    render_notifications(st.get("notifications") or [], tz)
    a = st["archive"]
    if not a.get("exists", True) or not (a.get("crawled", True) or a["mentions"]):
        where = "no archive yet" if not a.get("exists", True) else f"{_mb(a['size_bytes'])}"
        console.print(
            f"Archive: {escape(a['path'])} — {where}: nothing crawled yet. Run `brandpulse crawl` "
            "(or `brandpulse import FILE`) now, or `brandpulse run` to crawl on the schedule above.",
            highlight=False,
        )
        return
    console.print(
        f"Archive: {escape(a['path'])} — {_mb(a['size_bytes'])}, {a['mentions']} mentions, "
        f"{a['enriched']} enriched (schema v{a['schema_version']})",
        highlight=False,
    )
    if st.get("cluster"):
        render_cluster(st["cluster"])


def render_notifications(channels: list[dict[str, Any]], tz) -> None:
    """One line per push channel: what went out, what waits, and its last failure."""
    for c in channels:
        line = f"Push {escape(c['channel'])}: {c['sent']} sent"
        if c["last_sent_at"]:
            line += f" (last {_local(c['last_sent_at'], tz)})"
        if c["held"]:
            line += f", {c['held']} held for the end of quiet hours"
        if c["failed"]:
            line += f", [red]{c['failed']} failed (retried at the next detect)[/]"
        if c["interrupted"]:
            line += f", [red]{c['interrupted']} interrupted mid-send (not resent)[/]"
        if not c["configured"]:
            line += " [dim](no longer in the watchlist)[/]"
        console.print(line, highlight=False, soft_wrap=True)
        if c["problem"]:
            console.print(f"  [red]{escape(c['problem'])}[/]", highlight=False, soft_wrap=True)
        if f := c["last_failure"]:
            console.print(
                f"  last failure {_local(f['at'], tz)}: {escape(f['error'] or '?')}",
                highlight=False,
                soft_wrap=True,
            )


def render_cluster(c: dict[str, Any]) -> None:
    """The cluster line, and one row per worker with the tasks it runs now."""
    if not c["reachable"]:
        console.print(
            f"[red]Cluster: {escape(c['address'])} unreachable[/] — {escape(c['error'])}", highlight=False
        )
        return
    if not c["workers"]:
        console.print(
            f"[red]Cluster: {escape(c['address'])} has no workers[/] — start one with "
            f"`dask worker {escape(c['address'])}` (docs/scaling.md)",
            highlight=False,
        )
        return
    console.print(
        f"Cluster: {escape(c['address'])} — {len(c['workers'])} worker(s), {c['threads']} thread(s), "
        f"{c['tasks_in_flight']} task(s) in flight",
        highlight=False,
    )
    table = Table(title="Cluster workers", title_justify="left")
    for col in ("worker", "host", "threads", "tasks in flight"):
        table.add_column(col, overflow="fold")
    for w in c["workers"]:
        table.add_row(
            escape(w["name"]), escape(str(w["host"] or "—")), str(w["threads"]), str(w["tasks_in_flight"])
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command(name="status")
    def status(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="Print the status as one JSON object."),
    ) -> None:
        """Daemon, last and next run of every job, source health, open alerts, last digest,
        archive size."""
        from monitor.core.archive import Archive

        wl = load_config(ctx)
        from monitor.daemon.status import collect_status  # pulls in pandas: not at --help

        if not wl.archive_path.exists():  # before the first crawl: the configuration at work
            st = collect_status(wl, None)
        else:
            with Archive.open(wl.archive_path, readonly=True) as archive:
                st = collect_status(wl, archive)
        if as_json:
            typer.echo(json.dumps(st, indent=2, ensure_ascii=False, default=str))
        else:
            render(st, wl.tz)
