"""The daemon's upkeep between jobs: reloading the watchlist and writing its status file.

Why a mixin of its own: these keep the running daemon in step with its file and with
``brandpulse status``; the scheduling and chaining of jobs live in ``monitor.daemon.service``.
"""

from __future__ import annotations

from typing import Any

from monitor.core.times import iso, utcnow
from monitor.daemon.logs import get_logger, log_event
from monitor.daemon.reload import file_stamp, reloaded_watchlist

log = get_logger("daemon")


class Upkeep:
    """Methods of ``Daemon`` that reload its watchlist and write ``<archive>.daemon.json``."""

    # ------------------------------------------------------------------ reload
    def _maybe_reload(self) -> None:
        stamp = file_stamp(self.config_path)
        if not self._reload_requested.is_set() and stamp == self._config_stamp:
            return
        reason = "SIGHUP" if self._reload_requested.is_set() else "file changed"
        self._reload_requested.clear()
        self._config_stamp = stamp
        self.reload(reason)

    def reload(self, reason: str = "requested") -> bool:
        """Load the watchlist again; keep the old one if the new one is invalid."""
        new, problems = reloaded_watchlist(self.config_path, self.wl)
        if new is None:
            log_event(
                log,
                "config.rejected",
                level=40,
                reason=reason,
                path=self.config_path,
                problems=problems,
                kept="previous watchlist",
            )
            return False
        with self._mu:
            self.wl = new
        self._sync_jobs(new)
        self._write_state()
        log_event(log, "config.reloaded", reason=reason, jobs=len(self._specs))
        return True

    # ------------------------------------------------------------------ status file
    def _write_state(self) -> None:
        if self._lock is None or self._scheduler is None:
            return
        # Never call into the scheduler while holding self._mu: the scheduler thread holds its
        # job store lock when it reports a submission (_on_submit), which takes self._mu.
        try:
            sched_jobs = self._scheduler.get_jobs()
        except Exception:  # scheduler shut down
            sched_jobs = []
        with self._state_file_mu:
            with self._mu:
                running = dict(self._running)
            jobs = {}
            for job in sched_jobs:
                jobs[job.id] = {
                    "next_run_time": iso(job.next_run_time) if job.next_run_time else None,
                    "running_since": iso(running[job.id]) if job.id in running else None,
                }
            state: dict[str, Any] = {
                "started_at": iso(self.started_at),
                "updated_at": iso(utcnow()),
                "config": str(self.config_path.resolve()),
                "jobs": jobs,
            }
            try:
                self._lock.write_state(state)
            except OSError as exc:
                log_event(log, "state.unwritable", level=30, error=str(exc))
