"""A topic hit whose clause is about one brand of a comparison post (``mention_topics.brand``)
counts for that brand only: detection's topic series, the digest's per-topic competitor
comparison, ``v_topic_daily`` and the dashboard's complaints per topic. Hand-built rows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.analyst.dashboard import Charts
from monitor.analyst.local_days import clock_for
from monitor.core.times import day_window
from monitor.detect.counts import load_events, window_count
from reports.queries.compare import topic_comparison
from tests.helpers.detect import Mention, add

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 19)
WHEN = datetime(2026, 11, 19, 10, tzinfo=UTC)
LOST = "Paketwerk hat mein Paket verloren, Warenblitz liefert immer pünktlich."


def _scenario(archive) -> dict[str, int]:
    """A comparison post (our lost parcel, their punctual delivery), a post about both in one
    clause, and one single-brand delivery complaint each."""
    compare, joint, ours, theirs = add(
        archive,
        [
            Mention(WHEN, "a", LOST, brand="Paketwerk"),
            Mention(WHEN, "b", "Paketwerk und Warenblitz verlieren beide Pakete.", brand="Paketwerk"),
            Mention(WHEN, "c", "Paketwerk: Paket nie angekommen.", brand="Paketwerk"),
            Mention(WHEN, "d", "Warenblitz: Lieferung kaputt.", brand="Warenblitz"),
        ],
    )
    with archive.conn:
        for mid in (compare, joint):
            archive.conn.execute(
                "INSERT INTO mention_brands (mention_id, brand, published_at, via)"
                " SELECT id, 'Warenblitz', published_at, 'text' FROM mentions WHERE id = ?",
                (mid,),
            )
        # What enrichment writes for the comparison: each brand its label, each clause its brand.
        archive.conn.execute(
            "UPDATE mention_brands SET sentiment = CASE brand WHEN 'Paketwerk' THEN 'negative'"
            " ELSE 'positive' END, score = 0.8 WHERE mention_id = ?",
            (compare,),
        )
        archive.conn.execute(
            "UPDATE mention_topics SET brand = 'Paketwerk', sentence = 'Paketwerk hat mein Paket verloren'"
            " WHERE mention_id = ?",
            (compare,),
        )
    return {"compare": compare, "joint": joint, "ours": ours, "theirs": theirs}


def _events(archive):
    return load_events(
        archive, ["Paketwerk", "Warenblitz"], WHEN - timedelta(days=1), WHEN + timedelta(days=1), BERLIN
    )


def test_our_delivery_complaint_in_a_comparison_is_not_theirs(archive):
    ids = _scenario(archive)
    ev = _events(archive)
    win = day_window(DAY, BERLIN)
    ours, theirs = (
        window_count(ev, "Paketwerk", "delivery", win),
        window_count(ev, "Warenblitz", "delivery", win),
    )
    assert (ours.total, ours.negative) == (3, 3)  # the comparison, the joint post, our own
    assert (theirs.total, theirs.negative) == (2, 2)  # the joint post and their own only
    rows = ev.topics[ev.topics["topic"].eq("delivery")]
    assert set(rows.loc[rows["brand"].eq("Warenblitz"), "mention_id"]) == {ids["joint"], ids["theirs"]}
    assert set(rows.loc[rows["brand"].eq("Paketwerk"), "mention_id"]) == {
        ids["compare"],
        ids["joint"],
        ids["ours"],
    }


def test_the_digests_topic_comparison_counts_the_hit_for_its_brand(archive):
    _scenario(archive)
    (row,) = topic_comparison(archive.conn, "Paketwerk", ["Warenblitz"], day_window(DAY, BERLIN))
    assert row.topic == "delivery"
    assert (row.ours.mentions, row.ours.complaints) == (3, 3)
    assert (row.theirs["Warenblitz"].mentions, row.theirs["Warenblitz"].complaints) == (2, 2)


def test_v_topic_daily_counts_the_hit_for_its_brand(archive):
    _scenario(archive)
    rows = archive.conn.execute(
        "SELECT brand, mentions, negative FROM v_topic_daily WHERE topic = 'delivery' ORDER BY brand"
    ).fetchall()
    assert rows == [("Paketwerk", 3, 3), ("Warenblitz", 2, 2)]


def test_the_dashboards_complaints_per_topic_count_the_hit_for_its_brand(archive):
    _scenario(archive)
    clock = clock_for(BERLIN, "2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z", today=date(2026, 11, 30))
    sql = re.sub(r"\[\[.*?\]\]", "", Charts(clock, "brandpulse").complaints_per_topic())
    rows = archive.conn.execute(sql, {"date_start": "", "date_end": ""}).fetchall()
    assert sorted(rows) == [("delivery", "Paketwerk", 3), ("delivery", "Warenblitz", 2)]


def test_single_brand_mentions_count_as_before(archive):
    """No brand on any hit (a post naming one brand, or enrichment from before): every hit is
    every brand's of its mention."""
    ids = _scenario(archive)
    with archive.conn:
        archive.conn.execute("UPDATE mention_topics SET brand = NULL")
    win = day_window(DAY, BERLIN)
    ev = _events(archive)
    assert window_count(ev, "Paketwerk", "delivery", win).total == 3
    assert window_count(ev, "Warenblitz", "delivery", win).total == 3
    theirs = ev.topics[ev.topics["brand"].eq("Warenblitz") & ev.topics["topic"].eq("delivery")]
    assert ids["compare"] in set(theirs["mention_id"])
