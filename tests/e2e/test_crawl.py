"""End to end: the real Scrapy engine, in subprocesses, against saved responses on 127.0.0.1.

Covers every spider through pagination, a 429 with Retry-After, robots.txt, a malformed page
(one counted error, no other item lost), the brand filter, a second incremental run that
stores nothing new, and the layout-change flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crawler.launch import run_crawl, source_health
from crawler.localserver import FixtureServer, Route
from monitor.core.archive import Archive
from monitor.core.config import SOURCE_TYPES, load_watchlist
from tests.helpers.crawler import (
    MASTODON_TOKEN,
    RETRY_AFTER_S,
    STOREFRONT_APP,
    all_routes,
    e2e_watchlist,
    storefront_routes,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def server():
    with FixtureServer(all_routes()) as srv:
        yield srv


@pytest.fixture
def e2e_wl(tmp_path: Path, server: FixtureServer, monkeypatch):
    monkeypatch.setenv("BRANDPULSE_BLUESKY_HANDLE", "tester.bsky.social")
    monkeypatch.setenv("BRANDPULSE_BLUESKY_APP_PASSWORD", "app-pass-word")
    monkeypatch.setenv("BRANDPULSE_MASTODON_TOKEN", MASTODON_TOKEN)
    monkeypatch.delenv("BRANDPULSE_REDDIT_CLIENT_ID", raising=False)
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(e2e_watchlist(server.url)), encoding="utf-8")
    return load_watchlist(path)


def by_type(outcomes):
    return {o.source_type: o for o in outcomes}


def test_every_spider_end_to_end(e2e_wl, server):
    first = by_type(run_crawl(e2e_wl, timeout_s=120))
    assert set(first) == set(SOURCE_TYPES)
    problems = {t: (o.status, o.message) for t, o in first.items() if o.status != "ok"}
    assert not problems, problems

    # Pagination with real payloads: every page's items arrived.
    assert first["appstore"].items_new == 49  # 50 reviews, one broken ...
    assert first["appstore"].parse_errors == 1  # ... costs exactly one counted error
    assert first["google_play"].items_new == 40
    assert first["trustpilot"].items_new == 5
    assert first["reddit"].items_new + first["reddit"].items_irrelevant == 6
    assert first["reddit"].items_new == 5  # the Japanese post hits the exclude term
    assert first["hackernews"].items_new + first["hackernews"].items_irrelevant == 40
    assert first["hackernews"].items_new > 0
    assert first["bluesky"].items_new == 23
    assert first["mastodon"].items_new == 2  # "#hoot" and "Toot, finally!"; 7 others irrelevant
    assert first["mastodon"].items_irrelevant == 7
    # Brand filter: the Looney Tunes alert is excluded.
    assert (first["feed"].items_new, first["feed"].items_irrelevant) == (2, 1)
    # The malformed page costs one error; the other three pages' five reviews are kept.
    assert (first["schemaorg"].items_new, first["schemaorg"].parse_errors) == (5, 1)
    assert "paketbox-s" in first["schemaorg"].message
    assert server.hits("/private/reviews") == []  # robots.txt obeyed for HTML pages ...
    assert "private/reviews: not fetched (Forbidden by robots.txt)" in first["schemaorg"].message
    # ... fetched once per HTML-page run (trustpilot, schemaorg, feed), never for API endpoints
    assert len(server.hits("/robots.txt")) == 3
    assert all(o.http_errors == 0 for o in first.values())
    assert server.hits("/api/v2/search")  # Mastodon status search ran with the token

    # 429 with Retry-After: retried once, after waiting.
    hits = server.hits("/us/rss/customerreviews/page=1/id=284815942/sortby=mostrecent/json")
    assert len(hits) == 2 and hits[1].at - hits[0].at >= RETRY_AFTER_S * 0.9
    assert "https://example.org/brandpulse-test" in hits[0].headers["User-Agent"]

    with Archive.open(e2e_wl.archive_path) as arc:
        stored = arc.count("mentions")
        assert stored == sum(o.items_new for o in first.values())
        row = arc.db.execute(
            "SELECT source_key, brand, rating, published_at FROM mentions WHERE source='trustpilot' "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
        assert row[1] == "Acme" and row[2] == 1.0 and row[3] == "2026-11-20T18:04:11Z"
        assert row[0] == "trustpilot:domain=acme-versand.de"

    # Second run: incremental, nothing new is stored and paging stops at known items.
    requests_before = len(server.requests)
    second = by_type(run_crawl(e2e_wl, timeout_s=120))
    assert {t: o.items_new for t, o in second.items()} == {t: 0 for t in SOURCE_TYPES}
    assert all(o.status == "ok" for o in second.values()), {t: o.message for t, o in second.items()}
    with Archive.open(e2e_wl.archive_path) as arc:
        assert arc.count("mentions") == stored
    second_paths = [h.path for h in server.requests[requests_before:]]
    assert "/us/rss/customerreviews/page=2/id=284815942/sortby=mostrecent/json" not in second_paths
    assert not any(
        h.query.get("page") == "2" for h in server.requests[requests_before:] if h.path.startswith("/review/")
    )

    # A source that yielded items and now parses none is flagged (layout changed).
    server.routes["/us/rss/customerreviews/page=1/id=284815942/sortby=mostrecent/json"] = Route(
        body="<html><body>We moved!</body></html>", content_type="text/html"
    )
    (third,) = run_crawl(e2e_wl, source_type="appstore", timeout_s=120)
    assert third.layout_suspect and third.parse_errors == 1 and "layout" in third.message

    with Archive.open(e2e_wl.archive_path) as arc:
        health = {h["source_type"]: h for h in source_health(arc)}
    assert health["appstore"]["layout_suspect"] is True
    assert health["appstore"]["items_total"] == 49
    assert health["trustpilot"]["status"] == "ok" and not health["trustpilot"]["layout_suspect"]


def test_reddit_with_oauth_credentials(e2e_wl, server, monkeypatch):
    monkeypatch.setenv("BRANDPULSE_REDDIT_CLIENT_ID", "client-id")
    monkeypatch.setenv("BRANDPULSE_REDDIT_CLIENT_SECRET", "client-secret")
    (outcome,) = run_crawl(e2e_wl, source_type="reddit", timeout_s=120)
    assert (outcome.status, outcome.items_new, outcome.http_errors) == ("ok", 5, 0), outcome.message
    assert len(server.hits("/api/v1/access_token")) == 1
    assert [h.query.get("after") for h in server.hits("/search")] == [None, "t3_page2"]
    assert server.hits("/search.json") == []  # the public endpoint is not used with OAuth


def test_hanging_source_is_killed_and_recorded(tmp_path: Path, monkeypatch):
    import threading

    release = threading.Event()

    def hang(hit):
        release.wait(30)
        return Route(body="{}")

    with FixtureServer({"/api/v1/search_by_date": hang}) as srv:
        data = {
            "archive": "a.db",
            "crawler": {"download_delay": 0},
            "brands": [{"name": "Apple", "sources": [{"type": "hackernews", "base_url": srv.url}]}],
        }
        path = tmp_path / "w.yaml"
        path.write_text(yaml.safe_dump(data))
        try:
            (outcome,) = run_crawl(load_watchlist(path), timeout_s=6)
        finally:
            release.set()
    assert outcome.status == "timeout" and outcome.failed
    assert "stopped at the 6s limit" in outcome.message  # by itself, before the launcher's kill
    with Archive.open(tmp_path / "a.db") as arc:
        assert arc.db["crawl_runs"].get(outcome.run_id)["status"] == "timeout"


def test_server_errors_fail_the_run_and_the_command(tmp_path: Path):
    from typer.testing import CliRunner

    from monitor.cli.app import app

    down = [Route(status=503, body="maintenance", headers={"Retry-After": "0"})]
    with FixtureServer({"/api/v1/search_by_date": down}) as srv:
        data = {
            "archive": "a.db",
            "crawler": {"download_delay": 0},
            "brands": [{"name": "Apple", "sources": [{"type": "hackernews", "base_url": srv.url}]}],
        }
        path = tmp_path / "w.yaml"
        path.write_text(yaml.safe_dump(data))
        result = CliRunner().invoke(app, ["--config", str(path), "crawl", "--timeout", "60"])
        attempts = len(srv.hits("/api/v1/search_by_date"))
    assert result.exit_code == 1, result.output
    assert "1 source failed: Apple/hackernews:" in result.output
    assert attempts == 4  # the first try and 3 retries
    with Archive.open(tmp_path / "a.db") as arc:
        (health,) = source_health(arc)
    assert health["status"] == "failed" and health["http_errors"] == 1
    assert "HTTP 503" in health["message"] and not health["layout_suspect"]


def feed_page(hit) -> str:
    """``/de/rss/customerreviews/page=2/id=…/sortby=mostrecent/json`` -> ``de 2 json``."""
    country, _, _, page, *_, fmt = hit.path.strip("/").split("/")
    return f"{country} {page.removeprefix('page=')} {fmt}"


def test_several_app_store_storefronts(tmp_path: Path):
    """countries: [de, at, ch] through the real engine: each storefront pages on its own and
    keeps its own resume point, a review two storefronts show is stored once, and ch, whose
    JSON has no dates, is read as XML without the others switching."""
    with FixtureServer(storefront_routes()) as srv:
        data = {
            "archive": "a.db",
            "crawler": {"download_delay": 0},
            "brands": [
                {
                    "name": "Acme",
                    "sources": [
                        {
                            "type": "appstore",
                            "app_id": STOREFRONT_APP,
                            "countries": ["de", "at", "ch"],
                            "base_url": srv.url,
                        }
                    ],
                }
            ],
        }
        path = tmp_path / "w.yaml"
        path.write_text(yaml.safe_dump(data))
        wl = load_watchlist(path)
        (first,) = run_crawl(wl, timeout_s=120)
        assert (first.status, first.parse_errors, first.http_errors) == ("ok", 0, 0), first.message
        assert first.items_new == 100  # de 0-39, at 40-49 (30-39 are de's too), ch's 50 XML reviews
        assert "storefront ch: JSON entries carry no dates" in first.message
        assert sorted(map(feed_page, srv.requests)) == sorted(
            [
                "de 1 json",
                "de 2 json",
                "de 3 json",
                "at 1 json",
                "at 2 json",
                "ch 1 json",
                "ch 1 xml",
                "ch 2 xml",
            ]
        )

        with Archive.open(wl.archive_path) as arc:
            per_storefront = dict(
                arc.conn.execute("SELECT storefront, count(*) FROM mentions GROUP BY storefront")
            )
            twice = [
                e
                for (e,) in arc.conn.execute(
                    "SELECT external_id FROM mentions GROUP BY external_id HAVING count(*) > 1"
                )
            ]
            (resume_json,) = arc.conn.execute("SELECT resume FROM crawl_cursors").fetchone()
            (key,) = arc.conn.execute("SELECT DISTINCT source_key FROM mentions").fetchone()
        assert twice == [] and sum(per_storefront.values()) == 100
        assert per_storefront["ch"] == 50 and per_storefront["de"] + per_storefront["at"] == 50
        assert per_storefront["de"] >= 30 and per_storefront["at"] >= 10  # the shared ten: whoever came first
        assert key == f"appstore:app_id={STOREFRONT_APP},countries=at+ch+de"
        streams = json.loads(resume_json)
        assert {"de", "at", "ch"} <= set(streams)
        assert all(streams[c]["gaps"] == [] and streams[c]["newest"] for c in ("de", "at", "ch"))

        # The next run only catches up: one page per storefront, nothing new.
        before = len(srv.requests)
        (second,) = run_crawl(wl, timeout_s=120)
        again = sorted(map(feed_page, srv.requests[before:]))
    assert (second.status, second.items_new) == ("ok", 0), second.message
    assert again == sorted(["de 1 json", "at 1 json", "ch 1 json", "ch 1 xml"])
