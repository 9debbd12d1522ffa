"""``brandpulse status``: is the daemon running, what ran when, what runs next, what is broken.

The figures come from ``monitor.daemon.status.collect_status``; this module only renders them
(tables, or ``--json``).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from monitor.cli.support import EXIT_USAGE, console, fail, load_config
from monitor.daemon.status import collect_status

# --------------------------------------------------------------------------- rendering


def _local(value: str | None, tz) -> str:
    if not value:
        return "—"
    from monitor.core.times import parse_time

    return parse_time(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


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

    jobs = Table(title="Jobs", title_justify="left", show_lines=False)
    # Crawl job ids hold the full source key (see --json); the table keeps one line per job.
    jobs.add_column("job", overflow="ellipsis", no_wrap=True, max_width=32)
    for col in ("schedule", "last run", "status", "next run"):
        jobs.add_column(col, overflow="fold")
    for j in st["jobs"]:
        status = "running" if j["running_since"] else j["last_status"]
        nxt = _local(j["next_run_at"], tz)
        if not d["running"] and j["next_run_at"] and j["next_run_at"] <= st["generated_at"]:
            nxt = "due (on start)"
        jobs.add_row(j["job"], j["schedule"], _local(j["last_started_at"], tz), _status_style(status), nxt)
    console.print(jobs)

    # One brand (the usual case): its name goes into the title, leaving the width to the figures.
    brands = sorted({s["brand"] for s in st["sources"]})
    one_brand = len(brands) == 1
    src = Table(title=f"Sources — {brands[0]}" if one_brand else "Sources", title_justify="left")
    if not one_brand:
        src.add_column("brand", overflow="fold", min_width=8)
    src.add_column("source", overflow="ellipsis", no_wrap=True, max_width=28)
    for col in ("last run", "status", "new/seen", "errors parse/http", "layout", "last ok"):
        src.add_column(col, overflow="fold", no_wrap=col in ("status", "layout"))
    for s in st["sources"]:
        layout = "[red]changed?[/]" if s.get("layout_suspect") else "ok" if s.get("status") else "—"
        name = s["source_key"] + (" (disabled)" if not s.get("enabled", True) else "")
        src.add_row(
            *([] if one_brand else [s["brand"]]),
            name,
            _local(s.get("last_run"), tz),
            _status_style(s.get("status")),
            f"{s.get('items_new', 0)} / {s.get('items_seen', 0)}" if s.get("status") else "—",
            f"{s.get('parse_errors', 0)} / {s.get('http_errors', 0)}" if s.get("status") else "—",
            layout,
            _local(s.get("last_ok_at"), tz),
        )
    console.print(src)

    if st["open_alerts"]:
        al = Table(title="Open alerts", title_justify="left")
        for col in ("brand", "kind", "topic", "status", "window", "observed / expected", "authors"):
            al.add_column(col, overflow="fold")
        for a in st["open_alerts"]:
            exp = f"{a['expected']:.1f}" if a["expected"] is not None else "—"
            obs = f"{a['observed']:g}" if a["observed"] is not None else "—"
            window = (
                a["window_start"]
                if a["window_start"] == a["window_end"]
                else f"{a['window_start']} – {a['window_end']}"
            )
            al.add_row(
                a["brand"],
                a["kind"],
                a["topic"] or "—",
                a["status"],
                window or "—",
                f"{obs} / {exp}",
                str(a["authors"] if a["authors"] is not None else "—"),
            )
        console.print(al)
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
    a = st["archive"]
    console.print(
        f"Archive: {a['path']} — {_mb(a['size_bytes'])}, {a['mentions']} mentions, "
        f"{a['enriched']} enriched (schema v{a['schema_version']})",
        highlight=False,
    )


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
        if not wl.archive_path.exists():
            fail(
                f"no archive at {wl.archive_path}: run `brandpulse crawl`, `import` or `run` first",
                EXIT_USAGE,
            )
        with Archive.open(wl.archive_path, readonly=True) as archive:
            st = collect_status(wl, archive)
        if as_json:
            typer.echo(json.dumps(st, indent=2, ensure_ascii=False, default=str))
        else:
            render(st, wl.tz)
