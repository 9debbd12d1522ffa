"""Linking mentions to every brand they name: comparison posts count for both brands,
review sources stay with their brand, and a changed brand list relinks the history."""

from __future__ import annotations

from datetime import date, timedelta

from monitor.core.config import parse_watchlist
from monitor.detect.run import run_detect
from monitor.enrich.brand_links import link_brands
from tests.helpers.detect import COMPLAINTS, Mention, add, background, local
from tests.helpers.watchlists import MINIMAL_WATCHLIST

DAY = date(2026, 10, 14)


def _wl(tmp_path, **competitor):
    data = {
        **MINIMAL_WATCHLIST,
        "archive": str(tmp_path / "archive.db"),
        "brands": [
            {**MINIMAL_WATCHLIST["brands"][0], "competitors": ["Paketblitz"]},
            {"name": "Beta", "aliases": ["Beta Shop"]},
            {"name": "Paketblitz", "competitor": True, **competitor},
        ],
    }
    return parse_watchlist(data)


def _links(archive, mid):
    return archive.conn.execute(
        "SELECT brand, via FROM mention_brands WHERE mention_id = ? ORDER BY brand", (mid,)
    ).fetchall()


def test_a_comparison_post_is_linked_to_both_brands_a_review_only_to_its_own(tmp_path, archive):
    wl = _wl(tmp_path)
    post, review, other = add(
        archive,
        [
            Mention(local(DAY), "a", "Acme ist langsamer als Beta, nie wieder", source="reddit"),
            Mention(local(DAY), "b", "Bei Beta wäre das nicht passiert", source="appstore"),
            Mention(local(DAY), "c", "Paketblitz liefert pünktlich", source="mastodon", brand="Paketblitz"),
        ],
    )
    stats = link_brands(archive, wl)
    assert stats.linked == 1
    assert _links(archive, post) == [("Acme", "source"), ("Beta", "text")]
    assert _links(archive, review) == [("Acme", "source")]  # a review is the reviewed brand's
    assert _links(archive, other) == [("Paketblitz", "source")]
    assert link_brands(archive, wl).scanned == 0  # nothing new: nothing read again
    brands = archive.conn.execute(
        "SELECT name, competitor, compared_with FROM brands ORDER BY name"
    ).fetchall()
    assert brands == [("Acme", 0, '["Paketblitz"]'), ("Beta", 0, "[]"), ("Paketblitz", 1, "[]")]


def test_changing_a_brand_relinks_the_whole_archive(tmp_path, archive):
    (mid,) = add(
        archive, [Mention(local(DAY), "a", "Acme oder Blitzpaket? Acme war schneller", source="reddit")]
    )
    link_brands(archive, _wl(tmp_path))
    assert _links(archive, mid) == [("Acme", "source")]
    again = link_brands(archive, _wl(tmp_path, aliases=["Blitzpaket"]))
    assert again.relinked_all and again.scanned == 1
    assert _links(archive, mid) == [("Acme", "source"), ("Paketblitz", "text")]


def test_detection_counts_a_comparison_post_for_both_brands_and_never_alerts_a_competitor(tmp_path, archive):
    wl = _wl(tmp_path)
    history = DAY - timedelta(weeks=8)
    for brand, seed in (("Acme", 1), ("Beta", 2), ("Paketblitz", 3)):
        background(archive, history, DAY, brand=brand, seed=seed)
    # Fifteen customers compare Acme with Beta on delivery, fetched by Acme's search.
    add(
        archive,
        [
            Mention(
                local(DAY, 7 + i % 12, i),
                f"cmp-{i}",
                f"Acme und Beta Shop, beide gleich schlecht: {COMPLAINTS[i % len(COMPLAINTS)]}",
                source="reddit",
            )
            for i in range(15)
        ]
        + [
            Mention(
                local(DAY, 7 + i % 12, i), f"pb-{i}", COMPLAINTS[i % 4], source="mastodon", brand="Paketblitz"
            )
            for i in range(15)
        ],
    )
    link_brands(archive, wl)
    changes = run_detect(
        wl, archive, as_of=DAY, now=local(DAY + timedelta(days=1), 6), emerging=lambda *a, **k: []
    )
    spiked = {(c.brand, c.topic) for c in changes if c.kind == "spike"}
    assert ("Acme", "delivery") in spiked and ("Beta", "delivery") in spiked
    assert not [c for c in changes if c.brand == "Paketblitz"]
