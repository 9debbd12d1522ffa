"""Enrichment through a real Dask cluster (two worker processes on 127.0.0.1): the same rows
as a local run, nothing lost or doubled when a worker is killed mid-run, clear errors."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from monitor.cluster.client import ClusterError  # noqa: E402
from monitor.cluster.enrich import enrich_on_cluster  # noqa: E402
from monitor.core.archive import Archive  # noqa: E402
from monitor.enrich.run import load_configured_model, run_enrich  # noqa: E402
from monitor.pipeline import steps  # noqa: E402
from tests.helpers.cluster import (  # noqa: E402
    add_mentions,
    assert_same_enrichment,
    clear_result_caches,
    enrichment_snapshot,
    kill_worker,
    local_cluster,
    tiny_model_dir,
    watchlist_at,
)

pytestmark = pytest.mark.slow

N = 400


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(workers=2) as c:
        yield c.scheduler_address


@pytest.fixture(autouse=True)
def fresh_results(cluster):
    clear_result_caches(cluster)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tiny_model_dir(tmp_path_factory.mktemp("tiny-model"))


def _filled(folder, model_dir, n=N, **kw):
    wl = watchlist_at(folder, model_dir, **kw)
    with Archive.open(wl.archive_path) as arc:
        add_mentions(arc, n)
    return wl


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, model_dir):
    """The reference: the same mentions enriched in this process."""
    from nlp.sentiment import clear_cache

    clear_cache()
    wl = _filled(tmp_path_factory.mktemp("local"), model_dir)
    with Archive.open(wl.archive_path) as arc:
        stats = run_enrich(wl, arc, model=load_configured_model(wl), batch_size=32)
    return wl, stats


def test_cluster_enrich_writes_what_a_local_run_writes(tmp_path, cluster, model_dir, local_run):
    local_wl, local_stats = local_run
    wl = _filled(tmp_path, model_dir)
    with Archive.open(wl.archive_path) as arc:
        stats = enrich_on_cluster(wl, arc, cluster, batch_size=32)
    assert stats.enriched == local_stats.enriched == N and stats.failed == 0
    assert stats.model_version == local_stats.model_version  # the same version string
    assert stats.batches == -(-N // 32)
    ours, theirs = enrichment_snapshot(wl.archive_path), enrichment_snapshot(local_wl.archive_path)
    assert len(ours["mention_topics"]) > N // 2  # the texts hit topics
    assert_same_enrichment(ours, theirs)

    # A second run finds nothing to do, exactly as locally.
    with Archive.open(wl.archive_path) as arc:
        again = enrich_on_cluster(wl, arc, cluster)
    assert (again.pending, again.enriched) == (0, 0)


def test_a_killed_worker_loses_and_doubles_nothing(tmp_path, cluster, model_dir, local_run):
    local_wl, _ = local_run
    wl = _filled(tmp_path, model_dir)
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if not killed:  # once a batch is written, while others are in flight on a worker
            pid = kill_worker(cluster, busy_with="analyse_on_worker")
            if pid is not None:
                killed.append(pid)

    with Archive.open(wl.archive_path) as arc:
        stats = enrich_on_cluster(wl, arc, cluster, batch_size=32, progress=progress)
        assert arc.conn.execute("SELECT count(*) FROM enrichments").fetchone()[0] == N
    assert killed and stats.enriched == N and stats.failed == 0
    assert_same_enrichment(enrichment_snapshot(wl.archive_path), enrichment_snapshot(local_wl.archive_path))


def test_a_taxonomy_change_reuses_cached_sentiment_on_the_workers(tmp_path, cluster, model_dir):
    wl = _filled(tmp_path / "cluster", model_dir, n=120)
    ref = _filled(tmp_path / "local", model_dir, n=120)
    price = wl.topics["price"].model_copy(update={"keywords": {"de": ["Preis", "teuer"], "en": ["price"]}})
    changed = {"topics": {**wl.topics, "price": price}}
    with Archive.open(wl.archive_path) as arc:
        enrich_on_cluster(wl, arc, cluster)
        second = enrich_on_cluster(wl.model_copy(update=changed), arc, cluster)
    with Archive.open(ref.archive_path) as arc:
        model = load_configured_model(ref)
        run_enrich(ref, arc, model=model)
        local_second = run_enrich(ref.model_copy(update=changed), arc, model=model)
    assert second.enriched == local_second.enriched == 120
    assert second.taxonomy_version == local_second.taxonomy_version != local_run_version(ref)
    # The model ran on no more texts than locally: the mention texts came from the cache.
    assert second.texts_classified == local_second.texts_classified
    assert second.cache_hits == local_second.cache_hits > 0
    assert_same_enrichment(enrichment_snapshot(wl.archive_path), enrichment_snapshot(ref.archive_path))


def local_run_version(wl) -> str:
    from monitor.enrich.run import watchlist_taxonomy

    return watchlist_taxonomy(wl).version


def test_the_enrich_step_goes_to_the_configured_cluster(tmp_path, cluster, model_dir):
    wl = _filled(tmp_path, model_dir, n=50, address=cluster)
    assert steps.cluster(wl) == cluster
    with Archive.open(wl.archive_path) as arc:
        step = steps.enrich(wl, arc, model=object())  # the workers' model is used, not this one
    assert step.stats.enriched == 50 and step.stats.model_version.startswith(model_dir.name)


def test_a_model_a_worker_cannot_load_is_a_clear_error(tmp_path, cluster, model_dir):
    wl = _filled(tmp_path, model_dir, n=5)
    wl = wl.model_copy(
        update={"sentiment": wl.sentiment.model_copy(update={"model": str(tmp_path / "missing")})}
    )
    with (
        Archive.open(wl.archive_path) as arc,
        pytest.raises(ClusterError, match="could not load the sentiment model"),
    ):
        enrich_on_cluster(wl, arc, cluster)


def test_no_scheduler_is_a_clear_error(tmp_path, model_dir):
    wl = _filled(tmp_path, model_dir, n=5)
    with (
        Archive.open(wl.archive_path) as arc,
        pytest.raises(ClusterError, match="cannot reach the Dask scheduler"),
    ):
        enrich_on_cluster(wl, arc, "tcp://127.0.0.1:9")
