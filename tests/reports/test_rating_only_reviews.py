"""The digest counts rating-only reviews (stars, no text) in its star figures and review NPS,
never as sentiment, and never lists one as a quote to answer or to share."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.core.archive import Archive
from monitor.core.times import days_window, utcnow
from monitor.enrich.run import run_enrich
from reports import queries as q
from reports.triage import answer_today, highlights
from tests.helpers.rating_only import RecordingModel, crawl_page, schemaorg_watchlist

FIRST, LAST = date(2026, 10, 30), date(2026, 11, 2)  # the page's review days


@pytest.fixture
def wl(tmp_path):
    return schemaorg_watchlist(tmp_path)


@pytest.fixture
def arc(wl):
    a = Archive.open(wl.archive_path)
    crawl_page(wl, a)
    run_enrich(wl, a, model=RecordingModel())
    yield a
    a.close()


def test_headline_star_figures_include_them_sentiment_does_not(wl, arc):
    s = q.period_stats(arc.conn, "Acme", days_window(LAST, wl.tz, (LAST - FIRST).days + 1))
    assert (s.mentions, s.classified, s.negative + s.positive <= 1) == (3, 1, True)
    assert (s.rated, s.rated_high, s.rated_low) == (3, 2, 1)
    assert s.avg_rating == pytest.approx(4.0) and s.review_nps == pytest.approx(100 / 3)


def test_daily_star_histogram_includes_them(wl, arc):
    days = q.daily_figures(arc.conn, "Acme", FIRST, LAST, wl.tz)
    assert sum(d.rated for d in days) == 3 and sum(d.classified for d in days) == 1
    stars = [sum(d.stars[i] for d in days) for i in range(5)]
    assert stars == [0, 1, 0, 0, 2]


def test_no_blank_quote_to_answer_or_share(wl, arc):
    """Sina's 2★ without text is a critic by its stars, but there is nothing to quote."""
    assert arc.conn.execute("SELECT count(*) FROM mentions WHERE rating = 2 AND text IS NULL").fetchone() == (
        1,
    )
    win = days_window(LAST, wl.tz, (LAST - FIRST).days + 1)
    critics = q.negative_mentions(arc.conn, "Acme", win)
    assert all(m.text.strip() for m in critics)
    assert 2.0 not in [m.rating for m in critics]
    for ranked in answer_today(critics, now=utcnow()) + highlights(
        q.positive_mentions(arc.conn, "Acme", win)
    ):
        assert ranked.mention.text.strip()
