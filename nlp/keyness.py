"""Emerging terms: words and two-word phrases over-represented in recent texts (G² keyness).

Why log-likelihood (Dunning 1993, G²) on *document* counts: it is the standard keyness test for
comparing two corpora, behaves well for rare words (unlike chi² with small expected counts) and
gives a p-value; counting texts rather than tokens means one review that repeats "Akku" ten
times is one complaint, not ten. Words are compared by lemma (spaCy lookup tables, see
:mod:`nlp.lexicon`) with the language's stop words removed, so "Akku", "Akkus" count together
and "und", "the" never surface; German compounds by the keys of their parts, and hashtags as
their word, so "Klimaanlage", "Klimaanlagen", "Klima-Anlage" and "#klimaanlage" are one term. Phrases are two adjacent content words ("Login Fehler").

Why only content words: a theme is something a marketing team can act on — a thing
("Abholcode", "Verteilzentrum", "pickup locker"), not a verb fragment of the complaint
("hängt", "liegt", "fest", "stuck"). Blank spaCy pipelines have no tagger, so word classes come
from signals that need none (:mod:`nlp.wordclass`): German capitalisation in mid-sentence
(nouns are capitalised), the case of the lemma in the lookup table, the POS index that
spacy-lookups-data ships for English, French, Spanish, Dutch, … and a short list per language
of light verbs, particles and generic nouns. Nouns and unknown words (names, new compounds)
qualify; adjectives only with much stronger evidence; verbs never. Finally one term is
reported per concept: a word and a phrase holding it are merged (see :func:`_one_per_concept`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.lexicon import lemma, stop_words, word_keys
from nlp.wordclass import ADJ, NOUN, WordStats, word_class

__all__ = ["Term", "emerging_terms", "g2"]

_WORD = re.compile(r"#?[^\W\d_][\w'’-]*", re.UNICODE)
#: Between two words, these end a phrase: "lange warten" yes, "warten, Paket" no.
_PHRASE_BREAK = re.compile(r"[.!?;:,()\[\]\"'‘’“”„«»—–…/|]|\s-\s|\n")
#: After these, a capital letter says nothing about the word class (a sentence may start).
_SENTENCE_START = re.compile(r"[.!?:\"'‘’“”„«»—–…]|\s-\s|\n")
_MIN_LETTERS = 3  # a theme word has at least 3 letters ("App", "Bug", "DHL")
#: A word whose recent texts hold a phrase containing it more often than this share is that
#: phrase ("code" -> "pickup code"); see :func:`_one_per_concept`.
MERGE_SHARE = 0.5
#: An adjective alone is a theme only with this many times stronger evidence (p < alpha/100):
#: "kaputt" may be worth a look, but it says *how* things are, not *what* is affected.
ADJECTIVE_EVIDENCE = 100.0


@dataclass(frozen=True)
class Term:
    term: str  # the most common written form ("Verteilzentrum", "pickup code")
    recent_count: int  # recent texts containing it
    baseline_count: int  # baseline texts containing it
    g2: float  # log-likelihood statistic
    p_value: float  # chi² with 1 degree of freedom
    ratio: float  # recent share / baseline share (baseline smoothed by 0.5)
    #: other significant terms of the same concept, merged into this one (strongest first)
    variants: tuple[str, ...] = ()


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


# --------------------------------------------------------------------------- reading texts


def _words(text: str, lang: str) -> Iterable[tuple[str, bool, bool]]:
    """(word, sentence_initial, joined) for every word: ``sentence_initial`` when its capital
    letter may just start a sentence, ``joined`` when nothing but space separates it from the
    previous word.

    A hashtag is its word ("#klimaanlage" is "Klimaanlage"): its case says nothing about the
    word class, so it counts as sentence-initial, and a German one is taken as a noun (written
    capitalised), since hashtags name things."""
    prev_end, first = 0, True
    for m in _WORD.finditer(text or ""):
        gap = text[prev_end : m.start()]
        word = m.group().strip("'’-")
        initial = first or bool(_SENTENCE_START.search(gap))
        if word.startswith("#"):
            word, initial = word[1:], True
            if lang == "de" and word.islower():
                word = word[:1].upper() + word[1:]
        yield word, initial, not first and not _PHRASE_BREAK.search(gap)
        prev_end, first = m.end(), False


class _Reader:
    """Turns texts into sets of term keys, collecting what word classes are judged by."""

    def __init__(self, lang: str):
        self.lang = lang
        self.stops = stop_words(lang)
        self.stats: dict[str, WordStats] = {}
        self._compounds: dict[str, str | None] = {}

    def _compound_key(self, word: str) -> str | None:
        """A German noun compound's key: its parts' keys joined by "+", so that inflections
        and spellings of one compound count as one term ("Klimaanlage", "Klimaanlagen",
        "Klima-Anlage" -> ``klima+anlage``). None for other words."""
        if self.lang != "de" or not word[:1].isupper():
            return None
        if word not in self._compounds:
            keys = word_keys(word, self.lang)
            self._compounds[word] = "+".join(keys) if len(keys) > 1 else None
        return self._compounds[word]

    def terms(self, text: str, *, keep_forms: bool) -> set:
        found: set = set()
        prev: str | None = None
        for word, initial, joined in _words(text, self.lang):
            if self.lang == "en":
                word = re.sub(r"['’]s$", "", word)  # possessive: "Paketwerk's"
            low = word.lower()
            if len(low) < 2 or low in self.stops:
                prev = None  # phrases never span a stop word: "lange warten", not "warten auf"
                continue
            base = lemma(word, self.lang)
            key = self._compound_key(word) or base.lower()
            if key in self.stops:
                prev = None
                continue
            st = self.stats.get(key)
            if st is None:
                st = self.stats[key] = WordStats()
            st.observe(word, base, initial=initial, recent=keep_forms)
            found.add(key)
            if prev is not None and joined:
                found.add((prev, key))
            prev = key
        return found


def _plural_folds(stats: dict[str, WordStats], lang: str) -> dict[str, str]:
    """German loan-word plurals the lookup table lacks ("Abholcodes", "Updates") count with
    their singular when both occur: a noun key ending in -s whose stem is also a noun key.
    Returns {plural key: singular key}; the plural's statistics are added to the singular's."""
    if lang != "de":
        return {}
    fold = {
        k: k[:-1]
        for k, st in stats.items()
        if k.endswith("s")
        and len(k) >= 5
        and k[:-1] in stats
        and st.capitalised_lemma
        and stats[k[:-1]].capitalised_lemma
    }
    fold = {k: stem for k, stem in fold.items() if stem not in fold}  # one step only
    for k, stem in fold.items():
        stats[stem].merge(stats.pop(k))
    return fold


def _apply_folds(docs: list[set], fold: dict[str, str]) -> list[set]:
    if not fold:
        return docs

    def f(term):
        if isinstance(term, tuple):
            return tuple(fold.get(k, k) for k in term)
        return fold.get(term, term)

    return [{f(t) for t in doc} for doc in docs]


# --------------------------------------------------------------------------- the test


@dataclass
class _Found:
    key: object
    term: Term
    parent: object = None  # the key of the term this one is merged into


def emerging_terms(
    recent: Sequence[str],
    baseline: Sequence[str],
    lang: str,
    *,
    top: int = 20,
    min_count: int = 3,
    alpha: float = 0.001,
) -> list[Term]:
    """Themes significantly more frequent in ``recent`` than in ``baseline`` (best first).

    A term qualifies when at least ``min_count`` recent texts contain it, its recent share is
    above its baseline share and the G² p-value is below ``alpha`` — below
    ``alpha / ADJECTIVE_EVIDENCE`` for a lone adjective. Words must be nouns, adjectives or
    unknown words (names, new compounds) of at least three letters, never verbs, particles or
    generic nouns ("Tag", "week"); a phrase holds a noun and no verb. A word and a phrase
    holding it are reported once (:func:`_one_per_concept`).
    """
    if not recent or not baseline:
        return []
    n_r, n_b = len(recent), len(baseline)
    reader = _Reader(lang)
    rec_docs = [reader.terms(t, keep_forms=True) for t in recent]
    base_docs = [reader.terms(t, keep_forms=False) for t in baseline]
    fold = _plural_folds(reader.stats, lang)
    rec_docs, base_docs = _apply_folds(rec_docs, fold), _apply_folds(base_docs, fold)
    rec = Counter(t for doc in rec_docs for t in doc)
    base = Counter(t for doc in base_docs for t in doc)
    classes = {k: word_class(k, st, lang) for k, st in reader.stats.items()}

    found: dict[object, _Found] = {}
    for key, a in rec.items():
        if a < min_count or not _is_theme_shaped(key, classes, reader.stats):
            continue
        b = base.get(key, 0)
        if a / n_r <= b / n_b:
            continue
        stat = g2(a, b, n_r, n_b)
        p = _chi2_sf_1df(stat)
        lone_adjective = isinstance(key, str) and classes[key] == ADJ
        if p >= (alpha / ADJECTIVE_EVIDENCE if lone_adjective else alpha):
            continue
        ratio = (a / n_r) / ((b + 0.5) / n_b)
        found[key] = _Found(key, Term(_written(key, reader.stats), a, b, round(stat, 3), p, round(ratio, 3)))
    terms = _one_per_concept(found)
    terms.sort(key=lambda t: (-t.g2, t.term))
    return terms[:top]


def _is_theme_shaped(key, classes: dict[str, str], stats: dict[str, WordStats]) -> bool:
    """A word: a noun or adjective of ≥ 3 letters. A phrase: nouns/adjectives, one a noun."""
    if isinstance(key, tuple):
        kinds = [classes[k] for k in key]
        return NOUN in kinds and all(k in (NOUN, ADJ) for k in kinds)
    return classes[key] in (NOUN, ADJ) and sum(c.isalpha() for c in stats[key].form()) >= _MIN_LETTERS


def _written(key, stats: dict[str, WordStats]) -> str:
    if isinstance(key, tuple):
        return " ".join(stats[k].form() for k in key)
    return stats[key].form()


def _one_per_concept(found: dict[object, _Found]) -> list[Term]:
    """Report one term per concept: a significant phrase and the significant words it holds.

    A phrase's texts are always among each of its words' texts. When the phrase is in most
    (> ``MERGE_SHARE``) of a word's recent texts, the word means the phrase ("code" is
    "pickup code"); otherwise the phrase is a special case of the word and adds nothing a team
    acts on ("Verteilzentrum Kassel" of "Verteilzentrum") — it joins its strongest such word
    only, so one phrase never ties two independent words together. Each concept is reported
    by its strongest member (highest G², a phrase on a tie), the others are its ``variants``.
    """
    for key, f in found.items():
        if not isinstance(key, tuple):
            continue
        words = [found[k] for k in key if k in found]
        general = [w for w in words if f.term.recent_count <= MERGE_SHARE * w.term.recent_count]
        if general:
            f.parent = max(general, key=lambda w: (w.term.g2, w.term.recent_count)).key
        for w in words:
            if w in general:
                continue
            current = found.get(w.parent)
            if current is None or f.term.g2 > current.term.g2:
                w.parent = key

    def root(f: _Found) -> _Found:
        seen = {f.key}
        while f.parent is not None and f.parent not in seen:
            seen.add(f.parent)
            f = found[f.parent]
        return f

    groups: dict[object, list[_Found]] = {}
    for f in found.values():
        groups.setdefault(root(f).key, []).append(f)
    out = []
    for members in groups.values():
        members.sort(key=lambda m: (-m.term.g2, not isinstance(m.key, tuple), m.term.term))
        head, rest = members[0].term, members[1:]
        out.append(
            Term(
                head.term,
                head.recent_count,
                head.baseline_count,
                head.g2,
                head.p_value,
                head.ratio,
                tuple(m.term.term for m in rest),
            )
        )
    return out
