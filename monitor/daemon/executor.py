"""The daemon's thread pool, which reports a job the moment it is submitted."""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that reports each submission before the job can start: the digest must
    see crawls waiting for a free worker as busy (APScheduler's submission event comes late,
    possibly after a short job already finished)."""

    def __init__(self, max_workers: int, on_submit: Callable[[str], None]):
        super().__init__(max_workers)
        self._on_submit = on_submit

    def _do_submit_job(self, job, run_times):  # noqa: ANN001 (APScheduler's signature)
        self._on_submit(job.id)
        return super()._do_submit_job(job, run_times)
