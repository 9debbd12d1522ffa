"""Evidence quotes and headlines: what a reader sees of an alert or incident."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from monitor.core.rows import text_hash
from monitor.detect import headlines
from monitor.detect.examples import clause_verdicts, pick_examples, quote_of, title_and_text
from monitor.detect.run import run_detect
from tests.helpers.detect import add, background, burst, local

DAY = date(2026, 10, 14)


def rows(items):
    base = {"source": "appstore", "url": None, "lang": "de", "published_at": "2026-10-14T10:00:00Z"}
    return pd.DataFrame([{"mention_id": i, **base, **item} for i, item in enumerate(items, 1)])


def test_quotes_are_from_distinct_authors_and_never_repeat_their_words():
    found = pick_examples(
        rows(
            [
                {"author_key": "a", "sentence": "Paket weg.", "prob_negative": 0.9},
                {"author_key": "a", "sentence": "Immer noch weg.", "prob_negative": 0.95},
                {"author_key": "b", "sentence": "Immer  noch weg.", "prob_negative": 0.8},
                {"author_key": "c", "sentence": "Lieferung kam nie.", "prob_negative": 0.7},
            ]
        )
    )
    assert [f["quote"] for f in found] == ["Immer noch weg.", "Lieferung kam nie."]


def test_a_clause_that_praises_on_its_own_is_never_evidence():
    items = [
        {
            "author_key": "a",
            "sentence": "Hut ab vor dem Kundenservice",
            "prob_negative": 0.9,
            "sentiment": "negative",
        },
        {
            "author_key": "b",
            "sentence": "Kundenservice ignoriert mich",
            "prob_negative": 0.6,
            "sentiment": "negative",
        },
        # a positive mention: only a clause that complains on its own may be shown
        {
            "author_key": "c",
            "sentence": "Der Kundenservice war nett",
            "prob_negative": 0.1,
            "sentiment": "positive",
        },
        {
            "author_key": "d",
            "sentence": "Nur die Hotline ist eine Frechheit",
            "prob_negative": 0.2,
            "sentiment": "positive",
        },
    ]
    verdicts = {
        "Hut ab vor dem Kundenservice": "positive",
        "Kundenservice ignoriert mich": "negative",
        "Der Kundenservice war nett": "neutral",
        "Nur die Hotline ist eine Frechheit": "negative",
    }
    quotes = [f["quote"] for f in pick_examples(rows(items), verdicts=verdicts)]
    assert quotes == ["Kundenservice ignoriert mich", "Nur die Hotline ist eine Frechheit"]


def test_a_title_repeated_by_the_text_is_quoted_once():
    same = "The chatbot goes in circles and you can never reach a human"
    assert title_and_text(same, same + ". Switching to Warenblitz.") == same + ". Switching to Warenblitz."
    assert title_and_text("The chatbot goes in circles…", same + ".") == same + "."
    assert title_and_text("Leider schlecht", "Paket weg.") == "Leider schlecht — Paket weg."
    assert quote_of(pd.Series({"title": same, "text": same, "sentence": None})) == same


def test_clause_verdicts_come_from_the_sentiment_cache(archive):
    with archive.conn:
        archive.conn.execute(
            "INSERT INTO sentiment_cache (text_hash, model_version, sentiment, score) VALUES (?, 'm1', 'positive', 0.9)",
            (text_hash("Hut ab vor dem Kundenservice"),),
        )
    frame = pd.DataFrame(
        {"sentence": ["Hut ab vor dem Kundenservice", "Unbekannt"], "model_version": ["m1", "m1"]}
    )
    assert clause_verdicts(archive.conn, frame) == {"Hut ab vor dem Kundenservice": "positive"}


def test_a_spike_never_quotes_praise_read_as_a_complaint(watchlist, archive):
    background(archive, DAY - timedelta(weeks=8), DAY)
    praise = "Hut ab vor dem Kundenservice"
    mentions = burst(DAY, 12)
    mentions[0].text = f"{praise}. Paket kam trotzdem nicht."
    ids = add(archive, mentions)
    with archive.conn:
        archive.conn.execute(
            "UPDATE mention_topics SET sentence = ?, model_version = 'm1' WHERE mention_id = ?",
            (praise, ids[0]),
        )
        archive.conn.execute(
            "INSERT INTO sentiment_cache (text_hash, model_version, sentiment, score) VALUES (?, 'm1', 'positive', 0.9)",
            (text_hash(praise),),
        )
    [c] = [
        c
        for c in run_detect(
            watchlist, archive, as_of=DAY, now=local(DAY + timedelta(days=1), 6), emerging=lambda *a, **k: []
        )
        if c.topic == "delivery"
    ]
    quotes = [e["quote"] for e in json.loads(archive.db["alerts"].get(c.alert_id)["examples"])]
    assert quotes and praise not in quotes


class _Topics(dict):
    pass


def test_headlines_follow_the_template_with_babel_numbers_and_dates(watchlist):
    lead = headlines.Lead("spike", "delivery", authors=23, expected=5.22, since=date(2026, 11, 19))
    heads = headlines.headlines(watchlist, lead, ["Verteilzentrum", "Abholcode"])
    assert heads["de"] == (
        "Lieferung: 23 Kunden beschweren sich seit 19.11. (sonst etwa 5 am Tag) – Stichworte: Verteilzentrum, Abholcode"
    )
    assert heads["en"] == (
        "Delivery: 23 customers complaining since Nov 19 (usually about 5 a day) – keywords: Verteilzentrum, Abholcode"
    )
    sparse = headlines.Lead("spike", "price", authors=6, expected=0.8, since=date(2026, 11, 19))
    assert "(sonst etwa 0,8 am Tag)" in headlines.headline(watchlist, sparse, [], "de")
    theme = headlines.Lead("theme", "Klimaanlage", authors=9, expected=0.1, since=date(2026, 7, 3))
    assert headlines.headline(watchlist, theme, [], "de") == (
        "„Klimaanlage“: 9 Kunden beschweren sich seit 3.7. (bisher kaum erwähnt)"
    )
    drop = headlines.Lead("rating_drop", None, 12, 3.0, date(2026, 11, 19), rating_now=2.1, rating_before=3.9)
    assert headlines.headline(watchlist, drop, [], "de").startswith("Sternebewertung: Ø 2,1 statt 3,9 Sterne")
