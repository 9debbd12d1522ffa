"""End to end on a real Dask cluster (two worker processes on 127.0.0.1): every spider crawled
through the cluster stores what a local crawl stores, a worker killed mid-crawl loses and
doubles nothing, and enrichment with the embedded model gives the local labels."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("distributed")

from crawler.launch import run_crawl  # noqa: E402
from crawler.localserver import FixtureServer  # noqa: E402
from monitor.cluster.enrich import enrich_on_cluster  # noqa: E402
from monitor.core.archive import Archive  # noqa: E402
from monitor.core.config import SOURCE_TYPES, load_watchlist  # noqa: E402
from monitor.enrich.run import load_configured_model, run_enrich  # noqa: E402
from monitor.pipeline import steps  # noqa: E402
from tests.helpers.cluster import (  # noqa: E402
    add_mentions,
    assert_same_enrichment,
    clear_result_caches,
    enrichment_snapshot,
    kill_worker,
    local_cluster,
    mention_snapshot,
    watchlist_at,
)
from tests.helpers.crawler import MASTODON_TOKEN, all_routes, e2e_watchlist  # noqa: E402

pytestmark = pytest.mark.slow

#: What the crawl processes need from the environment, on the archive node and the workers.
CRAWL_ENV = {
    "BRANDPULSE_BLUESKY_HANDLE": "tester.bsky.social",
    "BRANDPULSE_BLUESKY_APP_PASSWORD": "app-pass-word",
    "BRANDPULSE_MASTODON_TOKEN": MASTODON_TOKEN,
}
APPSTORE_PAGE_2 = "/us/rss/customerreviews/page=2/id=284815942/sortby=mostrecent/json"
COMPARED = ("status", "items_new", "items_irrelevant", "parse_errors", "http_errors", "layout_suspect")


@pytest.fixture(scope="module")
def cluster():
    """Workers started with the crawl credentials in their environment, as systemd would."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in CRAWL_ENV.items():
            mp.setenv(key, value)
        mp.delenv("BRANDPULSE_REDDIT_CLIENT_ID", raising=False)
        with local_cluster(workers=2) as c:
            yield c.scheduler_address


@pytest.fixture
def crawl_env(monkeypatch):
    for key, value in CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BRANDPULSE_REDDIT_CLIENT_ID", raising=False)


def _watchlist(folder: Path, url: str, address: str | None = None, **crawler):
    data = e2e_watchlist(url)
    data["crawler"] = {**data["crawler"], **crawler}
    if address:
        data["cluster"] = {"address": address}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_watchlist(path)


def test_every_spider_through_the_cluster_stores_what_a_local_crawl_stores(tmp_path, cluster, crawl_env):
    with FixtureServer(all_routes()) as server:
        local = _watchlist(tmp_path / "local", server.url)
        remote = _watchlist(tmp_path / "cluster", server.url, address=cluster)
        here = {o.source_type: o for o in run_crawl(local, timeout_s=120)}
        there = {o.source_type: o for o in steps.crawl(remote, timeout_s=120).outcomes}
        assert set(there) == set(SOURCE_TYPES)
        assert {t: o.status for t, o in there.items()} == {t: "ok" for t in SOURCE_TYPES}, {
            t: o.message for t, o in there.items()
        }
        for kind in SOURCE_TYPES:
            assert [getattr(there[kind], f) for f in COMPARED] == [
                getattr(here[kind], f) for f in COMPARED
            ], kind
        assert mention_snapshot(remote.archive_path) == mention_snapshot(local.archive_path)

        # Incremental: the second run through the cluster stores nothing new.
        again = steps.crawl(remote, timeout_s=120).outcomes
        assert {o.source_type: o.items_new for o in again} == {t: 0 for t in SOURCE_TYPES}
        assert mention_snapshot(remote.archive_path) == mention_snapshot(local.archive_path)
    with Archive.open(remote.archive_path) as arc:
        statuses = arc.conn.execute("SELECT DISTINCT status FROM crawl_runs").fetchall()
    assert statuses == [("ok",)]  # every run record closed
    assert _scheduler_state(cluster) == {"queues": [], "variables": []}  # nothing left behind


def _scheduler_state(address: str) -> dict:
    from distributed import Client

    def names(dask_scheduler):
        ext = dask_scheduler.extensions
        return {"queues": sorted(ext["queues"].queues), "variables": sorted(ext["variables"].variables)}

    with Client(address, set_as_default=False) as client:
        return client.run_on_scheduler(names)


def test_a_worker_killed_mid_crawl_loses_and_doubles_nothing(tmp_path, cluster, crawl_env):
    # Page 2 of the cluster's first attempt is held until the worker is dead, so page 1's rows
    # reach the archive first however slow the machine is (no race against a fixed sleep).
    armed, killed_event = threading.Event(), threading.Event()
    routes = all_routes()
    slow_page = routes[APPSTORE_PAGE_2]

    def held(hit):
        if armed.is_set():
            killed_event.wait(timeout=110)
        return slow_page

    routes[APPSTORE_PAGE_2] = held
    with FixtureServer(routes) as server:
        local = _watchlist(tmp_path / "local", server.url)
        remote = _watchlist(tmp_path / "cluster", server.url, address=cluster)
        (here,) = run_crawl(local, source_type="appstore", timeout_s=120)
        armed.set()
        killed: list[int] = []
        crawl_done = threading.Event()

        def kill_when_rows_arrive() -> None:
            deadline = time.monotonic() + 110
            while time.monotonic() < deadline and not killed and not crawl_done.is_set():
                if remote.archive_path.exists():
                    with Archive.open(remote.archive_path, readonly=True) as arc:
                        pid = (
                            kill_worker(cluster, busy_with="brandpulse-crawl")
                            if arc.count("mentions")
                            else None
                        )
                        if pid is not None:
                            killed.append(pid)
                            killed_event.set()
                time.sleep(0.1)

        killer = threading.Thread(target=kill_when_rows_arrive)
        killer.start()
        try:
            (there,) = steps.crawl(remote, source_type="appstore", timeout_s=120).outcomes
        finally:
            crawl_done.set()
            killed_event.set()
            killer.join()
        assert killed, "the crawl ended before any row arrived"
    assert there.status == "ok" and "retried on another worker" in there.message
    assert there.items_new == here.items_new == 49  # nothing lost ...
    assert there.items_seen > 0  # ... the retry fetched page 1 again ...
    assert mention_snapshot(remote.archive_path) == mention_snapshot(local.archive_path)  # ... stored once


def test_enrichment_with_the_embedded_model_gives_the_local_labels(tmp_path, cluster):
    local = watchlist_at(tmp_path / "local", "embedded")
    remote = watchlist_at(tmp_path / "cluster", "embedded")
    for wl in (local, remote):
        with Archive.open(wl.archive_path) as arc:
            add_mentions(arc, 80)
    clear_result_caches(cluster)
    with Archive.open(local.archive_path) as arc:
        here = run_enrich(local, arc, model=load_configured_model(local), batch_size=32)
    with Archive.open(remote.archive_path) as arc:
        there = enrich_on_cluster(remote, arc, cluster, batch_size=32)
    assert there.model_version == here.model_version and there.model_version.startswith("bp-sentiment-")
    assert there.enriched == here.enriched == 80
    ours = enrichment_snapshot(remote.archive_path)
    assert {r[3] for r in ours["enrichments"]} >= {"negative", "positive"}  # a real model's labels
    assert_same_enrichment(ours, enrichment_snapshot(local.archive_path))
