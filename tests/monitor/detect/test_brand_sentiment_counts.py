"""Detection counts a comparison post with each brand's own sentiment (``mention_brands.sentiment``):
our complaints next to a competitor's praise do not raise the competitor's negative figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.core.times import day_window
from monitor.detect.counts import TOTAL, load_events, window_count
from tests.helpers.detect import Mention, add

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 19)
WHEN = datetime(2026, 11, 19, 10, tzinfo=UTC)


def _link(archive, mid: int, brand: str, sentiment: str | None, score: float | None = None) -> None:
    """The text link brand_links writes, with the label enrichment gave this brand."""
    archive.conn.execute(
        "INSERT OR REPLACE INTO mention_brands (mention_id, brand, published_at, via, sentiment, score)"
        " SELECT id, ?, published_at, 'text', ?, ? FROM mentions WHERE id = ?",
        (brand, sentiment, score, mid),
    )
    archive.conn.commit()


def _events(archive):
    return load_events(
        archive, ["Acme", "Warenblitz"], WHEN - timedelta(days=1), WHEN + timedelta(days=1), BERLIN
    )


def test_our_complaint_next_to_their_praise_counts_against_us_only(archive):
    # Five customers compare: the mention as a whole reads negative, its delivery clause neutral.
    text = "Acme lässt mich seit einer Woche warten, Warenblitz liefert am nächsten Tag."
    ids = add(archive, [Mention(WHEN, f"c{i}", text, aspect="neutral") for i in range(5)])
    for mid in ids:
        _link(archive, mid, "Warenblitz", "positive", 0.88)
        archive.conn.execute(
            "UPDATE mention_brands SET sentiment = 'negative', score = 0.7 WHERE mention_id = ? AND brand = 'Acme'",
            (mid,),
        )
    archive.conn.commit()
    # One plain complaint about Warenblitz alone (no per-brand label: its own sentiment).
    add(archive, [Mention(WHEN, "w", "Warenblitz Paket kam kaputt an.", brand="Warenblitz")])

    ev = _events(archive)
    win = day_window(DAY, BERLIN)
    ours, theirs = window_count(ev, "Acme", TOTAL, win), window_count(ev, "Warenblitz", TOTAL, win)
    assert (ours.total, ours.negative) == (5, 5)
    assert (theirs.total, theirs.negative) == (6, 1)  # before: 6 of 6 negative
    # The topic rule's "the whole mention complains" is "it complains about this brand".
    assert window_count(ev, "Acme", "delivery", win).negative == 5
    assert window_count(ev, "Warenblitz", "delivery", win).negative == 1
    rows = ev.mentions.set_index(["id", "brand"])
    first = ids[0]
    assert rows.loc[(first, "Acme"), "sentiment"] == "negative"
    assert rows.loc[(first, "Acme"), "prob_negative"] == 0.7  # the brand's own score
    assert rows.loc[(first, "Warenblitz"), "sentiment"] == "positive"
    # Praised here: at most what its positive label leaves, not the mention's 0.9.
    assert abs(rows.loc[(first, "Warenblitz"), "prob_negative"] - 0.12) < 1e-9


def test_a_post_without_per_brand_labels_counts_as_before(archive):
    (mid,) = add(archive, [Mention(WHEN, "a", "Acme oder Warenblitz? Beide furchtbar.")])
    _link(archive, mid, "Warenblitz", None)
    ev = _events(archive)
    win = day_window(DAY, BERLIN)
    for brand in ("Acme", "Warenblitz"):
        c = window_count(ev, brand, TOTAL, win)
        assert (c.total, c.negative) == (1, 1)
        assert window_count(ev, brand, "delivery", win).negative == 1
    assert ev.mentions["prob_negative"].tolist() == [0.9, 0.9]
