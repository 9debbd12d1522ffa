"""Topic matching: inflection, German compounds, exclusions, fallback keywords, clauses,
negation, and languages without a trained spaCy pipeline."""

from __future__ import annotations

import pytest

from monitor.core.config import Topic
from nlp.lexicon import split_compound
from nlp.topics import Taxonomy, TopicRule

TAXONOMY = {
    "delivery": {
        "keywords": {
            "de": ["Lieferung", "Zustellung", "Paket"],
            "en": ["delivery", "parcel"],
            "it": ["consegna"],
            "nl": ["levering"],
            "fi": ["toimitus"],
        },
    },
    "service": {"keywords": {"de": ["Kundenservice", "Personal"], "en": ["customer service", "staff"]}},
    "food": {"keywords": {"de": ["Essen", "Frühstück"], "en": ["food"]}},
    "price": {"keywords": {"de": ["Preis"], "en": ["price"]}, "exclude": {"de": ["Preisverleihung"]}},
    "location": {"keywords": {"de": ["Lage"]}},
}


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return Taxonomy(TAXONOMY)


@pytest.mark.parametrize(
    "text",
    [
        "Die Lieferung war pünktlich",
        "Zwei Lieferungen fehlen",
        "Es wurde nie geliefert",
        "DIE LIEFERUNG KAM NICHT",
    ],
)
def test_german_inflections_hit_the_keyword(tax, text):
    assert tax.topics(text, "de") == {"delivery"}


@pytest.mark.parametrize("text", ["Two deliveries were late", "The delivery was late", "parcels lost"])
def test_english_inflections_hit_the_keyword(tax, text):
    assert tax.topics(text, "en") == {"delivery"}


@pytest.mark.parametrize(
    "text, topic, matched",
    [
        ("Schon wieder eine Lieferverzögerung", "delivery", "Lieferverzögerung"),
        ("Die Paketzustellung dauert ewig", "delivery", "Paketzustellung"),
        ("Die Kundenservicehotline ist nie erreichbar", "service", "Kundenservicehotline"),
        ("Das Frühstücksbuffet war reichhaltig", "food", "Frühstücksbuffet"),
        ("Tolle Innenstadtlage", "location", "Innenstadtlage"),
    ],
)
def test_german_compounds_hit_their_parts(tax, text, topic, matched):
    hits = [h for h in tax.analyse(text, "de") if h.topic == topic]
    assert [h.matched_text for h in hits] == [matched]


def test_compound_splitting_is_lexicon_driven_not_substrings(tax):
    assert split_compound("Lieferverzögerung") == ("liefer", "verzögerung")
    assert split_compound("Kundenservicehotline") == ("kunden", "service", "hotline")
    # verb particles are never parts: "Lage" must not hit Auflage / Anlage / Niederlage
    for word in ("Auflage", "Anlage", "Niederlage"):
        assert split_compound(word) == (word.lower(),)
        assert tax.topics(f"Die {word} ist neu", "de") == set()
    # a keyword is not a substring match: "Essen" does not hit "Essenz"
    assert tax.topics("Die Essenz des Ganzen", "de") == set()


def test_exclusion_blocks_only_the_excluded_word(tax):
    assert tax.topics("Bei der Preisverleihung war alles toll", "de") == set()
    assert tax.topics("Die Preisverleihungen im Hotel", "de") == set()
    assert tax.topics("Der Preis ist zu hoch, die Preisverleihung egal", "de") == {"price"}
    assert tax.topics("Preiserhöhung schon wieder", "de") == {"price"}  # compounds still count


def test_clause_carries_the_aspect(tax):
    hits = {
        h.topic: h for h in tax.analyse("Essen gut, aber Service eine Frechheit, Personal unfreundlich", "de")
    }
    assert hits["food"].clause == "Essen gut"
    assert hits["service"].clause == "Personal unfreundlich"
    sub = tax.analyse("Das Frühstück, das wir hatten, war kalt.", "de")
    assert sub[0].clause == "Das Frühstück, das wir hatten, war kalt."
    en = {h.topic: h.clause for h in tax.analyse("The food was great but the staff were rude.", "en")}
    assert en == {"food": "The food was great", "service": "but the staff were rude."}


