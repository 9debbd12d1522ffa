"""Aspect labels: the clause's sentiment, except negated complaints are never negative."""

from __future__ import annotations

from nlp.aspects import aspect_label
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
