"""Several App Store storefronts per app (``countries``): one stream each, one mention per review.

Apple keeps a review list per storefront and its review ids are Apple-wide, so each
storefront pages and resumes on its own while a review two storefronts show is stored once,
with the storefront that brought it first. Pages are the real saved feeds of
tests/fixtures/crawler/appstore/ (README there: origins).
"""

from __future__ import annotations

import json

import pytest
import sqlite_utils
import yaml
from scrapy.http import Request, TextResponse

from crawler import resume
from crawler.context import CrawlContext
from crawler.items import MentionItem
from crawler.resume import MAIN, Gap
from crawler.spiders.appstore import AppStoreSpider
from crawler.storefronts import STOREFRONTS
from monitor.core import schema
from monitor.core.archive import Archive
from monitor.core.config import ConfigError, load_watchlist, parse_watchlist
from monitor.core.rows import MENTION_COLUMNS, MentionIn, mention_row
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler" / "appstore"
APP = "284815942"
ENTRIES = json.loads((FIX / "itunes_rss_reviews.json").read_bytes())["feed"]["entry"]


def feed(entries: list[dict]) -> bytes:
    """A JSON feed page holding these real entries (an empty list: the end of the feed)."""
    return json.dumps({"feed": {"entry": entries} if entries else {}}).encode()


def watchlist(tmp_path, crawler: dict | None = None, **appstore):
    data = {
        "archive": "a.db",
        "crawler": crawler or {},
        "brands": [{"name": "Acme", "sources": [{"type": "appstore", "app_id": APP, **appstore}]}],
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_watchlist(path)


def spider_of(wl, arc) -> AppStoreSpider:
    brand = wl.brands[0]
    return AppStoreSpider(ctx=CrawlContext(wl, brand, brand.sources[0], arc))


def answer(spider: AppStoreSpider, request: Request, body: bytes) -> tuple[list[dict], list[Request]]:
    """Feed one response to the spider: the items it yields and the requests it makes next."""
    response = TextResponse(url=request.url, body=body, encoding="utf-8", request=request)
    out = list(spider.parse(response, **request.cb_kwargs))
    return [dict(x) for x in out if isinstance(x, MentionItem)], [x for x in out if isinstance(x, Request)]


def first_requests(spider: AppStoreSpider) -> dict[str, Request]:
    return {r.cb_kwargs["country"]: r for r in spider.first_requests()}


# --------------------------------------------------------------------------- configuration


def test_one_country_keeps_its_key_and_the_main_stream(tmp_path):
    for form in ({"country": "de"}, {}):  # `country: de` and the default write the same key
        wl = watchlist(tmp_path, **form)
        source = wl.brands[0].sources[0]
        assert source.key == f"appstore:app_id={APP},country=de"
        with Archive.open(wl.archive_path) as arc:
            spider = spider_of(wl, arc)
            assert list(spider.streams()) == [MAIN]
            (request,) = spider.first_requests()
            assert "/de/rss/customerreviews/page=1/" in request.url


def test_countries_give_one_stream_per_storefront_in_the_listed_order(tmp_path):
    wl = watchlist(tmp_path, countries=["de", "AT", "ch"])
    source = wl.brands[0].sources[0]
    assert source.countries == ["de", "at", "ch"]
    assert source.key == f"appstore:app_id={APP},countries=at+ch+de"  # sorted: reordering keeps it
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        assert list(spider.streams()) == ["de", "at", "ch"]
        urls = [r.url for r in spider.first_requests()]
    assert urls == [
        f"https://itunes.apple.com/{c}/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json"
        for c in ("de", "at", "ch")
    ]


def test_all_reads_every_storefront_on_apples_list(tmp_path):
    wl = watchlist(tmp_path, countries="all")
    assert wl.brands[0].sources[0].key == f"appstore:app_id={APP},countries=all"
    with Archive.open(wl.archive_path) as arc:
        requests = first_requests(spider_of(wl, arc))
    assert len(STOREFRONTS) == 175 and set(requests) == set(STOREFRONTS)
    assert "/xk/rss/" in requests["xk"].url and "/us/rss/" in requests["us"].url


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"country": "de", "countries": ["at"]}, "either country (one storefront) or countries"),
        ({"countries": ["deu"]}, "deu: not a two-letter storefront code"),
        ({"countries": ["de", "DE"]}, "de listed twice"),
        ({"countries": []}, "give a list of two-letter storefront codes"),
        ({"countries": "alle"}, "alle: not a two-letter storefront code"),
        ({"countries": ["de", False]}, "quote such codes, e.g. ['no'] for Norway"),  # YAML `[de, no]`
    ],
)
def test_bad_storefront_settings_are_config_errors(source, message):
    data = {"brands": [{"name": "A", "sources": [{"type": "appstore", "app_id": "1", **source}]}]}
    with pytest.raises(ConfigError) as err:
        parse_watchlist(data)
    (problem,) = err.value.problems
    assert problem.startswith("brands[0].sources[0]") and message in problem


