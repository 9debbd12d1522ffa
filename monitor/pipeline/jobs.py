"""The daemon's job functions: thin calls into the stages, each recorded in ``job_runs``.

Why thin: every stage already is a restartable function over the archive (``run_crawl``,
``run_enrich``, ``run_detect``, ``run_digest``), tested on its own and also run by the CLI.
The daemon only decides *when*; this module says *what*, records the outcome, and turns the
result into the one number the daemon chains on (``changed``: new mentions → enrich, new
enrichments → detect). Stage modules are imported lazily, so the scheduler works (and is tested)
with any stage functions passed in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.core.archive import Archive, iso, utcnow
from monitor.core.config import Watchlist
from monitor.daemon.schedule import JobSpec, crawl_job_id, period_for_digest


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


# --------------------------------------------------------------------------- stages


def only_source(wl: Watchlist, brand: str, source_key: str) -> Watchlist:
    """A copy of the watchlist that holds just one source (``run_crawl`` filters by type and
    brand only; a brand may have two sources of one type, each with its own job)."""
    b = wl.brand(brand)
    sources = [s for s in b.sources if s.key == source_key]
    if not sources:
        raise KeyError(f"source {source_key!r} of brand {brand!r} is no longer in the watchlist")
    return wl.model_copy(update={"brands": [b.model_copy(update={"sources": sources})]})


def crawl(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    from crawler.launch import run_crawl

    sub = only_source(wl, spec.brand or "", spec.source_key or "")
    outcomes = run_crawl(
        sub,
        source_type=spec.source_type,
        brand=spec.brand,
        timeout_s=ctx.crawl_timeout_s or wl.crawler.timeout_minutes * 60,
    )
    new = sum(o.items_new for o in outcomes)
    seen = sum(o.items_seen for o in outcomes)
    statuses = ",".join(o.status for o in outcomes) or "none"
    msg = f"{new} new, {seen} seen; crawl {statuses}"
    if ctx.stopping.is_set():  # the daemon stopped the spider: redo it on the next start
        return JobResult("interrupted", msg + "; stopped by shutdown", changed=new)
    # The first line of each problem (crawl_runs keeps the full message with the stderr tail).
    detail = "; ".join(o.message.splitlines()[0] for o in outcomes if o.message and o.status != "ok")
    if detail:
        msg += f" — {detail[:300]}"
    failed = any(o.failed for o in outcomes)
    return JobResult("failed" if failed else "ok", msg, changed=new)


_model_mu = threading.Lock()
_model_cache: dict[str, Any] = {}


def sentiment_model(wl: Watchlist) -> Any:
    """The configured model, loaded once per daemon (loading is the slow part of an enrich);
    loaded again only when the watchlist's ``sentiment`` settings change."""
    from monitor.enrich.run import load_configured_model

    key = wl.sentiment.model_dump_json()
    with _model_mu:
        if key not in _model_cache:
            _model_cache.clear()
            _model_cache[key] = load_configured_model(wl)
        return _model_cache[key]


def enrich(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    from monitor.enrich.run import run_enrich

    model = ctx.sentiment_model or sentiment_model(wl)
    from monitor.enrich.survey_topics import tag_survey_topics
    from monitor.privacy.erasure import apply_retention

    with Archive.open(wl.archive_path) as archive:
        stats = run_enrich(wl, archive, model=model, progress=ctx.check)
        surveys = tag_survey_topics(wl, archive)
        redacted = apply_retention(archive, wl.privacy.retention_days) if wl.privacy.retention_days else None
    msg = (
        f"{stats.enriched} of {stats.pending} enriched, {stats.failed} failed, "
        f"{stats.cache_hits} from cache; model {stats.model_version}"
    )
    if surveys:
        msg += f"; {surveys} survey comment(s) tagged"
    if redacted and redacted.mentions:
        msg += f"; retention redacted {redacted.mentions} mention(s) before {redacted.cutoff}"
    if stats.errors:
        msg += f" — {'; '.join(stats.errors[:3])[:300]}"
    return JobResult("ok", msg, changed=stats.enriched)


def detect(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    from monitor.detect.run import run_detect

    with Archive.open(wl.archive_path) as archive:
        changes = run_detect(wl, archive)
    what = [f"{c.change} {c.brand}/{c.topic or c.kind}" for c in changes]
    msg = f"{len(changes)} alert change(s)" + (f": {', '.join(what[:10])}" if what else "")
    return JobResult("ok", msg, changed=len(changes))


def digest(wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    """Yesterday's digest (relative to the scheduled time), sent once; rendered only when no
    recipients are configured. ``run_digest`` keeps a ledger, so a re-run never re-sends."""
    from reports.pipeline import run_digest

    period = period_for_digest(ctx.fire_time or utcnow(), wl)
    send = bool(wl.digest.recipients)
    with Archive.open(wl.archive_path) as archive:
        results = run_digest(wl, archive, period=period, send=send)
    statuses = [s for r in results for s in r.recipients.values()]
    failed = [e for r in results for e in r.failed]
    msg = (
        f"period {period.isoformat()}: {len(results)} group(s), "
        f"{statuses.count('sent')} sent, {len(failed)} failed"
        + ("" if send else " (no recipients configured: rendered only)")
    )
    errors = "; ".join(f"{e}: {err}" for r in results for e, err in r.errors.items())
    if errors:
        msg += f" — {errors[:300]}"
    return JobResult("failed" if failed else "ok", msg, changed=len(results))


STAGES: dict[str, JobFunc] = {"crawl": crawl, "enrich": enrich, "detect": detect, "digest": digest}


# --------------------------------------------------------------------------- recording


def run_recorded(func: JobFunc, wl: Watchlist, spec: JobSpec, ctx: JobContext) -> JobResult:
    """Run one job and keep its outcome in ``job_runs`` (a failure never escapes)."""
    with Archive.open(wl.archive_path) as archive:
        run_id = archive.start_run("job_runs", job=spec.id)
    t0 = time.monotonic()
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
