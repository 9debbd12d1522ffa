"""Word-level knowledge per language: lemmas, match keys and German compound splitting.

Why lookup tables (spacy-lookups-data) instead of trained spaCy pipelines: they install from
PyPI with spaCy itself, work offline, cover ~20 languages the same way, and map a word form to
its lemma without a tagger — enough for keyword matching. Trained pipelines exist on PyPI only
as third-party re-uploads for a few languages (see docs/nlp.md).

A *match key* is what keywords and text words are compared by: the lower-cased lemma, and for
German the derivational family of ``-ung`` nouns and their verbs folded together
("Lieferung", "Lieferungen", "geliefert", "liefern" → ``liefer``). German compounds become a
sequence of keys ("Kundenservicehotline" → ``kunde+service+hotline``), split by a lexicon
of the words in the German lookup table, never by substrings (see :func:`split_compound`).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "lemma",
    "match_key",
    "word_keys",
    "split_compound",
    "stop_words",
    "has_lemmas",
    "add_known_words",
]

_MIN_PART = 4  # shortest compound part; 3-letter parts only if a noun ("Bad", "See", "Tee")
_MIN_SPLIT = 7  # shorter words are never split
_MIN_LOGPROB = -13.0  # rarer words of the frequency list are not trusted as parts
#: Fugenelemente that may follow a German compound part. Only the genitive-like "s"/"es":
#: the plural-like ones ("Kunden", "Kinder", "Bade") are word forms of the lexicon already,
#: and allowing "er" as a link turns "Liefer|verzögerung" into "Lief|er|verzögerung".
_LINKS = ("", "s", "es")
#: Parts a compound must never be cut into: verb particles and prefixes ("Auf|lage",
#: "An|lage", "Um|gebung"), so that "Lage" does not hit "Auflage" or "Anlage".
_NOT_A_PART = frozenset(
    """ab an auf aus bei da dar durch ein emp ent er fort ge gegen her hin hinter los miss mit
    nach neben nieder ob über um un unter ur ver vor weg wider zer zu zurück zusammen be de""".split()
)


def lookup_table(lang: str, table: str) -> dict:
    """spacy-lookups-data's ``<lang>_<table>.json.gz`` (e.g. ``lemma_lookup``, ``lexeme_prob``,
    ``lemma_index``) as loaded JSON; {} when the package or the table is missing, so callers
    fall back to plain lower-case matching instead of failing."""
    try:
        import spacy_lookups_data
    except ImportError:
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_{table}.json.gz"
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def _lemma_table(lang: str) -> dict[str, str]:
    """The lookup table (form -> lemma) of ``lang``; empty when spacy-lookups-data has none."""
    return {str(k): str(v) for k, v in lookup_table(lang, "lemma_lookup").items()}


def has_lemmas(lang: str) -> bool:
    """Whether a lemma table exists for ``lang`` (without one, words match by lower case)."""
    return bool(_lemma_table(lang))


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for ``lang`` (empty set for a language spaCy does not know)."""
    try:
        import spacy

        return frozenset(w.lower() for w in spacy.blank(lang).Defaults.stop_words)
    except (ImportError, OSError, KeyError):
        return frozenset()


def lemma(word: str, lang: str) -> str:
    """The lemma of ``word`` from the lookup table, or the word itself.

    A capitalised word is also tried lower-cased (sentence start: "Lieferte"), an all-caps one
    lower-cased and capitalised. A lower-case word is never tried capitalised: "liegen" would
    become the noun "Liege".
    """
    table = _lemma_table(lang)
    if not table:
        return word
    forms = [word]
    if word.isupper():
        forms += [word.lower(), word[:1] + word[1:].lower()]
    elif word[:1].isupper():
        forms.append(word.lower())
    for form in forms:
        found = table.get(form)
        if found:
            return found
    return word


def match_key(lemma_: str, lang: str) -> str:
    """The key a lemma is compared by (see module docstring)."""
    key = lemma_.lower()
    if lang != "de" or len(key) < 5:
        return key
    if lemma_[:1].isupper() and key.endswith("ung") and len(key) > 6:
        return key[:-3]  # Lieferung -> liefer, Zustellung -> zustell
    if lemma_.islower() and key.endswith(("ern", "eln")):
        return key[:-1]  # liefern -> liefer
    if lemma_.islower() and key.endswith("en"):
        return key[:-2]  # zustellen -> zustell
    return key


@functools.cache
def _word_logprobs(lang: str) -> dict[str, float]:
    """Lower-cased word -> log probability (spaCy's Wikipedia counts); {} when not shipped."""
    raw = lookup_table(lang, "lexeme_prob")
    out: dict[str, float] = {}
    for word, logprob in raw.items():
        if logprob >= _MIN_LOGPROB and word.isalpha():
            low = word.lower()
            out[low] = max(logprob, out.get(low, -99.0))
    return out


