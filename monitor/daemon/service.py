"""``brandpulse run``: the scheduler daemon that keeps one archive up to date.

Shape: an APScheduler 3 ``BackgroundScheduler`` runs the jobs of ``monitor.daemon.schedule`` in thread
pools (crawls in their own small pool: each crawl is a subprocess started by ``run_crawl``);
the main thread only waits for signals and watches the watchlist file. Why this shape:

- one process per archive, guarded by ``monitor.daemon.lock`` — a digest can't go out twice;
- jobs are rebuilt from the watchlist at each start and caught up from ``job_runs`` (see
  ``schedule.first_run_time``), so a reboot loses nothing and sends nothing twice;
- chaining (crawl → enrich → detect) happens here, not inside the stages, which stay plain
  functions the CLI can run too; the digest waits until that chain is quiet, so it reports
  the freshest data;
- shutdown (SIGTERM/SIGINT) asks running stages to stop between batches, sends SIGTERM to crawl
  subprocesses (Scrapy then closes the spider and flushes its last batch), waits, and only
  then kills what is left. Every write is a SQLite transaction, so whatever is cut off rolls
  back whole and the next start redoes it;
- SIGHUP or a changed file mtime reloads the watchlist; an invalid one is logged and ignored.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.core.archive import Archive
from monitor.core.config import Watchlist, load_watchlist
from monitor.core.times import iso, parse_time, utcnow
from monitor.daemon.children import terminate_children
from monitor.daemon.executor import TrackingExecutor
from monitor.daemon.jobs import STAGES, JobContext, JobFunc, run_recorded
from monitor.daemon.lock import ArchiveLock
from monitor.daemon.logs import get_logger, log_event
from monitor.daemon.reload import file_stamp
from monitor.daemon.schedule import JobSpec, build_jobs, first_run_time, last_fire_time
from monitor.daemon.upkeep import Upkeep
from monitor.pipeline.runs import close_stale_runs, last_runs

log = get_logger("daemon")

#: Delay between a chained request (e.g. "enrich, new mentions arrived") and the run, so that
#: several crawls finishing together cause one enrich.
CHAIN_DEBOUNCE = timedelta(seconds=2)
#: How often the main thread looks at signals.
TICK_S = 0.1


class Daemon(Upkeep):
    """The scheduler for one watchlist. ``run()`` blocks until stopped; returns an exit code."""

    def __init__(
        self,
        config_path: Path,
        *,
        stages: dict[str, JobFunc] | None = None,
        poll_s: float = 2.0,
        settle_s: float = 5.0,
        digest_wait_s: float = 1800.0,
        shutdown_grace_s: float = 60.0,
        crawl_workers: int = 2,
        crawl_timeout_s: float | None = None,
        sentiment_model: Any = None,
    ):
        self.config_path = Path(config_path)
        self.stages = dict(stages or STAGES)
        self.poll_s = poll_s
        self.settle_s = settle_s
        self.digest_wait_s = digest_wait_s
        self.shutdown_grace_s = shutdown_grace_s
        self.crawl_workers = crawl_workers
        self.crawl_timeout_s = crawl_timeout_s
        self.sentiment_model = sentiment_model

        self.wl: Watchlist = load_watchlist(self.config_path)  # ConfigError: caller reports it
        build_jobs(self.wl)  # a cron expression APScheduler rejects is a ConfigError too
        self._config_stamp = file_stamp(self.config_path)
        self._specs: dict[str, JobSpec] = {}
        self._signatures: dict[str, str] = {}
        self._lock: ArchiveLock | None = None
        self._scheduler: BackgroundScheduler | None = None

        self._stopping = threading.Event()  # tells running jobs to wind down
        self._stop_requested = threading.Event()
        self._reload_requested = threading.Event()
        self._hurry = threading.Event()  # a second SIGTERM: kill subprocesses now
        self._mu = threading.RLock()
        self._state_file_mu = threading.Lock()
        self._running: dict[str, datetime] = {}
        self._queued: set[str] = set()
        self._pending: set[str] = set()
        self._rerequest: set[str] = set()
        self._waiting: dict[str, set[str]] = {}  # a job busy now -> jobs that run after it
        self.started_at = utcnow()
        self._stop_reason = "requested"
        self._signals: list[int] = []  # appended by signal handlers, consumed by the main loop

    # ------------------------------------------------------------------ public control
    def request_stop(self, reason: str = "requested") -> None:
        """Stop gracefully (a second request during the shutdown: stop now)."""
        if self._stop_requested.is_set():
            self._hurry.set()
            return
        self._stop_reason = reason
        self._stop_requested.set()

    def request_reload(self) -> None:
        self._reload_requested.set()

    @property
    def running_jobs(self) -> list[str]:
        with self._mu:
            return sorted(self._running)

    # ------------------------------------------------------------------ main loop
    def run(self) -> int:
        """Take the archive lock (``AlreadyRunning`` if taken), schedule, wait, shut down."""
        self._lock = ArchiveLock(self.wl.archive_path).acquire()
        try:
            self._install_signals()
            self._start()
            log_event(
                log,
                "daemon.started",
                pid=os.getpid(),
                config=self.config_path,
                archive=self.wl.archive_path,
                jobs=len(self._specs),
                timezone=self.wl.timezone,
            )
            next_check = time.monotonic() + self.poll_s
            while not self._stop_requested.is_set():
                self._take_signals()
                if time.monotonic() >= next_check:
                    self._maybe_reload()
                    next_check = time.monotonic() + self.poll_s
                time.sleep(TICK_S)
            return self._shutdown()
        finally:
            self._lock.release()

    def _start(self) -> None:
        from crawler.launch import mark_stale_runs

        with Archive.open(self.wl.archive_path) as archive:
            stale = close_stale_runs(archive)
            # No crawl can run past its timeout: older 'running' rows belong to a dead process.
            stale_crawls = mark_stale_runs(archive, self.wl.crawler.timeout_minutes * 60 + 300)
            runs = last_runs(archive)
        if stale or stale_crawls:
            log_event(log, "daemon.recovered", stale_job_runs=stale, stale_crawl_runs=stale_crawls)
        self._scheduler = BackgroundScheduler(
            timezone=self.wl.tz,
            executors={
                "default": TrackingExecutor(4, self._on_submit),
                "crawl": TrackingExecutor(self.crawl_workers, self._on_submit),
            },
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self._sync_jobs(self.wl, runs)
        self._scheduler.start()
        self._write_state()

    def _install_signals(self) -> None:
        """Handlers only note the signal; the main loop acts on it. (Taking locks or setting
        threading.Events inside a handler can deadlock with the code it interrupted.)"""
        if threading.current_thread() is not threading.main_thread():
            return  # embedded (tests): use request_stop()/request_reload()
        for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                signal.signal(sig, self._note_signal)

    def _note_signal(self, signum: int, frame: Any) -> None:
        self._signals.append(signum)

    def _take_signals(self) -> None:
        while self._signals:
            signum = self._signals.pop(0)
            if signum == getattr(signal, "SIGHUP", None):
                self.request_reload()
            else:
                self.request_stop(signal.Signals(signum).name)

    # ------------------------------------------------------------------ jobs
    def _sync_jobs(self, wl: Watchlist, runs: dict[str, dict] | None = None) -> None:
        """Make the scheduler's jobs match ``wl``: add new, reschedule changed, drop removed."""
        assert self._scheduler is not None
        if runs is None:
            with Archive.open(wl.archive_path) as archive:
                runs = last_runs(archive)
        now = utcnow()
        specs = {s.id: s for s in build_jobs(wl)}
        for job_id in set(self._specs) - set(specs):
            try:
                self._scheduler.remove_job(job_id)
            except JobLookupError:
                pass
            self._signatures.pop(job_id, None)
            log_event(log, "job.removed", job=job_id)
        for job_id, spec in specs.items():
            signature = f"{spec.signature}|{wl.timezone}"
            if job_id not in self._specs:
                last = self._last_started(spec, runs.get(job_id, {}))
                when = first_run_time(spec, now, last)
                self._scheduler.add_job(
                    self._execute,
                    trigger=spec.trigger,
                    args=[job_id],
                    id=job_id,
                    name=job_id,
                    executor="crawl" if spec.kind == "crawl" else "default",
                    misfire_grace_time=int(spec.grace.total_seconds()),
                    next_run_time=when,
                )
                log_event(log, "job.scheduled", job=job_id, schedule=spec.schedule_text, next_run=iso(when))
            elif self._signatures.get(job_id) != signature:
                self._scheduler.reschedule_job(job_id, trigger=spec.trigger)
                self._scheduler.modify_job(job_id, misfire_grace_time=int(spec.grace.total_seconds()))
                log_event(log, "job.rescheduled", job=job_id, schedule=spec.schedule_text)
            self._signatures[job_id] = signature
        with self._mu:
            self._specs = specs

    @staticmethod
    def _last_started(spec: JobSpec, run: dict) -> datetime | None:
        # A failed digest is retried within its grace time (run_digest never re-sends what
        # went out); a failed crawl is not hammered — it waits for its next slot; a run cut
        # short by a shutdown ('interrupted') does not count: the next start redoes it.
        value = run.get("last_ok_at") if spec.kind == "digest" else run.get("last_done_at")
        return parse_time(value) if value else None

    def _execute(self, job_id: str) -> None:
        """Scheduler entry point for every job (runs in an executor thread)."""
        due = self._due_now()  # asks the scheduler: never with self._mu held (see _write_state)
        with self._mu:
            spec = self._specs.get(job_id)
            wl = self.wl
            self._queued.discard(job_id)
            self._pending.discard(job_id)
            if spec is None or self._stopping.is_set():
                return
            blocker = self._blocker(spec, due)
            if blocker is not None:  # runs right after it instead, on its data
                self._waiting.setdefault(blocker, set()).add(job_id)
            else:
                self._running[job_id] = utcnow()
        if blocker is not None:
            log_event(log, "job.deferred", job=job_id, after=blocker)
            return
        try:
            ctx = JobContext(
                stopping=self._stopping,
                crawl_timeout_s=self.crawl_timeout_s,
                sentiment_model=self.sentiment_model,
            )
            if spec.kind == "digest":
                ctx.fire_time = last_fire_time(spec.trigger, utcnow(), spec.grace) or utcnow()
                self._wait_until_quiet()
                if self._stopping.is_set():
                    return
            log_event(log, "job.started", job=job_id)
            t0 = time.monotonic()
            result = run_recorded(self.stages[spec.kind], wl, spec, ctx)
            log_event(
                log,
                "job.finished",
                job=job_id,
                status=result.status,
                duration_s=round(time.monotonic() - t0, 1),
                changed=result.changed,
                message=result.message,
            )
            if result.changed > 0 and result.status != "interrupted":
                if spec.kind == "crawl":
                    self._request("enrich")
                elif spec.kind == "enrich":
                    self._request("detect")
        except Exception:  # bookkeeping failed (archive gone, disk full): log, keep running
            log.exception("job.crashed", extra={"fields": {"job": job_id}})
        finally:
            with self._mu:
                waiting = sorted(self._waiting.pop(job_id, ()))
            for other in waiting:  # requested while this one still counts as busy: the
                self._request(other)  # digest never sees a gap between the two
            with self._mu:
                self._running.pop(job_id, None)
                again = job_id in self._rerequest
                self._rerequest.discard(job_id)
            if again:
                self._request(job_id)
            self._write_state()

    #: A job of the key kind never runs while a job of the value kind is running or about to:
    #: detect judges enriched mentions, so an enrich under way comes first.
    RUNS_AFTER = {"detect": "enrich"}

    def _blocker(self, spec: JobSpec, due: set[str]) -> str | None:
        """The job ``spec`` must wait for (running, queued, requested or ``due``), or None.
        Call with ``self._mu`` held."""
        first = self.RUNS_AFTER.get(spec.kind)
        if first is None or first not in self._specs:
            return None
        busy = {*self._running, *self._queued, *self._pending, *due}
        return first if first in busy else None

    def _due_now(self) -> set[str]:
        """Jobs whose run time has come but that the scheduler has not handed on yet."""
        if self._scheduler is None:
            return set()
        now = utcnow()
        try:
            jobs = self._scheduler.get_jobs()
        except Exception:  # scheduler shut down
            return set()
        return {job.id for job in jobs if job.next_run_time is not None and job.next_run_time <= now}

    def _request(self, job_id: str) -> None:
        """Run a chained job soon (or right after its current run)."""
        if self._stopping.is_set() or self._scheduler is None:
            return
        with self._mu:
            if job_id not in self._specs:
                return
            if job_id in self._running:
                self._rerequest.add(job_id)
                return
            self._pending.add(job_id)
        try:
            self._scheduler.modify_job(job_id, next_run_time=utcnow() + CHAIN_DEBOUNCE)
        except JobLookupError:
            with self._mu:
                self._pending.discard(job_id)

    def _busy(self) -> list[str]:
        """Jobs other than the digest that are running, queued, requested or due now."""
        assert self._scheduler is not None
        now = utcnow()
        with self._mu:
            busy = set(self._running) | self._queued | self._pending
        for job in self._scheduler.get_jobs():
            if job.next_run_time is not None and job.next_run_time <= now:
                busy.add(job.id)
        busy -= {
            job_id
            for job_id in busy
            if self._specs.get(job_id, None) and self._specs[job_id].kind == "digest"
        }
        busy.discard("digest")
        return sorted(busy)

    def _wait_until_quiet(self) -> None:
        """Let crawls/enrich/detect that are under way finish first (bounded)."""
        time.sleep(self.settle_s)
        deadline = time.monotonic() + self.digest_wait_s
        while not self._stopping.is_set():
            busy = self._busy()
            if not busy:
                return
            if time.monotonic() > deadline:
                log_event(log, "digest.not_waiting", level=30, busy=",".join(busy))
                return
            time.sleep(0.5)

    def _on_submit(self, job_id: str) -> None:
        with self._mu:
            self._queued.add(job_id)

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:  # too late to start (also after waiting in a queue)
            with self._mu:
                self._queued.discard(event.job_id)
            log_event(log, "job.missed", level=30, job=event.job_id, scheduled=iso(event.scheduled_run_time))
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log_event(log, "job.skipped", job=event.job_id, reason="previous run still going")

    # ------------------------------------------------------------------ shutdown
    def _shutdown(self) -> int:
        reason = self._stop_reason
        log_event(log, "daemon.stopping", reason=reason, running=",".join(self.running_jobs) or "-")
        self._stopping.set()
        assert self._scheduler is not None
        self._scheduler.shutdown(wait=False)  # no new runs; running ones continue below
        children = terminate_children(signal.SIGTERM)
        if children:
            log_event(log, "daemon.terminating", subprocesses=",".join(map(str, children)))
        deadline = time.monotonic() + self.shutdown_grace_s
        while self.running_jobs and time.monotonic() < deadline and not self._hurry.is_set():
            time.sleep(TICK_S)
            self._take_signals()
        if self.running_jobs:
            killed = terminate_children(signal.SIGKILL)
            log_event(
                log,
                "daemon.killing",
                level=30,
                subprocesses=",".join(map(str, killed)) or "-",
                running=",".join(self.running_jobs),
            )
            end = time.monotonic() + 10
            while self.running_jobs and time.monotonic() < end:
                time.sleep(TICK_S)
        left = self.running_jobs
        log_event(log, "daemon.stopped", reason=reason, unfinished=",".join(left) or "-")
        return 0 if not left else 1