def test_a_storefront_apple_does_not_list_is_asked_with_a_hint(tmp_path):
    wl = watchlist(tmp_path, countries=["de", "uk"])
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        assert set(first_requests(spider)) == {"de", "uk"}
        (note,) = spider.ctx.counters.notes
    assert "'uk' is not on Apple's storefront list" in note and "did you mean 'gb'" in note


# --------------------------------------------------------------------------- paging and resume


def test_each_storefront_pages_and_resumes_on_its_own(tmp_path):
    wl = watchlist(tmp_path, countries=["de", "at"])
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        first = first_requests(spider)
        de_items, (de_next,) = answer(spider, first["de"], feed(ENTRIES[:25]))
        at_items, (at_next,) = answer(spider, first["at"], feed(ENTRIES[25:50]))
        assert "/de/rss/customerreviews/page=2/" in de_next.url
        assert "/at/rss/customerreviews/page=2/" in at_next.url
        _, more = answer(spider, de_next, feed([]))  # the de list ends at page 2 ...
        assert more == []
        spider.ctx.store(de_items + at_items)  # ... the at run is cut short before its page 2

        state = resume.load(arc, "Acme", spider.ctx.source_key)
        assert state.streams["de"].gaps == []
        assert state.streams["at"].gaps == [Gap(next=2, until=None, taken=25)]
        assert state.streams["de"].newest > state.streams["at"].newest  # their own lists

        # The next run: de only catches up; at catches up, then goes on at its page 2.
        spider = spider_of(wl, arc)
        de_walks = [(w.token, w.catchup) for w in resume.plan(spider.ctx.state.stream("de"), "de", 200)]
        at_walks = [(w.token, w.catchup) for w in resume.plan(spider.ctx.state.stream("at"), "at", 200)]
    assert de_walks == [(None, True)]
    assert at_walks == [(None, True), (2, False)]


def test_the_page_cap_holds_for_each_storefront(tmp_path):
    wl = watchlist(tmp_path, crawler={"max_pages_per_run": 1}, countries=["de", "at"])
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        first = first_requests(spider)
        _, after_de = answer(spider, first["de"], feed(ENTRIES[:25]))
        assert after_de == [] and spider.ctx.next_walk("de") is None
        _, after_at = answer(spider, first["at"], feed(ENTRIES[25:50]))  # at still gets its page
        assert after_at == []
        limits = spider.ctx.counters.limits
    assert limits == [
        f"page cap reached: 1 pages this run of {c!r} (the cap holds for each of its lists) "
        "(crawler.max_pages_per_run); the next run goes on from here"
        for c in ("de", "at")
    ]


def test_an_undated_storefront_is_read_as_xml_and_the_others_stay_json(tmp_path):
    wl = watchlist(tmp_path, countries=["de", "jp"])
    real_undated = (FIX / "jp_340368403_reviews_undated.json").read_bytes()  # Apple's own, 2015
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        first = first_requests(spider)
        items, (retry,) = answer(spider, first["jp"], real_undated)
        assert items == [] and spider.ctx.counters.parse_errors == 0
        assert retry.url.endswith(f"/jp/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/xml")
        assert retry.cb_kwargs == {"n": 1, "fmt": "xml", "country": "jp"}
        _, (de_next,) = answer(spider, first["de"], feed(ENTRIES[:25]))
    assert de_next.url.endswith("/de/rss/customerreviews/page=2/id=284815942/sortby=mostrecent/json")
    assert any("storefront jp: JSON entries carry no dates" in n for n in spider.ctx.counters.notes)


def test_an_existing_single_country_cursor_goes_on(tmp_path):
    wl = watchlist(tmp_path, country="de")
    key = wl.brands[0].sources[0].key
    with Archive.open(wl.archive_path) as arc:
        with arc.conn:  # a cursor as crawls before storefront lists wrote it
            resume.save(arc, "Acme", key, '{"main":{"newest":"2021-03-01T10:00:00Z","gaps":[]}}', None)
        walk = spider_of(wl, arc).ctx.next_walk(MAIN)
    assert (walk.token, walk.until, walk.catchup) == (None, "2021-03-01T10:00:00Z", True)