def test_negated_complaint_is_flagged(tax):
    (hit,) = tax.analyse("Kein Problem mit der Lieferung.", "de")
    assert hit.negated and hit.negated_complaint
    (en,) = tax.analyse("Never had an issue with delivery", "en")
    assert en.negated_complaint
    (plain,) = tax.analyse("Probleme mit der Lieferung, nie wieder.", "de")
    assert not plain.negated_complaint
    (mixed,) = tax.analyse("Kein Problem mit der Lieferung und trotzdem kaputte Ware", "de")
    assert not mixed.negated_complaint  # "kaputte" is not negated
    first, second = tax.analyse("Kein Problem mit der Lieferung, aber das Paket war kaputt", "de")
    assert first.negated_complaint and not second.negated_complaint


def test_languages_without_a_trained_pipeline(tax):
    assert tax.topics("Le consegne sono in ritardo", "it") == {"delivery"}
    assert tax.topics("Twee leveringen kwamen te laat", "nl") == {"delivery"}
    assert tax.topics("toimitus myöhässä", "fi") == {"delivery"}  # no lemma table: exact words
    assert tax.topics("Die Lieferung", "fr") == set()  # no keywords for French
    assert tax.topics("Die Lieferung", None) == set()


def test_fallback_keywords_only_where_nothing_specific_matched():
    tax = Taxonomy(
        {
            "hotel": {"keywords": {"de": ["Pool"]}, "fallback": {"de": ["Hotel"]}},
            "room": {"keywords": {"de": ["Zimmer"]}},
        }
    )
    assert tax.topics("Ein schönes Hotel.", "de") == {"hotel"}
    assert tax.topics("Das Hotel hat kleine Zimmer.", "de") == {"room"}
    assert tax.topics("Das Hotel hat kleine Zimmer. Ein tolles Hotel!", "de") == {"room", "hotel"}
    assert tax.topics("Das Hotel hat einen Pool und Zimmer.", "de") == {"hotel", "room"}


def test_catch_all_takes_sentences_without_topic():
    tax = Taxonomy(
        {
            "general": {"keywords": {"de": ["Hotel"]}, "catch_all": True},
            "room": {"keywords": {"de": ["Zimmer"]}},
        }
    )
    hits = tax.analyse("Zimmer gut. Wir kommen wieder!", "de")
    assert [(h.topic, h.keyword, h.clause) for h in hits] == [
        ("room", "Zimmer", "Zimmer gut."),
        ("general", "*", "Wir kommen wieder!"),
    ]


def test_version_follows_the_config_and_accepts_watchlist_topics():
    a = Taxonomy(TAXONOMY).version
    assert a == Taxonomy(dict(TAXONOMY)).version
    changed = {**TAXONOMY, "price": {"keywords": {"de": ["Preis", "Kosten"]}}}
    assert Taxonomy(changed).version != a
    topic = Topic(keywords={"de": ["Preis"]}, exclude={"de": ["Preisverleihung"]})
    rule = TopicRule.of(topic)
    assert rule.exclude == {"de": ["Preisverleihung"]}
    assert Taxonomy({"price": topic}).topics("Preisverleihung", "de") == set()


def test_hit_offsets_point_into_the_text(tax):
    text = "Ärger: die Paketzustellung!"
    (hit,) = tax.analyse(text, "de")
    assert text[hit.start : hit.end] == "Paketzustellung"
    assert text[hit.clause_start : hit.clause_end] == hit.clause


def test_punctuation_inside_a_keyword_is_optional():
    tax = Taxonomy({"checkin": {"keywords": {"en": ["check-in"], "de": ["Check-in"]}}})
    assert tax.topics("The check-in took ages", "en") == {"checkin"}
    assert tax.topics("The check in took ages", "en") == {"checkin"}
    assert tax.topics("Der Check-in dauerte ewig", "de") == {"checkin"}
    assert tax.topics("check your inbox", "en") == set()


@pytest.mark.parametrize("text", ["It doesn’t work since the update.", "It doesn't work since the update."])
def test_typographic_apostrophes_meet_ascii_keywords(text):
    # phone keyboards type ’; a watchlist written with ' must still match (App Store reviews)
    tax = Taxonomy(
        {
            "stability": {"keywords": {"en": ["doesn't work"]}},
            "feed": {"keywords": {"en": ["not interested"]}},
        }
    )
    assert tax.topics(text, "en") == {"stability"}
    assert tax.topics("I said I wasn’t interested, still shown.", "en") == {"feed"}
    curly = Taxonomy({"stability": {"keywords": {"en": ["won’t load"]}}})
    assert curly.topics("The page won't load.", "en") == {"stability"}


