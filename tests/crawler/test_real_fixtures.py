"""Parsers on real saved responses from other projects' test suites (origins and licences:
tests/fixtures/crawler/README.md): another App Store storefront and language, RSS 1.0 (RDF),
a feed that declares ISO-8859-1, and a real Reddit Atom feed. The last test makes sure no
fixture sits in the folder without a test that reads it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse

from crawler.context import CrawlContext
from crawler.items import MentionItem
from crawler.spiders.appstore import UndatedFeed, json_feed_undated, parse_appstore
from crawler.spiders.feed import FeedSpider, parse_feed
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import iso, parse_time
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler"


def read(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


def valid_rows(items: list[dict], source: str) -> list[dict]:
    """Every parsed item is a row the archive takes."""
    return [mention_row(MentionIn.model_validate({**i, "source": source}), default_brand="X") for i in items]


# --------------------------------------------------------------------------- App Store: jp, 2015


def test_real_jp_json_feed_without_dates_is_refused_not_invented():
    """Apple's JSON feed as it was served in the jp storefront: the app's own entry first,
    50 Japanese reviews, and no ``updated`` on any of them."""
    data = read("appstore/jp_340368403_reviews_undated.json")
    entries = json.loads(data)["feed"]["entry"]
    reviews = [e for e in entries if "im:rating" in e]
    assert len(entries) == 51 and len(reviews) == 50 and "im:name" in entries[0]
    assert not any("updated" in e for e in entries)
    assert json_feed_undated(data)
    with pytest.raises(UndatedFeed):
        parse_appstore(data, country="jp", app_id="340368403")


def test_real_jp_json_feed_reads_once_dated():
    """The same real entries parse into Japanese reviews once a date is there (what the XML
    flavour supplies): only the missing date stood in the way."""
    data = json.loads(read("appstore/jp_340368403_reviews_undated.json"))
    for entry in data["feed"]["entry"]:
        entry["updated"] = {"label": "2015-06-18T07:00:46-07:00"}
    page = parse_appstore(json.dumps(data), country="jp", app_id="340368403")
    assert len(page.items) == 50 and page.errors == []
    first = page.items[0]
    assert (first["external_id"], first["author"], first["title"]) == ("1213692374", "ko.ko.dahlia", "もー❗️")
    assert first["text"] == "文字入力がすっごくしずらい！" and first["rating"] == 1.0
    assert first["storefront"] == "jp"
    assert first["url"] == "https://apps.apple.com/jp/app/id340368403?see-all=reviews#review-1213692374"
    multi_line = next(i for i in page.items if i["external_id"] == "1213110356")
    assert multi_line["text"].count("\n") == 3  # "\n" escapes inside the JSON strings
    assert {i["rating"] for i in page.items} == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert sum(i["reach"] for i in page.items) == 1  # one helpful vote on the whole page
    assert {r["storefront"] for r in valid_rows(page.items, "appstore")} == {"jp"}


def test_real_feed_without_entries_ends_paging():
    """A storefront where the app has no reviews: Apple leaves ``entry`` out altogether."""
    data = read("appstore/en_375380948_no_entries.json")
    assert "entry" not in json.loads(data)["feed"]
    assert not json_feed_undated(data)  # nothing undated: just nothing
    page = parse_appstore(data, country="us", app_id="375380948")
    assert page.items == [] and page.errors == [] and page.next is None


# --------------------------------------------------------------------------- feeds: RSS 1.0, Atom


def test_rss10_feed_declared_iso_8859_1_without_dates():
    """XMLhack's RSS 1.0 feed of February 2002: ``encoding="iso-8859-1"``, ``dc:`` elements,
    and no date on any item — kept with the crawl time and noted, not dropped."""
    data = read("feed/xmlhack_rss10.rdf")
    assert data.startswith(b'<?xml version="1.0" encoding="iso-8859-1"?>\n<rdf:RDF')
    page = parse_feed(data, url="http://xmlhack.com/rss10.php")
    assert len(page.items) == 8 and page.errors == []
    first = page.items[0]
    assert first["external_id"] == first["url"] == "http://xmlhack.com/read.php?item=1526"
    assert first["title"] == "Editors' Newswire for 5 February, 2002"
    assert first["text"].startswith("Newswire stories, including: Norm Walsh gets his propers")
    assert first["lang"] == "en" and first["published_at"] is None
    w3c = page.items[2]
    assert w3c["text"].endswith("Process & Operational Guidelines for the Quality Assurance Framework.")
    assert page.notes == ["http://xmlhack.com/rss10.php: 8 entries without a date stored with the crawl time"]
    rows = valid_rows(page.items, "feed")
    assert len({r["external_id"] for r in rows}) == 8


def test_rss10_feed_in_italian_keeps_titles_on_one_line():
    """La Stampa's economy page turned into RSS 1.0 by a scraper (2002): titles broken where
    the print column ended, guillemets, accents, empty descriptions, no dates."""
    page = parse_feed(read("feed/lastampa_economia_rss10.rdf"), url="https://example.org/econ.rdf")
    assert len(page.items) == 19 and page.errors == []
    titles = [i["title"] for i in page.items]
    assert titles[0] == "Beni pubblici e salva-deficit Berlusconi scriverà a Ciampi"
    assert titles[5] == "«Agnelli a Torino, determinante»"
    assert not any("\n" in t for t in titles)
    assert page.items[0]["text"] == titles[0]  # <description/> is empty: the title is the text
    assert {i["lang"] for i in page.items} == {None}
    assert "19 entries without a date" in page.notes[0]


def iso_8859_1(rel: str) -> bytes:
    """The real UTF-8 feed re-encoded as ISO-8859-1, as many German and Italian sites serve
    theirs (no real saved ISO-8859-1 feed with non-ASCII text was found; see the README)."""
    text = read(rel).decode("utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    return text.encode("iso-8859-1")


def test_iso_8859_1_bytes_read_like_the_utf_8_original():
    latin = iso_8859_1("feed/lastampa_economia_rss10.rdf")
    assert "à".encode("iso-8859-1") in latin and "à".encode() not in latin
    original = parse_feed(read("feed/lastampa_economia_rss10.rdf"), url="u").items
    assert parse_feed(latin, url="u").items == original
    undeclared = latin.replace(b' encoding="ISO-8859-1"', b"")  # only the bytes tell
    assert parse_feed(undeclared, url="u").items == original


def test_feed_spider_stores_an_iso_8859_1_feed(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "archive: a.db\nbrands:\n  - name: Fiat\n    sources:\n"
        "      - {type: feed, url: 'https://example.org/econ.rdf'}\n"
    )
    wl = load_watchlist(path)
    with Archive.open(wl.archive_path) as arc:
        spider = FeedSpider(ctx=CrawlContext(wl, wl.brands[0], wl.brands[0].sources[0], arc))
        response = TextResponse(
            url="https://example.org/econ.rdf",
            body=iso_8859_1("feed/lastampa_economia_rss10.rdf"),
            headers={"Content-Type": "application/rdf+xml; charset=ISO-8859-1"},
            request=Request("https://example.org/econ.rdf"),
        )
        items = [dict(x) for x in spider.parse(response) if isinstance(x, MentionItem)]
    assert [i["title"] for i in items] == ["«Fiat Auto, subito l'intesa sugli esuberi»"]  # brand filter
    assert spider.ctx.counters.items_irrelevant == 18


def test_real_reddit_atom_feed():
    """A subreddit's Atom feed (``/r/<name>.rss``, June 2025): the post's HTML table is the
    content; author, link and published time are Atom elements."""
    page = parse_feed(read("feed/reddit_minecraft.atom"), url="https://www.reddit.com/r/minecraft.rss")
    (post,) = page.items
    assert page.errors == [] and page.notes == []
    assert post["title"] == "Vibrant Visuals - Troubleshooting" and post["author"] == "/u/Mlakuss"
    assert (
        post["url"] == "https://www.reddit.com/r/Minecraft/comments/1ldu6hr/vibrant_visuals_troubleshooting/"
    )
    assert iso(parse_time(post["published_at"])) == "2025-06-17T18:02:33Z"
    assert post["text"].startswith("Hello,\n\nAs we are seeing a huge number of identical threads")
    assert "<" not in post["text"] and "&amp;" not in post["text"] and "&#39;" not in post["text"]
    assert "It's on Bedrock only." in post["text"]
    valid_rows(page.items, "feed")


# --------------------------------------------------------------------------- every fixture is read


def test_every_crawler_fixture_is_read_by_a_test():
    fixtures = [p for p in FIX.rglob("*") if p.is_file() and p.name != "README.md"]
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in (paths.ROOT / "tests" / "crawler", paths.ROOT / "tests" / "helpers")
        for p in Path(folder).rglob("*.py")
    )
    unread = [str(p.relative_to(FIX)) for p in fixtures if not re.search(re.escape(p.name), sources)]
    assert unread == []
    readme = (FIX / "README.md").read_text(encoding="utf-8")
    undocumented = [str(p.relative_to(FIX)) for p in fixtures if p.name not in readme]
    assert undocumented == []
