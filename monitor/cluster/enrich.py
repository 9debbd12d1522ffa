"""Enrichment on the cluster: batches are analysed on workers, written here.

The archive node picks the pending mentions exactly as a local run does
(``monitor.enrich.run.pending_ids``), reads them batch by batch and submits each batch with
the sentiment-cache entries it will probably need (the texts and clauses the mention was
classified by before, so a taxonomy change does not re-run the model on every text). A worker
runs the same ``analyse_batch`` a local run does, with the model its plugin loaded, and
returns the rows; the archive node writes them with the same ``write_batch``. So the results
are those of a local run: same labels, same model and taxonomy version strings.

Why a window of batches in flight: every worker thread always has the next batch waiting,
and the archive node never holds more than a few batches in memory. A worker lost mid-batch
costs nothing but time: Dask runs the batch again on another worker, and its rows are
written once, when the result arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from monitor.cluster.client import ClusterError, connect, total_threads
from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.rows import text_hash
from monitor.enrich.run import (
    DEFAULT_BATCH,
    BatchResult,
    EnrichStats,
    Progress,
    analyse_batch,
    cache_lookup,
    pending_ids,
    read_batch,
    watchlist_taxonomy,
    write_batch,
)
from nlp.topics import Taxonomy

#: Batches waiting per worker thread, so that no worker idles while a result is written.
QUEUED_PER_THREAD = 2


_local = threading.local()


def _taxonomy(wl: Watchlist) -> Taxonomy:
    """The watchlist's taxonomy, kept per worker thread while the topics and brands stay the
    same (a local run builds it once per run; its matchers warm up as they go)."""
    key = wl.model_dump_json(include={"topics", "brands"})
    if getattr(_local, "key", None) != key:
        _local.key, _local.taxonomy = key, watchlist_taxonomy(wl)
    return _local.taxonomy


def analyse_on_worker(plugin: str, wl: Watchlist, rows: Sequence[tuple], known: dict) -> BatchResult:
    """Runs on a worker: one batch through the same analysis a local run does."""
    from monitor.cluster.plugin import worker_model

    return analyse_batch(
        wl,
        _taxonomy(wl),
        worker_model(plugin),
        rows,
        lambda hashes: {h: known[h] for h in hashes if h in known},
    )


def prefetch(archive: Archive, lookup: Any, ids: list[int]) -> dict:
    """Cached sentiment of the texts these mentions were classified by before (their text and
    their topic clauses): what a re-enrichment mostly needs, found without the taxonomy."""
    marks = ",".join("?" * len(ids))
    hashes = [
        r[0]
        for r in archive.conn.execute(f"SELECT text_hash FROM enrichments WHERE mention_id IN ({marks})", ids)
    ]
    clauses = archive.conn.execute(
        f"SELECT DISTINCT sentence FROM mention_topics WHERE mention_id IN ({marks})", ids
    )
    hashes += [text_hash(r[0]) for r in clauses if r[0]]
    return lookup(hashes) if hashes else {}


def enrich_on_cluster(
    wl: Watchlist,
    archive: Archive,
    address: str,
    *,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH,
    limit: int | None = None,
) -> EnrichStats:
    """Enrich every mention that needs it on the cluster at ``address`` (see module doc)."""
    started = time.perf_counter()
    with connect(address) as client:
        from monitor.cluster.plugin import install_model, plugin_name

        version = install_model(client, wl)
        taxonomy = watchlist_taxonomy(wl)
        stats = EnrichStats(model_version=version, taxonomy_version=taxonomy.version)
        ids = pending_ids(archive, version, taxonomy.version)
        if limit is not None:
            ids = ids[:limit]
        stats.pending = len(ids)
        chunks = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        _run_batches(
            client, wl, archive, chunks, plugin_name(wl), cache_lookup(archive, version), stats, progress
        )
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _run_batches(
    client: Any,
    wl: Watchlist,
    archive: Archive,
    chunks: list[list[int]],
    plugin: str,
    lookup: Any,
    stats: EnrichStats,
    progress: Progress | None,
) -> None:
    from distributed import wait

    total = sum(len(c) for c in chunks)
    todo = iter(chunks)
    in_flight: dict[Any, tuple[Any, int]] = {}  # future -> mentions in its batch

    def submit() -> None:
        chunk = next(todo, None)
        if chunk is not None:
            known = prefetch(archive, lookup, chunk)
            future = client.submit(
                analyse_on_worker, plugin, wl, read_batch(archive, chunk), known, pure=False
            )
            in_flight[future] = len(chunk)

    for _ in range(max(2, QUEUED_PER_THREAD * total_threads(client))):
        submit()
    done = 0
    try:
        while in_flight:
            for future in wait(list(in_flight), return_when="FIRST_COMPLETED").done:
                batch = _result(future)
                if batch.model_version != stats.model_version:
                    raise ClusterError(
                        f"a worker answered with model {batch.model_version}, not {stats.model_version}: "
                        "give every worker the same model files; nothing of that batch was written"
                    )
                write_batch(archive, batch, stats)
                stats.batches += 1
                done += in_flight.pop(future)
                if progress is not None:
                    progress(done, total)  # may raise (the daemon stopping): the finally cancels the rest
                submit()
    finally:
        if in_flight:
            client.cancel(list(in_flight))


def _result(future: Any) -> BatchResult:
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise ClusterError(
            f"a batch was lost with every worker that tried it ({exc}); its mentions are enriched on the next run"
        ) from None
