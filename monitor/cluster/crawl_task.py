"""One (brand, source) crawl on a worker, its rows streamed back to the archive node.

The task runs the crawl exactly as a local run does (``crawler.launch.crawl_one``: the Scrapy
process, its deadline, its run record) but against a scratch archive in a temporary folder,
seeded with the source's resume point from the real archive. A shipper thread reads what the
crawl stored there and puts it on a Dask queue for the archive node, in batches:

- rows in the order the crawl stored them, at most ``SHIP_ROWS`` a message;
- the resume point only in the message that carries the last row of the snapshot it was read
  with, so that the archive node never stores a resume point ahead of the rows it covers
  (the crawler writes a page's resume point only after its rows, and one read transaction
  sees both or neither).

A retried task (its first worker died) starts from the newest resume point the archive node
has written, which it publishes in a Dask ``Variable``; rows fetched twice are stored once,
since mentions are unique on (source, external_id).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.rows import MENTION_COLUMNS

#: Rows per queue message (all data passes through the scheduler: keep messages small).
SHIP_ROWS = 200
#: Seconds between looks at the scratch archive.
SHIP_EVERY_S = 0.5
#: Columns of earlier runs copied into the scratch archive (the crawler compares a run with
#: its source's history, e.g. for the layout-change flag).
HISTORY_COLUMNS = (
    "spider",
    "source_key",
    "brand",
    "started_at",
    "finished_at",
    "status",
    "items_new",
    "items_seen",
    "items_irrelevant",
    "parse_errors",
    "http_errors",
)
#: Progress counters of the scratch run that the archive node mirrors while the crawl runs.
PROGRESS_COLUMNS = ("items_irrelevant", "parse_errors", "http_errors")


def _seed(arc: Archive, seed: dict) -> None:
    with arc.conn:
        for row in seed.get("cursors") or []:
            arc.db["crawl_cursors"].insert(dict(row), replace=True)
        for row in seed.get("history") or []:
            arc.db["crawl_runs"].insert({k: row[k] for k in HISTORY_COLUMNS if k in row})


def _config(wl: Watchlist, db: Path, folder: Path) -> tuple[Watchlist, Path]:
    """The watchlist pointed at the scratch archive, and the file the crawl process reads."""
    data = wl.model_dump(mode="json", exclude_none=True)
    data["archive"] = str(db)
    path = folder / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return wl.model_copy(update={"archive": str(db), "source_path": None}), path


class Shipper(threading.Thread):
    """Puts what the crawl stored on the queue until told to stop, then the rest."""

    def __init__(self, db: Path, queue: Any, run_id: int, attempt: str, brand: str, source_key: str):
        super().__init__(name=f"brandpulse-ship-{run_id}", daemon=True)
        self.db, self.queue, self.run_id, self.attempt = db, queue, run_id, attempt
        self.brand, self.source_key = brand, source_key
        self.last_id = 0
        self.shipped = 0
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            while not self.done.wait(SHIP_EVERY_S):
                self.ship(conn)
            self.ship(conn)  # what the crawl stored last
        except BaseException as exc:  # noqa: BLE001 - reported by the task
            self.error = exc
        finally:
            conn.close()

    def ship(self, conn: sqlite3.Connection) -> None:
        cols = ", ".join(MENTION_COLUMNS)
        conn.execute("BEGIN")  # one snapshot: rows and the resume point that covers them
        try:
            rows = conn.execute(
                f"SELECT id, {cols} FROM mentions WHERE id > ? ORDER BY id", (self.last_id,)
            ).fetchall()
            cur = conn.execute(
                "SELECT * FROM crawl_cursors WHERE brand = ? AND source_key = ?",
                (self.brand, self.source_key),
            )
            found = cur.fetchone()
            cursor = dict(zip([d[0] for d in cur.description], found)) if found else None
            progress = conn.execute(
                f"SELECT {', '.join(PROGRESS_COLUMNS)} FROM crawl_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            conn.execute("COMMIT")
        chunks = [rows[i : i + SHIP_ROWS] for i in range(0, len(rows), SHIP_ROWS)] or [[]]
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            self.queue.put(
                {
                    "run_id": self.run_id,
                    "attempt": self.attempt,
                    "rows": [list(r[1:]) for r in chunk],
                    "cursor": cursor if last else None,
                    "progress": dict(zip(PROGRESS_COLUMNS, progress)) if last and progress else None,
                }
            )
            self.shipped += len(chunk)
            if chunk:
                self.last_id = chunk[-1][0]

    def finish(self) -> None:
        self.done.set()
        self.join()


def crawl_source(
    wl: Watchlist,
    brand_name: str,
    source_key: str,
    run_id: int,
    queue_name: str,
    seed_name: str,
    timeout_s: float,
) -> dict:
    """Runs on a worker: crawl one source, stream its rows back, return its outcome."""
    from distributed import Queue, Variable

    queue = Queue(queue_name)
    try:
        return _crawl(
            wl, brand_name, source_key, run_id, queue, Variable(seed_name).get(timeout=60), timeout_s
        )
    finally:
        queue.close()  # this worker's hold on the queue; the archive node's keeps it


def _crawl(
    wl: Watchlist, brand_name: str, source_key: str, run_id: int, queue: Any, seed: dict, timeout_s: float
) -> dict:
    from distributed import get_worker

    from crawler.launch import crawl_one
    from crawler.run import find_source

    attempt = uuid.uuid4().hex[:12]
    brand, source = find_source(wl, brand_name, source_key)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brandpulse-cluster-crawl-") as tmp:
        folder = Path(tmp)
        db = folder / "scratch.db"
        with Archive.open(db) as arc:
            _seed(arc, seed)
            scratch_wl, config_path = _config(wl, db, folder)
            shipper = Shipper(db, queue, run_id, attempt, brand.name, source.key)
            shipper.start()
            try:
                outcome = crawl_one(
                    scratch_wl,
                    arc,
                    brand,
                    source,
                    timeout_s=timeout_s,
                    config_path=config_path,
                    log_dir=folder,
                )
            finally:
                shipper.finish()
            if shipper.error is not None:
                raise RuntimeError(f"could not send the crawled rows to the archive node: {shipper.error}")
            last = arc.db["crawl_runs"].get(outcome.run_id)
    return {
        "attempt": attempt,
        "worker": get_worker().address,
        "shipped": shipper.shipped,
        "elapsed_s": round(time.monotonic() - started, 3),
        "outcome": outcome.to_dict(),
        "items_rating_only": last.get("items_rating_only", 0),
    }
