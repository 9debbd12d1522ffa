"""Topics from operator keywords: spaCy tokenisation + match keys, per language.

Why keywords and not a classifier: the operator decides what "Lieferung" covers and must be able
to predict and fix a match. Why match keys (:mod:`nlp.lexicon`) rather than raw text: one
keyword must hit its inflections ("Lieferungen", "geliefert", "deliveries") and, in German, the
compounds it is part of ("Lieferverzögerung", "Paketzustellung", "Kundenservicehotline").

Each token of a text carries the keys of its compound parts and of every run of adjacent parts
(``kunde``, ``service``, ``hotline``, ``kunde+service``, ...); a keyword is the sequence of its
own full keys, matched by :class:`nlp.keymatch.KeyMatcher` (first-key index; spaCy's ``Matcher``
with ``INTERSECTS`` on a token extension did the same 10x slower). So
"Kundenservice" hits "Kundenservicehotline" but "Service" does not hit "Servierwagen".

Exclusions are explicit: ``exclude`` terms of a topic are matched the same way and every hit
overlapping one is dropped ("Preis" excluded by "Preisverleihung" still hits "Preis" elsewhere).
Brand names given to the taxonomy (the watchlist's brands, aliases and competitors) are never
topic keywords: their tokens, or the brand part of a token, match nothing
(:mod:`nlp.brandwords`), so "Paketwerk" is not a delivery mention and "Paketwerk-App" is
still one about the app.

Every hit comes with its clause (:mod:`nlp.clauses`) so that the aspect's sentiment is read
from the words about it, and with its negation state.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nlp.brandwords import BrandWords
from nlp.clauses import Clause, clauses, complaint_indices, negated_indices
from nlp.keymatch import OPTIONAL_PUNCT, KeyMatcher
from nlp.lexicon import add_known_words, sub_sequences, word_keys

if TYPE_CHECKING:  # spaCy loads torch (through thinc): imported when a text is first parsed,
    from spacy.language import Language  # so that reading a taxonomy's version stays quick
    from spacy.tokens import Doc

__all__ = ["TopicRule", "TopicHit", "Taxonomy", "ALGORITHM"]

#: Bump when matching rules change: the taxonomy version changes and topics are re-matched.
ALGORITHM = "topics-2"  # 2: typographic apostrophes fold into ASCII; aspects weigh the star rating


@dataclass(frozen=True)
class TopicRule:
    """Keywords and exclusions of one topic, per language code."""

    keywords: Mapping[str, Sequence[str]]
    exclude: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: generic keywords that count only in a sentence where no other topic matched
    fallback: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: the topic also gets every sentence in which no topic matched
    catch_all: bool = False

    @classmethod
    def of(cls, value: Any) -> TopicRule:
        """Accept a TopicRule, a mapping, or any object with ``keywords``/``exclude`` (the
        watchlist's ``Topic``) — nlp does not import monitor."""
        if isinstance(value, TopicRule):
            return value
        if isinstance(value, Mapping):
            get = value.get
        else:

            def get(name, default=None):
                return getattr(value, name, default)

        return cls(
            dict(get("keywords", {}) or {}),
            dict(get("exclude", {}) or {}),
            dict(get("fallback", {}) or {}),
            bool(get("catch_all", False)),
        )


@dataclass(frozen=True)
class TopicHit:
    topic: str
    keyword: str
    matched_text: str
    start: int  # character offsets of the match in the text
    end: int
    clause: str
    clause_start: int
    clause_end: int
    sentence: str  # the whole sentence holding the clause
    negated: bool  # the keyword or a complaint word in its clause is negated
    negated_complaint: bool  # the clause's only complaints are negated ("kein Problem mit ...")


@functools.cache
def sentence_pipeline(lang: str) -> Language:
    """spacy.blank(lang) + sentencizer; 'xx' (multi-language tokenizer) for unknown codes."""
    import spacy

    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, ValueError, OSError):
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})


@functools.lru_cache(maxsize=200_000)
def _token_keys(text: str, lang: str) -> tuple[str, ...]:
    """Keys of a text word: its compound-part runs, and the word itself lower-cased.

    Typographic apostrophes count as ASCII ones: phones type "doesn’t", operators write "doesn't"."""
    text = text.translate(_APOSTROPHES)
    return tuple(dict.fromkeys([*sub_sequences(word_keys(text, lang)), text.lower()]))


def _keyword_keys(text: str, lang: str) -> list[str]:
    """What a keyword word may meet: its full key, or itself lower-cased. Both, because lookup
    tables are not idempotent: Italian "consegna" -> "consegnare" but "consegne" -> "consegna"."""
    text = text.translate(_APOSTROPHES)
    return list(dict.fromkeys(["+".join(word_keys(text, lang)), text.lower()]))


