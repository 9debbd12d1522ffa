"""``--cluster`` on the commands and the cluster in ``brandpulse status``, against a real
two-worker cluster on 127.0.0.1."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed")

from monitor.cli.app import app  # noqa: E402
from monitor.cluster.client import CLUSTER_ENV  # noqa: E402
from monitor.core.archive import Archive  # noqa: E402
from tests.helpers.cluster import add_mentions, local_cluster, tiny_model_dir, watchlist_at  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(workers=2) as c:
        yield c.scheduler_address


@pytest.fixture(autouse=True)
def no_cluster_env(monkeypatch):
    monkeypatch.setenv(CLUSTER_ENV, "")  # --cluster sets it for the process: restored after each test


@pytest.fixture
def wl(tmp_path):
    wl = watchlist_at(tmp_path / "w", tiny_model_dir(tmp_path / "model"))
    with Archive.open(wl.archive_path) as arc:
        add_mentions(arc, 60)
    return wl


def run(wl, *args):
    return CliRunner().invoke(app, ["--config", str(wl.source_path), *args])


def test_enrich_with_cluster_runs_on_the_workers(wl, cluster):
    result = run(wl, "enrich", "--cluster", cluster, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["enriched"] == 60 and figures["model_version"].startswith("model+sha256:")
    with Archive.open(wl.archive_path) as arc:
        assert arc.count("enrichments") == 60


def test_status_shows_the_workers_and_the_tasks_in_flight(wl, cluster, monkeypatch):
    from distributed import Client, Event

    monkeypatch.setenv(CLUSTER_ENV, cluster)
    with Client(cluster, set_as_default=False) as client:
        release = Event("release-status-test", client=client)
        busy = client.submit(lambda name: Event(name).wait(30), "release-status-test", pure=False)
        try:
            client.wait_for_workers(2)
            while not any(client.processing().values()):
                threading.Event().wait(0.05)
            result = run(wl, "status", "--json")
            table = run(wl, "status")
        finally:
            release.set()
            busy.result()
    assert result.exit_code == 0, result.output
    c = json.loads(result.stdout)["cluster"]
    assert c["reachable"] and c["address"] == cluster
    assert len(c["workers"]) == 2 and c["threads"] == 2 and c["tasks_in_flight"] == 1
    assert f"Cluster: {cluster} — 2 worker(s), 2 thread(s), 1 task(s) in flight" in table.stdout


def test_status_says_when_the_cluster_is_down(wl, monkeypatch):
    monkeypatch.setenv(CLUSTER_ENV, "tcp://127.0.0.1:9")
    result = run(wl, "status", "--json")
    st = json.loads(result.stdout)
    assert st["cluster"]["reachable"] is False and st["healthy"] is False
    assert "unreachable" in run(wl, "status").stdout


def test_bad_or_unreachable_cluster_addresses_are_clear_errors(wl):
    bad = run(wl, "enrich", "--cluster", "localhost:8786")
    assert bad.exit_code == 2 and "tcp://HOST:8786" in bad.output
    down = run(wl, "crawl", "--cluster", "tcp://127.0.0.1:9")
    assert down.exit_code == 1 and "cannot reach the Dask scheduler" in down.output
    with Archive.open(wl.archive_path) as arc:
        assert arc.count("crawl_runs") == 0  # nothing started
