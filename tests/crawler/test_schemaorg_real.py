"""schema.org review parsing on real pages and on the broken cases real pages show.

tests/fixtures/crawler/README.md says which fixtures are real (copied from other projects'
test suites) and which are built by hand because no real saved page was found.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.context import CrawlContext
from crawler.parsing import iso_utc, rating_1_to_5
from crawler.spiders.schemaorg import parse_schemaorg
from monitor.core.rows import MentionIn
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler" / "schemaorg"
RECIPE_URL = "https://www.allrecipes.com/recipe/133948/four-cheese-margherita-pizza/"
CRAWL_TIME = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


def parse(name: str, url: str = "https://shop.example.de/p/1", **kw):
    return parse_schemaorg((FIX / name).read_bytes(), url=url, **kw)


# ---------------------------------------------------------------------------- real pages


def test_real_recipe_page_reviews():
    page = parse("allrecipes_recipe_reviews.html", RECIPE_URL)
    assert len(page.items) == 9 and page.errors == [] and all(i["text"] for i in page.items)
    assert page.notes == [f"{RECIPE_URL}: aggregate rating 4.804166666666666 from 480 ratings"]
    first = page.items[0]
    assert first["author"] == "G8RTCHR" and first["rating"] == 5.0 and first["lang"] is None
    assert first["published_at"] == "2008-08-03T17:44:40Z"  # "…40.07Z" normalised
    assert first["text"].startswith("This was great - even if I just used the mozzarella")
    assert [i["rating"] for i in page.items].count(3.0) == 1  # amydoll: "Good but not great"
    assert len({i["external_id"] for i in page.items}) == 9
    for fields in page.items:
        MentionIn.model_validate({**fields, "source": "schemaorg"})


def test_review_ids_without_own_id_include_the_page_url():
    here = parse("allrecipes_recipe_reviews.html", RECIPE_URL)
    again = parse("allrecipes_recipe_reviews.html", RECIPE_URL + "#reviews")
    elsewhere = parse("allrecipes_recipe_reviews.html", "https://www.allrecipes.com/recipe/1/other/")
    ids = [i["external_id"] for i in here.items]
    assert ids == [i["external_id"] for i in again.items]  # stable; the fragment is not the page
    assert not set(ids) & {i["external_id"] for i in elsewhere.items}


def test_one_broken_block_in_extruct_sample_is_one_error_not_an_unreadable_page():
    page = parse("JSONLD_mixed_valid_invalid.html")
    assert page.items == [] and len(page.errors) == 1 and page.errors[0].startswith("JSON-LD block 1:")


# ---------------------------------------------------------------------------- broken cases


def test_broken_block_costs_only_that_block():
    page = parse("broken_block_among_reviews.html", "https://shop.example.de/p/paketbox-l")
    assert [i["author"] for i in page.items] == ["Olaf", "Ines"]  # JSON-LD block 2 + microdata
    assert len(page.errors) == 1 and page.errors[0].startswith("JSON-LD block 0:")
    assert page.items[0]["external_id"] == "https://shop.example.de/p/paketbox-l#r1"


def test_cut_off_only_block_is_one_error():
    page = parse("malformed_jsonld.html")
    assert page.items == [] and len(page.errors) == 1


def test_rating_zero_without_scale_is_no_rating():
    page = parse("rating_zero_no_scale.html")
    assert [(i["author"], i["rating"]) for i in page.items] == [("Jonas K.", None), ("Mia", 4.0)]
    assert page.errors == []


@pytest.mark.parametrize(
    ("value", "best", "worst", "stars"),
    [
        ("0", None, None, None),  # schema.org's default scale is 1..5
        ("0", "5", "0", 1.0),  # a declared 0..5 scale makes 0 the lowest star
        (6, 5, 1, None),  # above the scale
        (27, 30, 0, 4.6),
        ("4", "5", "5", None),  # nonsense scale
        ("n/a", 5, 1, None),
        ("3", "", "", 3.0),
    ],
)
def test_rating_scale(value, best, worst, stars):
    assert rating_1_to_5(value, best, worst) == stars


def test_dates_as_sites_write_them():
    page = parse("dates_as_written.html")
    assert [i["published_at"] for i in page.items] == [
        "2011-10-24T00:00:00Z",
        "2011-10-24T00:00:00Z",
        "2011-10-24T10:00:00Z",
    ]
    assert page.notes == []


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("October 24, 2011", "2011-10-24T00:00:00Z"),
        ("24.10.2011", "2011-10-24T00:00:00Z"),
        ("05.10.2011", "2011-10-05T00:00:00Z"),  # dotted dates are day-first
        ("24. Oktober 2011", "2011-10-24T00:00:00Z"),
        ("2011-10-24 10:00", "2011-10-24T10:00:00Z"),
        ("2011-10-24T10:00:00+02:00", "2011-10-24T08:00:00Z"),
        ("2007-03-19T16:38:06.86Z", "2007-03-19T16:38:06Z"),
        ("vor 2 Tagen", None),  # relative: would drift with every crawl
        ("October 2011", None),  # no day: not guessed
        ("", None),
        (None, None),
    ],
)
def test_iso_utc(value, iso):
    assert iso_utc(value) == iso


def test_undated_reviews_are_stored_with_the_crawl_time_and_noted():
    url = "https://www.example.de/acme-versand/bewertungen"
    page = parse("undated_review.html", url, now=CRAWL_TIME)
    assert [i["author"] for i in page.items] == ["Karin", "Ben"]
    assert {i["published_at"] for i in page.items} == {"2026-11-30T08:15:00Z"}
    assert page.notes == [f"{url}: 2 reviews without a readable date stored with the crawl time"]
    later = parse("undated_review.html", url, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert [i["external_id"] for i in later.items] == [i["external_id"] for i in page.items]


def test_rating_only_reviews_are_items_not_errors():
    page = parse("rating_only.html")
    assert page.errors == []
    assert [(i["author"], i["text"], i["rating"]) for i in page.items] == [
        ("Tom", "", 5.0),
        ("Sina", "", 2.0),
        (None, "Top!", 5.0),
    ]


# ------------------------------------------------------------------ through the crawl context


@pytest.fixture
def ctx(watchlist, archive) -> CrawlContext:
    brand = watchlist.brands[0]  # a review source: no brand-name filter
    return CrawlContext(watchlist, brand, brand.sources[0], archive)


def test_identical_anonymous_reviews_on_two_pages_are_both_archived(ctx, archive):
    url_a, url_b = "https://shop.example.de/p/a", "https://shop.example.de/p/b"
    rows_a, _ = ctx.accept(parse("rating_only.html", url_a), url_a)
    rows_b, _ = ctx.accept(parse("rating_only.html", url_b), url_b)
    assert rows_a[-1]["text"] == rows_b[-1]["text"] == "Top!"
    assert rows_a[-1]["external_id"] != rows_b[-1]["external_id"]
    assert archive.add_mentions(rows_a + rows_b).new == 6  # with the two star-only reviews of each


def test_rating_only_reviews_reach_the_run_record(ctx):
    ctx.accept(parse("rating_only.html"), "https://shop.example.de/p/1")
    assert ctx.counters.items_rating_only == 2 and ctx.counters.parse_errors == 0
    assert ctx.summary()["items_rating_only"] == 2
