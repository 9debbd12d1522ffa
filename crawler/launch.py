"""Orchestrate crawls: one subprocess per configured source, stopped at the timeout.

Why subprocesses: Scrapy's reactor runs once per process, and one hanging site must not hold
up (or take down) the others. Every outcome — ok, failed, timeout, interrupted, killed,
skipped — lands in ``crawl_runs``, so ``brandpulse status`` and the digest can show a source's
health. The launcher holds the source's lock for the run and hands it to the child
(``crawler.locks``); the child stops itself before the deadline (``crawler.stopping``) and dies
with its launcher; only a child stuck past the deadline is killed here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from crawler.locks import SourceLock
from crawler.recovery import close_dead_run, recover, stamp
from crawler.run import busy_message, open_run
from monitor.core.archive import Archive
from monitor.core.config import Watchlist

#: Lines of a failed run's stderr kept in its crawl_runs message.
STDERR_TAIL_LINES = 15


@dataclass
class CrawlOutcome:
    """One finished (brand, source) run as recorded in ``crawl_runs``."""

    run_id: int
    brand: str
    source_type: str
    source_key: str
    status: str  # ok | failed | timeout | interrupted | killed | skipped
    items_new: int = 0
    items_seen: int = 0
    items_irrelevant: int = 0
    parse_errors: int = 0
    http_errors: int = 0
    duration_s: float | None = None
    layout_suspect: bool = False
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "timeout", "killed")

    def to_dict(self) -> dict:
        return asdict(self)


def skip_reason(source: Any) -> str | None:
    """Why a source cannot run in this environment (missing credentials), or None: the
    spider class says, so that the launcher needs no per-source rules."""
    from crawler.spiders import SPIDERS

    return SPIDERS[source.type].unavailable_reason(source)


def selected_sources(
    wl: Watchlist, *, source_type: str | None = None, brand: str | None = None
) -> list[tuple[Any, Any]]:
    """(brand, source) pairs to crawl; KeyError/ValueError for an unknown brand or type."""
    from monitor.core.config import SOURCE_TYPES

    if source_type is not None and source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source type {source_type!r}; expected one of: {', '.join(SOURCE_TYPES)}")
    brands = [wl.brand(brand)] if brand else wl.brands
    return [
        (b, s)
        for b in brands
        for s in b.sources
        if s.enabled and (source_type is None or s.type == source_type)
    ]


def _config_file(wl: Watchlist, tmpdir: Path) -> Path:
    """The watchlist file the child reads: the original, or a dump for in-memory watchlists."""
    if wl.source_path and Path(wl.source_path).exists():
        return Path(wl.source_path).resolve()
    data = wl.model_dump(mode="json", exclude_none=True)
    data["archive"] = str(wl.archive_path.resolve())
    path = tmpdir / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run_outcome(archive: Archive, run_id: int) -> CrawlOutcome:
    """The outcome of one ``crawl_runs`` row (as the launcher and the cluster report it)."""
    row = archive.db["crawl_runs"].get(run_id)
    return CrawlOutcome(
        run_id=run_id,
        brand=row["brand"],
        source_type=row["spider"],
        source_key=row["source_key"],
        status=row["status"],
        items_new=row["items_new"],
        items_seen=row["items_seen"],
        items_irrelevant=row["items_irrelevant"],
        parse_errors=row["parse_errors"],
        http_errors=row["http_errors"],
        duration_s=row["duration_s"],
        layout_suspect=bool(row["layout_suspect"]),
        message=row["message"],
    )


def _kill(proc: subprocess.Popen) -> None:
    """End a child stuck past its deadline, and anything it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=1)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def crawl_one(
    wl: Watchlist,
    archive: Archive,
    brand: Any,
    source: Any,
    *,
    timeout_s: float,
    config_path: Path,
    log_dir: Path,
) -> CrawlOutcome:
    """Run ``python -m crawler.run`` for one source and make sure its run row is final."""
    lock = SourceLock(archive.path, brand.name, source.key)
    if not lock.acquire():
        run_id = archive.start_run("crawl_runs", spider=source.type, source_key=source.key, brand=brand.name)
        archive.finish_run("crawl_runs", run_id, status="skipped", message=busy_message(lock), duration_s=0.0)
        return run_outcome(archive, run_id)
    try:
        return _supervise(wl, archive, brand, source, lock, timeout_s, config_path, log_dir)
    finally:
        lock.release()  # the child holds its copy until it exits