@functools.lru_cache(maxsize=1)
def _german_lexicon() -> dict[str, float]:
    """Possible compound parts -> log probability: frequent German words, every form and lemma
    of the lookup table, verb stems ("liefer" from "liefern"), frequent English words
    (German reviews borrow "Hotline", "Update", "Account"). Particles are never parts."""
    table = _lemma_table("de")
    probs = _word_logprobs("de")
    words: dict[str, float] = dict(probs)
    for w in list(table) + list(table.values()):
        low = w.lower()
        if low.isalpha():
            words.setdefault(low, _MIN_LOGPROB)
    for verb in {v for v in table.values() if v.islower() and v.endswith(("en", "ern", "eln"))}:
        stem = verb[:-1] if verb.endswith(("ern", "eln")) else verb[:-2]
        if len(stem) >= 4:
            words.setdefault(stem, probs.get(verb, _MIN_LOGPROB))
    for w, p in _word_logprobs("en").items():
        if len(w) >= 5:
            words.setdefault(w, p)
    short_nouns = {v.lower() for v in table.values() if len(v) == 3 and v[:1].isupper()}
    nouns = {v.lower() for v in table.values() if v[:1].isupper()}
    banned = _NOT_A_PART | (stop_words("de") - nouns)  # "Zeit" is a stop word and a noun
    return {w: p for w, p in words.items() if w not in banned and (len(w) >= _MIN_PART or w in short_nouns)}


_known_words: dict[str, float] = {}


def add_known_words(words: Iterable[str]) -> None:
    """Teach the splitter words it may not know (the taxonomy's keywords: "Büffet",
    "Hotline"), so that compounds of them split ("Frühstücksbüffet"). Process-wide and only
    ever growing: a word is a word whichever taxonomy named it."""
    new = {w.lower() for w in words if w.isalpha() and len(w) >= _MIN_PART} - set(_known_words)
    new -= set(_german_lexicon())
    if new:
        _known_words.update({w: _MIN_LOGPROB for w in new})
        split_compound.cache_clear()


@functools.lru_cache(maxsize=65536)
def split_compound(word: str) -> tuple[str, ...]:
    """Split a German word into its smallest known parts.

    "lieferverzögerung" → ("liefer", "verzögerung"); "kundenservicehotline" →
    ("kunden", "service", "hotline"). Dynamic programming over the word: each part must be a
    word (or verb stem) of the German lexicon, at least 3 letters, not a verb particle,
    optionally followed by a Fugen-s; the cover with the fewest parts (at least two) wins, ties
    go to the most frequent parts (Koehn & Knight 2003); each part is split again the same
    way. A word that cannot be covered completely stays whole — no guessing from substrings.
    """
    low = word.lower()
    if len(low) < _MIN_SPLIT or not low.isalpha():
        return (low,)
    parts = _best_cover(low)
    if parts is None:
        return (low,)
    return tuple(p for part in parts for p in split_compound(part))


def _best_cover(low: str) -> tuple[str, ...] | None:
    lex = _german_lexicon()
    n = len(low)
    # best[i]: (number of parts, -sum of log probs, parts) of the best cover of low[:i]
    best: list[tuple[int, float, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, ())
    for i in range(n):
        if best[i] is None:
            continue
        count, cost, parts = best[i]
        for j in range(i + 3, n + 1 if i else n):  # the whole word is not a cover
            logprob = lex.get(low[i:j], _known_words.get(low[i:j]))
            if logprob is None:
                continue
            for link in _LINKS:
                end = j + len(link)
                if end > n or low[j:end] != link or (link and end == n):
                    continue
                candidate = (count + 1, cost - logprob, (*parts, low[i:j]))
                current = best[end]
                if current is None or candidate[:2] < current[:2]:
                    best[end] = candidate
    found = best[n]
    return found[2] if found else None


def word_keys(word: str, lang: str) -> tuple[str, ...]:
    """The key sequence of one word: one key, or one per compound part for German.
    Hyphenated words are the key sequences of their pieces ("Preis-Leistungs-Verhältnis")."""
    pieces = [p for p in re.split(r"[-\u2010\u2011]", word) if p]
    if len(pieces) > 1:
        return tuple(k for piece in pieces for k in word_keys(piece, lang))
    base = lemma(word, lang)
    if lang != "de":
        return (match_key(base, lang),)
    if not (word[:1].isupper() or base[:1].isupper()):
        return (match_key(base, lang),)  # only nouns are split: "wunder|schön" is not needed
    parts = split_compound(base if base != word else word)
    if len(parts) == 1:
        return (match_key(base, lang),)
    head = lemma(parts[-1].capitalize(), lang) if word[:1].isupper() else lemma(parts[-1], lang)
    keys = [match_key(_part_lemma(p), lang) for p in parts[:-1]]
    return (*keys, match_key(head, lang))


def _part_lemma(part: str) -> str:
    """Lemma of a non-final compound part: a noun if the table knows it capitalised."""
    table = _lemma_table("de")
    cap = part.capitalize()
    if cap in table:
        return table[cap]
    if cap in _capitalised_lemmas():
        return cap
    return table.get(part, part)


@functools.lru_cache(maxsize=1)
def _capitalised_lemmas() -> frozenset[str]:
    return frozenset(v for v in _lemma_table("de").values() if v[:1].isupper())


def sub_sequences(keys: tuple[str, ...]) -> Iterable[str]:
    """Every contiguous run of keys joined with '+': the ways a keyword can hit a compound."""
    for i in range(len(keys)):
        for j in range(i + 1, len(keys) + 1):
            yield "+".join(keys[i:j])
