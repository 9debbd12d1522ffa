"""Aspect sentiment: the sentiment of the words about a topic, with negated complaints.

Why clause *and* sentence: the clause holding the keyword carries the verdict about that aspect
("Essen gut, aber Service eine Frechheit" → food: "Essen gut"), but clauses cut at commas can
lose it ("…crashes constantly, logs out randomly, …" → "logs out randomly" alone reads neutral).
The aspect's probabilities are the mean of its clause's and its sentence's; when the two are the
same text that is just the clause. On the hotel dev set (de) this scored 0.853 against 0.823 for
the clause alone and 0.842 for the sentence alone; on the English app reviews 0.754 / 0.721 /
0.746 (see docs/nlp.md).

Why a rule on top of the model: "kein Problem mit der Lieferung" / "never had an issue with
delivery" carry complaint words that push a sentiment model towards *negative*, yet they are
praise. When every complaint word of the clause is negated (:mod:`nlp.clauses`) and the result
is still negative, the aspect takes the stronger of neutral and positive instead.

Why a second rule, for requests: a request, wish or suggestion ("please add dark mode", "would
be great to have an edit button", "I wish I could…", "ein Wasserkocher wäre schön") talks about
something that does *not* exist yet. Its friendly words evaluate the wished-for thing, not the
product, yet the model reads them as praise; the hand-labelled app reviews mark such clauses
neutral (or negative when they complain). So when the clause holding the keyword is a request
(:data:`REQUEST_CUES`, per language) and the result is positive, the aspect takes the stronger of
neutral and negative. Not when the clause praises before it asks ("Frühstück wunderbar (ich
wünschte …)": :data:`POSITIVE_CUES`), nor for gratitude and encouragement ("thanks", "keep up
the good work", "weiter so", "nicht entgehen lassen": :data:`PRAISE_REQUEST_CUES`). The
cues were chosen on the *tune* half of the English set (bench/topics.py ``--en-split tune``) and
checked on the German train split; the English report half was not looked at.

Why the review's own star rating counts: app-store and review-site texts come with the author's
verdict in stars. A complaint without negative words ("the results page keeps going back to the
home screen") reads neutral to a text model, but in a 1-star review it is a complaint. When the
mention has a rating, the aspect's probabilities are multiplied by a prior — negative ×
:data:`RATING_WEIGHT` and positive ÷ it for 1–2 stars, the reverse for 4–5, 3 stars unchanged —
and renormalised, before the two rules above. The text still decides when it is clear (a praised
aspect in a 1-star review stays positive when the model is sure). The weight 3 was chosen on
the English *tune* half (accuracy 0.676 -> 0.819; weights 2 / 4 / 6 gave 0.750 / 0.825 / 0.803)
and then measured once on the report half (0.734 -> 0.786). Nothing else overrides the model.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "aspect_label",
    "aspect_texts",
    "is_request",
    "rating_prior",
    "LABELS",
    "RATING_WEIGHT",
    "REQUEST_CUES",
    "PRAISE_REQUEST_CUES",
    "POSITIVE_CUES",
]

LABELS = ("negative", "neutral", "positive")

#: How strongly a 1-2 / 4-5 star rating pulls an aspect towards negative / positive (see above).
RATING_WEIGHT = 3.0

# Phrases that make a clause a request, wish or suggestion (regex, matched case-insensitively on
# word boundaries). Modal frames only with a subject or complement that makes them a wish: bare
# "would"/"sollte" also narrate ("it would crash every time", "das Zimmer sollte sauber sein").
REQUEST_CUES: dict[str, tuple[str, ...]] = {
    "en": (
        r"please",
        r"pls",
        r"plz",
        r"(?:can|could|would|will) (?:you|u|they|we|twitter|the devs?|developers)",
        r"i (?:wish|hope)",
        r"if only",
        r"i'?d (?:like|love)",
        r"i would (?:like|love)",
        r"would love",
        r"(?:i|we|users) (?:want|need)",
        r"(?:should|needs? to|ought to) (?:have|add|make|bring|allow|let|be able|give|include|fix)",
        r"would be (?:nice|great|good|awesome|helpful|appreciated|cool|better|lovely|amazing)",
        r"(?:it'?d|it would) be",
        r"bring back",
        r"give us",
        r"let us",
        r"add (?:a|an|the|some|more|back)",
        r"feature request",
        r"suggestions?",
        r"i suggest",
        r"(?:is|are) (?:necessary|needed)",
    ),
    "de": (
        r"bitte",
        r"ich (?:wünsche|wünschte|hoffe)",
        r"wünschenswert",
        r"wünschen (?:würde|wir)",
        r"wäre(?:n)? (?:schön|toll|gut|super|nett|hilfreich|wünschenswert|besser|praktisch)",
        r"würde(?:n)? (?:mich|uns) freuen",
        r"hätte(?:n)? (?:gern|gerne)",
        r"(?:sollte|könnte)(?:n)? man",
        r"verbesserungsvorschlag",
        r"vorschlag",
        r"anregung",
    ),
}
# Praise words: a clause that praises *before* its request ("Frühstück wunderbar (ich wünschte
# …)") is an evaluation with a wish attached, and keeps the model's label. Praise after the cue
# belongs to the wish ("it would be a great feature") and does not count.
POSITIVE_CUES: dict[str, tuple[str, ...]] = {
    "en": (
        r"good",
        r"great",
        r"love",
        r"loved",
        r"awesome",
        r"amazing",
        r"excellent",
        r"perfect",
        r"nice",
        r"best",
        r"fantastic",
        r"wonderful",
        r"brilliant",
    ),
    "de": (
        r"gut",
        r"gute[nmrs]?",
        r"super",
        r"toll(?:e[nmrs]?)?",
        r"wunderbar(?:e[nmrs]?)?",
        r"schön(?:e[nmrs]?)?",
        r"perfekt(?:e[nmrs]?)?",
        r"klasse",
        r"hervorragend(?:e[nmrs]?)?",
        r"ausgezeichnet(?:e[nmrs]?)?",
        r"lecker(?:e[nmrs]?)?",
        r"prima",
        r"empfehlenswert",
    ),
}
# Requests that praise: thanks and encouragement keep the model's positive label.
PRAISE_REQUEST_CUES: dict[str, tuple[str, ...]] = {
    "en": (r"thanks?", r"thank you", r"keep (?:it )?up", r"keep (?:up )?the (?:good|great)"),
    "de": (
        r"danke",
        r"vielen dank",
        r"weiter so",
        r"macht weiter",
        r"bleib(?:t|en sie)? (?:so|auf diesem)",
        r"nicht entgehen lassen",
    ),
}


def _compile(cues: dict[str, tuple[str, ...]]) -> dict[str | None, re.Pattern[str]]:
    def pattern(phrases):
        return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)

    compiled: dict[str | None, re.Pattern[str]] = {lang: pattern(p) for lang, p in cues.items()}
    compiled[None] = pattern([p for phrases in cues.values() for p in phrases])
    return compiled


_REQUEST = _compile(REQUEST_CUES)
_PRAISE_REQUEST = _compile(PRAISE_REQUEST_CUES)
_POSITIVE = _compile(POSITIVE_CUES)


def is_request(clause: str, lang: str | None = None) -> bool:
    """True when ``clause`` asks or wishes for something, does not thank or encourage, and
    praises nothing before the request.

    ``lang`` picks that language's cues; None (or a language without a list) uses all of them:
    the cue words of en and de do not collide, and enrich's callers need not know the language."""
    request = _REQUEST.get(lang, _REQUEST[None])
    praise = _PRAISE_REQUEST.get(lang, _PRAISE_REQUEST[None])
    positive = _POSITIVE.get(lang, _POSITIVE[None])
    cue = request.search(clause)
    return bool(cue) and not praise.search(clause) and not positive.search(clause, 0, cue.start())