# ---------------------------------------------------------------------------------------------
# Brand names are never topic keywords ("Paketwerk" contains the delivery keyword "Paket").

SHOP_TOPICS = {
    "delivery": {"keywords": {"de": ["Paket", "Versand"], "en": ["parcel", "package"]}},
    "app": {"keywords": {"de": ["App"], "en": ["app"]}},
    "customers": {"keywords": {"de": ["Kunde"]}},
    "price": {"keywords": {"de": ["Preis"]}},
}
SHOP_BRANDS = ["Paketwerk", "Paketwerk Plus", "paketwerk.example", "@paketwerk", "Preisfuchs"]


@pytest.fixture(scope="module")
def shop() -> Taxonomy:
    return Taxonomy(SHOP_TOPICS, brands=SHOP_BRANDS)


@pytest.mark.parametrize(
    "text",
    [
        "Paketwerk hat meine Bestellung storniert.",
        "#Paketwerk enttäuscht mich.",
        "Paketwerks Hotline war freundlich.",
        "Mein PAKETWERK Konto ist gesperrt.",
    ],
)
def test_the_brand_name_is_not_a_delivery_mention(shop, text):
    # the problem: German compounds match by part, so "Paketwerk" hits "Paket"
    assert Taxonomy(SHOP_TOPICS).topics(text, "de") == {"delivery"}
    assert shop.topics(text, "de") == set()
    assert shop.topics("Bestellt auf paketwerk.example, alles bestens.", "de") == set()
    assert shop.topics("Danke @paketwerk, Paketwerk Plus lohnt sich.", "de") == set()


def test_the_rest_of_a_word_holding_the_brand_still_counts(shop):
    hits = shop.analyse("Die Paketwerk-App stürzt ab, das Paket von Paketwerk ist weg.", "de")
    found = sorted((h.topic, h.matched_text) for h in hits)
    assert found == [("app", "Paketwerk-App"), ("delivery", "Paket")]
    # German compound starting with the brand: by compound parts, not by letters
    assert shop.topics("Paketwerkkunden warten ewig.", "de") == {"customers"}
    assert shop.topics("Die Paketwerkstatt hat zu.", "de") == {"delivery"}  # Paket|werkstatt
    assert shop.topics("Der Versand bei Paketwerk Plus ist kostenlos.", "de") == {"delivery"}
    assert shop.topics("Preisfuchs hat die Preise erhöht.", "de") == {"price"}
    assert shop.topics("Preisfuchs antwortet nicht.", "de") == set()


def test_english_brand_words_and_possessive(shop):
    assert shop.topics("I love Paketwerk's service", "en") == set()
    assert shop.topics("Paketwerk's parcel never arrived", "en") == {"delivery"}
    assert shop.topics("The Paketwerk-app keeps crashing", "en") == {"app"}


def test_version_follows_the_brand_list():
    plain = Taxonomy(SHOP_TOPICS).version
    with_brands = Taxonomy(SHOP_TOPICS, brands=SHOP_BRANDS).version
    assert with_brands != plain
    assert Taxonomy(SHOP_TOPICS, brands=list(reversed(SHOP_BRANDS))).version == with_brands
    assert Taxonomy(SHOP_TOPICS, brands=[]).version == plain


def test_topic_analysis_batched_gives_the_hits_of_text_by_text():
    """analyse_many parses a language's texts together (nlp.pipe); every hit is the one
    analyse() finds for the text alone, in input order, across languages and skipped texts."""
    items = [
        ("Die Lieferung kam zu spät, aber der Kundenservice war freundlich.", "de"),
        ("The delivery was late. The staff did not care about the price.", "en"),
        ("", "de"),
        ("Preisverleihung im Hotel; der Preis für das Frühstück ist zu hoch.", "de"),
        ("La consegna è arrivata in ritardo.", "it"),
        ("no language given", None),
        ("Ein Satz in einer Sprache ohne Stichwörter.", "sv"),
        ("Kein Problem mit der Zustellung. Das Essen war kalt!", "de"),
    ] * 3
    fresh = Taxonomy(TAXONOMY, brands=["Paketwerk"])
    batched = fresh.analyse_many(items, batch_size=4)
    alone = Taxonomy(TAXONOMY, brands=["Paketwerk"])
    assert batched == [alone.analyse(text, lang) for text, lang in items]
    assert [len(h) for h in batched[:8]] == [2, 3, 0, 2, 1, 0, 0, 2]
