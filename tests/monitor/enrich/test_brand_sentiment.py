"""Per-brand sentiment of comparison posts (``mention_brands.sentiment``): each brand is judged
by the clauses that name it, a post naming one brand is unchanged, re-enrichment recomputes
the labels, and detection and the digest count the competitor by its own label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.core.archive import Archive
from monitor.core.config import parse_watchlist
from monitor.core.times import days_window
from monitor.detect.counts import TOTAL, load_events
from monitor.enrich.brand_links import link_brands
from monitor.enrich.brand_sentiment import (
    Unit,
    brand_label,
    brand_matchers,
    brand_units,
    hit_context_is_other_brands,
)
from monitor.enrich.run import (
    EnrichStats,
    analyse_batch,
    pending_ids,
    read_batch,
    run_enrich,
    watchlist_taxonomy,
    write_batch,
)
from nlp.aspects import aspect_label
from nlp.sentiment import SentimentResult
from reports import queries as q
from tests.helpers.watchlists import MINIMAL_WATCHLIST

WHEN = datetime(2026, 11, 20, 10, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")

# Comparison posts as customers write them (de and en), and one naming one brand only.
WAITING = "Paketwerk lässt mich seit einer Woche warten, Warenblitz liefert immer am nächsten Tag."
LOST_DE = "Paketwerk hat mein Paket verloren, Warenblitz liefert immer am nächsten Tag."
LOST_EN = "Paketwerk lost my parcel again, Warenblitz always delivers the next day."
WHILE_EN = "Paketwerk lost my parcel again, while Warenblitz always delivers the next day."
REVERSED = "Warenblitz hat mein Paket verloren, bei Paketwerk ist das noch nie passiert."
SUPPORT = (
    "Paketwerk oder Warenblitz? Ich nutze Paketwerk Plus seit gut einem Jahr. Preis gut, aber der "
    "Kundenservice ist eine Katastrophe. Bei Warenblitz hatte ich nie Probleme."
)
ONE_SIDED = "Paketwerk oder Warenblitz? Ich nutze Paketwerk Plus seit gut einem Jahr. Der Kundenservice ist eine Katastrophe."
JOINT = "Switched from Paketwerk to Warenblitz, best decision ever."
ALONE = "Die Lieferung von Paketwerk kam nie an."


def _wl(tmp_path):
    return parse_watchlist(
        {
            **MINIMAL_WATCHLIST,
            "archive": str(tmp_path / "archive.db"),
            "brands": [
                {"name": "Paketwerk", "competitors": ["Warenblitz"]},
                {"name": "Warenblitz", "aliases": ["Waren Blitz"], "competitor": True},
            ],
        }
    )


@pytest.fixture
def wl(tmp_path):
    return _wl(tmp_path)


def _add(arc: Archive, wl, texts: list[str]) -> list[int]:
    """Social posts fetched by Paketwerk's search, linked to every brand they name."""
    stats = arc.add_mentions(
        {
            "source": "reddit",
            "external_id": str(i),
            "author": f"kunde{i}",
            "text": t,
            "published_at": WHEN,
            "fetched_at": WHEN,
            "brand": "Paketwerk",
            "content_hash": f"h{i}",
        }
        for i, t in enumerate(texts)
    )
    link_brands(arc, wl)
    return stats.new_ids


def _labels(arc: Archive, mid: int) -> dict[str, str | None]:
    rows = arc.conn.execute("SELECT brand, sentiment FROM mention_brands WHERE mention_id = ?", (mid,))
    return dict(rows.fetchall())


def _units(wl, text: str, lang: str = "de", brands=("Paketwerk", "Warenblitz")) -> dict[str, list[str]]:
    (found,) = brand_units([(text, lang, brands)], brand_matchers(wl))
    return {b: [u.text for u in units] for b, units in found.items()}


# --------------------------------------------------------------------------- which words are whose


