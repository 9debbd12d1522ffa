"""Clauses and negation: the unit an aspect's sentiment is read from.

Why clauses and not sentences: reviews pack several verdicts into one sentence ("Essen gut,
aber Service eine Frechheit"). The sentiment of *food* must come from "Essen gut" and that of
*service* from "aber Service eine Frechheit". A clause ends at a sentence end, a semicolon, a
dash, a comma, or before a contrastive conjunction (aber, jedoch, but, however, ...). A comma
followed by a relative pronoun or subordinator ("Das Zimmer, das wir hatten, war schmutzig")
does not end one (nor does the comma closing it), and one-word fragments join their
neighbour.

Negation: a cue (kein, nicht, ohne, no, not, never, ...) up to three words before a word
negates it, within the clause. "kein Problem mit der Lieferung" negates the complaint word
"Problem": the clause is not a delivery complaint even if a sentiment model reads "Problem"
as negative (see :func:`nlp.aspects.aspect_label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy loads torch (through thinc): only where a text is parsed
    from spacy.tokens import Doc, Span

__all__ = ["Clause", "clauses", "negated_indices", "complaint_indices", "NEGATION_WINDOW"]

NEGATION_WINDOW = 3
_MIN_CLAUSE_WORDS = 2

_CONTRAST = {
    "de": {"aber", "jedoch", "sondern", "allerdings", "obwohl", "wobei"},
    "en": {"but", "however", "although", "though", "whereas", "except"},
    "fr": {"mais", "cependant", "pourtant", "toutefois"},
    "es": {"pero", "sino", "aunque", "sin embargo"},
    "it": {"ma", "però", "tuttavia", "invece"},
    "nl": {"maar", "echter", "hoewel"},
}
_SUBORDINATE = {
    "de": {
        "der",
        "die",
        "das",
        "den",
        "dem",
        "dessen",
        "deren",
        "welche",
        "welcher",
        "welches",
        "wo",
        "wie",
        "wenn",
        "als",
        "weil",
        "dass",
        "da",
        "damit",
        "ob",
        "um",
        "was",
        "sodass",
    },
    "en": {
        "which",
        "that",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "because",
        "if",
        "as",
        "so",
        "since",
        # not "while": after a comma it contrasts ("A lost my parcel, while B delivers next day")
        "what",
    },
    "fr": {"qui", "que", "où", "dont", "quand", "parce"},
    "es": {"que", "quien", "donde", "cuando", "porque"},
    "it": {"che", "cui", "dove", "quando", "perché"},
    "nl": {"die", "dat", "waar", "wanneer", "omdat", "als"},
}
_ARTICLES = {"der", "die", "das", "den", "dem"}
_BREAK_PUNCT = {";", "–", "—", "-", ":", "|"}

_NEGATION = {
    "de": {
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "keines",
        "nicht",
        "nie",
        "niemals",
        "ohne",
        "weder",
        "nichts",
        "kaum",
        "nirgends",
    },
    "en": {
        "no",
        "not",
        "n't",
        "never",
        "without",
        "nothing",
        "nor",
        "none",
        "neither",
        "hardly",
        "cannot",
        "dont",
        "didnt",
        "doesnt",
        "wasnt",
        "isnt",
        "wont",
        "cant",
        "havent",
    },
    "fr": {"ne", "pas", "jamais", "sans", "aucun", "aucune", "rien"},
    "es": {"no", "nunca", "sin", "ningún", "ninguna", "nada"},
    "it": {"non", "mai", "senza", "nessun", "nessuno", "nessuna", "niente"},
    "nl": {"geen", "niet", "nooit", "zonder", "niets"},
}
#: Words whose negation turns a complaint into praise: "kein Problem", "nichts auszusetzen",
#: "no issues", "never had a problem". Compared by match key prefix, so inflections count.
_COMPLAINT = {
    "de": (
        "problem",
        "ärger",
        "beschwer",
        "mangel",
        "mängel",
        "fehler",
        "schlecht",
        "auszusetzen",
        "schmutzig",
        "dreckig",
        "kaputt",
        "defekt",
        "laut",
        "unfreundlich",
        "enttäusch",
        "klage",
        "beanstand",
        "verspät",
        "verzöger",
        "störung",
        "schwierigkeit",
        "stress",
        "schlimm",
        "teuer",
        "unangenehm",
        "katastroph",
        "panne",
        "zu meckern",
        "meckern",
    ),
    "en": (
        "problem",
        "issue",
        "complain",
        "complaint",
        "bad",
        "fault",
        "delay",
        "trouble",
        "broken",
        "dirty",
        "rude",
        "bug",
        "crash",
        "glitch",
        "hassle",
        "disappoint",
        "wrong",
        "error",
        "lag",
        "annoying",
        "terrible",
        "awful",
        "poor",
        "slow",
    ),
}


@dataclass(frozen=True)
class Clause:
    """Token range [start, end) of a clause in its Doc, and its text."""

    start: int
    end: int
    text: str


def clauses(doc: Doc, lang: str) -> list[Clause]:
    """Cut ``doc`` (sentence boundaries set) into clauses, in order, covering every token."""
    contrast = _CONTRAST.get(lang, set())
    subordinate = _SUBORDINATE.get(lang, set())
    out: list[Clause] = []
    for sent in doc.sents:
        cuts = [sent.start]
        in_subordinate = False  # a relative/subordinate clause opened after a comma
        for i in range(sent.start + 1, sent.end):
            tok = doc[i]
            prev = doc[i - 1]
            if tok.lower_ in contrast and not (i + 1 < sent.end and doc[i + 1].is_punct):
                in_subordinate = False
                cuts.append(i)
            elif prev.text in _BREAK_PUNCT or prev.text == ",":
                if prev.text == "," and _opens_subordinate(doc, i, sent.end, subordinate, lang):
                    in_subordinate = True
                    continue
                if prev.text == "," and in_subordinate:
                    in_subordinate = False  # "..., das wir hatten, war schmutzig": main clause resumes
                    continue
                cuts.append(i)
        cuts = sorted(set(cuts))
        pieces = [(a, b) for a, b in zip(cuts, cuts[1:] + [sent.end]) if a < b]
        out.extend(_merge_short(doc, pieces))
    return [Clause(a, _trim(doc, a, b), doc[a : _trim(doc, a, b)].text) for a, b in out]


def _trim(doc: Doc, a: int, b: int) -> int:
    """End of the clause without the comma/dash that separated it from the next."""
    while b - 1 > a and (doc[b - 1].text in _BREAK_PUNCT or doc[b - 1].text == ","):
        b -= 1
    return b


def _opens_subordinate(doc: Doc, i: int, end: int, subordinate: set[str], lang: str) -> bool:
    """Is token i (after a comma) a relative pronoun / subordinator rather than an article?
    German der/die/das before a capitalised word is an article: "…, die Lage super"."""
    low = doc[i].lower_
    if low not in subordinate:
        return False
    if lang == "de" and low in _ARTICLES and i + 1 < end and doc[i + 1].text[:1].isupper():
        return False
    return True


def _words(doc: Doc, a: int, b: int) -> int:
    return sum(1 for t in doc[a:b] if not t.is_punct and not t.is_space)


def _merge_short(doc: Doc, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join one-word fragments with the next (or, at the end, the previous) fragment."""
    merged: list[list[int]] = []
    carry: int | None = None
    for a, b in pieces:
        start = carry if carry is not None else a
        if _words(doc, start, b) < _MIN_CLAUSE_WORDS:
            carry = start
            continue
        merged.append([start, b])
        carry = None
    if carry is not None:
        last_end = pieces[-1][1]
        if merged:
            merged[-1][1] = last_end
        else:
            merged.append([carry, last_end])
    return [(a, b) for a, b in merged]


def negated_indices(doc: Doc, clause: Clause | Span, lang: str) -> set[int]:
    """Token indices within ``clause`` that a negation cue in the same clause governs."""
    cues = _NEGATION.get(lang, set())
    start, end = clause.start, clause.end
    hit: set[int] = set()
    for i in range(start, end):
        low = doc[i].lower_
        if low in cues or low.endswith("n't"):
            hit.update(range(i + 1, min(end, i + 1 + NEGATION_WINDOW)))
    return hit


def complaint_indices(doc: Doc, clause: Clause | Span, lang: str) -> set[int]:
    """Token indices in ``clause`` holding a complaint word (problem, Ärger, broken, ...)."""
    stems = _COMPLAINT.get(lang, ())
    out = set()
    for i in range(clause.start, clause.end):
        low = doc[i].lower_
        if any(low.startswith(s) or (len(s) > 4 and s in low) for s in stems if " " not in s):
            out.add(i)
    return out
