"""Emerging terms: words and two-word phrases over-represented in recent texts (G² keyness).

Why log-likelihood (Dunning 1993, G²) on *document* counts: it is the standard keyness test for
comparing two corpora, behaves well for rare words (unlike chi² with small expected counts) and
gives a p-value; counting texts rather than tokens means one review that repeats "Akku" ten
times is one complaint, not ten. Words are compared by lemma (spaCy lookup tables, see
:mod:`nlp.lexicon`) with the language's stop words removed, so "Akku", "Akkus" count together
and "und", "the" never surface. Phrases are two adjacent content words ("login fehler").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from nlp.lexicon import lemma, stop_words

__all__ = ["Term", "emerging_terms", "g2"]

_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_BREAK = re.compile(r"[.!?;:,()\[\]\"“”„]")


@dataclass(frozen=True)
class Term:
    term: str  # the most common written form ("Login-Fehler", "akku leer")
    recent_count: int  # recent texts containing it
    baseline_count: int  # baseline texts containing it
    g2: float  # log-likelihood statistic
    p_value: float  # chi² with 1 degree of freedom
    ratio: float  # recent share / baseline share (baseline smoothed by 0.5)


def g2(a: int, b: int, n_recent: int, n_baseline: int) -> float:
    """G² of a 2×2 table: a of n_recent texts vs b of n_baseline texts contain the term."""
    observed = (a, b, n_recent - a, n_baseline - b)
    total = n_recent + n_baseline
    with_term = a + b
    expected = (
        n_recent * with_term / total,
        n_baseline * with_term / total,
        n_recent * (total - with_term) / total,
        n_baseline * (total - with_term) / total,
    )
    return 2.0 * sum(o * math.log(o / e) for o, e in zip(observed, expected) if o > 0 and e > 0)


def _chi2_sf_1df(x: float) -> float:
    """P(chi²₁ > x) = erfc(sqrt(x/2)); no scipy needed for one degree of freedom."""
    return math.erfc(math.sqrt(max(x, 0.0) / 2.0))


def _terms(text: str, lang: str, stops: frozenset[str]) -> Iterable[tuple[str, str]]:
    """(key, written form) of every content word and adjacent content-word pair of ``text``."""
    for chunk in _BREAK.split(text or ""):
        prev: tuple[str, str] | None = None
        for m in _WORD.finditer(chunk):
            word = m.group().strip("'-")
            low = word.lower()
            if len(low) < 2 or low in stops:
                prev = None  # phrases never span a stop word: "lange warten", not "warten auf"
                continue
            key = lemma(word, lang).lower()
            if key in stops:
                prev = None
                continue
            yield key, word
            if prev is not None:
                yield f"{prev[0]} {key}", f"{prev[1]} {word}"
            prev = (key, word)


def _document_counts(texts: Sequence[str], lang: str) -> tuple[Counter, dict[str, Counter]]:
    stops = stop_words(lang)
    counts: Counter = Counter()
    forms: dict[str, Counter] = {}
    for text in texts:
        seen = set()
        for key, form in _terms(text, lang, stops):
            forms.setdefault(key, Counter())[form] += 1
            seen.add(key)
        counts.update(seen)
    return counts, forms


def emerging_terms(
    recent: Sequence[str],
    baseline: Sequence[str],
    lang: str,
    *,
    top: int = 20,
    min_count: int = 3,
    alpha: float = 0.001,
) -> list[Term]:
    """Terms significantly more frequent in ``recent`` than in ``baseline`` (best first).

    A term qualifies when at least ``min_count`` recent texts contain it, its recent share is
    above its baseline share and the G² p-value is below ``alpha``. A single word is left out
    when a reported phrase containing it accounts for most (80 %) of its recent texts.
    """
    if not recent or not baseline:
        return []
    n_r, n_b = len(recent), len(baseline)
    rec, forms = _document_counts(recent, lang)
    base, _ = _document_counts(baseline, lang)
    found: list[Term] = []
    for key, a in rec.items():
        if a < min_count:
            continue
        b = base.get(key, 0)
        if a / n_r <= b / n_b:
            continue
        stat = g2(a, b, n_r, n_b)
        p = _chi2_sf_1df(stat)
        if p >= alpha:
            continue
        ratio = (a / n_r) / ((b + 0.5) / n_b)
        written = forms[key].most_common(1)[0][0]
        found.append(Term(written, a, b, round(stat, 3), p, round(ratio, 3)))
    found.sort(key=lambda t: (-t.g2, t.term))
    return _drop_subsumed(found)[:top]


def _drop_subsumed(terms: list[Term]) -> list[Term]:
    phrases = [t for t in terms if " " in t.term]
    kept = []
    for t in terms:
        if " " not in t.term and any(
            t.term.lower() in p.term.lower().split() and p.recent_count >= 0.8 * t.recent_count for p in phrases
        ):
            continue
        kept.append(t)
    return kept