def test_each_brand_gets_the_clause_that_names_it(wl):
    assert _units(wl, WAITING) == {
        "Paketwerk": ["Paketwerk lässt mich seit einer Woche warten"],
        "Warenblitz": ["Warenblitz liefert immer am nächsten Tag."],
    }
    assert _units(wl, LOST_EN, "en") == {
        "Paketwerk": ["Paketwerk lost my parcel again"],
        "Warenblitz": ["Warenblitz always delivers the next day."],
    }
    # "…, while B…" contrasts (it does not open a clause that belongs to A's).
    assert _units(wl, WHILE_EN, "en") == {
        "Paketwerk": ["Paketwerk lost my parcel again"],
        "Warenblitz": ["while Warenblitz always delivers the next day."],
    }
    # An alias names the brand as its name does (the matcher brand_links links with).
    assert _units(wl, "Paketwerk ist langsam, Waren Blitz ist schnell.")["Warenblitz"] == [
        "Waren Blitz ist schnell."
    ]


def test_sentences_without_a_brand_continue_the_brand_named_alone_before_them(wl):
    assert _units(wl, SUPPORT) == {
        "Paketwerk": [
            "Ich nutze Paketwerk Plus seit gut einem Jahr.",
            "Preis gut, aber der Kundenservice ist eine Katastrophe.",
        ],
        "Warenblitz": ["Bei Warenblitz hatte ich nie Probleme."],
    }
    # After a sentence naming both, a verdict belongs to neither.
    assert _units(wl, "Paketwerk ist langsam, Warenblitz ist schnell. Echt enttäuschend.") == {
        "Paketwerk": ["Paketwerk ist langsam"],
        "Warenblitz": ["Warenblitz ist schnell."],
    }


def test_no_labels_when_the_brands_cannot_be_told_apart(wl):
    assert _units(wl, JOINT, "en") == {}  # both in one clause
    assert _units(wl, ONE_SIDED) == {}  # only one brand has words of its own
    assert _units(wl, ALONE, brands=("Paketwerk",)) == {}  # one brand: nothing to parse
    assert _units(wl, WAITING, brands=("Paketwerk", "Removed")) == {}  # no longer a brand


def _result(neg: float, neu: float, pos: float) -> SentimentResult:
    probs = {"negative": neg, "neutral": neu, "positive": pos}
    label = max(probs, key=probs.__getitem__)
    return SentimentResult(label, probs[label], probs, False)


def test_one_clause_is_labelled_exactly_as_a_topic_hit(wl):
    from nlp.topics import Taxonomy

    text = "Der Kundenservice von Paketwerk ist eine Katastrophe, ich warte seit Tagen. Warenblitz ist super."
    (units,) = brand_units([(text, "de", ("Paketwerk", "Warenblitz"))], brand_matchers(wl))
    ours = units["Paketwerk"]
    assert [(u.text, u.context) for u in ours] == [
        ("Der Kundenservice von Paketwerk ist eine Katastrophe", text.split(". ")[0] + "."),
    ]
    (hit,) = Taxonomy({"service": {"keywords": {"de": ["Kundenservice"]}}}).analyse(text, "de")
    results = {
        hit.clause: _result(0.5, 0.3, 0.2),
        hit.sentence: _result(0.2, 0.3, 0.5),
    }
    for rating in (None, 1, 5):
        assert brand_label(ours, results.__getitem__, "de", rating) == aspect_label(
            results[hit.clause], hit, results[hit.sentence], "de", rating
        )


def test_the_aspect_rules_apply_to_a_brand():
    neg = {"Bei Paketwerk hatte ich nie Probleme.": _result(0.6, 0.3, 0.1)}
    praise = Unit("Bei Paketwerk hatte ich nie Probleme.", None, negated_complaint=True, own=True)
    assert brand_label([praise], neg.__getitem__, "de")[0] == "neutral"  # negated complaint
    pos = {"Paketwerk, bitte baut endlich eine App.": _result(0.1, 0.3, 0.6)}
    wish = Unit("Paketwerk, bitte baut endlich eine App.", None, negated_complaint=False, own=True)
    assert brand_label([wish], pos.__getitem__, "de")[0] == "neutral"  # a request
    assert brand_label([wish], pos.__getitem__, "de", rating=1)[0] == "negative"  # 1★ prior


# --------------------------------------------------------------------------- enrichment (word model)


class WordModel:
    """Labels by a few complaint and praise words: which text reaches the model decides the
    label, so the tests can tell whose clause a brand was judged by."""

    version = "words-v1"
    NEGATIVE = ("verloren", "katastrophe", "lost", "warten")
    POSITIVE = ("nächsten tag", "next day", "nie probleme", "nie passiert", "best")

    def __init__(self):
        self.texts: list[str] = []

    def predict(self, texts, **kw):
        self.texts.extend(texts)
        out = []
        for t in texts:
            low = t.lower()
            neg = sum(w in low for w in self.NEGATIVE)
            pos = sum(w in low for w in self.POSITIVE)
            out.append(
                _result(
                    *((0.8, 0.1, 0.1) if neg > pos else (0.1, 0.1, 0.8) if pos > neg else (0.1, 0.8, 0.1))
                )
            )
        return out


