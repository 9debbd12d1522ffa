"""End to end: what Scrapy drops silently is a counted error here, and a slow host costs a
source nothing it already parsed. The real engine against saved pages on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml

from crawler.launch import run_crawl
from crawler.localserver import FixtureServer, Route
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from tests.helpers import paths

pytestmark = pytest.mark.slow

PAGES = paths.FIXTURES / "crawler" / "schemaorg"
GOOD = {
    "/a/reviews": Route(file=PAGES / "provenexpert_jsonld.html"),
    "/b/reviews": Route(file=PAGES / "shop_microdata.html"),
    "/c/reviews": Route(file=PAGES / "blog_rdfa.html"),
}


def redirect(to: str) -> Route:
    return Route(status=302, headers={"Location": to}, body="moved", content_type="text/plain")


def schemaorg_watchlist(tmp_path: Path, name: str, server: FixtureServer, urls: list[str]):
    data = {
        "archive": f"{name}.db",
        "crawler": {"download_delay": 0},
        "brands": [
            {
                "name": "Acme",
                "sources": [
                    {
                        "type": "schemaorg",
                        "base_url": server.url,
                        "urls": [f"https://shop.example{u}" for u in urls],
                    }
                ],
            }
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_watchlist(path)


def test_redirect_loops_are_counted_errors(tmp_path):
    routes = {
        **GOOD,
        "/loop/one": redirect("/loop/two"),  # one -> two -> one: Scrapy's dupefilter drops it
        "/loop/two": redirect("/loop/one"),
        "/self": redirect("/self"),
        "/api/v1/search_by_date": redirect("/api/v1/search_by_date?again=1"),
    }
    routes["/api/v1/search_by_date?again=1"] = redirect("/api/v1/search_by_date")
    with FixtureServer(routes) as server:
        wl = schemaorg_watchlist(tmp_path, "loops", server, ["/a/reviews", "/loop/one", "/self"])
        (outcome,) = run_crawl(wl, timeout_s=60)
        # A paging source's first page is fetched even if seen before (dont_filter), so its
        # loop runs into REDIRECT_MAX_TIMES instead.
        hn = {
            "archive": "hn.db",
            "crawler": {"download_delay": 0},
            "brands": [{"name": "Apple", "sources": [{"type": "hackernews", "base_url": server.url}]}],
        }
        path = tmp_path / "hn.yaml"
        path.write_text(yaml.safe_dump(hn), encoding="utf-8")
        (paged,) = run_crawl(load_watchlist(path), timeout_s=60)
    assert outcome.status == "ok" and outcome.items_new > 0  # the good page still counts
    assert outcome.http_errors == 2, outcome.message
    assert outcome.message.count("request dropped as a duplicate") == 2
    assert "https://shop.example/loop/one" in outcome.message or "/loop/one" in outcome.message
    assert paged.status == "failed" and paged.http_errors == 1
    assert "not fetched: max redirections reached" in paged.message


def test_a_redirect_to_another_site_is_a_counted_error_and_a_move_within_the_site_is_followed(tmp_path):
    with FixtureServer(GOOD) as server:
        port = server.url.rsplit(":", 1)[1]
        # "localhost" is another site than "127.0.0.1" (and, were it followed, still this machine).
        server.routes["/gone/reviews"] = redirect(f"http://localhost:{port}/b/reviews")
        server.routes["/moved/reviews"] = redirect(f"{server.url}/c/reviews")
        wl = schemaorg_watchlist(
            tmp_path, "offsite", server, ["/a/reviews", "/gone/reviews", "/moved/reviews"]
        )
        (outcome,) = run_crawl(wl, timeout_s=60)
        (reference,) = run_crawl(schemaorg_watchlist(tmp_path, "ref", server, ["/a/reviews", "/c/reviews"]))
        asked = {hit.target for hit in server.requests}
    assert outcome.status == "ok" and outcome.items_new == reference.items_new > 0  # the move was followed
    assert outcome.http_errors == 1, outcome.message
    assert "not fetched: redirected to another site (localhost, asked 127.0.0.1)" in outcome.message
    assert "/b/reviews" not in asked  # refused before any request left


def test_one_slow_url_costs_the_source_nothing_else(tmp_path):
    """A slow-loris page among good ones: the run ends at its timeout, in time, with every
    good page's reviews stored (they used to wait in the pipeline's batch and die with it)."""
    release = threading.Event()

    def slow_loris(hit):
        release.wait(60)
        return Route(body="<html></html>", content_type="text/html")

    urls = ["/a/reviews", "/slow/reviews", "/b/reviews", "/c/reviews"]
    with FixtureServer({**GOOD, "/slow/reviews": slow_loris}) as server:
        clean = schemaorg_watchlist(tmp_path, "clean", server, [u for u in urls if "slow" not in u])
        (reference,) = run_crawl(clean, timeout_s=60)
        wl = schemaorg_watchlist(tmp_path, "slow", server, urls)
        started = time.monotonic()
        try:
            (outcome,) = run_crawl(wl, timeout_s=6)
        finally:
            took = time.monotonic() - started
            release.set()
    assert reference.status == "ok" and reference.items_new > 0
    assert outcome.status == "timeout" and "stopped at the 6s limit" in outcome.message
    assert outcome.items_new == reference.items_new  # nothing parsed was lost
    assert took < 6 + 3, took  # and it stopped within its timeout (it used to overrun by ~5 s)
    with Archive.open(wl.archive_path) as arc:
        assert arc.count("mentions") == reference.items_new
