"""The record of stage runs in ``job_runs``: what ran, when, and how it ended.

Why here and not in the daemon: the demo and the daemon both record their stages, and
``brandpulse status`` reads the record whether or not a daemon runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from monitor.core.archive import Archive
from monitor.core.times import iso, utcnow


def crawl_job_id(brand: str, source_key: str) -> str:
    """The job id of one source's crawl (the daemon's job and its ``job_runs`` rows)."""
    return f"crawl:{brand}/{source_key}"


class RunRecord:
    """The open ``job_runs`` row of a ``recorded`` block; set ``status``/``message`` to finish it."""

    def __init__(self) -> None:
        self.status = "ok"
        self.message = ""


@contextmanager
def recorded(archive: Archive, job: str) -> Iterator[RunRecord]:
    """Keep one stage run in ``job_runs``; an exception is recorded as 'failed' and re-raised."""
    run_id = archive.start_run("job_runs", job=job)
    record = RunRecord()
    try:
        yield record
    except BaseException as exc:
        archive.finish_run("job_runs", run_id, status="failed", message=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    archive.finish_run("job_runs", run_id, status=record.status, message=record.message)


def close_stale_runs(archive: Archive) -> int:
    """Mark ``job_runs`` left 'running' by a daemon that died (only called under the lock)."""
    with archive.conn:
        cur = archive.conn.execute(
            "UPDATE job_runs SET status='failed', finished_at=?, "
            "message=coalesce(message || '; ', '') || 'daemon stopped while this ran' "
            "WHERE status='running'",
            (iso(utcnow()),),
        )
    return cur.rowcount


def last_runs(archive: Archive) -> dict[str, dict]:
    """Per job id: the latest run; the start of the latest successful run (``last_ok_at``) and
    of the latest one that ran to its end, ok or failed (``last_done_at``) — for catch-up: an
    interrupted run does not count, the next start redoes it."""
    out: dict[str, dict] = {}
    rows = archive.conn.execute(
        """SELECT job, started_at, finished_at, status, message FROM job_runs
           WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job)"""
    ).fetchall()
    for job, started, finished, status, message in rows:
        out[job] = {
            "started_at": started,
            "finished_at": finished,
            "status": status,
            "message": message,
        }
    for job, ok, done in archive.conn.execute(
        """SELECT job, max(CASE WHEN status = 'ok' THEN started_at END),
                  max(CASE WHEN status IN ('ok', 'failed') THEN started_at END)
           FROM job_runs GROUP BY job"""
    ).fetchall():
        out.setdefault(job, {}).update(last_ok_at=ok, last_done_at=done)
    _merge_manual_crawls(archive, out)
    return out


def _merge_manual_crawls(archive: Archive, out: dict[str, dict]) -> None:
    """Crawls run outside the daemon (``brandpulse crawl``, the demo) count too: a source
    crawled ten minutes ago by hand is not crawled again at start. Only successful ones —
    a crawl the daemon's shutdown cut off is recorded 'failed' there and must be redone."""
    rows = archive.conn.execute(
        """SELECT brand, source_key, started_at, status, message FROM crawl_runs
           WHERE id IN (SELECT max(id) FROM crawl_runs WHERE status != 'running'
                        GROUP BY brand, source_key)"""
    ).fetchall()
    ok = dict(
        ((b, k), t)
        for b, k, t in archive.conn.execute(
            "SELECT brand, source_key, max(started_at) FROM crawl_runs WHERE status='ok' "
            "GROUP BY brand, source_key"
        ).fetchall()
    )
    for brand, key, started, status, message in rows:
        if not brand or not key:
            continue
        run = out.setdefault(crawl_job_id(brand, key), {})
        if "started_at" not in run:  # never run by the daemon: show the crawl itself
            run.update(started_at=started, status=status, message=message, finished_at=None)
        last_ok = ok.get((brand, key))
        if last_ok:
            run["last_ok_at"] = max(filter(None, (run.get("last_ok_at"), last_ok)))
            run["last_done_at"] = max(filter(None, (run.get("last_done_at"), last_ok)))
