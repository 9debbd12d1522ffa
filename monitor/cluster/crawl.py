"""Crawling on the cluster: one task per (brand, source), its rows stored here as they arrive.

The archive node does what ``crawler.launch.run_crawl`` does around a crawl — takes the
source's lock, opens its ``crawl_runs`` row, closes it with the outcome — but the crawl itself
runs on a worker (:mod:`monitor.cluster.crawl_task`), which streams the rows and resume points
back through a Dask queue. Here they are written through the one writer,
``Archive.add_mentions`` (idempotent on (source, external_id)), and then the resume point, so
a stop anywhere loses nothing: the next run goes on from the last resume point written, and
rows that come twice are stored once. ``items_new``/``items_seen`` are counted here, against
the real archive.

Why one crawl per site at a time: the crawler's politeness settings (delay, concurrency per
domain) hold within one process; two workers crawling one site would double its load. So
crawls of different sites run in parallel, crawls of one site one after the other, as locally.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlsplit

from crawler.launch import CrawlOutcome, run_outcome, selected_sources
from crawler.locks import SourceLock
from crawler.run import busy_message, open_run
from monitor.cluster.client import WORKER_WAIT_S, ClusterError, connect
from monitor.cluster.crawl_task import HISTORY_COLUMNS, crawl_source
from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.rows import MENTION_COLUMNS

#: Seconds between looks at the queue and the tasks.
POLL_S = 0.25
#: Earlier runs of a source handed to its task (the crawler compares a run with them).
HISTORY_RUNS = 5


def site(source: Any) -> str:
    """Where a source's requests go: its host, else its type (one API per type)."""
    for attr in ("base_url", "url", "instance"):
        value = getattr(source, attr, None)
        if value:
            return urlsplit(value if "//" in value else f"//{value}").netloc or value
    urls = getattr(source, "urls", None)
    return urlsplit(urls[0]).netloc if urls else source.type


def seed_for(archive: Archive, brand: str, source_key: str) -> dict:
    """The source's resume point and recent history, as a task's starting state."""
    cur = archive.conn.execute(
        "SELECT * FROM crawl_cursors WHERE brand = ? AND source_key = ?", (brand, source_key)
    )
    cols = [d[0] for d in cur.description]
    cursors = [dict(zip(cols, r)) for r in cur.fetchall()]
    history = archive.conn.execute(
        f"SELECT {', '.join(HISTORY_COLUMNS)} FROM crawl_runs WHERE brand = ? AND source_key = ? "
        "AND status != 'running' ORDER BY id DESC LIMIT ?",
        (brand, source_key, HISTORY_RUNS),
    ).fetchall()
    return {"cursors": cursors, "history": [dict(zip(HISTORY_COLUMNS, r)) for r in history][::-1]}


class _Run:
    """One (brand, source) crawl as the archive node sees it."""

    def __init__(self, brand: Any, source: Any, run_id: int, lock: SourceLock, seed_var: Any):
        self.brand, self.source, self.run_id, self.lock, self.seed_var = brand, source, run_id, lock, seed_var
        self.new = self.seen = 0
        self.attempts: set[str] = set()
        self.future: Any = None
        self.submitted = 0.0


def crawl_on_cluster(
    wl: Watchlist,
    address: str,
    *,
    source_type: str | None = None,
    brand: str | None = None,
    timeout_s: float | None = None,
) -> list[CrawlOutcome]:
    """Crawl every enabled source (optionally one type / one brand) on the cluster at
    ``address``; the outcomes in watchlist order, as ``crawler.launch.run_crawl`` returns them."""
    pairs = selected_sources(wl, source_type=source_type, brand=brand)
    limit = timeout_s if timeout_s is not None else wl.crawler.timeout_minutes * 60
    with connect(address) as client, Archive.open(wl.archive_path) as archive:
        return _ClusterCrawl(client, archive, wl, limit).run(pairs)


