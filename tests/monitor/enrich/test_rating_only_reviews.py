"""Rating-only reviews (stars, no text) are never enriched: no sentiment made up for an empty
text, no topics, and no retry on every run — while the views still count their stars."""

from __future__ import annotations

import pytest

from monitor.core.archive import Archive
from monitor.enrich.run import analyse_batch, pending_ids, read_batch, run_enrich, watchlist_taxonomy
from tests.helpers.rating_only import RecordingModel, crawl_page, schemaorg_watchlist


@pytest.fixture
def wl(tmp_path):
    return schemaorg_watchlist(tmp_path)


@pytest.fixture
def arc(wl):
    a = Archive.open(wl.archive_path)
    crawl_page(wl, a)
    yield a
    a.close()


def ids(arc: Archive, where: str) -> list[int]:
    return [r[0] for r in arc.conn.execute(f"SELECT id FROM mentions WHERE {where} ORDER BY id")]


def test_only_the_review_with_text_is_enriched_once(wl, arc):
    model = RecordingModel()
    stats = run_enrich(wl, arc, model=model)
    assert (stats.pending, stats.enriched, stats.failed) == (1, 1, 0)
    assert [r[0] for r in arc.conn.execute("SELECT mention_id FROM enrichments")] == ids(arc, "text = 'Top!'")
    assert model.texts and all(t.strip() for t in model.texts)
    silent = ids(arc, "text IS NULL")
    assert len(silent) == 2
    marks = ",".join("?" * len(silent))
    assert (
        arc.conn.execute(
            f"SELECT count(*) FROM mention_topics WHERE mention_id IN ({marks})", silent
        ).fetchone()[0]
        == 0
    )

    again = RecordingModel()
    assert run_enrich(wl, arc, model=again).pending == 0  # not retried
    assert again.texts == []
    assert pending_ids(arc, again.version, watchlist_taxonomy(wl).version) == []


def test_a_batch_handed_them_makes_up_no_sentiment(wl, arc):
    """The cluster workers analyse the rows they are given: text-less ones are left out."""
    model = RecordingModel()
    rows = read_batch(arc, ids(arc, "1"))
    batch = analyse_batch(wl, watchlist_taxonomy(wl), model, rows, lambda hashes: {})
    assert [e[0] for e in batch.enrichments] == ids(arc, "text = 'Top!'")
    assert batch.failed == 0 and all(t.strip() for t in model.texts)


def test_daily_view_counts_their_stars_but_not_as_sentiment(wl, arc):
    run_enrich(wl, arc, model=RecordingModel())
    mentions, enriched, labelled, rated = arc.conn.execute(
        "SELECT sum(mentions), sum(enriched), sum(negative) + sum(neutral) + sum(positive), "
        "sum(avg_rating * mentions) FROM v_daily_sentiment WHERE brand = 'Acme'"
    ).fetchone()
    assert (mentions, enriched, labelled) == (3, 1, 1)
    assert rated == pytest.approx(5 + 2 + 5)  # one review a day: each day's average is its stars
