"""Counting rules: local days (DST), windows, aspect sentiment, ratings; and the baseline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from monitor.core.times import day_bounds, day_window, days_between, rolling_window
from monitor.detect.baseline import expect
from monitor.detect.counts import (
    TOTAL,
    daily_authors,
    daily_counts,
    load_events,
    rating_averages,
    window_count,
)
from tests.helpers.detect import Mention, add

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ = ZoneInfo("UTC")


def test_dst_days_are_23_and_25_hours_long():
    s, e = day_bounds(date(2026, 3, 29), BERLIN)
    assert (e - s) == timedelta(hours=23) and s == datetime(2026, 3, 28, 23, tzinfo=UTC_)
    s, e = day_bounds(date(2026, 10, 25), BERLIN)
    assert (e - s) == timedelta(hours=25) and e == datetime(2026, 10, 25, 23, tzinfo=UTC_)


def test_mentions_are_bucketed_by_local_day_across_the_dst_change(archive):
    at = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    add(
        archive,
        [
            Mention(at(2026, 10, 24, 21, 30), "a", "x"),  # 23:30 CEST, 24th
            Mention(at(2026, 10, 24, 22, 30), "b", "x"),  # 00:30 CEST, 25th
            Mention(at(2026, 10, 25, 22, 30), "c", "x"),  # 23:30 CET, still the 25th
            Mention(at(2026, 10, 25, 23, 30), "d", "x"),  # 00:30 CET, 26th
        ],
    )
    days = days_between(date(2026, 10, 24), date(2026, 10, 26))
    ev = load_events(archive, ["Acme"], at(2026, 10, 20), at(2026, 10, 30), BERLIN)
    assert list(daily_authors(ev.series("Acme", "delivery"), days)) == [1, 2, 1]
    assert window_count(ev, "Acme", TOTAL, day_window(date(2026, 10, 25), BERLIN)).negative == 2
    # In UTC the same mentions fall on other days.
    ev_utc = load_events(archive, ["Acme"], at(2026, 10, 20), at(2026, 10, 30), UTC_)
    assert list(daily_authors(ev_utc.series("Acme", TOTAL), days)) == [2, 2, 0]


def test_rolling_and_partial_windows_cover_the_right_share_of_days():
    now = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    w = rolling_window(now, BERLIN)
    assert [d for d, _ in w.coverage] == [date(2026, 11, 20), date(2026, 11, 21)]
    assert np.isclose([f for _, f in w.coverage], [18 / 24, 6 / 24]).all()
    today = day_window(date(2026, 11, 21), BERLIN, now=now)
    assert today.end == now and np.isclose(today.coverage[0][1], 0.25)


def test_topic_negativity_uses_the_aspect_sentence(archive):
    d = datetime(2026, 11, 2, 10, tzinfo=UTC)
    add(
        archive,
        [
            # Praises the price, complains about delivery: negative for delivery only.
            Mention(d, "a", "Günstiger Preis, aber die Lieferung dauerte ewig.", topics=("delivery",)),
            Mention(d, "b", "x", sentiment="positive", topics=("price",)),
            Mention(d, "c", "y", sentiment="negative", topics=("price",), aspect="positive"),
            Mention(d, "d", "z", sentiment="negative", topics=("price",), aspect=None),
            Mention(d, "e", "w", sentiment="neutral", topics=("delivery", "price")),
        ],
    )
    ev = load_events(archive, ["Acme"], d - timedelta(days=1), d + timedelta(days=1), BERLIN)
    days = [date(2026, 11, 2)]
    price = daily_counts(ev, "Acme", "price", days).iloc[0]
    assert (price["total"], price["negative"], price["authors"]) == (4, 1, 1)
    total = daily_counts(ev, "Acme", TOTAL, days).iloc[0]
    assert (total["total"], total["negative"]) == (5, 3)


def _set(archive, ids, **cols):
    """Ratings and negation flags the test helper does not write."""
    for mid, values in zip(ids, cols.get("rows", [])):
        for table, col, value in values:
            key = "id" if table == "mentions" else "mention_id"
            archive.conn.execute(f"UPDATE {table} SET {col} = ? WHERE {key} = ?", (value, mid))
    archive.conn.commit()


def test_a_neutral_clause_counts_when_the_whole_mention_complains(archive):
    d = datetime(2026, 11, 19, 10, tzinfo=UTC)
    text = "Meine Sendung hängt seit Tagen im Verteilzentrum fest."
    ids = add(
        archive,
        [
            # The clause only describes; the mention is negative: a delivery complaint.
            Mention(d, "a", text, sentiment="negative", aspect="neutral"),
            # Neutral mention, but rated 1★ by its author: a complaint too.
            Mention(d, "b", text, sentiment="neutral", aspect="neutral"),
            # Negated clause in an angry mention ("kein Problem mit der Lieferung, aber ..."): no.
            Mention(
                d,
                "c",
                "Kein Problem mit der Lieferung, aber der Service ist mies.",
                sentiment="negative",
                aspect="neutral",
            ),
            # Praise of delivery in an angry mention about something else: no.
            Mention(
                d,
                "d",
                "Lieferung schnell, aber die Rechnung falsch.",
                sentiment="negative",
                aspect="positive",
            ),
            # The model says negative but the author gave 5★: the stars win for a neutral clause.
            Mention(d, "e", text, sentiment="negative", aspect="neutral"),
            # Neutral clause in a neutral, unrated mention: no.
            Mention(d, "f", text, sentiment="neutral", aspect="neutral"),
            # A negative clause counts whatever the rest says (and even when negated: "Keine
            # Zustellung seit einer Woche" is negative *because* of the negation).
            Mention(d, "g", "Keine Zustellung seit einer Woche.", sentiment="positive", aspect="negative"),
        ],
    )
    _set(
        archive,
        ids,
        rows=[
            [],
            [("mentions", "rating", 1)],
            [("mention_topics", "negated", 1)],
            [],
            [("mentions", "rating", 5)],
            [],
            [("mention_topics", "negated", 1)],
        ],
    )
    # Angry about the price in so many words; delivery named in passing: a price complaint.
    [h] = add(
        archive,
        [
            Mention(
                d,
                "h",
                "Lieferung kam Dienstag, aber der Preis ist Wucher.",
                topics=("price",),
                aspect="negative",
            )
        ],
    )
    archive.conn.execute(
        "INSERT INTO mention_topics (mention_id, topic, keyword, sentence, sentiment, negated,"
        " taxonomy_version) VALUES (?, 'delivery', 'Lieferung', 'Lieferung kam Dienstag',"
        " 'neutral', 0, 't1')",
        (h,),
    )
    archive.conn.commit()
    ev = load_events(archive, ["Acme"], d - timedelta(days=1), d + timedelta(days=1), BERLIN)
    rows = ev.series("Acme", "delivery").set_index("mention_id")
    assert not rows.loc[h, "negative"] and ev.series("Acme", "price")["negative"].all()
    negative = {mid for mid in ids if rows.loc[mid, "negative"]}
    assert negative == {ids[0], ids[1], ids[6]}
    assert set(rows.index[rows["via_mention"]]) == {ids[0], ids[1]}
    c = daily_counts(ev, "Acme", "delivery", [date(2026, 11, 19)]).iloc[0]
    assert (c["negative"], c["authors"]) == (3, 3)


def test_the_quote_is_the_negative_clause_when_a_topic_has_several(archive):
    d = datetime(2026, 11, 19, 10, tzinfo=UTC)
    [mid] = add(archive, [Mention(d, "a", "Paket im Verteilzentrum.", aspect="neutral")])
    archive.conn.execute(
        "INSERT INTO mention_topics (mention_id, topic, keyword, sentence, sentiment, negated,"
        " taxonomy_version) VALUES (?, 'delivery', 'Lieferung', 'Die Lieferung ist eine"
        " Katastrophe.', 'negative', 0, 't1')",
        (mid,),
    )
    archive.conn.commit()
    ev = load_events(archive, ["Acme"], d - timedelta(days=1), d + timedelta(days=1), BERLIN)
    [row] = ev.series("Acme", "delivery").to_dict("records")
    assert row["negative"] and not row["via_mention"]
    assert row["sentence"] == "Die Lieferung ist eine Katastrophe."


def test_topics_removed_from_the_watchlist_are_ignored(archive):
    d = datetime(2026, 11, 2, 10, tzinfo=UTC)
    add(archive, [Mention(d, "a", "x", topics=("delivery", "old_topic"))])
    ev = load_events(
        archive, ["Acme"], d - timedelta(days=1), d + timedelta(days=1), BERLIN, topics=["delivery"]
    )
    assert set(ev.topics["topic"]) == {"delivery"}


def test_star_rating_averages_per_source_and_day(archive):
    from monitor.core.rows import MentionIn, mention_row

    d = datetime(2026, 11, 2, 10, tzinfo=UTC)
    rows = [
        mention_row(
            MentionIn(text=f"review {i}", id=f"r{i}", source=src, rating=r, published_at=d),
            default_brand="Acme",
        )
        for i, (src, r) in enumerate([("appstore", 1), ("appstore", 4), ("trustpilot", 5)])
    ]
    archive.add_mentions(rows)
    ev = load_events(archive, ["Acme"], d - timedelta(days=1), d + timedelta(days=1), BERLIN)
    got = rating_averages(ev, "Acme", [date(2026, 11, 2)]).set_index("source")
    assert got.loc["appstore", "rating"] == 2.5 and got.loc["appstore", "n"] == 2
    assert got.loc["trustpilot", "rating"] == 5


# ----------------------------------------------------------------------------- baseline


def _days(n=56, last=date(2026, 10, 13)):
    return [last - timedelta(days=n - 1 - i) for i in range(n)]


def test_baseline_learns_the_day_of_week_pattern():
    days = _days()
    rng = np.random.default_rng(3)
    y = np.array([rng.poisson(12 if d.weekday() == 0 else 3) for d in days])
    monday, sunday = date(2026, 10, 19), date(2026, 10, 18)
    on_monday = expect(y, days, [(monday, 1.0)], 13)
    on_sunday = expect(y, days, [(sunday, 1.0)], 13)
    assert on_monday.model.startswith("dow")
    assert on_monday.p_value > 0.2 and on_sunday.p_value < 0.01
    assert 9 < on_monday.expected < 15 and on_sunday.expected < 5


def test_a_past_incident_is_down_weighted_and_does_not_mask_the_next():
    days = _days()
    rng = np.random.default_rng(5)
    y = rng.poisson(4, len(days)).astype(float)
    clean = expect(y, days, [(date(2026, 10, 14), 1.0)], 16)
    y[30] += 60  # an old incident in the baseline
    spiky = expect(y, days, [(date(2026, 10, 14), 1.0)], 16)
    assert days[30] in spiky.downweighted and not clean.downweighted
    assert spiky.p_value < 0.01 and abs(spiky.expected - clean.expected) < 1.0


def test_over_dispersion_asks_for_more_evidence():
    days = _days()
    rng = np.random.default_rng(9)
    calm = rng.poisson(5, len(days)).astype(float)
    noisy = rng.negative_binomial(1.5, 1.5 / (1.5 + 5), len(days)).astype(float)
    noisy *= calm.mean() / max(noisy.mean(), 1e-9)
    a = expect(calm, days, [(date(2026, 10, 14), 1.0)], 12)
    b = expect(np.round(noisy), days, [(date(2026, 10, 14), 1.0)], 12)
    assert b.dispersion > 2 * a.dispersion and b.p_value > 3 * a.p_value


def test_an_empty_series_expects_almost_nothing():
    e = expect(np.zeros(56), _days(), [(date(2026, 10, 14), 1.0)], 6)
    assert e.model == "empty" and e.expected < 0.05 and e.p_value < 1e-6
    assert expect(np.zeros(56), _days(), [(date(2026, 10, 14), 1.0)], 0).p_value == 1.0