class Taxonomy:
    """A compiled topic taxonomy; ``analyse(text, lang)`` returns its topic hits.

    ``brands``: names and aliases whose words never count as topic keywords (see module
    docstring)."""

    def __init__(self, topics: Mapping[str, Any], brands: Iterable[str] = ()):
        self.rules = {name: TopicRule.of(rule) for name, rule in topics.items()}
        self.brands = BrandWords.of(brands)
        self.version = self._version()
        self._matchers: dict[str, tuple[KeyMatcher, KeyMatcher]] = {}

    def _version(self) -> str:
        canon = {
            name: {
                "keywords": {k: list(v) for k, v in sorted(rule.keywords.items())},
                "exclude": {k: list(v) for k, v in sorted(rule.exclude.items())},
                "fallback": {k: list(v) for k, v in sorted(rule.fallback.items())},
                "catch_all": rule.catch_all,
            }
            for name, rule in sorted(self.rules.items())
        }
        parts: list[Any] = [ALGORITHM, canon]
        if self.brands:  # matching ignores them: another brand list is another taxonomy
            parts.append(sorted(" ".join(n) for n in self.brands.names))
        blob = json.dumps(parts, ensure_ascii=False, sort_keys=True)
        return "tax-" + hashlib.sha1(blob.encode("utf-8")).hexdigest()[:12]

    @property
    def languages(self) -> set[str]:
        return {
            lang
            for rule in self.rules.values()
            for table in (rule.keywords, rule.fallback)
            for lang, kws in table.items()
            if kws
        }

    # ------------------------------------------------------------------ compile

    def _pattern(self, nlp: Language, term: str, lang: str) -> list[frozenset[str] | None]:
        pattern: list[frozenset[str] | None] = []
        for tok in nlp.make_doc(term):
            if tok.is_space:
                continue
            if tok.is_punct:
                if pattern:  # leading punctuation is ignored
                    pattern.append(OPTIONAL_PUNCT)
            else:
                pattern.append(frozenset(_keyword_keys(tok.text, lang)))
        while pattern and pattern[-1] is OPTIONAL_PUNCT:
            pattern.pop()
        return pattern

    def _compiled(self, lang: str):
        if lang not in self._matchers:
            nlp = sentence_pipeline(lang)
            if lang == "de":
                words = [
                    w
                    for r in self.rules.values()
                    for kw in (*r.keywords.get(lang, ()), *r.fallback.get(lang, ()))
                    for w in kw.split()
                ]
                before = _token_keys.cache_info().currsize
                add_known_words(words)
                if before:
                    _token_keys.cache_clear()
            keywords, excludes = KeyMatcher(), KeyMatcher()
            for topic, rule in self.rules.items():
                terms = [(kw, False) for kw in rule.keywords.get(lang, ())]
                terms += [(kw, True) for kw in rule.fallback.get(lang, ())]
                for kw, is_fallback in terms:
                    pattern = self._pattern(nlp, kw, lang)
                    if pattern:  # a keyword of punctuation only matches nothing
                        keywords.add((topic, kw, is_fallback), pattern)
                for ex in rule.exclude.get(lang, ()):
                    pattern = self._pattern(nlp, ex, lang)
                    if pattern:
                        excludes.add(topic, pattern)
            self._matchers[lang] = (keywords, excludes)
        return self._matchers[lang]

    # ------------------------------------------------------------------ match

    @staticmethod
    def keys(doc: Doc, lang: str) -> list[tuple[str, ...] | None]:
        """Match keys of every token (None for punctuation and spaces)."""
        return [None if (t.is_punct or t.is_space) else _token_keys(t.text, lang) for t in doc]

    def _without_brands(self, doc: Doc, keys: list, lang: str) -> list:
        """Token keys with brand names taken out: a brand token matches nothing, a token
        holding a brand keeps the keys of its other part ("Paketwerk-App" -> "App")."""
        rests = self.brands.remainders([t.text for t in doc], lang)
        return [
            k if rest is None or k is None else (_token_keys(rest, lang) if rest else ())
            for k, rest in zip(keys, rests)
        ]

    def analyse(self, text: str, lang: str | None) -> list[TopicHit]:
        """Topic hits in ``text``: at most one per topic and clause (the longest keyword)."""
        if not text or not lang or lang not in self.languages:
            return []
        self._compiled(lang)
        return self._analyse_doc(sentence_pipeline(lang)(text), lang)

    def analyse_many(
        self, items: Sequence[tuple[str, str | None]], *, batch_size: int = 256
    ) -> list[list[TopicHit]]:
        """:meth:`analyse` of each ``(text, lang)``, in order. The texts of one language are
        parsed together (spaCy's ``nlp.pipe``), which spares the per-call overhead of parsing
        them one by one; the hits are the same."""
        out: list[list[TopicHit]] = [[] for _ in items]
        by_lang: dict[str, list[int]] = {}
        for i, (text, lang) in enumerate(items):
            if text and lang and lang in self.languages:
                by_lang.setdefault(lang, []).append(i)
        for lang in by_lang:  # compile first: German keywords extend the word list parsing uses
            self._compiled(lang)
        for lang, indices in by_lang.items():
            docs = sentence_pipeline(lang).pipe((items[i][0] for i in indices), batch_size=batch_size)
            for i, doc in zip(indices, docs):
                out[i] = self._analyse_doc(doc, lang)
        return out

    def _analyse_doc(self, doc: Doc, lang: str) -> list[TopicHit]:
        keywords, excludes = self._compiled(lang)
        keys = self.keys(doc, lang)
        if self.brands:
            keys = self._without_brands(doc, keys, lang)
        blocked: dict[str, list[tuple[int, int]]] = {}
        for topic, s, e in excludes(keys) if len(excludes) else ():
            blocked.setdefault(topic, []).append((s, e))
        parts = clauses(doc, lang)
        best: dict[tuple[str, int], tuple[bool, int, int, str]] = {}
        for (topic, kw, is_fallback), s, e in keywords(keys):
            if any(s < be and bs < e for bs, be in blocked.get(topic, ())):
                continue
            ci = _clause_of(parts, s)
            rank = (not is_fallback, e - s, len(kw), -s)
            current = best.get((topic, ci))
            if current is None or rank > (
                not current[0],
                current[2] - current[1],
                len(current[3]),
                -current[1],
            ):
                best[(topic, ci)] = (is_fallback, s, e, kw)
        # a generic (fallback) keyword counts only in a sentence no other topic talks about
        sentence_of = {ci: doc[parts[ci].start].sent.start for _, ci in best}
        specific = {(topic, sentence_of[ci]) for (topic, ci), found in best.items() if not found[0]}
        hits = [
            self._hit(doc, parts[ci], topic, s, e, kw, lang)
            for (topic, ci), (is_fallback, s, e, kw) in best.items()
            if not is_fallback or not any(si == sentence_of[ci] and t != topic for t, si in specific)
        ]
        hits += self._catch_all(doc, parts, hits, lang)
        return sorted(hits, key=lambda h: (h.start, h.topic))

    def _catch_all(self, doc: Doc, parts: list[Clause], hits: list[TopicHit], lang: str) -> list[TopicHit]:
        """Hits of catch-all topics on every sentence without a hit (keyword "*")."""
        names = [name for name, rule in self.rules.items() if rule.catch_all]
        if not names:
            return []
        out = []
        for sent in doc.sents:
            if not any(t.is_alpha for t in sent):
                continue
            if any(sent.start_char <= h.start < sent.end_char for h in hits):
                continue
            whole = Clause(sent.start, sent.end, sent.text)
            for name in names:
                out.append(self._hit(doc, whole, name, sent.start, sent.start, "*", lang))
        return out

    def topics(self, text: str, lang: str | None) -> set[str]:
        return {h.topic for h in self.analyse(text, lang)}

    @staticmethod
    def _hit(doc: Doc, clause: Clause, topic: str, s: int, e: int, kw: str, lang: str) -> TopicHit:
        negated = negated_indices(doc, clause, lang)
        complaints = complaint_indices(doc, clause, lang)
        keyword_negated = any(i in negated for i in range(s, e))
        plain_complaints = complaints - negated
        span = doc[s:e]
        cspan = doc[clause.start : clause.end]
        return TopicHit(
            topic=topic,
            keyword=kw,
            matched_text=span.text,
            start=span.start_char,
            end=span.end_char,
            clause=cspan.text,
            clause_start=cspan.start_char,
            clause_end=cspan.end_char,
            sentence=doc[clause.start].sent.text,
            negated=keyword_negated or bool(complaints & negated),
            negated_complaint=bool(complaints & negated) and not plain_complaints,
        )


def _clause_of(parts: list[Clause], token_index: int) -> int:
    for i, c in enumerate(parts):
        if token_index < c.start:
            return max(i - 1, 0)
        if token_index < c.end:
            return i
    return len(parts) - 1
