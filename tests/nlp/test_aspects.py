"""Aspect labels: the clause's sentiment, except negated complaints are never negative."""

from __future__ import annotations

import pytest

from nlp.aspects import RATING_WEIGHT, aspect_label, is_request, rating_prior
from nlp.sentiment import SentimentResult
from nlp.topics import Taxonomy

TAX = Taxonomy({"delivery": {"keywords": {"de": ["Lieferung"], "en": ["delivery"]}}})


def result(neg: float, neu: float, pos: float) -> SentimentResult:
    probs = {"negative": neg, "neutral": neu, "positive": pos}
    label = max(probs, key=probs.get)
    return SentimentResult(label, probs[label], probs, False)


def test_model_label_is_kept_for_plain_clauses():
    (hit,) = TAX.analyse("Die Lieferung war eine Katastrophe", "de")
    assert aspect_label(result(0.8, 0.1, 0.1), hit) == ("negative", 0.8)
    assert aspect_label(result(0.1, 0.2, 0.7), hit) == ("positive", 0.7)


def test_negated_complaint_is_never_negative():
    (hit,) = TAX.analyse("Kein Problem mit der Lieferung", "de")
    assert aspect_label(result(0.6, 0.1, 0.3), hit) == ("positive", 0.3)
    assert aspect_label(result(0.6, 0.3, 0.1), hit) == ("neutral", 0.3)
    (en,) = TAX.analyse("No issues with the delivery at all", "en")
    assert aspect_label(result(0.7, 0.1, 0.2), en)[0] == "positive"


def test_clause_and_sentence_probabilities_are_averaged():
    tax = Taxonomy({"food": {"keywords": {"de": ["Essen"]}}, "service": {"keywords": {"de": ["Service"]}}})
    food, service = tax.analyse("Essen gut, aber Service eine Frechheit", "de")
    assert food.sentence == service.sentence == "Essen gut, aber Service eine Frechheit"
    sentence = result(0.45, 0.1, 0.45)
    assert aspect_label(result(0.1, 0.1, 0.8), food, sentence)[0] == "positive"
    assert aspect_label(result(0.8, 0.1, 0.1), service, sentence)[0] == "negative"
    label, score = aspect_label(result(0.2, 0.5, 0.3), food, result(0.8, 0.1, 0.1))
    assert label == "negative" and score == 0.5


def test_negated_keyword_alone_keeps_the_complaint():
    (hit,) = TAX.analyse("Keine Lieferung erhalten", "de")
    assert hit.negated and not hit.negated_complaint
    assert aspect_label(result(0.9, 0.05, 0.05), hit) == ("negative", 0.9)


def test_request_clause_is_never_positive():
    tax = Taxonomy({"design": {"keywords": {"en": ["dark mode"], "de": ["Wasserkocher"]}}})
    (hit,) = tax.analyse("Please add a dark mode to the app.", "en")
    assert aspect_label(result(0.1, 0.3, 0.6), hit, lang="en") == ("neutral", 0.3)
    assert aspect_label(result(0.35, 0.25, 0.4), hit, lang="en") == ("negative", 0.35)
    (de,) = tax.analyse("Ein Wasserkocher im Zimmer wäre schön.", "de")
    assert aspect_label(result(0.1, 0.3, 0.6), de, lang="de")[0] == "neutral"
    assert aspect_label(result(0.1, 0.3, 0.6), de)[0] == "neutral"  # no lang: every language's cues


def test_request_rule_leaves_praise_and_other_labels_alone():
    tax = Taxonomy({"design": {"keywords": {"en": ["dark mode"], "de": ["Frühstück"]}}})
    (praise,) = tax.analyse("The new dark mode looks great.", "en")
    assert aspect_label(result(0.1, 0.2, 0.7), praise, lang="en")[0] == "positive"
    (thanks,) = tax.analyse("Thanks for the dark mode, please keep up the great work", "en")
    assert aspect_label(result(0.1, 0.2, 0.7), thanks, lang="en")[0] == "positive"
    (complaint,) = tax.analyse("Please fix the dark mode, it is unreadable", "en")
    assert aspect_label(result(0.7, 0.2, 0.1), complaint, lang="en")[0] == "negative"
    (weiter,) = tax.analyse("Tolles Frühstück, bitte weiter so!", "de")
    assert aspect_label(result(0.1, 0.2, 0.7), weiter, lang="de")[0] == "positive"


def test_request_cues_need_a_wish_frame():
    assert is_request("It would be great to have an edit button", "en")
    assert is_request("I wish I could edit tweets", "en")
    assert is_request("Könnte man bitte das WLAN verbessern?", "de")
    assert not is_request("The app would crash every time I opened it", "en")
    assert not is_request("Das Zimmer sollte eigentlich sauber sein", "de")
    assert not is_request("I want to thank the developers", "en")
    assert not is_request("Please keep up the good work", "en")
    assert not is_request("Bitte", "en")  # English cues only when the language is given


def test_praise_before_the_wish_keeps_the_clause_an_evaluation():
    assert not is_request("Das Frühstück ist wunderbar (ich wünschte, es gäbe mehr Obst)", "de")
    assert not is_request("Great app and I wish it had a dark mode", "en")
    assert is_request("It would be a great feature to add", "en")  # praise of the wished-for thing


def test_star_rating_tips_a_neutral_reading_but_not_a_clear_one():
    (hit,) = TAX.analyse("After the update the delivery screen goes back to the start", "en")
    unsure = result(0.3, 0.5, 0.2)
    assert aspect_label(unsure, hit)[0] == "neutral"
    assert aspect_label(unsure, hit, rating=1)[0] == "negative"
    assert aspect_label(unsure, hit, rating=3)[0] == "neutral"  # 3 stars say nothing
    assert aspect_label(result(0.2, 0.5, 0.3), hit, rating=5)[0] == "positive"
    clear = result(0.05, 0.1, 0.85)  # praised aspect inside a 1-star review stays praised
    assert aspect_label(clear, hit, rating=1)[0] == "positive"


def test_rating_prior_is_a_normalised_reweighting():
    p = {"negative": 0.2, "neutral": 0.6, "positive": 0.2}
    assert rating_prior(p, None) is p and rating_prior(p, 3) is p
    low = rating_prior(p, 1.5)
    assert abs(sum(low.values()) - 1) < 1e-9
    assert low["negative"] / low["positive"] == pytest.approx(RATING_WEIGHT**2)
    high = rating_prior(p, 4)
    assert high["positive"] == pytest.approx(low["negative"]) and high["neutral"] == pytest.approx(
        low["neutral"]
    )


def test_negated_complaint_rule_still_applies_after_the_rating():
    (hit,) = TAX.analyse("Kein Problem mit der Lieferung", "de")
    assert aspect_label(result(0.4, 0.3, 0.3), hit, rating=1)[0] != "negative"
