"""reports.queries: local-day windows, counts, topic trends, source health, live alerts."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from monitor.core.archive import Archive
from monitor.core.times import days_window
from reports import queries as q
from reports.triage import answer_today
from tests.helpers.digest import (
    APPSTORE_KEY,
    DAY,
    TRUSTPILOT_KEY,
    TZ,
    add_alert,
    add_crawl_run,
    add_mention,
    local_time,
)


@pytest.fixture
def arc():
    a = Archive.memory()
    yield a
    a.close()


def test_window_is_a_local_day_across_dst():
    # 2026-10-25: Berlin leaves summer time, the day has 25 hours
    w = days_window(date(2026, 10, 25), TZ)
    assert (w.start_iso, w.end_iso) == ("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")
    w28 = days_window(DAY, TZ, 28)
    assert w28.days == 28 and w28.first == DAY - timedelta(days=27)


def test_period_stats_count_local_day_and_skip_duplicates(arc):
    add_mention(arc, text="Paket kam nie an", rating=1, published=local_time(DAY, 0, 30), external_id="a")
    # same text again (a repost): marked duplicate, not counted
    add_mention(arc, text="Paket kam nie an!", rating=1, published=local_time(DAY, 1), external_id="b")
    add_mention(arc, text="Super schnell", rating=5, published=local_time(DAY, 23, 59), external_id="c")
    add_mention(arc, text="ok", rating=3, published=local_time(DAY, 12), external_id="d")
    # 23:30 Berlin on the day before is 22:30 UTC: outside the local day
    add_mention(
        arc, text="gestern", rating=1, published=local_time(DAY - timedelta(days=1), 23, 30), external_id="e"
    )
    s = q.period_stats(arc.conn, "Acme", days_window(DAY, TZ))
    assert (s.mentions, s.negative, s.positive, s.rated) == (3, 1, 1, 3)
    assert s.avg_rating == pytest.approx(3.0)
    assert s.review_nps == pytest.approx(100 * (1 - 2) / 3)  # 3★ counts as low
    assert s.net_sentiment == pytest.approx(0.0)
    empty = q.period_stats(arc.conn, "Other", days_window(DAY, TZ))
    assert empty.negative_share is None and empty.avg_rating is None and empty.review_nps is None


def test_topic_trends_bucket_by_local_day_and_use_aspect_sentiment(arc):
    add_mention(
        arc,
        text="Lieferung spät, Preis gut",
        rating=None,
        sentiment="positive",
        published=local_time(DAY, 0, 10),
        external_id="a",
        topics={"delivery": "negative", "price": "positive"},
    )
    add_mention(
        arc,
        text="Lieferung ok",
        sentiment="neutral",
        published=local_time(DAY - timedelta(days=3), 9),
        external_id="b",
        topics={"delivery": None},
    )
    trends = {t.topic: t for t in q.topic_trends(arc.conn, "Acme", DAY, TZ)}
    d = trends["delivery"]
    assert len(d.daily) == 28 and d.today == 1 and d.today_negative == 1
    assert d.daily[-4] == 1 and d.total == 2
    assert trends["price"].negative_share == 0.0


def test_source_health_from_the_latest_runs(arc):
    add_crawl_run(arc, source_key=APPSTORE_KEY, status="ok", at=local_time(DAY, 5))
    add_crawl_run(arc, source_key=TRUSTPILOT_KEY, spider="trustpilot", status="ok", at=local_time(DAY, 4))
    add_crawl_run(
        arc,
        source_key=TRUSTPILOT_KEY,
        spider="trustpilot",
        status="failed",
        at=local_time(DAY, 5),
        message="HTTP 403",
    )
    add_crawl_run(arc, source_key=TRUSTPILOT_KEY, spider="trustpilot", status="failed", at=local_time(DAY, 6))
    # health is the newest run's, also when it came after the digest day (the 07:00 digest
    # must show the spider that broke overnight)
    add_crawl_run(arc, source_key=APPSTORE_KEY, status="ok", at=local_time(DAY + timedelta(days=1), 5))
    add_crawl_run(
        arc,
        source_key=TRUSTPILOT_KEY,
        spider="trustpilot",
        status="failed",
        at=local_time(DAY + timedelta(days=1), 5),
    )
    configured = [("appstore", APPSTORE_KEY), ("trustpilot", TRUSTPILOT_KEY), ("reddit", "reddit:query=acme")]
    infos = {s.source: s for s in q.source_stats(arc.conn, "Acme", days_window(DAY, TZ), configured)}
    assert not infos["appstore"].broken and infos["appstore"].last_status == "ok"
    tp = infos["trustpilot"]
    assert tp.broken and tp.failures_in_row == 3
    assert infos["reddit"].last_status is None and not infos["reddit"].broken
    assert [s.source for s in q.source_stats(arc.conn, "Acme", days_window(DAY, TZ), configured)][
        0
    ] == "trustpilot"


def test_alerts_live_on_the_day(arc):
    live = add_alert(arc)
    add_alert(
        arc,
        topic="price",
        status="resolved",
        first_seen="2026-11-10",
        window_start="2026-11-10",
        window_end="2026-11-12",
    )
    later = add_alert(arc, topic="app", first_seen="2026-11-22", window_start="2026-11-22")
    broken = add_alert(arc, topic="ads", examples="{not json", sources="oops")
    got = {a.id: a for a in q.alerts_for_day(arc.conn, "Acme", DAY)}
    assert set(got) == {live, broken}
    assert got[live].is_new and got[live].examples[0].url.startswith("https://")
    assert got[broken].examples == [] and got[broken].sources == []
    assert later in {a.id for a in q.alerts_for_day(arc.conn, "Acme", DAY + timedelta(days=1))}


def test_alert_example_without_url_links_its_mention(arc):
    mid = add_mention(
        arc,
        text="Paket fehlt",
        rating=1,
        published=local_time(DAY, 9),
        external_id="m1",
        url="https://de.trustpilot.com/reviews/m1",
    )
    add_alert(arc, examples=json.dumps([{"mention_id": mid, "quote": "Paket fehlt"}]))
    (alert,) = q.alerts_for_day(arc.conn, "Acme", DAY)
    assert alert.examples[0].url == "https://de.trustpilot.com/reviews/m1"


def test_answer_today_ranks_rating_churn_reach_and_recency(arc):
    end = days_window(DAY, TZ).end
    mk = lambda ext, **kw: add_mention(arc, external_id=ext, **kw)  # noqa: E731
    mild = mk("mild", text="nicht so toll", sentiment="negative", published=local_time(DAY, 22))
    loud = mk("loud", text="App stürzt ab", rating=2, reach=5000, published=local_time(DAY, 9))
    churn = mk(
        "churn", text="Ich wechsle zu Zalando", rating=3, sentiment="negative", published=local_time(DAY, 8)
    )
    worst = mk("worst", text="Schlimmster Laden", rating=1, published=local_time(DAY, 20))
    mentions = q.negative_mentions(arc.conn, "Acme", days_window(DAY, TZ))
    ranked = answer_today(mentions, now=end, competitors=["Zalando"], limit=3)
    ids = [r.mention.id for r in ranked]
    assert len(ids) == 3 and mild not in ids
    assert set(ids) == {loud, churn, worst}
    assert ranked[0].score >= ranked[1].score >= ranked[2].score


@pytest.mark.parametrize(
    "text,reason",
    [
        ("Ich kündige jetzt", "cancellation"),
        ("I will cancel my subscription", "cancellation"),
        ("I will cancel my order", None),  # an order action, not churn
        ("ab jetzt nur noch bei Zalando", "switch to Zalando"),
        ("Zalandos Preise", None),
        ("Zalando ist auch nicht besser", None),
        ("Das Wechselgeld stimmte nicht", None),
        ("alles gut", None),
    ],
)
def test_churn_reason_is_detections_rule(text, reason):
    assert q.churn_reason(text, ["Zalando"]) == reason


def test_churn_from_the_watchlists_own_topic_replaces_the_cues():
    assert q.churn_reason("Ich kündige", custom_topic=True) is None
    assert q.churn_reason("Vertrag läuft aus", custom_topic=True, topic_match=True) == "cancellation"


def test_survey_summary_none_without_rows(arc):
    assert q.survey_summary(arc.conn, "Acme", DAY, {}) is None


def test_survey_uses_stored_topic_tags_and_falls_back_to_keywords(arc):
    from tests.helpers.digest import add_survey

    add_survey(arc)
    taxonomy = {"delivery": (["Lieferung"], []), "price": (["Preis"], [])}
    plain = q.survey_summary(arc.conn, "Acme", DAY, taxonomy)
    assert dict(plain.detractor_topics) == {"delivery": 2, "price": 1}
    # monitor.enrich.survey_topics tagged the "Preis zu hoch" comment as quality, none for another
    rid = arc.conn.execute("SELECT id FROM survey_responses WHERE comment LIKE 'Preis%'").fetchone()[0]
    other = arc.conn.execute("SELECT id FROM survey_responses WHERE comment LIKE '%beschädigt'").fetchone()[0]
    with arc.conn:
        arc.conn.execute(
            "UPDATE survey_responses SET taxonomy_version = 'tax-1' WHERE id IN (?, ?)", (rid, other)
        )
        arc.conn.execute(
            "INSERT INTO survey_topics (response_id, topic, keyword, taxonomy_version)"
            " VALUES (?, 'quality', 'Qualität', 'tax-1')",
            (rid,),
        )
    tagged = q.survey_summary(arc.conn, "Acme", DAY, taxonomy)
    assert dict(tagged.detractor_topics) == {"delivery": 1, "quality": 1}


@pytest.mark.parametrize(
    "key,detail",
    [
        (
            "feed:url=https://www.google.com/alerts/feeds/0731842715912645813/11546018923441172374",
            "www.google.com …172374",
        ),
        ("feed:url=https://forum.example/c/shops/12.rss", "forum.example 12.rss"),
        ("mastodon:hashtag=acme,instance=mastodon.social", "#acme mastodon.social"),
        ("appstore:app_id=284815942,country=de", "284815942"),
        (None, ""),
    ],
)
def test_source_detail_tells_sources_of_one_type_apart(key, detail):
    assert q.SourceInfo("feed", key, "News / Alerts").detail == detail


def test_topic_trends_count_complaints_like_detection(tmp_path):
    """A neutral delivery clause in a 1-star, negative mention is a delivery complaint in
    the digest exactly as in detection; a positive clause never is."""
    from datetime import date as _date
    from zoneinfo import ZoneInfo as _Zone

    from monitor.core.archive import Archive as _Archive
    from reports.queries import topic_trends as _topic_trends

    arc = _Archive.open(tmp_path / "t.db")
    conn = arc.conn
    rows = [
        # id, text, rating, mention sentiment, clause sentiment
        (1, "Sendung hängt seit Tagen im Verteilzentrum. Unmöglich!", 1, "negative", "neutral"),
        (2, "Lieferung super schnell, aber der Preis ist Wucher.", 2, "negative", "positive"),
        (3, "Lieferung kam am Dienstag.", 5, "positive", "neutral"),
    ]
    for mid, text, rating, sent, clause in rows:
        conn.execute(
            "INSERT INTO mentions (id, source, external_id, text, rating, published_at, fetched_at,"
            " brand, content_hash, author) VALUES (?, 'appstore', ?, ?, ?, '2026-11-21T09:00:00Z',"
            " '2026-11-21T10:00:00Z', 'Acme', ?, ?)",
            (mid, str(mid), text, rating, f"h{mid}", f"a{mid}"),
        )
        conn.execute(
            "INSERT INTO enrichments (mention_id, sentiment, score, text_hash, model_version,"
            " enriched_at) VALUES (?, ?, 0.9, 'x', 'm', '2026-11-21T10:00:00Z')",
            (mid, sent),
        )
        conn.execute(
            "INSERT INTO mention_topics (mention_id, topic, keyword, sentence, sentiment,"
            " taxonomy_version) VALUES (?, 'delivery', 'Lieferung', ?, ?, 't')",
            (mid, text, clause),
        )
    conn.commit()
    trends = {t.topic: t for t in _topic_trends(conn, "Acme", _date(2026, 11, 21), _Zone("Europe/Berlin"), 7)}
    assert trends["delivery"].today == 3
    assert trends["delivery"].today_negative == 1
    arc.close()