class _ClusterCrawl:
    def __init__(self, client: Any, archive: Archive, wl: Watchlist, timeout_s: float):
        from distributed import Queue

        self.client, self.archive, self.wl, self.timeout_s = client, archive, wl, timeout_s
        self.token = uuid.uuid4().hex[:12]
        self.queue = Queue(f"brandpulse-crawl-{self.token}", client=client)
        self.runs: dict[int, _Run] = {}
        self.outcomes: dict[int, CrawlOutcome] = {}
        self.no_workers_since: float | None = None

    def run(self, pairs: list[tuple[Any, Any]]) -> list[CrawlOutcome]:
        order, waiting = [], defaultdict(deque)
        for brand, source in pairs:
            run_id = self._open(brand, source)
            order.append(run_id)
            if run_id in self.runs:
                waiting[site(source)].append(run_id)
        active: dict[str, int] = {}
        try:
            while waiting or active:
                self._check_workers()
                for host in [h for h in waiting if h not in active]:
                    active[host] = waiting[host].popleft()
                    self._submit(self.runs[active[host]])
                    if not waiting[host]:
                        del waiting[host]
                self._drain()
                for host, run_id in list(active.items()):
                    if self.runs[run_id].future.done():
                        self._drain()  # its last messages were queued before it finished
                        self._finish(self.runs[run_id])
                        del active[host]
                time.sleep(POLL_S)
        finally:
            for run in self.runs.values():
                if run.run_id not in self.outcomes:
                    self._abandon(run)
            self.queue.close()
        return [self.outcomes[r] for r in order]

    def _check_workers(self) -> None:
        """A cluster whose workers are all gone for long runs nothing: give up then (a lost
        worker alone is Dask's to handle: its tasks run again elsewhere)."""
        if self.client.nthreads():
            self.no_workers_since = None
        elif self.no_workers_since is None:
            self.no_workers_since = time.monotonic()
        elif time.monotonic() - self.no_workers_since > WORKER_WAIT_S:
            raise ClusterError(
                f"every worker left the cluster for more than {WORKER_WAIT_S:g} s; crawls stopped"
            )

    # ------------------------------------------------------------------ per run
    def _open(self, brand: Any, source: Any) -> int:
        """Lock the source and open its run row (or record it as skipped: another crawl of
        it runs). Returns the run id."""
        from distributed import Variable

        lock = SourceLock(self.archive.path, brand.name, source.key)
        if not lock.acquire():
            run_id = self.archive.start_run(
                "crawl_runs", spider=source.type, source_key=source.key, brand=brand.name
            )
            self.archive.finish_run(
                "crawl_runs", run_id, status="skipped", message=busy_message(lock), duration_s=0.0
            )
            self.outcomes[run_id] = self._outcome(run_id)
            return run_id
        run_id = open_run(self.archive, brand, source)
        seed_var = Variable(f"brandpulse-seed-{self.token}-{run_id}", client=self.client)
        seed_var.set(seed_for(self.archive, brand.name, source.key))
        self.runs[run_id] = _Run(brand, source, run_id, lock, seed_var)
        return run_id

    def _submit(self, run: _Run) -> None:
        run.submitted = time.monotonic()
        run.future = self.client.submit(
            crawl_source,
            self.wl,
            run.brand.name,
            run.source.key,
            run.run_id,
            self.queue.name,
            run.seed_var.name,
            self.timeout_s,
            pure=False,
            key=f"brandpulse-crawl-{run.run_id}-{self.token}",
        )

    def _drain(self) -> None:
        for msg in self.queue.get(batch=True):
            self._store(msg)

    def _store(self, msg: dict) -> None:
        run = self.runs.get(msg["run_id"])
        if run is None or run.run_id in self.outcomes:
            return  # a task of an abandoned run: the next run fetches it again
        run.attempts.add(msg["attempt"])
        if msg["rows"]:
            stats = self.archive.add_mentions(dict(zip(MENTION_COLUMNS, r)) for r in msg["rows"])
            run.new += stats.new
            run.seen += stats.seen
        values = {"items_new": run.new, "items_seen": run.seen, **(msg.get("progress") or {})}
        with self.archive.conn:  # after the rows it covers: a stop in between refetches, never skips
            if msg.get("cursor"):
                self.archive.db["crawl_cursors"].upsert(dict(msg["cursor"]), pk=("brand", "source_key"))
            self.archive.db["crawl_runs"].update(run.run_id, values)
        if msg.get("cursor"):
            run.seed_var.set(seed_for(self.archive, run.brand.name, run.source.key))

    def _finish(self, run: _Run) -> None:
        try:
            result = run.future.result()
        except Exception as exc:  # noqa: BLE001 - the run record says what went wrong
            self._close(
                run,
                status="failed",
                message=f"the crawl task failed on the cluster: {type(exc).__name__}: {exc}",
            )
            return
        o = result["outcome"]
        message, duration = o["message"], o["duration_s"]
        if len(run.attempts) > 1:
            duration = round(time.monotonic() - run.submitted, 3)  # the lost attempt took time too
            note = f"a worker was lost mid-crawl; retried on another worker ({len(run.attempts)} attempts)"
            message = f"{message}\n{note}" if message else note
        self._close(
            run,
            status=o["status"],
            message=message,
            items_irrelevant=o["items_irrelevant"],
            items_rating_only=result.get("items_rating_only") or 0,
            parse_errors=o["parse_errors"],
            http_errors=o["http_errors"],
            duration_s=duration,
            layout_suspect=int(o["layout_suspect"]),
        )

    def _abandon(self, run: _Run) -> None:
        if run.future is not None:
            self.client.cancel([run.future])
        self._close(
            run,
            status="interrupted",
            message="the archive node stopped before this crawl ended; "
            "what arrived is stored, the next run goes on from there",
        )

    def _close(self, run: _Run, **values: Any) -> None:
        values.update(items_new=run.new, items_seen=run.seen)
        self.archive.finish_run("crawl_runs", run.run_id, **values)
        run.lock.release()
        run.seed_var.delete()
        self.outcomes[run.run_id] = self._outcome(run.run_id)

    def _outcome(self, run_id: int) -> CrawlOutcome:
        return run_outcome(self.archive, run_id)
