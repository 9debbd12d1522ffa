"""The digest counts a comparison post with each brand's own sentiment (``mention_brands.sentiment``):
the competitor's negative share is not raised by our complaints, and a post that scolds only
the competitor is not on our answer-today list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.core.archive import Archive
from monitor.core.times import days_window
from reports import queries as q
from tests.helpers.digest import DAY, TZ, add_mention, local_time

COMPETITOR = "Warenblitz"


@pytest.fixture
def arc():
    a = Archive.memory()
    yield a
    a.close()


def _post(arc, n: int, text: str, sentiment: str, ours: str | None, theirs: str | None) -> int:
    """A post fetched by Acme's search that names the competitor too, with the labels
    enrichment gave each brand (None: none of its own)."""
    mid = add_mention(
        arc,
        text=f"{text} (Beitrag {n})",
        published=local_time(DAY, 8 + n % 12, n % 60),
        external_id=f"p{n}",
        source="reddit",
        source_key=None,
        url=f"https://www.reddit.com/r/de/comments/{n}",
        author=f"Kundin {n}",
        sentiment=sentiment,
        lang="de",
    )
    with arc.conn:
        arc.conn.execute(
            "UPDATE mention_brands SET sentiment = ?, score = 0.8 WHERE mention_id = ?",
            (ours, mid),
        )
        arc.conn.execute(
            "INSERT INTO mention_brands (mention_id, brand, published_at, via, sentiment, score)"
            " SELECT id, ?, published_at, 'text', ?, 0.8 FROM mentions WHERE id = ?",
            (COMPETITOR, theirs, mid),
        )
    return mid


@pytest.fixture
def seeded(arc):
    ids = {}
    for n in range(4):  # our complaints, their praise: negative as a whole
        ids[f"ours{n}"] = _post(
            arc,
            n,
            "Acme lässt mich seit einer Woche warten, Warenblitz liefert immer am nächsten Tag.",
            "negative",
            "negative",
            "positive",
        )
    # Their complaint, our praise: negative as a whole, but not about us.
    ids["theirs"] = _post(
        arc,
        10,
        "Warenblitz hat mein Paket verloren, bei Acme ist das noch nie passiert.",
        "negative",
        "positive",
        "negative",
    )
    # Both named in one clause: no labels of their own, both take the mention's.
    ids["both"] = _post(arc, 11, "Acme oder Warenblitz? Beide sind furchtbar.", "negative", None, None)
    # A post about us alone.
    ids["alone"] = add_mention(
        arc,
        text="Acme Paket kam nie an",
        published=local_time(DAY, 20),
        external_id="alone",
        source="reddit",
        source_key=None,
        sentiment="negative",
        lang="de",
    )
    return ids


def test_period_figures_count_each_brand_by_its_own_sentiment(arc, seeded):
    win = days_window(DAY, TZ)
    ours = q.period_stats(arc.conn, "Acme", win)
    theirs = q.period_stats(arc.conn, COMPETITOR, win)
    assert (ours.mentions, ours.negative, ours.positive) == (7, 6, 1)
    assert (theirs.mentions, theirs.negative, theirs.positive) == (6, 2, 4)  # before: 6 negative
    figures = {
        b.brand: b
        for b in q.share_of_voice(
            arc.conn, "Acme", [COMPETITOR], win, days_window(DAY - timedelta(days=1), TZ)
        )
    }
    assert figures[COMPETITOR].current.negative_share == pytest.approx(2 / 6)
    days = {f.day: f for f in q.daily_figures(arc.conn, COMPETITOR, DAY, DAY, TZ)}
    assert (days[DAY].negative, days[DAY].classified) == (2, 6)


def test_the_views_count_each_brand_by_its_own_sentiment(arc, seeded):
    day = local_time(DAY, 12).date().isoformat()
    sov = dict(
        arc.conn.execute("SELECT brand, negative FROM v_share_of_voice WHERE day = ?", (day,)).fetchall()
    )
    assert sov == {"Acme": 6, COMPETITOR: 2}
    daily = dict(
        arc.conn.execute(
            "SELECT brand, sum(negative) || '/' || sum(positive) FROM v_daily_sentiment WHERE day = ? GROUP BY brand",
            (day,),
        ).fetchall()
    )
    assert daily == {"Acme": "6/1", COMPETITOR: "2/4"}


def test_a_post_scolding_only_the_competitor_is_not_our_critic(arc, seeded):
    win = days_window(DAY, TZ)
    ours = {m.id for m in q.negative_mentions(arc.conn, "Acme", win)}
    assert seeded["theirs"] not in ours
    assert {seeded[f"ours{n}"] for n in range(4)} | {seeded["both"], seeded["alone"]} == ours
    theirs = {m.id: m for m in q.negative_mentions(arc.conn, COMPETITOR, win)}
    assert set(theirs) == {seeded["theirs"], seeded["both"]}
    assert theirs[seeded["theirs"]].sentiment == "negative"
    praise = {m.id: m for m in q.positive_mentions(arc.conn, "Acme", win)}
    assert set(praise) == {seeded["theirs"]}
    assert praise[seeded["theirs"]].prob_positive == pytest.approx(0.8)  # its own score
    # The mention's 0.9 is about the competitor: ours is at most what our label leaves.
    assert praise[seeded["theirs"]].prob_negative == pytest.approx(0.2)
    # Critics of ours who name the competitor: the switching-to list reads the same critics.
    leads, total = q.switching_to(arc.conn, "Acme", [COMPETITOR], win)
    assert seeded["theirs"] not in {s.mention.id for s in leads} and total == 5
