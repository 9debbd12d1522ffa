"""schema.org reviews on real shop product pages (Wayfair, Etsy, Joss & Main).

The fixtures in tests/fixtures/crawler/schemaorg/real/ are the JSON-LD elements of saved pages,
copied unchanged (tests/fixtures/crawler/README.md says from where). The expected figures were
counted by reading the markup, not taken from the parser's output.
"""

from __future__ import annotations

import pytest

from crawler.context import CrawlContext
from crawler.spiders.schemaorg import parse_schemaorg
from monitor.core.rows import MentionIn
from tests.helpers import paths

REAL = paths.FIXTURES / "crawler" / "schemaorg" / "real"
WAYFAIR = "wayfair_armchair_reviews.html"
WAYFAIR_URL = "https://www.wayfair.com/furniture/pdp/wade-logan-penhook-2047-wide-armchair-w005759888.html"
ETSY = "etsy_es_doormat_reviews.html"
ETSY_URL = "https://www.etsy.com/es/listing/550571276/el-original-he-y-hay-calabaza-decoracion"
JOSS = "jossandmain_pendant_aggregate_only.html"
JOSS_URL = "https://www.jossandmain.com/lighting/pdp/duprey-4-light-lantern-pendant-j001109161.html"


def parse(name: str, url: str):
    return parse_schemaorg((REAL / name).read_bytes(), url=url)


@pytest.mark.parametrize(
    ("name", "url", "reviews", "aggregate"),
    [
        (WAYFAIR, WAYFAIR_URL, 10, "4.5 from 473 ratings"),
        (ETSY, ETSY_URL, 4, "4.8304 from 1027 ratings"),
        (JOSS, JOSS_URL, 0, "4.5 from 8108 ratings"),
    ],
)
def test_every_review_of_a_real_shop_page_and_its_aggregate(name, url, reviews, aggregate):
    page = parse(name, url)
    assert len(page.items) == reviews and page.errors == []
    assert page.notes == [f"{url}: aggregate rating {aggregate}"]  # every review is dated
    assert sum(not i["text"] for i in page.items) == 0  # none of them is rating-only
    assert len({i["external_id"] for i in page.items}) == reviews  # no @id: anonymous, distinct
    for fields in page.items:
        MentionIn.model_validate({**fields, "source": "schemaorg"})


def test_wayfair_reviews_with_author_strings_and_description_as_text():
    """Wayfair writes the author as a bare string and the text as ``description``."""
    items = parse(WAYFAIR, WAYFAIR_URL).items
    assert [i["author"] for i in items] == [
        "Rebecca", "Debra", "Anna-Karin", "Jeffery", "Maria",
        "jazmine", "Audrey", "LuEtta", "Sarah", "Julie",
    ]  # fmt: skip
    assert [i["published_at"] for i in items] == [
        "2016-05-12T00:00:00Z", "2018-12-12T00:00:00Z", "2019-04-13T00:00:00Z",
        "2018-06-10T00:00:00Z", "2020-09-07T00:00:00Z", "2020-03-07T00:00:00Z",
        "2020-05-19T00:00:00Z", "2019-08-24T00:00:00Z", "2020-11-09T00:00:00Z",
        "2019-04-05T00:00:00Z",
    ]  # fmt: skip
    assert {i["rating"] for i in items} == {5.0}  # ratingValue 5 on a declared 1..5 scale
    assert {i["lang"] for i in items} == {None} and {i["url"] for i in items} == {WAYFAIR_URL}
    assert items[1]["text"] == "Nice chair for little butts."
    assert items[7]["text"] == 'Perfect!I wanted an "office chair that didn\'t look like an "office chair")'
    assert all(i["title"] is None for i in items)


def test_etsy_reviews_without_worst_rating_and_with_escaped_json():
    """Etsy gives ``bestRating`` only (schema.org's default ``worstRating`` is 1) and escapes
    slashes, non-ASCII and quotes (``&quot;`` inside the JSON string)."""
    items = parse(ETSY, ETSY_URL).items
    assert [(i["author"], i["published_at"], i["rating"]) for i in items] == [
        ("SIMI E THOMAS", "2020-12-12T00:00:00Z", 5.0),
        ("Angelica", "2020-11-18T00:00:00Z", 5.0),
        ("Stephanie Klotz", "2021-09-10T00:00:00Z", 5.0),
        ("Tammy Judy Smith", "2020-10-29T00:00:00Z", 5.0),
    ]
    assert items[1]["text"].endswith('the decor for my daughters "Pumpkin Patch" themed bday party!')
    assert "so sweet \u2764\ufe0f she loves it!!" in items[3]["text"]


def test_etsy_english_reviews_on_the_spanish_storefront_are_not_spanish():
    # The page's lang is the storefront's interface language, not the reviews': no language
    # is stated, so enrichment detects English.
    assert [i["lang"] for i in parse(ETSY, ETSY_URL).items] == [None] * 4


# ------------------------------------------------------------------ through the crawl context


@pytest.fixture
def ctx(watchlist, archive) -> CrawlContext:
    brand = watchlist.brands[0]  # a review source: no brand-name filter
    return CrawlContext(watchlist, brand, brand.sources[0], archive)


def test_real_shop_pages_reach_the_archive(ctx, archive):
    rows = []
    for name, url in [(WAYFAIR, WAYFAIR_URL), (ETSY, ETSY_URL), (JOSS, JOSS_URL)]:
        page_rows, _ = ctx.accept(parse(name, url), url)
        rows += page_rows
    assert archive.add_mentions(rows).new == 14
    assert ctx.counters.parse_errors == 0 and ctx.counters.items_rating_only == 0
    summary = ctx.summary()
    assert summary["layout_suspect"] == 0
    assert f"{JOSS_URL}: aggregate rating 4.5 from 8108 ratings" in summary["message"]
