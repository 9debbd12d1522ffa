"""Runs whose process died: close their ``crawl_runs`` rows truthfully, and end orphans.

A crawl process that is killed (``kill -9``, out of memory, a daemon killed with its
children) cannot record its outcome. Its row stays ``running`` until a sweep finds its source
lock free (``crawler.locks``: nobody alive holds it) and closes it as ``killed`` — with what it
stored: the mentions of its (brand, source) above the ``mention_id_floor`` it started at
(mentions ids only grow, and the lock keeps other runs of the source out meanwhile), and the
other counters as its last batch wrote them. Nothing it stored is lost; its resume point says
where the next run goes on.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from crawler.locks import SourceLock
from monitor.core.archive import Archive

KILLED_MESSAGE = (
    "the crawl process ended without recording its outcome (kill -9, out of memory, or its "
    "parent died); what it stored is kept and counted here, and the next run goes on from "
    "where it stopped"
)


def mention_floor(archive: Archive) -> int:
    """The highest mention id now: a run started now stores its new mentions above it."""
    return archive.conn.execute("SELECT coalesce(max(id), 0) FROM mentions").fetchone()[0]


def stored_by(archive: Archive, run: dict) -> int | None:
    """Mentions a run stored, counted in the archive (None for rows from before schema v4)."""
    floor = run.get("mention_id_floor")
    if floor is None:
        return None
    ceiling = archive.conn.execute(
        "SELECT min(mention_id_floor) FROM crawl_runs WHERE brand IS ? AND source_key IS ? AND id > ?",
        (run["brand"], run["source_key"], run["id"]),
    ).fetchone()[0]
    return archive.conn.execute(
        "SELECT count(*) FROM mentions WHERE brand IS ? AND source_key IS ? AND id > ? "
        "AND (? IS NULL OR id <= ?)",
        (run["brand"], run["source_key"], floor, ceiling, ceiling),
    ).fetchone()[0]


def close_dead_run(
    archive: Archive, run_id: int, *, status: str, message: str, duration_s: float | None = None
) -> None:
    """Finish a run its process could not finish, counting what it stored."""
    run = archive.db["crawl_runs"].get(run_id)
    values: dict[str, Any] = {
        "status": status,
        "message": "\n".join(m for m in (message, run["message"]) if m),
    }
    stored = stored_by(archive, run)
    if stored is not None:
        values["items_new"] = stored
    if duration_s is not None:
        values["duration_s"] = duration_s
    archive.finish_run("crawl_runs", run_id, **values)


def sweep(
    archive: Archive, *, brand: str | None = None, source_key: str | None = None, locked: bool = False
) -> int:
    """Close every ``running`` row (optionally of one source) whose process is gone.

    ``locked``: the caller holds that source's lock, so every running row of it is dead."""
    rows = archive.conn.execute(
        "SELECT id, brand, source_key FROM crawl_runs WHERE status='running' "
        "AND (? IS NULL OR brand = ?) AND (? IS NULL OR source_key = ?)",
        (brand, brand, source_key, source_key),
    ).fetchall()
    closed = 0
    for run_id, run_brand, key in rows:
        if not locked and SourceLock(archive.path, run_brand or "", key or "").is_held():
            continue  # a live crawl (or its launcher) holds the source
        close_dead_run(archive, run_id, status="killed", message=KILLED_MESSAGE)
        closed += 1
    return closed


def _orphans(archive: Archive) -> list[Any]:
    """Live crawl processes of ``running`` rows whose launcher is gone."""
    import psutil

    found = []
    for run_id, pid in archive.conn.execute(
        "SELECT id, pid FROM crawl_runs WHERE status='running' AND pid IS NOT NULL"
    ).fetchall():
        try:
            proc = psutil.Process(pid)
            cmd = proc.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if (
            "crawler.run" not in cmd
            or "--run-id" not in cmd
            or cmd[cmd.index("--run-id") + 1 :][:1] != [str(run_id)]
        ):
            continue  # the pid was reused by something else
        parent = cmd[cmd.index("--parent-pid") + 1] if "--parent-pid" in cmd else None
        if parent is None or str(proc.ppid()) != parent:
            found.append(proc)
    return found


def reap_orphans(archive: Archive, *, grace_s: float = 10.0) -> list[int]:
    """End crawl processes whose launcher died (SIGTERM: they store what they parsed; then
    SIGKILL after ``grace_s``). For platforms without a parent-death signal, and for a
    daemon that starts while an old one's children still run."""
    procs = _orphans(archive)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # noqa: BLE001 - psutil.TimeoutExpired: too slow, killed below
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    return [p.pid for p in procs]


def recover(archive: Archive) -> int:
    """At a daemon's start: end orphaned crawl processes, then close the rows of dead runs."""
    reap_orphans(archive)
    return sweep(archive)


def stamp(archive: Archive, run_id: int, pid: int) -> None:
    with archive.conn:
        archive.conn.execute("UPDATE crawl_runs SET pid=? WHERE id=?", (pid, run_id))
