"""The daemon's job functions: a stage step of ``monitor.pipeline.steps``, run for one
scheduled job and recorded in ``job_runs``.

Why thin: the steps are the same functions the CLI and the demo run. The daemon only decides
*when*; this module turns a step's outcome into the one number the daemon chains on
(``changed``: new mentions → enrich, new enrichments → detect), and never lets a failure
escape into the scheduler.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.times import utcnow
from monitor.daemon.schedule import JobSpec, period_for_digest
from monitor.pipeline import steps


class Stopping(Exception):
    """Raised inside a job (between batches) when the daemon shuts down."""


@dataclass
class JobContext:
    """What a job gets besides the watchlist: the shutdown flag and its scheduled time."""

    stopping: threading.Event = field(default_factory=threading.Event)
    fire_time: datetime | None = None
    crawl_timeout_s: float | None = None  # None: crawler.timeout_minutes
    sentiment_model: Any = None  # a loaded nlp.sentiment model to reuse; None: load per config

    def check(self, *_: Any, **__: Any) -> None:
        """Progress callback: abort the stage between batches when shutting down."""
        if self.stopping.is_set():
            raise Stopping("daemon is shutting down")


@dataclass
class JobResult:
    status: str  # ok | failed | interrupted
    message: str
    changed: int = 0


JobFunc = Callable[[Watchlist, JobSpec, JobContext], JobResult]


def only_source(wl: Watchlist, brand: str, source_key: str) -> Watchlist:
    """A copy of the watchlist that holds just one source (the crawl step filters by type and
    brand only; a brand may have two sources of one type, each with its own job)."""
    b = wl.brand(brand)
    sources = [s for s in b.sources if s.key == source_key]
    if not sources:
        raise KeyError(f"source {source_key!r} of brand {brand!r} is no longer in the watchlist")
    return wl.model_copy(update={"brands": [b.model_copy(update={"sources": sources})]})


def crawl(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    sub = only_source(wl, spec.brand or "", spec.source_key or "")
    step = steps.crawl(
        sub,
        source_type=spec.source_type,
        brand=spec.brand,
        timeout_s=ctx.crawl_timeout_s or wl.crawler.timeout_minutes * 60,
    )
    msg = step.summary()
    if ctx.stopping.is_set():  # the daemon stopped the spider: redo it on the next start
        return JobResult("interrupted", msg + "; stopped by shutdown", changed=step.new)
    if detail := step.problems():
        msg += f" — {detail[:300]}"
    return JobResult("failed" if step.failed else "ok", msg, changed=step.new)


_model_mu = threading.Lock()
_model_cache: dict[str, Any] = {}


def sentiment_model(wl: Watchlist) -> Any:
    """The configured model, loaded once per daemon (loading is the slow part of an enrich);
    loaded again only when the watchlist's ``sentiment`` settings change."""
    key = wl.sentiment.model_dump_json()
    with _model_mu:
        if key not in _model_cache:
            _model_cache.clear()
            _model_cache[key] = steps.load_model(wl)
        return _model_cache[key]


def enrich(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    model = None if steps.cluster(wl) else ctx.sentiment_model or sentiment_model(wl)
    with Archive.open(wl.archive_path) as archive:
        step = steps.enrich(wl, archive, model=model, progress=ctx.check)
    return JobResult("ok", step.summary(), changed=step.stats.enriched)


def detect(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    """Detect, then push what it found in the same cycle (a failed push is recorded in the
    notifications ledger and shown by ``status``; detection itself succeeded)."""
    with Archive.open(wl.archive_path) as archive:
        changes = steps.detect(wl, archive)
        pushed = steps.notify(wl, archive)
    msg = "; ".join(part for part in (steps.detect_summary(changes), pushed.summary()) if part)
    return JobResult("ok", msg, changed=len(changes))


def digest(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    """The digest of the last complete period before the scheduled time (yesterday, last week,
    last month), sent once; rendered only when no recipients are configured."""
    from reports.periods import last_complete

    fire = ctx.fire_time or utcnow()
    if spec.digest_period == "day":
        period = period_for_digest(fire, wl)
    else:
        period = last_complete(spec.digest_period, fire.astimezone(wl.tz).date())
    send = bool(wl.digest.recipients)
    with Archive.open(wl.archive_path) as archive:
        results = steps.digest(wl, archive, period=period, send=send)
    failed = any(r.failed for r in results)
    msg = steps.digest_summary(period, results, send=send)
    return JobResult("failed" if failed else "ok", msg, changed=len(results))


STAGES: dict[str, JobFunc] = {"crawl": crawl, "enrich": enrich, "detect": detect, "digest": digest}


def run_recorded(func: JobFunc, wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    """Run one job and keep its outcome in ``job_runs`` (a failure never escapes)."""
    t0 = time.monotonic()
    with Archive.open(wl.archive_path) as archive:
        run_id = archive.start_run("job_runs", job=spec.id)
    try:
        result = func(wl, spec, ctx)
    except Stopping as exc:
        result = JobResult("interrupted", f"{exc}; the rest is done on the next run")
    except Exception as exc:  # a job must never take the daemon down
        result = JobResult("failed", f"{type(exc).__name__}: {exc}"[:1000])
    with Archive.open(wl.archive_path) as archive:
        archive.finish_run(
            "job_runs",
            run_id,
            status=result.status,
            message=f"{result.message} ({time.monotonic() - t0:.1f} s)",
        )
    return result
