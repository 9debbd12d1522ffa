"""A real Dask cluster on 127.0.0.1 for tests, mentions to enrich, and archive snapshots to compare.

The cluster is ``distributed.LocalCluster`` with worker *processes* (each behind a nanny that
restarts it when it dies), so a test can kill a worker by pid exactly as a machine is lost.
"""

from __future__ import annotations

import logging
import os
import random
import signal
from pathlib import Path
from typing import Any

import yaml

from monitor.cluster.client import local_cluster as client_local_cluster
from monitor.core.archive import Archive
from monitor.core.config import Watchlist, load_watchlist
from tests.helpers.watchlists import MINIMAL_WATCHLIST

NOW = "2026-11-20T10:00:00+00:00"

_DE = [
    "Die Lieferung kam drei Tage zu spät, das Paket war beschädigt.",
    "Super Preis, schnelle Lieferung, gerne wieder!",
    "Der Preis ist okay, aber die Paketzustellung eine Katastrophe.",
    "Kein Problem mit der Lieferung, alles bestens.",
    "Kundenservice nicht erreichbar, Lieferung fehlt seit einer Woche.",
    "Bei der Preisverleihung war Acme dabei.",
]
_EN = [
    "The delivery was quick but the price is too high.",
    "Parcel never arrived and nobody answers.",
    "Great price, the delivery took ages though.",
    "Love it, fast delivery and fair price!",
]


def tiny_model_dir(folder: Path) -> Path:
    """The tiny test model saved as a model folder (what ``sentiment.model`` can name)."""
    from nlp.tiny_model import tiny_test_model

    tiny_test_model(save_to=folder)
    return folder


def watchlist_at(folder: Path, model: Path | str, *, address: str | None = None, **extra: Any) -> Watchlist:
    """The minimal watchlist with its archive in ``folder``, ``model`` (a folder, or
    "embedded"), one torch thread (worker processes share the test machine's cores) and
    optionally a cluster."""
    data = {**MINIMAL_WATCHLIST, "sentiment": {"model": str(model), "threads": 1}, **extra}
    if address:
        data["cluster"] = {"address": address}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_watchlist(path)


def local_cluster(workers: int = 2):
    """The one-machine cluster of ``monitor.cluster.client``, quiet (tests expect worker deaths)."""
    return client_local_cluster(workers, log_level=logging.CRITICAL)


def clear_result_caches(address: str) -> None:
    """Forget the in-process sentiment results here and on every worker.

    Why: the model runs in bf16, where a text's scores depend (in the third decimal) on the
    batch it was classified in, and each process answers a text it has seen from memory. A
    comparison of two runs must start both from the same (empty) memory."""
    from distributed import Client

    from nlp.sentiment import clear_cache

    clear_cache()
    with Client(address, set_as_default=False) as client:
        client.run(clear_cache)


def worker_pids(address: str) -> dict[str, int]:
    """Worker address -> pid of its process."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        return client.run(os.getpid)


def kill_worker(address: str, busy_with: str | None = None) -> int | None:
    """SIGKILL one worker process (the one running a task whose key starts with ``busy_with``,
    when given; None when no worker is running one right now, so the caller tries again at
    its next progress call); returns its pid. Its nanny starts a fresh worker, as systemd
    would."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        pids = client.run(os.getpid)
        target = next(iter(sorted(pids)))
        if busy_with:
            busy = [
                w
                for w, keys in client.processing().items()
                if any(str(k).startswith(busy_with) for k in keys)
            ]
            if not busy:
                return None
            target = busy[0]
    os.kill(pids[target], signal.SIGKILL)
    return pids[target]


def add_mentions(archive: Archive, n: int, *, seed: int = 3) -> None:
    """``n`` mentions in German and English, with repeats (cache hits) and star ratings."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lang = "de" if i % 3 else "en"
        text = rng.choice(_DE if lang == "de" else _EN)
        if i % 4:
            text += f" Bestellung {i}." if lang == "de" else f" Order {i}."
        rows.append(
            {
                "source": "test",
                "external_id": str(i),
                "text": text,
                "lang": lang if i % 2 else None,
                "rating": float(i % 5 + 1) if i % 5 == 0 else None,
                "published_at": NOW,
                "fetched_at": NOW,
                "brand": "Acme",
                "content_hash": f"h{i}",
            }
        )
    archive.add_mentions(rows)


def enrichment_snapshot(path: Path) -> dict[str, list[tuple]]:
    """What enrichment wrote, without the time it was written, in a stable order. The language
    confidence is rounded to 9 digits: the language detector's sums differ in the last bit
    from one process to another."""
    with Archive.open(path, readonly=True) as arc:
        q = arc.conn.execute
        return {
            "enrichments": q(
                "SELECT m.external_id, e.lang, round(e.lang_confidence, 9), e.sentiment, e.score, e.prob_negative, "
                "e.prob_neutral, e.prob_positive, e.mixed, e.text_hash, e.model_version, e.taxonomy_version "
                "FROM enrichments e JOIN mentions m ON m.id = e.mention_id ORDER BY m.external_id"
            ).fetchall(),
            "mention_topics": q(
                "SELECT m.external_id, t.topic, t.keyword, t.matched_text, t.sentence, t.sentiment, t.score, "
                "t.negated, t.taxonomy_version, t.model_version FROM mention_topics t "
                "JOIN mentions m ON m.id = t.mention_id ORDER BY 1, 2, 3, 4, 5"
            ).fetchall(),
            "sentiment_cache": q(
                "SELECT text_hash, model_version, sentiment, score, prob_negative, prob_neutral, "
                "prob_positive, mixed FROM sentiment_cache ORDER BY 1, 2"
            ).fetchall(),
        }


def assert_same_enrichment(
    ours: dict[str, list[tuple]], theirs: dict[str, list[tuple]], tol: float = 0.01
) -> None:
    """Two enrichment snapshots agree: the same rows, labels, languages, topics, clauses, hashes
    and version strings; scores and probabilities within ``tol``. Why not equal floats: in bf16
    a text's scores move in the third decimal with the batch it is classified in, between two
    local runs with different batch sizes just the same."""
    assert ours.keys() == theirs.keys()
    for table in ours:
        assert len(ours[table]) == len(theirs[table]), table
        for a, b in zip(ours[table], theirs[table]):
            for x, y in zip(a, b):
                if isinstance(x, float) and isinstance(y, float):
                    assert abs(x - y) <= tol, (table, a, b)
                else:
                    assert x == y, (table, a, b)


def mention_snapshot(path: Path) -> dict[str, list[tuple]]:
    """The crawled mentions (without fetch times) and the resume points."""
    with Archive.open(path, readonly=True) as arc:
        q = arc.conn.execute
        return {
            "mentions": q(
                "SELECT source, source_key, external_id, url, author, title, text, lang, rating, reach, "
                "published_at, brand, content_hash, raw_ref, duplicate_of IS NOT NULL FROM mentions "
                "ORDER BY source, external_id"
            ).fetchall(),
            "cursors": q(
                "SELECT brand, source_key, resume, newest_published_at FROM crawl_cursors ORDER BY 1, 2"
            ).fetchall(),
        }
