"""Word classes without a tagger: noun, adjective, verb or other, from signals a blank pipeline has.

Why: emerging themes (:mod:`nlp.keyness`) must be things a team can act on — nouns, names,
compounds — and spaCy blank pipelines have no POS tagger (see docs/nlp.md). The signals, all
deterministic and offline:

* **German capitalisation**: nouns are capitalised; a word capitalised in mid-sentence more
  often than not is a noun (in any language: a name). A capital at a sentence start says
  nothing, nor does ALL CAPS.
* **the lemma's case in the German lookup table**: "Hängt" → "hängen" (a verb), "Tagen" →
  "Tag" (a noun) — for words seen only at sentence starts.
* **the POS index of spacy-lookups-data** (``<lang>_lemma_index``: WordNet-style headword
  lists for en, fr, es, nl, el, ca, …): "locker" is a noun, "stuck" an adjective, "hang" a
  noun and a verb.
* **a short list per language** of light verbs, verb particles and generic nouns that are
  never a theme on their own ("hängen", "fest", "Tag", "get", "week").

A word none of these know (a new compound, a product or place name) counts as a noun.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from nlp.lexicon import lookup_table

__all__ = ["NOUN", "ADJ", "VERB", "OTHER", "WordStats", "word_class", "not_a_theme"]

NOUN, ADJ, VERB, OTHER = "noun", "adj", "verb", "other"

_NOT_A_THEME = {
    "de": """
        hängen liegen stehen stecken bleiben geben lassen bekommen kriegen erhalten sagen sehen
        finden bringen halten nehmen setzen stellen tun passieren klappen gehen kommen machen
        fest weg los mal echt einfach bitte gestern morgen ständig total eigentlich wirklich
        überhaupt halt eben irgendwie bisher inzwischen mittlerweile endlich sofort plötzlich
        dauernd seitdem leider trotzdem nun
        tag woche monat jahr stunde minute sekunde stern problem sache ding montag dienstag
        mittwoch donnerstag freitag samstag sonntag
    """,
    "en": """
        get got keep say tell go come make take give put hang stick sit stand happen seem try
        need want know think look let work use
        still just really even already ever again please yesterday today tomorrow now
        day week month year hour minute time star thing way lot bit problem issue people guy
        monday tuesday wednesday thursday friday saturday sunday
    """,
}


@functools.cache
def not_a_theme(lang: str) -> frozenset[str]:
    """Lemmas (lower case) that are never a theme on their own in ``lang``."""
    return frozenset(_NOT_A_THEME.get(lang, "").split())


@functools.cache
def _pos_index(lang: str) -> dict[str, frozenset[str]]:
    """Headword -> parts of speech from spacy-lookups-data's ``<lang>_lemma_index`` ({} if none)."""
    raw = lookup_table(lang, "lemma_index")
    index: dict[str, set[str]] = {}
    for pos, words in raw.items():
        for w in words:
            index.setdefault(w.lower(), set()).add(pos)
    return {w: frozenset(p) for w, p in index.items()}


@dataclass
class WordStats:
    """What the texts show of one lemma: its written forms and how it is capitalised."""

    forms: Counter = field(default_factory=Counter)  # written forms in the recent texts
    other_forms: Counter = field(default_factory=Counter)  # ... in the baseline
    capital_mid: int = 0  # capitalised where no sentence starts
    lower_mid: int = 0  # lower case where no sentence starts
    lemma_capital: int = 0  # the lookup table's lemma is capitalised ("Tagen" -> "Tag")
    lemma_lower: int = 0

    def observe(self, word: str, lemma: str, *, initial: bool, recent: bool) -> None:
        (self.forms if recent else self.other_forms)[word] += 1
        if not word.isupper() or len(word) == 1:  # ALL CAPS says nothing about the class
            if word[:1].isupper():
                if not initial:
                    self.capital_mid += 1
            elif not initial:
                self.lower_mid += 1
        if lemma[:1].isupper() and not lemma.isupper():
            self.lemma_capital += 1
        else:
            self.lemma_lower += 1

    def merge(self, other: WordStats) -> None:
        self.forms.update(other.forms)
        self.other_forms.update(other.other_forms)
        self.capital_mid += other.capital_mid
        self.lower_mid += other.lower_mid
        self.lemma_capital += other.lemma_capital
        self.lemma_lower += other.lemma_lower

    @property
    def capitalised_lemma(self) -> bool:
        return self.lemma_capital > self.lemma_lower

    def form(self) -> str:
        """The most common written form (recent texts first)."""
        for counter in (self.forms, self.other_forms):
            if counter:
                return counter.most_common(1)[0][0]
        return ""


def word_class(key: str, stats: WordStats, lang: str) -> str:
    """NOUN, ADJ, VERB or OTHER for the lemma ``key`` (lower case) as the texts use it."""
    if key in not_a_theme(lang) or "'" in key or "’" in key:  # contractions: "don't", "geht's"
        return OTHER
    if stats.capital_mid > stats.lower_mid:
        return NOUN  # capitalised in mid-sentence: a German noun, or a name in any language
    if lang == "de":
        if stats.lower_mid == 0 and stats.capitalised_lemma:
            return NOUN  # seen only at sentence starts: the lookup table's lemma decides
        return VERB if key.endswith(("en", "ern", "eln")) else ADJ
    index = _pos_index(lang)
    if not index:
        return NOUN  # nothing known about this language: any content word may be a theme
    form = stats.form().lower()
    pos = index.get(form)
    if pos is None:  # an inflected form: judge the lemma, but "delayed", "waiting" are verbs
        pos = index.get(key, frozenset())
        if lang == "en" and form != key and form.endswith(("ed", "ing")) and "verb" in pos:
            return VERB
    if not pos:
        return NOUN  # unknown to the index: a name or a new word
    if "noun" in pos:
        return NOUN
    if "adj" in pos:
        return ADJ
    return VERB if "verb" in pos else OTHER