def test_enrichment_writes_a_label_per_brand_and_leaves_one_brand_posts_alone(wl, arc):
    ids = _add(arc, wl, [LOST_DE, REVERSED, ALONE, JOINT, ONE_SIDED])
    model = WordModel()
    run_enrich(wl, arc, model=model)
    lost, rev, alone, joint, one_sided = ids
    assert _labels(arc, lost) == {"Paketwerk": "negative", "Warenblitz": "positive"}
    assert _labels(arc, rev) == {"Paketwerk": "positive", "Warenblitz": "negative"}
    assert _labels(arc, alone) == {"Paketwerk": None}
    assert _labels(arc, joint) == {"Paketwerk": None, "Warenblitz": None}
    assert _labels(arc, one_sided) == {"Paketwerk": None, "Warenblitz": None}
    assert "Paketwerk hat mein Paket verloren" in model.texts  # in the batch's one model call
    score = arc.conn.execute(
        "SELECT score FROM mention_brands WHERE mention_id = ? AND brand = 'Paketwerk'", (lost,)
    ).fetchone()[0]
    assert score == pytest.approx(0.8)


def test_re_enrichment_recomputes_the_labels_and_the_cache_answers(wl, arc):
    lost, alone = _add(arc, wl, [LOST_DE, ALONE])
    run_enrich(wl, arc, model=WordModel())
    with arc.conn:  # labels of an older run, now wrong
        arc.conn.execute("UPDATE mention_brands SET sentiment = 'neutral', score = 0.5")
    # A taxonomy change re-enriches every mention; every text is in the sentiment cache.
    data = wl.model_dump(mode="json", exclude_none=True)
    data.pop("source_path", None)
    data["topics"]["app"] = {"keywords": {"de": ["App"]}}
    wl2 = parse_watchlist(data)
    again = WordModel()
    stats = run_enrich(wl2, arc, model=again)
    assert stats.enriched == 2 and again.texts == [] and stats.cache_hits > 0
    assert _labels(arc, lost) == {"Paketwerk": "negative", "Warenblitz": "positive"}
    assert _labels(arc, alone) == {"Paketwerk": None}


def _store_unlinked(arc: Archive, texts: list[str]) -> list[int]:
    """Mentions as an archive enriched before brand links had them: the source link only."""
    return arc.add_mentions(
        {
            "source": "reddit",
            "external_id": f"old{i}",
            "text": t,
            "published_at": WHEN,
            "fetched_at": WHEN,
            "brand": "Paketwerk",
            "content_hash": f"old{i}",
        }
        for i, t in enumerate(texts)
    ).new_ids


def _stale(arc: Archive) -> set[int]:
    return {r[0] for r in arc.conn.execute("SELECT mention_id FROM enrichments WHERE brands_stale = 1")}


def test_mentions_enriched_before_their_links_get_brand_labels_at_the_next_enrich(wl, arc):
    lost, alone = _store_unlinked(arc, [LOST_DE, ALONE])
    run_enrich(wl, arc, model=WordModel())  # enriched with one brand each: nothing per brand
    assert _labels(arc, lost) == {"Paketwerk": None}
    stats = link_brands(arc, wl)  # the first link run of an upgraded archive
    assert stats.stale == 1 and _stale(arc) == {lost}  # the one-brand post is left alone
    assert pending_ids(arc, "words-v1", watchlist_taxonomy(wl).version) == [lost]
    model = WordModel()
    again = run_enrich(wl, arc, model=model)
    assert again.enriched == 1 and _stale(arc) == set()
    assert _labels(arc, lost) == {"Paketwerk": "negative", "Warenblitz": "positive"}
    # Only the brands' own clauses are new to the model; the rest comes from the cache.
    assert set(model.texts) <= {
        "Paketwerk hat mein Paket verloren",
        "Warenblitz liefert immer am nächsten Tag.",
    }
    assert link_brands(arc, wl).stale == 0  # nothing new: nothing redone


