"""Answered critics leave "Answer today": the company's replies from the spiders to the digest."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from crawler.spiders.google_play import parse_google_play
from crawler.spiders.trustpilot import parse_trustpilot
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import parse_time
from reports import queries as q
from reports.build import build_digest, topic_label
from reports.periods import period_of
from reports.render import render
from tests.helpers import paths
from tests.helpers.digest import DAY, TRUSTPILOT_KEY, add_mention, local_time, seed_full_day

CRAWLER = paths.FIXTURES / "crawler"


def test_the_parsers_read_the_company_reply():
    page = parse_trustpilot(
        (CRAWLER / "trustpilot" / "acme-versand.de.page1.html").read_bytes(), domain="acme-versand.de"
    )
    assert [i["replied_at"] for i in page.items] == [None, None, "2026-11-19T17:00:00.000Z"]
    snapshot = paths.ROOT / "monitor" / "demo" / "snapshots" / "google_play" / "batchexecute-page-1.txt"
    items = parse_google_play(snapshot.read_bytes(), app_id="example.paketwerk.shop").items
    replied = [i for i in items if i["replied_at"]]
    assert len(items) == 100 and len(replied) == 10
    assert all(i["replied_at"] > i["published_at"] for i in replied)  # epoch seconds, after the review
    # a real answer without developer replies parses as before
    real = parse_google_play(
        (CRAWLER / "google_play" / "review_relevant.batchexecute").read_bytes(), app_id="x"
    )
    assert real.items and not any(i["replied_at"] for i in real.items)


def test_a_reply_is_stored_and_a_later_one_recorded_on_the_stored_mention(arc):
    item = {"text": "Paket kam nie an", "external_id": "r1", "source": "trustpilot", "rating": 1}
    when = local_time(DAY, 9)
    arc.add_mentions(
        [mention_row(MentionIn.model_validate({**item, "published_at": when}), default_brand="Acme")]
    )
    assert arc.conn.execute("SELECT replied_at FROM mentions").fetchone() == (None,)
    answered = MentionIn.model_validate(
        {**item, "published_at": when, "replied_at": "2026-11-21T17:00:00.000Z"}
    )
    stats = arc.add_mentions([mention_row(answered, default_brand="Acme")])
    assert (stats.new, stats.seen) == (0, 1)
    assert arc.conn.execute("SELECT replied_at FROM mentions").fetchone() == ("2026-11-21T17:00:00Z",)


def test_answered_critics_leave_the_list_and_the_digest_shows_the_reply_rate(wl, arc):
    ids = seed_full_day(arc)
    # two more Trustpilot critics: one answered 3 hours later that day, one only the day after
    answered = add_mention(
        arc,
        text="Lieferung seit einer Woche überfällig, niemand meldet sich.",
        rating=1,
        published=local_time(DAY, 12),
        replied_at=local_time(DAY, 15),
        external_id="tp-answered",
        source="trustpilot",
        source_key=TRUSTPILOT_KEY,
    )
    late = add_mention(
        arc,
        text="Falsche Ware geliefert und keine Rückmeldung vom Support.",
        rating=2,
        published=local_time(DAY, 13),
        replied_at=local_time(DAY + timedelta(days=1), 8),
        external_id="tp-late",
        source="trustpilot",
        source_key=TRUSTPILOT_KEY,
    )
    view = build_digest(arc.conn, wl, DAY, language="de")
    b = view.brands[0]
    listed = [r.mention.id for r in b.answer]
    assert answered not in listed  # answered within the day
    assert late in listed and ids["churn"] in listed  # answered only after the digest's day
    assert b.waiting == 6  # 5 App Store / churn critics + the late one
    r = b.replies
    assert (r.sources, r.critics, r.answered) == (["Trustpilot"], 3, 1)
    assert r.median_hours == pytest.approx(3.0)
    out = render(view, topic_labels={t: topic_label(wl, t, "de") for t in wl.topics}, charts=False)
    line = "Beantwortet (Trustpilot): 33\u00a0% der Kritiker, im Median nach 3 Stunden."
    assert line in unescape(out.html) and line in out.text
    assert "wartet seit 11 Stunden" in out.text  # the late one, published 13:00, at midnight
    # the day after, that reply counts: a week's digest no longer lists it
    week = build_digest(arc.conn, wl, period_of("week", DAY), language="de")
    assert late not in [x.mention.id for x in week.brands[0].answer]


def test_without_recorded_replies_there_is_no_reply_rate(wl, arc):
    seed_full_day(arc)
    assert q.reply_stats(arc.conn, "Acme", period_of("day", DAY).window(wl.tz)).rate is None
    out = render(build_digest(arc.conn, wl, DAY, language="en"), charts=False)
    assert "Answered (" not in out.text


def test_a_critic_marked_answered_by_hand_leaves_the_weeks_list(wl, arc):
    """`brandpulse answered` (Archive.mark_answered): answered by the period's end, the critic
    leaves the list; the day's digest, whose end came before the mark, replays unchanged."""
    ids = seed_full_day(arc)
    week = period_of("week", DAY)

    def listed(period) -> list[int]:
        return [r.mention.id for r in build_digest(arc.conn, wl, period, language="de").brands[0].answer]

    assert ids["churn"] in listed(DAY) and ids["churn"] in listed(week)
    before = build_digest(arc.conn, wl, week, language="de").brands[0].waiting
    (mark,) = arc.mark_answered([ids["churn"]], at=local_time(DAY + timedelta(days=1), 10))
    assert mark.outcome == "marked"
    assert ids["churn"] not in listed(week)
    assert build_digest(arc.conn, wl, week, language="de").brands[0].waiting == before - 1
    assert ids["churn"] in listed(DAY), "a past day's digest replays as it was sent"
    # the reply rate counts it, timed at the mark
    replies = build_digest(arc.conn, wl, week, language="de").brands[0].replies
    published = arc.conn.execute("SELECT published_at FROM mentions WHERE id = ?", (ids["churn"],))
    waited = local_time(DAY + timedelta(days=1), 10) - parse_time(published.fetchone()[0])
    assert replies.answered == 1 and replies.median_hours == pytest.approx(waited.total_seconds() / 3600)
    arc.mark_answered([ids["churn"]], undo=True)
    assert ids["churn"] in listed(week)
