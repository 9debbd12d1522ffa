"""Rating-only reviews (stars, no text) are stored as mentions without text, counted in the
run record, never reposts of each other, and their stars reach the star average and the
review NPS."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from crawler.spiders.schemaorg import anonymous_review_id, parse_schemaorg
from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, content_hash, mention_row
from monitor.core.times import days_window
from reports.queries.period import period_stats
from tests.helpers.rating_only import CRAWL_TIME, PAGE, PAGE_URL, REVIEWS, crawl_page, schemaorg_watchlist


@pytest.fixture
def wl(tmp_path):
    return schemaorg_watchlist(tmp_path)


def stored(arc: Archive) -> list[tuple]:
    return arc.conn.execute(
        "SELECT author, rating, text, duplicate_of FROM mentions ORDER BY rating DESC, author"
    ).fetchall()


def test_the_fixture_page_stores_its_rating_only_reviews(wl, arc):
    ctx = crawl_page(wl, arc)
    assert ctx.counters.items_new == 3 and ctx.counters.parse_errors == 0
    assert ctx.summary()["items_rating_only"] == 2
    assert sorted(stored(arc), key=repr) == sorted([(a, r, t, None) for a, r, t in REVIEWS], key=repr)


def test_a_second_run_knows_them_and_still_counts_them(wl, arc):
    crawl_page(wl, arc)
    again = crawl_page(wl, arc)
    assert (again.counters.items_new, again.counters.items_seen) == (0, 3)
    assert again.counters.items_rating_only == 2
    assert arc.count("mentions") == 3


def test_star_average_and_review_nps_include_them(wl, arc):
    crawl_page(wl, arc)
    s = period_stats(arc.conn, "Acme", days_window(date(2026, 11, 2), wl.tz, 7))
    assert (s.rated, s.avg_rating) == (3, pytest.approx(4.0))  # the text review alone: 5.0
    assert s.review_nps == pytest.approx(100 * (2 - 1) / 3)  # the text review alone: +100
    nps = arc.conn.execute(
        "SELECT sum(reviews), sum(promoters), sum(detractors) FROM v_review_nps_monthly WHERE brand = 'Acme'"
    ).fetchone()
    assert nps == (3, 2, 1)


def test_rating_only_reviews_are_never_reposts_of_each_other(wl, arc):
    """With the hash of their (empty) text, every one would be a duplicate of the first."""
    crawl_page(wl, arc)
    other = PAGE_URL.replace("bewertungen", "filiale-2")
    crawl_page(wl, arc, url=other)  # the same page under a second URL: four star-only reviews
    rows = arc.conn.execute("SELECT content_hash, duplicate_of FROM mentions WHERE text IS NULL").fetchall()
    hashes = [h for h, _ in rows]
    assert len(hashes) == len(set(hashes)) == 4
    assert [d for _, d in rows] == [None] * 4
    assert content_hash(None) not in hashes


def test_unnamed_star_ratings_of_one_day_differ_by_their_stars():
    html = """<html><head><script type="application/ld+json">{"@type": "Product", "review": [
      {"@type": "Review", "datePublished": "2026-11-01", "reviewRating": {"ratingValue": "5"}},
      {"@type": "Review", "datePublished": "2026-11-01", "reviewRating": {"ratingValue": "1"}}
    ]}</script></head></html>"""
    items = parse_schemaorg(html, url=PAGE_URL, now=CRAWL_TIME).items
    assert [i["rating"] for i in items] == [5.0, 1.0]
    assert items[0]["external_id"] != items[1]["external_id"]
    on_another_page = parse_schemaorg(html, url=PAGE_URL + "?p=2", now=CRAWL_TIME).items
    assert on_another_page[0]["external_id"] != items[0]["external_id"]  # the page URL is in it


def test_ids_of_reviews_with_text_are_what_they_were():
    """Stars and title join the anonymous id only without text: stored reviews keep theirs."""
    parts = [PAGE_URL, "", "2026-10-30", "Top!"]
    before = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    assert anonymous_review_id(PAGE_URL, None, "2026-10-30", "Top!", rating=5.0, title="x") == before
    (item,) = [i for i in parse_schemaorg(PAGE.read_bytes(), url=PAGE_URL).items if i["text"]]
    assert item["external_id"] == before


def test_full_text_index_takes_them(wl, arc):
    crawl_page(wl, arc)
    hits = arc.conn.execute("SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'top'").fetchall()
    assert [h[0] for h in hits] == [
        arc.conn.execute("SELECT id FROM mentions WHERE text = 'Top!'").fetchone()[0]
    ]
    # the trigger path (any writer but add_mentions) with a NULL text
    arc.conn.execute(
        "INSERT INTO mentions (source, external_id, text, rating, published_at, fetched_at, brand, "
        "content_hash) VALUES ('import', 'x', NULL, 4, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', "
        "'Acme', 'h')"
    )
    arc.conn.execute("DELETE FROM mentions WHERE external_id = 'x'")
    assert arc.conn.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('integrity-check')")


@pytest.mark.parametrize(
    "data",
    [{}, {"text": ""}, {"text": "   "}, {"text": "", "rating": ""}, {"rating": 0}, {"title": "Super"}],
)
def test_no_text_without_stars_is_still_a_clear_error(data):
    with pytest.raises(ValueError) as err:
        MentionIn.model_validate({"id": "1", **data})
    (e,) = err.value.errors()
    assert e["loc"] == ("text",) and "needs text" in e["msg"]


def test_an_import_row_with_stars_and_no_text_gets_an_id_of_its_own():
    rows = [
        mention_row(MentionIn(rating=r, author="Jo", url=u, published_at="2026-11-01"), default_brand="Acme")
        for r, u in [(5, "https://a.example/1"), (1, "https://a.example/1"), (5, "https://a.example/2")]
    ]
    assert all(r["text"] is None for r in rows)
    assert len({r["external_id"] for r in rows}) == len({r["content_hash"] for r in rows}) == 3