def aspect_texts(hit: Any) -> tuple[str, ...]:
    """The texts whose sentiment an aspect needs: its clause, and its sentence if different."""
    return (hit.clause,) if hit.sentence == hit.clause else (hit.clause, hit.sentence)


def rating_prior(probs: dict[str, float], rating: float | None) -> dict[str, float]:
    """``probs`` reweighted by the review's star rating (1..5; None or 3: unchanged), summing to 1."""
    if rating is None or 2 < rating < 4:
        return probs
    w = {"negative": RATING_WEIGHT, "neutral": 1.0, "positive": 1.0 / RATING_WEIGHT}
    if rating >= 4:
        w["negative"], w["positive"] = w["positive"], w["negative"]
    out = {k: probs[k] * w[k] for k in LABELS}
    total = sum(out.values()) or 1.0
    return {k: v / total for k, v in out.items()}


def aspect_label(
    clause_result: Any,
    hit: Any,
    sentence_result: Any = None,
    lang: str | None = None,
    rating: float | None = None,
) -> tuple[str, float]:
    """(label, score) of a topic hit from the sentiment of its clause (and sentence).

    Results are :class:`nlp.sentiment.SentimentResult`-like (``label``, ``score``, ``probs``);
    ``hit`` is a :class:`nlp.topics.TopicHit`; ``lang`` narrows the request cues (see
    :func:`is_request`); ``rating`` is the mention's star rating (1..5), if it has one.
    """
    probs = {k: float(clause_result.probs.get(k, 0.0)) for k in LABELS}
    if sentence_result is not None and sentence_result is not clause_result:
        probs = {k: (probs[k] + float(sentence_result.probs.get(k, 0.0))) / 2 for k in LABELS}
    probs = rating_prior(probs, rating)
    label = max(LABELS, key=probs.__getitem__)
    if hit.negated_complaint and label == "negative":
        label = max(("neutral", "positive"), key=probs.__getitem__)
    elif label == "positive" and is_request(hit.clause, lang):
        label = max(("neutral", "negative"), key=probs.__getitem__)
    return label, probs[label]