def test_a_changed_brand_query_redoes_the_labels_of_the_mentions_whose_links_changed(wl, arc, tmp_path):
    lost, reversed_ = _add(arc, wl, [LOST_DE, REVERSED])
    run_enrich(wl, arc, model=WordModel())
    assert _labels(arc, lost) == {"Paketwerk": "negative", "Warenblitz": "positive"}
    data = wl.model_dump(mode="json", exclude_none=True)
    data.pop("source_path", None)
    data["brands"][1]["exclude"] = ["liefert immer"]  # a query change: same names, same taxonomy
    wl2 = parse_watchlist(data)
    assert watchlist_taxonomy(wl2).version == watchlist_taxonomy(wl).version
    stats = link_brands(arc, wl2)
    assert stats.relinked_all and stats.stale == 1 and _stale(arc) == {lost}
    run_enrich(wl2, arc, model=WordModel())
    assert _labels(arc, lost) == {"Paketwerk": None}  # one brand left: the mention's own verdict
    assert _labels(arc, reversed_) == {"Paketwerk": "positive", "Warenblitz": "negative"}  # untouched
    assert _stale(arc) == set()


def test_a_batch_analysed_elsewhere_carries_the_brand_labels(wl, arc):
    """The cluster path: rows read here, analysed on a worker (no archive), written here."""
    ids = _add(arc, wl, [LOST_EN, ALONE])
    rows = read_batch(arc, ids)
    batch = analyse_batch(wl, watchlist_taxonomy(wl), WordModel(), rows, lambda hashes: {})
    assert sorted(b[3] for b in batch.brands) == ["Paketwerk", "Warenblitz"]
    write_batch(arc, batch, EnrichStats())
    assert _labels(arc, ids[0]) == {"Paketwerk": "negative", "Warenblitz": "positive"}


# --------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real_model():
    from nlp.sentiment import load_model

    return load_model("embedded", threads=2)


@pytest.mark.slow
def test_the_embedded_model_judges_each_brand_by_its_own_clause(wl, arc, real_model):
    waiting, lost_de, lost_en, while_en, reversed_, alone = _add(
        arc, wl, [WAITING, LOST_DE, LOST_EN, WHILE_EN, REVERSED, ALONE]
    )
    run_enrich(wl, arc, model=real_model)
    whole = dict(arc.conn.execute("SELECT mention_id, sentiment FROM enrichments").fetchall())
    # The model reads the whole comparison as praise (Warenblitz's clause wins); our
    # waiting clause alone it reads as no praise at all.
    assert whole[waiting] == "positive"
    ours = _labels(arc, waiting)
    assert ours["Warenblitz"] == "positive" and ours["Paketwerk"] != "positive"
    for mid in (lost_de, lost_en, while_en):
        assert _labels(arc, mid) == {"Paketwerk": "negative", "Warenblitz": "positive"}
    # ... and their next-day delivery is no delivery complaint about them.
    theirs = arc.conn.execute(
        "SELECT topic, sentiment FROM mention_topics WHERE mention_id = ? AND brand = 'Warenblitz'",
        (lost_de,),
    ).fetchall()
    assert theirs == [("delivery", "positive")]
    assert _labels(arc, reversed_) == {"Paketwerk": "positive", "Warenblitz": "negative"}
    # A post naming one brand: no label of its own, its sentiment the model's for the text.
    assert _labels(arc, alone) == {"Paketwerk": None}
    assert whole[alone] == real_model.predict([ALONE])[0].label == "negative"


@pytest.mark.slow
def test_our_complaints_do_not_raise_the_competitors_negative_share(wl, arc, real_model):
    # Three customers complain about us and praise the competitor; one complains about them.
    posts = [
        LOST_DE,
        LOST_EN,
        "Paketwerk hat meine Bestellung verloren, Warenblitz liefert immer am nächsten Tag.",
    ]
    _add(arc, wl, [*posts, REVERSED])
    run_enrich(wl, arc, model=real_model)
    ev = load_events(
        arc, ["Paketwerk", "Warenblitz"], WHEN - timedelta(days=1), WHEN + timedelta(days=1), BERLIN
    )
    negative = {b: int(ev.series(b, TOTAL)["negative"].sum()) for b in ("Paketwerk", "Warenblitz")}
    assert negative == {"Paketwerk": 3, "Warenblitz": 1}
    win = days_window(WHEN.astimezone(BERLIN).date(), BERLIN)
    theirs = q.period_stats(arc.conn, "Warenblitz", win)
    assert (theirs.negative, theirs.classified) == (1, 4)
    critics = {m.text for m in q.negative_mentions(arc.conn, "Paketwerk", win)}
    assert critics == set(posts)  # the post scolding only Warenblitz is not ours to answer


