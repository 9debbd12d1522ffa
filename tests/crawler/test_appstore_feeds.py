"""App Store review feeds on real saved responses (tests/fixtures/crawler/README.md: origins).

The XML (Atom) feed is what the spider reads; the JSON feed is still parsed when its entries
carry dates, and a JSON page without dates is fetched again as XML instead of being lost.
"""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from crawler.context import CrawlContext
from crawler.items import MentionItem
from crawler.spiders.appstore import (
    AppStoreSpider,
    UndatedFeed,
    json_feed_undated,
    parse_appstore,
    parse_appstore_xml,
)
from monitor.core.rows import MentionIn
from monitor.core.times import parse_time
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler" / "appstore"
XML_FEED = "itunes_rss_reviews_mock_data.xml"  # 50 reviews of app 333903271, us, Feb 2021
JSON_FEED = "itunes_rss_reviews.json"  # 50 reviews of app 284815942, us, 2021


def read(name: str) -> bytes:
    return (FIX / name).read_bytes()


def undated_json() -> bytes:
    """The real JSON feed with every entry's ``updated`` removed, as some storefronts serve it."""
    data = json.loads(read(JSON_FEED))
    for entry in data["feed"]["entry"]:
        del entry["updated"]
    return json.dumps(data).encode()


# ---------------------------------------------------------------------------- XML parser


def test_xml_feed_real_page():
    page = parse_appstore_xml(read(XML_FEED), country="us", app_id="333903271")
    assert len(page.items) == 50 and page.errors == [] and page.next is True
    first = page.items[0]
    assert first["external_id"] == "7012426549"
    assert first["author"] == "call me dissapointed"
    assert first["title"] == "Freedom of Speech"
    assert first["text"].startswith("Don’t like that conservatives are silenced.")
    assert first["rating"] == 1.0 and first["reach"] == 0
    assert first["url"] == "https://apps.apple.com/us/app/id333903271?see-all=reviews#review-7012426549"
    assert parse_time(first["published_at"]).isoformat() == "2021-02-19T07:07:45+00:00"
    assert {i["rating"] for i in page.items} == {1.0, 2.0, 3.0, 4.0, 5.0}
    for fields in page.items:
        MentionIn.model_validate({**fields, "source": "appstore"})


def test_xml_feed_text_is_the_plain_content_not_the_html_one():
    page = parse_appstore_xml(read(XML_FEED), country="us", app_id="333903271")
    by_id = {i["external_id"]: i for i in page.items}
    assert "<" not in "".join(i["text"] for i in page.items)  # content type="html" ignored
    # this saved copy has bare "&" in the text; they survive instead of being dropped
    assert "spew hate & incite violence" in by_id["7010163519"]["text"]
    assert by_id["7010258738"]["author"] == "(◦′ ᴗ ‵◦)"
    assert by_id["7011597648"]["title"].endswith("🤣🤣🤣")


def test_xml_broken_entry_costs_one_error_and_app_entry_is_skipped():
    feed = read(XML_FEED).decode()
    feed = feed.replace("<updated>2021-02-18T23:55:59-07:00</updated>", "", 1)  # entry 1 undated
    app_entry = "<entry><id>333903271</id><im:name>Twitter</im:name><title>Twitter</title></entry>"
    feed = feed.replace("</rights>", "</rights>" + app_entry, 1)
    page = parse_appstore_xml(feed, country="us", app_id="333903271")
    assert len(page.items) == 49
    assert len(page.errors) == 1 and "updated" in page.errors[0]
    assert "7012394898" not in {i["external_id"] for i in page.items}


def test_xml_empty_feed_ends_paging():
    page = parse_appstore_xml(read("empty_itunes_rss_reviews.xml"), country="zw", app_id="1208224953")
    assert page.items == [] and page.errors == [] and page.next is None


def test_xml_parser_rejects_a_page_that_is_not_a_feed():
    with pytest.raises(ValueError, match="Atom"):
        parse_appstore_xml(b"<html><body>We moved!</body></html>", country="us", app_id="1")


# --------------------------------------------------------------------------- JSON parser


def test_json_feed_with_dates_still_parses():
    data = read(JSON_FEED)
    assert not json_feed_undated(data)
    page = parse_appstore(data, country="us", app_id="284815942")
    assert len(page.items) == 50 and page.errors == []


def test_json_feed_without_dates_is_reported_not_silently_lost():
    data = undated_json()
    assert json_feed_undated(data)
    with pytest.raises(UndatedFeed, match="XML"):
        parse_appstore(data, country="us", app_id="284815942")


def test_unreadable_json_is_left_to_the_parser():
    assert not json_feed_undated(b"<html>We moved!</html>")  # so consume() counts the error


# --------------------------------------------------------------------------------- spider


@pytest.fixture
def spider(watchlist, archive) -> AppStoreSpider:
    brand = watchlist.brands[0]  # appstore 284815942, country de
    return AppStoreSpider(ctx=CrawlContext(watchlist, brand, brand.sources[0], archive))


def response(url: str, body: bytes, request: Request | None = None) -> TextResponse:
    """A response to ``request`` (which carries the walk paging goes on with)."""
    return TextResponse(url=url, body=body, encoding="utf-8", request=request or Request(url))


def test_spider_reads_the_json_feed_first(spider):
    (first,) = spider.first_requests()
    assert (
        first.url
        == "https://itunes.apple.com/de/rss/customerreviews/page=1/id=284815942/sortby=mostrecent/json"
    )
    assert first.cb_kwargs == {"n": 1, "fmt": "json", "country": "de"}


def test_spider_fetches_an_undated_json_page_again_as_xml(spider):
    page3 = spider.walk_request(spider.ctx.next_walk(), 3)
    json_url = page3.url
    (retry,) = spider.parse(response(json_url, undated_json(), page3), **page3.cb_kwargs)
    assert isinstance(retry, Request)
    assert retry.url == json_url.removesuffix("json") + "xml"
    assert retry.cb_kwargs == {"n": 3, "fmt": "xml", "country": "de"}
    counters = spider.ctx.counters
    assert counters.parse_errors == 0 and counters.items_parsed == 0  # nothing stored undated
    assert any("no dates" in note for note in counters.notes)

    out = list(spider.parse(response(retry.url, read(XML_FEED), retry), **retry.cb_kwargs))
    items = [x for x in out if isinstance(x, MentionItem)]
    (next_page,) = [x for x in out if isinstance(x, Request)]
    assert len(items) == 50 and counters.parse_errors == 0
    assert all(item["published_at"].startswith("2021-02-") for item in items)
    assert next_page.url.endswith("/page=4/id=284815942/sortby=mostrecent/xml")


def test_spider_keeps_reading_a_dated_json_feed(spider):
    (first,) = spider.first_requests()
    out = list(spider.parse(response(first.url, read(JSON_FEED), first), **first.cb_kwargs))
    assert sum(isinstance(x, MentionItem) for x in out) == 50
    (next_page,) = [x for x in out if isinstance(x, Request)]
    assert next_page.url.endswith("/page=2/id=284815942/sortby=mostrecent/json")
