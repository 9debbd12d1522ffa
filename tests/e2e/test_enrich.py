"""End to end with the real embedded sentiment model: aspect sentiment per clause."""

from __future__ import annotations

import pytest

from monitor.enrich.run import run_enrich

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    from nlp.sentiment import ModelNotAvailable, load_model

    try:
        return load_model("embedded")
    except ModelNotAvailable as exc:  # the weights are committed; this only guards a broken checkout
        pytest.fail(f"embedded model missing: {exc}")


def test_aspects_get_their_own_clause_sentiment(watchlist, archive, model):
    watchlist.topics["food"] = watchlist.topics["delivery"].model_copy(
        update={"keywords": {"de": ["Essen"], "en": ["food"]}, "label": {}}
    )
    watchlist.topics["service"] = watchlist.topics["delivery"].model_copy(
        update={"keywords": {"de": ["Service", "Personal"], "en": ["staff"]}, "label": {}}
    )
    now = "2026-11-20T10:00:00+00:00"
    texts = [
        "Das Essen war wirklich lecker, aber das Personal war unfreundlich und langsam.",
        "The food was great but the staff were rude.",
        "Kein Problem mit der Lieferung, alles kam pünktlich.",
    ]
    archive.add_mentions(
        {
            "source": "t",
            "external_id": str(i),
            "text": t,
            "published_at": now,
            "fetched_at": now,
            "brand": "Acme",
            "content_hash": f"h{i}",
        }
        for i, t in enumerate(texts)
    )
    stats = run_enrich(watchlist, archive, model=model)
    assert stats.enriched == 3
    rows = archive.conn.execute("SELECT mention_id, topic, sentiment FROM mention_topics").fetchall()
    got = {(mid, topic): s for mid, topic, s in rows}
    assert got[(1, "food")] == "positive" and got[(1, "service")] == "negative"
    assert got[(2, "food")] == "positive" and got[(2, "service")] == "negative"
    assert got[(3, "delivery")] != "negative"