# --------------------------------------------------------------------------- whose topic hit


def _topic_brands(arc: Archive, mid: int) -> dict[str, str | None]:
    rows = arc.conn.execute("SELECT sentence, brand FROM mention_topics WHERE mention_id = ?", (mid,))
    return dict(rows.fetchall())


def test_a_topic_hit_belongs_to_the_brand_its_clause_is_about(wl, arc):
    lost, alone, support = _add(arc, wl, [LOST_DE, ALONE, SUPPORT])
    run_enrich(wl, arc, model=WordModel())
    # Our lost parcel is our delivery complaint; their next-day delivery is theirs.
    assert _topic_brands(arc, lost) == {
        "Paketwerk hat mein Paket verloren": "Paketwerk",
        "Warenblitz liefert immer am nächsten Tag.": "Warenblitz",
    }
    # A post naming one brand: every hit is every brand's, as before.
    assert _topic_brands(arc, alone) == {"Die Lieferung von Paketwerk kam nie an.": None}
    # A brand-less sentence continuing one that named Paketwerk alone is Paketwerk's.
    assert _topic_brands(arc, support) == {"Preis gut": "Paketwerk"}


class TextModel:
    """Given results for given texts, neutral for the rest."""

    version = "texts-v1"

    def __init__(self, results: dict[str, SentimentResult]):
        self.results = results

    def predict(self, texts, **kw):
        return [self.results.get(t, _result(0.1, 0.8, 0.1)) for t in texts]


def test_a_topic_hit_about_one_brand_is_not_judged_by_the_other_brands_words(wl, arc):
    (lost,) = _add(arc, wl, [LOST_DE])
    model = TextModel(
        {
            LOST_DE: _result(0.9, 0.05, 0.05),  # the whole sentence reads as our complaint
            "Paketwerk hat mein Paket verloren": _result(0.9, 0.05, 0.05),
            "Warenblitz liefert immer am nächsten Tag.": _result(0.2, 0.1, 0.7),
        }
    )
    run_enrich(wl, arc, model=model)
    rows = arc.conn.execute(
        "SELECT brand, sentiment FROM mention_topics WHERE mention_id = ? ORDER BY brand", (lost,)
    ).fetchall()
    # Their next-day delivery is praise of them, not a delivery complaint about them.
    assert rows == [("Paketwerk", "negative"), ("Warenblitz", "positive")]


def test_only_a_sentence_holding_another_brands_words_is_left_out_of_a_hit():
    clause, sentence = "Warenblitz liefert schnell", "Warenblitz liefert schnell, Paketwerk nie."
    theirs = Unit(clause, None, negated_complaint=False, own=True)  # the sentence names both
    alone = Unit(clause, "Warenblitz liefert schnell, wirklich.", negated_complaint=False, own=True)
    continued = Unit(sentence, None, negated_complaint=False, own=False)
    assert hit_context_is_other_brands(("Warenblitz", theirs), sentence, clause)
    assert not hit_context_is_other_brands(("Warenblitz", alone), alone.context, clause)
    assert not hit_context_is_other_brands(("Warenblitz", continued), sentence, clause)
    assert not hit_context_is_other_brands(None, sentence, clause)  # every brand's clause
    assert not hit_context_is_other_brands(("Warenblitz", theirs), clause, clause)


def test_a_clause_naming_both_brands_or_a_batch_analysed_elsewhere(wl, arc):
    both = "Paketwerk und Warenblitz verlieren beide ständig Pakete."
    ids = _add(arc, wl, [both, LOST_EN])
    batch = analyse_batch(wl, watchlist_taxonomy(wl), WordModel(), read_batch(arc, ids), lambda hashes: {})
    write_batch(arc, batch, EnrichStats())
    rows = arc.conn.execute("SELECT mention_id, brand FROM mention_topics ORDER BY id").fetchall()
    assert (ids[0], None) in rows  # a clause about both counts for both
    assert (ids[1], "Paketwerk") in rows
