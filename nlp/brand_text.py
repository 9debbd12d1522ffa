"""Brand matching, the text side: words of a text and the phrase patterns that find brands.

Matching works on *words* (runs of letters/digits), case-insensitively except for the terms an
operator lists as case-sensitive; see ``nlp.brands`` for the whole picture.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WORD = re.compile(r"\w+", re.UNICODE)
#: separator characters that join the parts of one name ("Deutsche-Bahn", "Deutsche Bahn")
SOFT_SEPARATOR = re.compile(r"[\s\-\u2010-\u2015/_]+")
MIN_PREFIX = 3


class BrandQueryError(ValueError):
    """A brand query that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, query: str, position: int):
        self.query = query
        self.position = position
        self.reason = message
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {query}\n  {pointer}")


# --------------------------------------------------------------------------- text side


@dataclass(frozen=True)
class Token:
    exact: str  # NFKC text as written
    folded: str  # casefolded, for case-insensitive comparison
    start: int
    end: int


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word tokens with their character spans (after NFKC)."""
    text = nfkc(text)
    return [Token(m.group(), m.group().casefold(), m.start(), m.end()) for m in WORD.finditer(text)]


@dataclass
class PreparedText:
    """A text prepared once and shared by every pattern of a query."""

    raw: str
    tokens: list[Token]

    @classmethod
    def of(cls, text: str) -> PreparedText:
        raw = nfkc(text or "")
        return cls(raw, tokenize(raw))

    def separator(self, i: int) -> str:
        """The characters between token i and token i+1."""
        return self.raw[self.tokens[i].end : self.tokens[i + 1].start]


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Pattern:
    """A word or phrase: words, the separators between them, case rule, prefix wildcard."""

    source: str
    words: tuple[str, ...]
    separators: tuple[str, ...]  # len(words) - 1 entries; "" means a soft separator
    case_sensitive: bool
    prefix: bool  # last word is a prefix (``Telekom*``)

    def spans(self, text: PreparedText) -> list[tuple[int, int]]:
        """Token spans [start, end) where the pattern occurs."""
        n = len(self.words)
        toks = text.tokens
        found = []
        for i in range(len(toks) - n + 1):
            if all(self._word_ok(k, toks[i + k]) for k in range(n)) and all(
                self._sep_ok(self.separators[k], text.separator(i + k)) for k in range(n - 1)
            ):
                found.append((i, i + n))
        return found

    def _word_ok(self, k: int, tok: Token) -> bool:
        have = tok.exact if self.case_sensitive else tok.folded
        want = self.words[k]
        if self.prefix and k == len(self.words) - 1:
            return have.startswith(want)
        return have == want

    @staticmethod
    def _sep_ok(want: str, have: str) -> bool:
        if not want:  # soft: whitespace or hyphens only, never sentence punctuation
            return bool(SOFT_SEPARATOR.fullmatch(have))
        return re.sub(r"\s+", "", have) == want


def make_pattern(
    source: str, case_rules: dict[str, str], *, query: str = "", position: int = 0, wildcard: bool
) -> Pattern:
    """Turn a written term/phrase into a pattern, applying the case and wildcard rules."""
    written = nfkc(source).strip()
    prefix = wildcard and written.endswith("*")
    if prefix:
        written = written[:-1]
    if "*" in written:
        raise BrandQueryError("'*' is only allowed at the end of a term", query or source, position)
    tokens = tokenize(written)
    if not tokens:
        raise BrandQueryError(f"{source!r} has no letters or digits", query or source, position)
    if prefix and len(tokens[-1].exact) < MIN_PREFIX:
        raise BrandQueryError(
            f"a wildcard needs at least {MIN_PREFIX} characters before '*'", query or source, position
        )
    cs_spelling = case_rules.get(written.casefold())
    case_sensitive = cs_spelling is not None
    if case_sensitive:
        tokens = tokenize(cs_spelling)
    words = tuple(t.exact if case_sensitive else t.folded for t in tokens)
    separators = []
    for a, b in zip(tokens, tokens[1:]):
        sep = (cs_spelling if case_sensitive else written)[a.end : b.start]
        separators.append("" if SOFT_SEPARATOR.fullmatch(sep) else re.sub(r"\s+", "", sep))
    return Pattern(source, words, tuple(separators), case_sensitive, prefix)
