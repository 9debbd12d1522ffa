"""Detection counts the stars of rating-only reviews (stars, no text) in its rating figures,
never quotes one as blank evidence, and does not call them "not enriched yet"."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from monitor.core.archive import Archive
from monitor.core.times import day_bounds, days_between, days_window
from monitor.detect.counts import load_events, rating_averages
from monitor.detect.examples import pick_examples
from monitor.detect.run import _warn_unenriched
from tests.helpers.rating_only import crawl_page, schemaorg_watchlist

FIRST, LAST = date(2026, 10, 30), date(2026, 11, 2)  # the page's review days


@pytest.fixture
def wl(tmp_path):
    return schemaorg_watchlist(tmp_path)


@pytest.fixture
def events(wl):
    with Archive.open(wl.archive_path) as arc:
        crawl_page(wl, arc)
        yield load_events(arc, ["Acme"], day_bounds(FIRST, wl.tz)[0], day_bounds(LAST, wl.tz)[1], wl.tz)


def test_rating_averages_include_them(wl, events):
    avg = rating_averages(events, "Acme", days_between(FIRST, LAST))
    assert int(avg["n"].sum()) == 3
    assert float((avg["rating"] * avg["n"]).sum()) == pytest.approx(5 + 2 + 5)


def test_a_low_star_rating_without_words_is_no_quote(events):
    m = events.mentions
    low = m[m["rating"] <= 2]  # what a rating-drop alert quotes from: Sina's 2★, no text
    assert len(low) == 1 and low["text"].isna().all()
    assert pick_examples(low) == []
    quotes = pick_examples(m)
    assert [e["quote"] for e in quotes] == ["Top!"]


def test_no_unenriched_warning_for_them(wl, events, caplog):
    text_review = events.mentions["text"].notna()
    events.mentions.loc[text_review, "enriched"] = True  # as after `brandpulse enrich`
    with caplog.at_level(logging.WARNING, logger="monitor.detect.run"):
        _warn_unenriched(events, days_window(LAST, wl.tz, (LAST - FIRST).days + 1))
    assert "no sentiment yet" not in caplog.text
