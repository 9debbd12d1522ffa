"""What ``brandpulse status`` reports: is the daemon running, what ran when, what runs next,
what is broken.

Everything comes from the archive (``job_runs``, ``crawl_runs``, ``alerts``, ``digests``) and
the watchlist, read-only, so status works with or without a daemon: when one runs, its next
run times come from its status file; otherwise they are computed from the schedule and
``job_runs`` exactly as a start would (``schedule.first_run_time``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.launch import source_health
from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.times import iso, parse_time
from monitor.daemon.lock import running_daemon
from monitor.daemon.schedule import build_jobs, first_run_time
from monitor.notify.ledger import channel_report
from monitor.pipeline.runs import last_runs


def _size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def collect_status(wl: Watchlist, archive: Archive | None, *, now: datetime | None = None) -> dict[str, Any]:
    """The whole status as plain data (what ``--json`` prints).

    ``archive`` None: nothing was crawled or imported yet (no archive file). The status is then
    that of an empty archive — the jobs a start would run, the sources, the digest time — read
    from a throw-away in-memory one, so a new operator sees the configuration at work and the
    archive file is not created by looking."""
    if archive is None:
        with Archive.memory() as empty:
            return collect_status(wl, empty, now=now)

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
            nxt = iso(nxt)
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

    alerts = open_alerts(archive)
    notifications = channel_report(wl, archive, now)
    digest = digest_ledger(wl, archive)
    archive_info = archive_figures(wl, archive)
    cluster = cluster_info(wl)
    problems = [
        s for s in sources if s.get("status") in ("failed", "timeout", "killed") or s.get("layout_suspect")
    ]
    return {
        "generated_at": iso(now),
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
        "notifications": notifications,  # per push channel: sent, waiting, last failure
        "cluster": cluster,
        "healthy": not problems
        and not digest["interrupted_sends"]
        and not any(j["last_status"] == "failed" for j in jobs)
        and not any(c["failing"] for c in notifications)
        and (cluster is None or bool(cluster["reachable"] and cluster["workers"])),
    }


def cluster_info(wl: Watchlist) -> dict[str, Any] | None:
    """The Dask cluster crawls and enrichment run on: its workers and the tasks in flight
    (None when none is configured; ``reachable: false`` with the reason when it is down)."""
    from monitor.cluster.client import cluster_address, cluster_status

    address = cluster_address(wl)
    return cluster_status(address) if address else None


def open_alerts(archive: Archive) -> list[dict[str, Any]]:
    """Alerts not yet resolved, newest change first."""
    return [
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


def digest_ledger(wl: Watchlist, archive: Archive) -> dict[str, Any]:
    """The last digest sent and rendered, and failed deliveries waiting for a retry."""
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
        # Left 'sending' by a killed run: unknown whether they went out (reports.pipeline).
        "interrupted_sends": [
            {"period": p, "recipient": r}
            for p, r in archive.conn.execute(
                "SELECT period, recipient FROM digests WHERE status = 'sending' ORDER BY 1, 2"
            )
        ],
        "send_time": f"{wl.digest.send_time.strftime('%H:%M')} {wl.timezone}",
    }

    return digest


def archive_figures(wl: Watchlist, archive: Archive) -> dict[str, Any]:
    count = archive.count
    archive_info = {
        "path": str(wl.archive_path),
        "exists": wl.archive_path.exists(),
        "crawled": bool(count("crawl_runs")),
        "size_bytes": _size(wl.archive_path),
        "mentions": count("mentions"),
        "enriched": count("enrichments"),
        # None before the file exists: the figures then come from a throw-away empty archive
        "schema_version": archive.conn.execute("PRAGMA user_version").fetchone()[0]
        if wl.archive_path.exists()
        else None,
    }
    return archive_info
