"""Fast tests of the crawler's moving parts: the fixture server, back-off, paging decisions,
the brand filter, health flags, orchestration without subprocesses, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
import yaml
from typer.testing import CliRunner

from crawler.context import CrawlContext, ParsedPage
from crawler.localserver import FixtureServer, Route
from crawler.middlewares import RetryAfterMiddleware, retry_after_seconds
from crawler.resume import MAIN, Walk
from crawler.settings import for_watchlist
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist

# --------------------------------------------------------------------------- FixtureServer


def test_fixture_server_routes(tmp_path):
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "page.html").write_text("<p>hi</p>")
    (tmp_path / "secret.txt").write_text("no")
    routes = {
        "/api?b=2&a=1": Route(body='{"ok": 1}', content_type="application/json"),
        "/seq": [Route.too_many(7), Route(body="second")],
        "/echo": lambda hit: Route(body=hit.query.get("q", "") + hit.method),
    }
    with FixtureServer(routes, directory=tmp_path / "snap") as srv:
        assert urlopen(srv.url + "/api?a=1&b=2").read() == b'{"ok": 1}'  # parameter order ignored
        with pytest.raises(HTTPError) as exc:
            urlopen(srv.url + "/seq")
        assert exc.value.code == 429 and exc.value.headers["Retry-After"] == "7"
        assert urlopen(srv.url + "/seq").read() == b"second"
        assert urlopen(srv.url + "/seq").read() == b"second"  # the last entry repeats
        assert urlopen(Request(srv.url + "/echo?q=x", data=b"body")).read() == b"xPOST"
        assert urlopen(srv.url + "/page.html").read() == b"<p>hi</p>"
        for path in ("/../secret.txt", "/missing", "/robots.txt"):
            with pytest.raises(HTTPError) as exc:
                urlopen(srv.url + path)
            assert exc.value.code == 404
        srv.routes["/late?z=1&y=2"] = Route(body="late")  # keys added later are normalised too
        assert urlopen(srv.url + "/late?y=2&z=1").read() == b"late"
        assert srv.hits("/echo")[0].body == b"body"
        assert srv.url.startswith("http://127.0.0.1:")


def test_malformed_route_is_not_json():
    with pytest.raises(ValueError):
        json.loads(Route.malformed().payload())


# --------------------------------------------------------------------------- back-off


def test_retry_after_parsing():
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def _middleware(**settings):
    from scrapy.settings import Settings

    from crawler import settings as base

    values = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    return RetryAfterMiddleware(Settings({**values, **settings}))


def test_retry_delay_honours_header_then_backs_off():
    mw = _middleware(RETRY_AFTER_MAX=60, RETRY_BACKOFF_BASE=2)
    req = SimpleNamespace(meta={"retry_times": 2})
    assert mw.delay_for(req, SimpleNamespace(headers={b"Retry-After": b"5"})) == 5
    assert mw.delay_for(req, SimpleNamespace(headers={})) == 8  # 2 * 2**2
    assert mw.delay_for(req, SimpleNamespace(headers={b"Retry-After": b"3600"})) is None  # too long


def test_settings_from_watchlist(watchlist):
    s = for_watchlist(watchlist.crawler)
    assert watchlist.crawler.contact_url in s["USER_AGENT"] and s["USER_AGENT"].startswith("brandpulse/")
    assert s["ROBOTSTXT_OBEY"] is True and s["AUTOTHROTTLE_ENABLED"] is True
    assert s["DOWNLOADER_MIDDLEWARES"]["crawler.middlewares.RetryAfterMiddleware"]


# --------------------------------------------------------------------------- paging and health


def _wl(tmp_path, sources, **extra):
    data = {
        "archive": "a.db",
        "crawler": {"backfill_limit": 3},
        "brands": [
            {"name": "Acme", "aliases": ["Acme Versand"], "exclude": ["Acme Corp Looney"], "sources": sources}
        ],
        **extra,
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_watchlist(path)


def _item(i: int, text: str = "Acme Versand war schnell", day: int = 20) -> dict:
    return {
        "external_id": f"id{i}",
        "text": text,
        "published_at": f"2026-11-{day:02d}T10:00:{i:02d}Z",
        "author": f"a{i}",
    }


def test_first_run_backfill_limit_and_parse_errors(tmp_path):
    wl = _wl(tmp_path, [{"type": "hackernews"}])
    with Archive.open(wl.archive_path) as arc:
        ctx = CrawlContext(wl, wl.brands[0], wl.brands[0].sources[0], arc)
        assert ctx.first_run and ctx.limit == 3
        page = ParsedPage(
            items=[_item(1), {"external_id": "x", "text": ""}, _item(2), _item(3), _item(4)],
            errors=["hit 9: KeyError"],
            next=1,
        )
        rows, more = ctx.accept(page, "http://h/1")
        assert [r["external_id"] for r in rows] == ["id1", "id2", "id3"]  # limit 3
        assert not more  # the back-fill limit ends paging
        assert ctx.counters.parse_errors == 2  # the page's own error + the empty text
        assert "http://h/1" in ctx.counters.messages[1]


def test_incremental_paging_stops_at_known_items(tmp_path):
    wl = _wl(tmp_path, [{"type": "hackernews"}])
    brand, source = wl.brands[0], wl.brands[0].sources[0]
    with Archive.open(wl.archive_path) as arc:
        first = CrawlContext(wl, brand, source, arc)
        rows, _ = first.accept(ParsedPage(items=[_item(1), _item(2)]), "u", first.next_walk())
        first.store(rows)  # stored, so the resume point moves
        again = CrawlContext(wl, brand, source, arc)
        assert not again.first_run and again.limit is None
        assert again.since == datetime(2026, 11, 20, 10, 0, 2, tzinfo=UTC)

        def catch_up():  # a fresh catch-up walk down to the newest stored item
            return Walk(MAIN, None, until=again.state.stream().newest, limit=None, catchup=True)

        _, more = again.accept(ParsedPage(items=[_item(1), _item(2)], next=1), "u", catch_up())
        assert not more  # everything known: stop
        _, more = again.accept(ParsedPage(items=[_item(3, day=21), _item(1)], next=2), "u", catch_up())
        assert more  # something new on the page: look at the next one
        # unknown but older than the newest item seen last time (e.g. an off-brand post): stop
        _, more = again.accept(ParsedPage(items=[_item(7, day=19)], next=3), "u", catch_up())
        assert not more


def test_brand_filter_counts_off_brand_items(tmp_path):
    wl = _wl(tmp_path, [{"type": "reddit"}, {"type": "appstore", "app_id": "1"}])
    brand = wl.brands[0]
    with Archive.open(wl.archive_path) as arc:
        social = CrawlContext(wl, brand, brand.sources[0], arc)
        page = ParsedPage(
            items=[
                _item(1, "Acme Corp Looney Tunes Marathon"),
                _item(2, "Nichts zu sehen"),
                _item(3, "Paket von Acme Versand kam nie"),
            ]
        )
        rows, _ = social.accept(page, "u")
        assert [r["external_id"] for r in rows] == ["id3"] and social.counters.items_irrelevant == 2
        assert social.search_terms() == 'Acme OR "Acme Versand"'
        reviews = CrawlContext(wl, brand, brand.sources[1], arc)  # app reviews need not name the brand
        rows, _ = reviews.accept(ParsedPage(items=[_item(4, "Die App stürzt ständig ab")]), "u")
        assert len(rows) == 1 and reviews.matcher is None


def test_layout_suspect_only_after_a_source_yielded(tmp_path):
    wl = _wl(tmp_path, [{"type": "appstore", "app_id": "1"}])
    brand, source = wl.brands[0], wl.brands[0].sources[0]
    with Archive.open(wl.archive_path) as arc:
        ctx = CrawlContext(wl, brand, source, arc)
        ctx.accept(ParsedPage(items=[]), "u")
        assert ctx.summary()["layout_suspect"] == 0  # never yielded anything: nothing to compare
        arc.finish_run(
            "crawl_runs",
            arc.start_run("crawl_runs", spider="appstore", source_key=source.key, brand="Acme"),
            status="ok",
            items_new=4,
        )
        ctx = CrawlContext(wl, brand, source, arc)
        ctx.unreadable("http://x/1", "JSONDecodeError")
        summary = ctx.summary()
        assert summary["layout_suspect"] == 1 and summary["parse_errors"] == 1
        assert "layout" in summary["message"] and "http://x/1" in summary["message"]
        failed = CrawlContext(wl, brand, source, arc)
        failed.http_error("http://x/1", "HTTP 503")  # an outage is not a layout change
        assert failed.summary()["layout_suspect"] == 0
        quiet = CrawlContext(wl, brand, source, arc)
        quiet.empty_is_normal = True  # a date-filtered search with nothing new
        quiet.accept(ParsedPage(items=[]), "u")
        assert quiet.summary()["layout_suspect"] == 0
        quiet.unreadable("u", "HTML instead of JSON")  # ... but garbage still is suspect
        assert quiet.summary()["layout_suspect"] == 1


# --------------------------------------------------------------------------- spiders' requests


def test_spider_requests_follow_config(tmp_path, monkeypatch):
    from crawler.spiders.hackernews import HackerNewsSpider
    from crawler.spiders.mastodon import MastodonSpider
    from crawler.spiders.trustpilot import TrustpilotSpider

    monkeypatch.delenv("BRANDPULSE_MASTODON_TOKEN", raising=False)
    wl = _wl(
        tmp_path,
        [
            {"type": "hackernews"},
            {"type": "mastodon", "instance": "chaos.social", "hashtag": "acme", "query": "acme"},
            {"type": "trustpilot", "domain": "acme.de", "language": "de"},
        ],
    )
    brand = wl.brands[0]
    with Archive.open(wl.archive_path) as arc:
        arc.set_cursor("Acme", brand.sources[0].key, None, "2026-11-20T10:00:00Z")
        hn = HackerNewsSpider(ctx=CrawlContext(wl, brand, brand.sources[0], arc))
        (req,) = list(hn.first_requests())
        assert "numericFilters=created_at_i%3E1795168800" in req.url and "query=Acme" in req.url
        assert req.meta["dont_obey_robotstxt"] is True  # API endpoint
        masto = MastodonSpider(ctx=CrawlContext(wl, brand, brand.sources[1], arc))
        reqs = list(masto.first_requests())
        assert [r.url for r in reqs] == ["https://chaos.social/api/v1/timelines/tag/acme?limit=40"]
        assert "BRANDPULSE_MASTODON_TOKEN" in masto.ctx.counters.notes[0]  # search needs a token
        tp = TrustpilotSpider(ctx=CrawlContext(wl, brand, brand.sources[2], arc))
        (req,) = list(tp.first_requests())
        assert req.url == "https://www.trustpilot.com/review/acme.de?sort=recency&languages=de"
        assert "dont_obey_robotstxt" not in req.meta  # an HTML page: robots.txt applies


# --------------------------------------------------------------------------- orchestration and CLI


def test_bluesky_without_login_is_skipped_with_a_reason(tmp_path, monkeypatch):
    from crawler.launch import run_crawl, source_health

    monkeypatch.delenv("BRANDPULSE_BLUESKY_HANDLE", raising=False)
    monkeypatch.delenv("BRANDPULSE_BLUESKY_APP_PASSWORD", raising=False)
    wl = _wl(tmp_path, [{"type": "bluesky"}])
    (outcome,) = run_crawl(wl)
    assert outcome.status == "skipped" and not outcome.failed
    assert "BRANDPULSE_BLUESKY_APP_PASSWORD" in outcome.message
    with Archive.open(wl.archive_path) as arc:
        (h,) = source_health(arc)
    assert h["status"] == "skipped" and h["source_type"] == "bluesky" and h["last_run"]


def test_selected_sources_rejects_unknown_names(tmp_path):
    from crawler.launch import selected_sources

    wl = _wl(tmp_path, [{"type": "bluesky"}, {"type": "reddit", "enabled": False}])
    assert [s.type for _, s in selected_sources(wl)] == ["bluesky"]  # disabled sources stay out
    with pytest.raises(ValueError, match="unknown source type"):
        selected_sources(wl, source_type="twitter")
    with pytest.raises(KeyError):
        selected_sources(wl, brand="Nope")


def test_crawl_command(tmp_path, monkeypatch):
    from monitor.cli.app import app

    monkeypatch.delenv("BRANDPULSE_BLUESKY_HANDLE", raising=False)
    wl = _wl(tmp_path, [{"type": "bluesky"}])
    runner = CliRunner()
    ok = runner.invoke(app, ["--config", str(wl.source_path), "crawl", "--source", "bluesky"])
    assert ok.exit_code == 0, ok.output
    assert "skipped" in ok.output
    bad = runner.invoke(app, ["--config", str(wl.source_path), "crawl", "--source", "twitter"])
    assert bad.exit_code == 2 and "unknown source type" in bad.output
    none = runner.invoke(app, ["--config", str(wl.source_path), "crawl", "--source", "reddit"])
    assert none.exit_code == 2 and "no enabled source" in none.output
    js = runner.invoke(app, ["--config", str(wl.source_path), "crawl", "--json"])
    assert js.exit_code == 0 and json.loads(js.stdout)[0]["status"] == "skipped"


def test_crawler_run_rejects_unknown_source_key(tmp_path, capsys):
    from crawler.run import main

    wl = _wl(tmp_path, [{"type": "hackernews"}])
    assert main(["--config", str(wl.source_path), "--brand", "Acme", "--source-key", "reddit:x"]) == 2
    err = capsys.readouterr().err
    assert "no source 'reddit:x'" in err and "hackernews:" in err


def test_stale_running_rows_are_closed(tmp_path):
    """Dead or alive is the source lock's call, not the row's age (crawler.recovery)."""
    from crawler.launch import mark_stale_runs
    from crawler.locks import SourceLock

    wl = _wl(tmp_path, [{"type": "hackernews"}])
    with Archive.open(wl.archive_path) as arc:
        dead = arc.start_run("crawl_runs", spider="hackernews", brand="Acme", source_key="k")
        live = arc.start_run("crawl_runs", spider="hackernews", brand="Acme", source_key="live")
        with SourceLock(arc.path, "Acme", "live") as lock:
            assert lock.acquire()
            assert mark_stale_runs(arc) == 1
        assert arc.db["crawl_runs"].get(dead)["status"] == "killed"
        assert arc.db["crawl_runs"].get(live)["status"] == "running"


def test_authors_are_pseudonymised_before_storing(tmp_path, monkeypatch):
    from crawler.run import run_source
    from monitor.core.pseudonyms import MissingKey

    wl = _wl(
        tmp_path,
        [{"type": "appstore", "app_id": "1"}],
        privacy={"pseudonymise_authors": True, "key_env": "BP_TEST_KEY"},
    )
    brand, source = wl.brands[0], wl.brands[0].sources[0]
    monkeypatch.delenv("BP_TEST_KEY", raising=False)
    with Archive.open(wl.archive_path) as arc:
        with pytest.raises(MissingKey):
            CrawlContext(wl, brand, source, arc)
        result = run_source(wl, brand, source, arc)  # the run is recorded as failed, with the reason
        assert result["status"] == "failed" and "BP_TEST_KEY" in result["message"]
        monkeypatch.setenv("BP_TEST_KEY", "k" * 32)
        rows, _ = CrawlContext(wl, brand, source, arc).accept(ParsedPage(items=[_item(1)]), "u")
        assert rows[0]["author"].startswith("anon-") and "a1" not in rows[0]["author"]


def test_html_pages_are_decoded_with_their_charset(tmp_path):
    from scrapy.http import HtmlResponse

    from crawler.spiders.schemaorg import SchemaOrgSpider

    wl = _wl(tmp_path, [{"type": "schemaorg", "urls": ["https://shop.example.de/p/1"]}])
    brand = wl.brands[0]
    page = (
        '<html lang="de"><head><meta charset="iso-8859-1"><script type="application/ld+json">'
        '{"@context": "https://schema.org", "@type": "Review", "reviewBody": "Größe passt, Lieferung pünktlich",'
        ' "datePublished": "2026-11-20", "author": {"@type": "Person", "name": "Jörg"}}</script></head></html>'
    )
    response = HtmlResponse(
        "https://shop.example.de/p/1",
        body=page.encode("latin-1"),
        headers={"Content-Type": "text/html; charset=ISO-8859-1"},
    )
    with Archive.open(wl.archive_path) as arc:
        spider = SchemaOrgSpider(ctx=CrawlContext(wl, brand, brand.sources[0], arc))
        (item,) = list(spider.parse(response))
    assert item["text"] == "Größe passt, Lieferung pünktlich" and item["author"] == "Jörg"
    assert item["raw_ref"] == "https://shop.example.de/p/1#0"


def test_a_site_is_the_registrable_domain_read_offline():
    from crawler.middlewares import SiteRedirectMiddleware

    site = SiteRedirectMiddleware().site
    assert site("www.shop.de") == site("shop.de") == site("reviews.shop.de") == "shop.de"
    assert site("shop.example.co.uk") == "example.co.uk"  # a public suffix of two labels
    assert site("foo.blogspot.com") != site("bar.blogspot.com")  # private suffixes: one site per blog
    assert site("127.0.0.1") == "127.0.0.1" and site("localhost") == "localhost"