def _supervise(wl, archive, brand, source, lock, timeout_s, config_path, log_dir) -> CrawlOutcome:
    run_id = open_run(archive, brand, source)
    reason = skip_reason(source)
    if reason:
        archive.finish_run("crawl_runs", run_id, status="skipped", message=reason, duration_s=0.0)
        return run_outcome(archive, run_id)
    started = time.monotonic()
    deadline = time.time() + timeout_s
    cmd = [
        sys.executable,
        "-m",
        "crawler.run",
        "--config",
        str(config_path),
        "--brand",
        brand.name,
        "--source-key",
        source.key,
        "--run-id",
        str(run_id),
        "--deadline",
        f"{deadline:.3f}",
        "--timeout-s",
        f"{timeout_s:g}",
        "--parent-pid",
        str(os.getpid()),
    ]
    fds = (lock.fd,) if lock.fd is not None else ()
    log_path = log_dir / f"run-{run_id}.log"
    with log_path.open("w+", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds
        )
        stamp(archive, run_id, proc.pid)
        try:
            rc = proc.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            _kill(proc)
            rc = None
        log.seek(0)
        tail = "".join(log.readlines()[-STDERR_TAIL_LINES:])
    duration = round(time.monotonic() - started, 3)
    if archive.db["crawl_runs"].get(run_id)["status"] == "running":  # the child could not record it
        if rc is None:
            status = "timeout"
            message = (
                f"killed after {timeout_s:g}s (crawler.timeout_minutes): it did not stop by itself; "
                "items stored before the kill are kept and counted"
            )
        elif rc < 0:  # a signal ended it before it could record anything (kill -9, OOM)
            status = "killed"
            message = (
                f"the crawl process was killed ({signal.Signals(-rc).name}) before it could record its "
                "outcome; what it stored is kept and counted here, and the next run goes on from there"
            )
        else:
            status, message = "failed", f"crawler exited with status {rc}:\n{tail}".strip()
        close_dead_run(archive, run_id, status=status, message=message, duration_s=duration)
    return run_outcome(archive, run_id)


def run_crawl(
    wl: Watchlist,
    *,
    source_type: str | None = None,
    brand: str | None = None,
    timeout_s: float | None = None,
    archive: Archive | None = None,
) -> list[CrawlOutcome]:
    """Crawl every enabled source (optionally one type / one brand), one after the other."""
    pairs = selected_sources(wl, source_type=source_type, brand=brand)
    limit = timeout_s if timeout_s is not None else wl.crawler.timeout_minutes * 60
    own = archive is None
    arc = archive or Archive.open(wl.archive_path)
    try:
        with tempfile.TemporaryDirectory(prefix="brandpulse-crawl-") as tmp:
            config_path = _config_file(wl, Path(tmp))
            return [
                crawl_one(wl, arc, b, s, timeout_s=limit, config_path=config_path, log_dir=Path(tmp))
                for b, s in pairs
            ]
    finally:
        if own:
            arc.close()


def source_health(archive: Archive) -> list[dict]:
    """Per brand and source: the last run, its status and counts, and the layout flag.

    Also ``last_ok_at`` and ``items_total`` (new items over all runs), for ``brandpulse status``
    and the digest's Sources section."""
    rows = archive.db.execute(
        """
        SELECT r.brand, r.spider, r.source_key, r.started_at, r.finished_at, r.status, r.items_new,
               r.items_seen, r.items_irrelevant, r.parse_errors, r.http_errors, r.duration_s,
               r.layout_suspect, r.message,
               (SELECT max(o.started_at) FROM crawl_runs o WHERE o.brand = r.brand
                  AND o.source_key = r.source_key AND o.status = 'ok') AS last_ok_at,
               (SELECT sum(a.items_new) FROM crawl_runs a WHERE a.brand = r.brand
                  AND a.source_key = r.source_key) AS items_total
        FROM crawl_runs r
        WHERE r.id = (SELECT max(id) FROM crawl_runs x WHERE x.brand = r.brand
                        AND x.source_key = r.source_key AND x.status != 'running')
        ORDER BY r.brand, r.spider, r.source_key
        """
    ).fetchall()
    keys = (
        "brand",
        "source_type",
        "source_key",
        "last_run",
        "finished_at",
        "status",
        "items_new",
        "items_seen",
        "items_irrelevant",
        "parse_errors",
        "http_errors",
        "duration_s",
        "layout_suspect",
        "message",
        "last_ok_at",
        "items_total",
    )
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["layout_suspect"] = bool(d["layout_suspect"])
        d["items_total"] = d["items_total"] or 0
        out.append(d)
    return out


def mark_stale_runs(archive: Archive, older_than_s: float | None = None) -> int:
    """At a daemon's start: end crawl processes an earlier daemon left behind, and close the
    ``crawl_runs`` rows of dead runs as 'killed' with what they stored (``crawler.recovery``).

    Whether a run is dead is decided by its source lock, not its age; ``older_than_s`` is
    accepted for callers written before that and ignored."""
    return recover(archive)