# --------------------------------------------------------------------------- one mention per review


def stored(arc: Archive) -> dict[str, str]:
    return dict(arc.conn.execute("SELECT external_id, storefront FROM mentions WHERE source='appstore'"))


@pytest.mark.parametrize("how", ["stored-together", "stored-in-turn", "flushed-on-stop"])
def test_a_review_in_two_storefronts_is_one_mention_from_the_first(tmp_path, how):
    wl = watchlist(tmp_path, countries=["de", "at"])
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        first = first_requests(spider)
        de_items, _ = answer(spider, first["de"], feed(ENTRIES[:10]))
        if how == "stored-in-turn":
            spider.ctx.store(de_items)
        at_items, _ = answer(spider, first["at"], feed(ENTRIES[5:15]))  # 5 of them de showed
        if how == "flushed-on-stop":  # a stop stores what the pipeline has not seen yet
            spider.ctx.stop("interrupted", "SIGTERM")
        else:
            spider.ctx.store(([] if how == "stored-in-turn" else de_items) + at_items)
        rows = stored(arc)
        counters = spider.ctx.counters
        urls = [u for (u,) in arc.conn.execute("SELECT url FROM mentions ORDER BY external_id")]
    ids = [e["id"]["label"] for e in ENTRIES[:15]]
    assert rows == {i: ("de" if n < 10 else "at") for n, i in enumerate(ids)}
    assert counters.items_new == 15
    assert counters.items_seen == (0 if how == "flushed-on-stop" else 5)  # a stop stores each once
    assert sum("/de/app/" in u for u in urls) == 10 and sum("/at/app/" in u for u in urls) == 5


def test_a_later_crawl_in_another_storefront_does_not_move_a_review(tmp_path):
    wl = watchlist(tmp_path, countries=["de"])
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        items, _ = answer(spider, first_requests(spider)["de"], feed(ENTRIES[:5]))
        spider.ctx.store(items)
    wl = watchlist(tmp_path, countries=["de", "ch"])  # a storefront added later
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        items, _ = answer(spider, first_requests(spider)["ch"], feed(ENTRIES[:5]))
        spider.ctx.store(items)
        assert set(stored(arc).values()) == {"de"} and spider.ctx.counters.items_seen == 5


# --------------------------------------------------------------------------- the archive column


def test_the_storefront_column_is_added_to_an_existing_archive(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    before = schema.MIGRATIONS.index(schema._v9_storefront)
    for migration in schema.MIGRATIONS[:before]:  # an archive as the release before wrote it
        migration(db)
    db.conn.execute(f"PRAGMA user_version = {before}")
    db.conn.execute(
        "INSERT INTO mentions (source, external_id, text, published_at, fetched_at, brand, content_hash) "
        "VALUES ('appstore', '1', 'alt', '2021-01-01T00:00:00Z', '2021-01-01T00:00:00Z', 'Acme', 'h')"
    )
    db.conn.commit()
    db.conn.close()
    with Archive.open(path) as arc:
        assert arc.conn.execute("SELECT storefront FROM mentions").fetchall() == [(None,)]
        columns = {c.name for c in arc.db["mentions"].columns}
    assert "storefront" in columns and "storefront" in MENTION_COLUMNS


def test_the_storefront_is_a_lower_case_field_of_the_row():
    row = mention_row(MentionIn(text="gut", storefront="DE", source="appstore"), default_brand="A")
    assert row["storefront"] == "de"
    assert mention_row(MentionIn(text="gut"), default_brand="A")["storefront"] is None


def test_scrapy_parse_of_a_feed_url_reads_storefront_and_format_from_it(tmp_path):
    """`scrapy parse <url>` calls back without the request's arguments."""
    wl = watchlist(tmp_path, countries=["de", "at"])
    url = f"https://itunes.apple.com/at/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json"
    with Archive.open(wl.archive_path) as arc:
        spider = spider_of(wl, arc)
        out = list(spider.parse(TextResponse(url=url, body=feed(ENTRIES[:3]), encoding="utf-8")))
    items = [x for x in out if isinstance(x, MentionItem)]
    assert [i["storefront"] for i in items] == ["at", "at", "at"]
