"""``brandpulse status``: is the daemon running, what ran when, what runs next, what is broken.

Everything comes from the archive (``job_runs``, ``crawl_runs``, ``alerts``, ``digests``) and
the watchlist, read-only, so status works with or without a daemon: when one runs, its next
run times come from its status file; otherwise they are computed from the schedule and
``job_runs`` exactly as a start would (``schedule.first_run_time``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from monitor.cli.support import EXIT_USAGE, console, fail, load_config


def _size(path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def collect_status(wl, archive, *, now: datetime | None = None) -> dict[str, Any]:
    """The whole status as plain data (what ``--json`` prints)."""
    from crawler.launch import source_health
    from monitor.core.archive import parse_time
    from monitor.daemon.lock import running_daemon
    from monitor.daemon.schedule import build_jobs, first_run_time
    from monitor.pipeline.jobs import last_runs

    now = now or datetime.now(UTC)
    daemon = running_daemon(wl.archive_path)
    runs = last_runs(archive)
    live_jobs = (daemon or {}).get("jobs", {})
    jobs = []
    for spec in build_jobs(wl):
        run = runs.get(spec.id, {})
        if daemon and spec.id in live_jobs:
            nxt = live_jobs[spec.id].get("next_run_time")
            running_since = live_jobs[spec.id].get("running_since")
        else:
            key = run.get("last_ok_at") if spec.kind == "digest" else run.get("last_done_at")
            nxt = first_run_time(spec, now, parse_time(key) if key else None)
            nxt = nxt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            running_since = None
        jobs.append(
            {
                "job": spec.id,
                "kind": spec.kind,
                "schedule": spec.schedule_text,
                "last_started_at": run.get("started_at"),
                "last_finished_at": run.get("finished_at"),
                "last_status": run.get("status"),
                "last_message": run.get("message"),
                "last_ok_at": run.get("last_ok_at"),
                "next_run_at": nxt,
                "running_since": running_since,
            }
        )

    health = {(h["brand"], h["source_key"]): h for h in source_health(archive)}
    sources = []
    for brand in wl.brands:
        for src in brand.sources:
            h = health.pop((brand.name, src.key), None) or {}
            sources.append(
                {
                    "brand": brand.name,
                    "source_type": src.type,
                    "source_key": src.key,
                    "enabled": src.enabled,
                    **{k: v for k, v in h.items() if k not in ("brand", "source_key", "source_type")},
                }
            )
    for h in health.values():  # sources removed from the watchlist but crawled before
        sources.append({**h, "enabled": False, "removed": True})

    alerts = [
        dict(
            zip(
                (
                    "id",
                    "brand",
                    "kind",
                    "topic",
                    "status",
                    "window_start",
                    "window_end",
                    "observed",
                    "expected",
                    "ratio",
                    "authors",
                    "updated_at",
                ),
                row,
            )
        )
        for row in archive.conn.execute(
            """SELECT id, brand, kind, topic, status, window_start, window_end, observed, expected,
                      ratio, authors, updated_at
               FROM alerts WHERE status != 'resolved' ORDER BY updated_at DESC, id DESC"""
        ).fetchall()
    ]

    last = archive.conn.execute(
        "SELECT period, max(sent_at), count(*) FROM digests WHERE status='sent' "
        "GROUP BY period ORDER BY max(sent_at) DESC LIMIT 1"
    ).fetchone()
    failed = archive.conn.execute("SELECT count(*) FROM digests WHERE status='failed'").fetchone()[0]
    rendered = archive.conn.execute(
        "SELECT period, rendered_at, html_path FROM digests ORDER BY rendered_at DESC, id DESC LIMIT 1"
    ).fetchone()
    digest = {
        "last_sent_period": last[0] if last else None,
        "last_sent_at": last[1] if last else None,
        "last_sent_recipients": last[2] if last else 0,
        "last_rendered_period": rendered[0] if rendered else None,
        "last_rendered_at": rendered[1] if rendered else None,
        "last_rendered_html": rendered[2] if rendered else None,
        "failed_deliveries": failed,
        "send_time": f"{wl.digest.send_time.strftime('%H:%M')} {wl.timezone}",
    }

    count = archive.count
    archive_info = {
        "path": str(wl.archive_path),
        "size_bytes": _size(wl.archive_path),
        "mentions": count("mentions"),
        "enriched": count("enrichments"),
        "schema_version": archive.conn.execute("PRAGMA user_version").fetchone()[0],
    }
    problems = [
        s for s in sources if s.get("status") in ("failed", "timeout", "killed") or s.get("layout_suspect")
    ]
    return {
        "generated_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": wl.timezone,
        "daemon": {
            "running": daemon is not None,
            **({k: v for k, v in daemon.items() if k != "jobs"} if daemon else {}),
        },
        "jobs": jobs,
        "sources": sources,
        "open_alerts": alerts,
        "digest": digest,
        "archive": archive_info,
        "healthy": not problems and not any(j["last_status"] == "failed" for j in jobs),
    }


# --------------------------------------------------------------------------- rendering


def _local(value: str | None, tz) -> str:
    if not value:
        return "—"
    from monitor.core.archive import parse_time

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
