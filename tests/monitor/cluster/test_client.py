"""The cluster settings and connection helpers: the address and its override, clear errors
when the extra, the scheduler or the address is wrong, the site a crawl is serialised on."""

from __future__ import annotations

import sys
import time

import pytest

from monitor.cluster import client as cluster_client
from monitor.cluster.client import CLUSTER_ENV, ClusterError, cluster_address, cluster_status, use_cluster
from monitor.core.config import ConfigError, parse_watchlist
from tests.helpers.watchlists import MINIMAL_WATCHLIST


@pytest.fixture(autouse=True)
def no_cluster_env(monkeypatch):
    monkeypatch.setenv(CLUSTER_ENV, "")  # restored after the test, whatever the code sets


def test_the_watchlist_names_the_scheduler_and_the_environment_overrides_it(monkeypatch):
    assert parse_watchlist(MINIMAL_WATCHLIST).cluster.address is None
    wl = parse_watchlist({**MINIMAL_WATCHLIST, "cluster": {"address": " tcp://10.0.0.5:8786 "}})
    assert cluster_address(wl) == "tcp://10.0.0.5:8786"
    monkeypatch.setenv(CLUSTER_ENV, "tcp://10.0.0.9:8786")
    assert cluster_address(wl) == "tcp://10.0.0.9:8786"
    assert cluster_address(parse_watchlist(MINIMAL_WATCHLIST)) == "tcp://10.0.0.9:8786"


def test_a_bad_address_names_the_field_and_the_form():
    with pytest.raises(ConfigError) as err:
        parse_watchlist({**MINIMAL_WATCHLIST, "cluster": {"address": "10.0.0.5:8786"}})
    assert "cluster.address" in str(err.value) and "tcp://HOST:8786" in str(err.value)
    with pytest.raises(ConfigError, match="cluster.workers: unknown key"):
        parse_watchlist({**MINIMAL_WATCHLIST, "cluster": {"workers": 3}})


def test_use_cluster_sets_the_override_and_refuses_a_bad_address():
    use_cluster(None)
    assert cluster_address(parse_watchlist(MINIMAL_WATCHLIST)) is None
    with pytest.raises(ClusterError, match="--cluster: .*tcp://HOST:8786"):
        use_cluster("localhost")
    use_cluster("tcp://127.0.0.1:8786")
    assert cluster_address(parse_watchlist(MINIMAL_WATCHLIST)) == "tcp://127.0.0.1:8786"


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ClusterError, match=r"pip install 'brandpulse\[cluster\]'"):
        cluster_client.open_client("tcp://127.0.0.1:8786")
    down = cluster_status("tcp://127.0.0.1:8786")
    assert down["reachable"] is False and "not installed" in down["error"]


def test_an_unreachable_scheduler_is_reported_not_raised():
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    down = cluster_status("tcp://127.0.0.1:9", timeout_s=1)
    assert (
        down["reachable"] is False and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in down["error"]
    )
    assert down["workers"] == [] and time.monotonic() - t0 < 10
    with pytest.raises(ClusterError, match="dask scheduler"):
        cluster_client.open_client("tcp://127.0.0.1:9", timeout_s=1)


def test_crawls_are_serialised_per_site():
    from monitor.cluster.crawl import site

    wl = parse_watchlist(
        {
            **MINIMAL_WATCHLIST,
            "brands": [
                {
                    "name": "Acme",
                    "sources": [
                        {"type": "appstore", "app_id": "1"},
                        {"type": "appstore", "app_id": "2", "base_url": "http://127.0.0.1:8080"},
                        {"type": "feed", "url": "https://alerts.example.com/feeds/1"},
                        {"type": "mastodon", "instance": "mastodon.social", "hashtag": "acme"},
                        {"type": "schemaorg", "urls": ["https://shop.example.org/p/1"]},
                        {"type": "reddit"},
                    ],
                }
            ],
        }
    )
    assert [site(s) for s in wl.brands[0].sources] == [
        "appstore",
        "127.0.0.1:8080",
        "alerts.example.com",
        "mastodon.social",
        "shop.example.org",
        "reddit",
    ]
