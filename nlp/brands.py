"""Does a text talk about a brand? Names, aliases, exclusions and boolean queries.

Why a small hand-written matcher instead of regular expressions built from the config: an
operator writes ``"Deutsche Bahn" OR (DB NOT Datenbank)`` and expects it to behave like the
search box of every monitoring tool; a malformed query must be an error that points at the
character, not a regex that silently matches nothing.

Matching works on *words* (runs of letters/digits), so "DB" never hits "DBA" and "Telekom"
hits "Telekom-Hotline" and "#Telekom". Comparison is case-insensitive (Unicode casefold)
except for the terms listed in ``case_sensitive`` ("DB", "O2"): short names whose lower-case
spelling is usually another word (dB, db, o2 sensor) match only with the exact case.

Query syntax (operators in capitals; lower-case "and"/"or"/"not" are ordinary words)::

    term            a word; ``Telekom*`` matches words starting with "Telekom"
    "a phrase"      consecutive words ("Deutsche Bahn" also hits "Deutsche-Bahn")
    a AND b         both (two operands side by side without operator also mean AND)
    a OR b          either
    NOT a, a NOT b  a without b (NOT binds tighter than AND, AND tighter than OR)
    a NEAR/n b      a and b with at most n words between them, in either order
    ( ... )         grouping

NEAR takes words, phrases, OR-groups of them, or other NEAR expressions on each side.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["BrandMatcher", "BrandQueryError", "compile_brand", "tokenize"]

_WORD = re.compile(r"\w+", re.UNICODE)
#: separator characters that join the parts of one name ("Deutsche-Bahn", "Deutsche Bahn")
_SOFT_SEPARATOR = re.compile(r"[\s\-\u2010-\u2015/_]+")
_MIN_PREFIX = 3


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
class _Token:
    exact: str  # NFKC text as written
    folded: str  # casefolded, for case-insensitive comparison
    start: int
    end: int


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str) -> list[_Token]:
    """Split ``text`` into word tokens with their character spans (after NFKC)."""
    text = _nfkc(text)
    return [_Token(m.group(), m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


@dataclass
class _Text:
    """A text prepared once and shared by every pattern of a query."""

    raw: str
    tokens: list[_Token]

    @classmethod
    def of(cls, text: str) -> _Text:
        raw = _nfkc(text or "")
        return cls(raw, tokenize(raw))

    def separator(self, i: int) -> str:
        """The characters between token i and token i+1."""
        return self.raw[self.tokens[i].end : self.tokens[i + 1].start]


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Pattern:
    """A word or phrase: words, the separators between them, case rule, prefix wildcard."""

    source: str
    words: tuple[str, ...]
    separators: tuple[str, ...]  # len(words) - 1 entries; "" means a soft separator
    case_sensitive: bool
    prefix: bool  # last word is a prefix (``Telekom*``)

    def spans(self, text: _Text) -> list[tuple[int, int]]:
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

    def _word_ok(self, k: int, tok: _Token) -> bool:
        have = tok.exact if self.case_sensitive else tok.folded
        want = self.words[k]
        if self.prefix and k == len(self.words) - 1:
            return have.startswith(want)
        return have == want

    @staticmethod
    def _sep_ok(want: str, have: str) -> bool:
        if not want:  # soft: whitespace or hyphens only, never sentence punctuation
            return bool(_SOFT_SEPARATOR.fullmatch(have))
        return re.sub(r"\s+", "", have) == want


def _make_pattern(
    source: str, case_rules: dict[str, str], *, query: str = "", position: int = 0, wildcard: bool
) -> _Pattern:
    """Turn a written term/phrase into a pattern, applying the case and wildcard rules."""
    written = _nfkc(source).strip()
    prefix = wildcard and written.endswith("*")
    if prefix:
        written = written[:-1]
    if "*" in written:
        raise BrandQueryError("'*' is only allowed at the end of a term", query or source, position)
    tokens = tokenize(written)
    if not tokens:
        raise BrandQueryError(f"{source!r} has no letters or digits", query or source, position)
    if prefix and len(tokens[-1].exact) < _MIN_PREFIX:
        raise BrandQueryError(
            f"a wildcard needs at least {_MIN_PREFIX} characters before '*'", query or source, position
        )
    cs_spelling = case_rules.get(written.casefold())
    case_sensitive = cs_spelling is not None
    if case_sensitive:
        tokens = tokenize(cs_spelling)
    words = tuple(t.exact if case_sensitive else t.folded for t in tokens)
    separators = []
    for a, b in zip(tokens, tokens[1:]):
        sep = (cs_spelling if case_sensitive else written)[a.end : b.start]
        separators.append("" if _SOFT_SEPARATOR.fullmatch(sep) else re.sub(r"\s+", "", sep))
    return _Pattern(source, words, tuple(separators), case_sensitive, prefix)


# --------------------------------------------------------------------------- query tree


class _Node:
    def evaluate(self, text: _Text) -> bool:
        raise NotImplementedError

    def spans(self, text: _Text) -> list[tuple[int, int]]:
        """Token spans; only nodes usable inside NEAR implement it."""
        raise NotImplementedError

    positional = False

    def leaves(self) -> Iterable[_Pattern]:
        return ()


@dataclass
class _Leaf(_Node):
    pattern: _Pattern
    positional = True

    def evaluate(self, text: _Text) -> bool:
        return bool(self.pattern.spans(text))

    def spans(self, text: _Text) -> list[tuple[int, int]]:
        return self.pattern.spans(text)

    def leaves(self) -> Iterable[_Pattern]:
        yield self.pattern


@dataclass
class _Or(_Node):
    parts: list[_Node]

    @property
    def positional(self) -> bool:  # type: ignore[override]
        return all(p.positional for p in self.parts)

    def evaluate(self, text: _Text) -> bool:
        return any(p.evaluate(text) for p in self.parts)

    def spans(self, text: _Text) -> list[tuple[int, int]]:
        return sorted({s for p in self.parts for s in p.spans(text)})

    def leaves(self) -> Iterable[_Pattern]:
        for p in self.parts:
            yield from p.leaves()


@dataclass
class _And(_Node):
    parts: list[_Node]

    def evaluate(self, text: _Text) -> bool:
        return all(p.evaluate(text) for p in self.parts)

    def leaves(self) -> Iterable[_Pattern]:
        for p in self.parts:
            yield from p.leaves()


@dataclass
class _Not(_Node):
    part: _Node

    def evaluate(self, text: _Text) -> bool:
        return not self.part.evaluate(text)


@dataclass
class _Near(_Node):
    left: _Node
    right: _Node
    distance: int
    positional = True

    def evaluate(self, text: _Text) -> bool:
        return bool(self.spans(text))

    def spans(self, text: _Text) -> list[tuple[int, int]]:
        out = set()
        for a0, a1 in self.left.spans(text):
            for b0, b1 in self.right.spans(text):
                gap = b0 - a1 if b0 >= a1 else a0 - b1
                if 0 <= gap <= self.distance:
                    out.add((min(a0, b0), max(a1, b1)))
        return sorted(out)

    def leaves(self) -> Iterable[_Pattern]:
        yield from self.left.leaves()
        yield from self.right.leaves()


# --------------------------------------------------------------------------- parser

_QUERY_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<phrase>"[^"]*")
    | (?P<badquote>")
    | (?P<near>NEAR(?:/(?P<dist>\d+))?(?=[\s()"]|$))
    | (?P<op>(?:AND|OR|NOT)(?=[\s()"]|$))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    dist: int | None = None


def _lex(query: str) -> list[_Tok]:
    toks = []
    for m in _QUERY_TOKEN.finditer(query):
        kind = m.lastgroup if m.lastgroup != "dist" else "near"
        if kind == "space":
            continue
        if kind == "badquote":
            raise BrandQueryError('unclosed quote (")', query, m.start())
        if kind == "near":
            if m.group("dist") is None:
                raise BrandQueryError("NEAR needs a distance, e.g. NEAR/5", query, m.start())
            toks.append(_Tok("near", m.group("near"), m.start(), int(m.group("dist"))))
            continue
        if kind == "op":
            toks.append(_Tok(m.group(), m.group(), m.start()))
            continue
        toks.append(_Tok(kind, m.group(), m.start()))
    return toks


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not (AND? not)*; not := NOT not | near;
    near := primary (NEAR/n primary)*; primary := word | phrase | ( or )."""

    def __init__(self, query: str, case_rules: dict[str, str]):
        self.query = query
        self.case_rules = case_rules
        self.toks = _lex(query)
        self.i = 0

    def _peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _error(self, message: str, tok: _Tok | None = None) -> BrandQueryError:
        pos = tok.pos if tok else len(self.query)
        return BrandQueryError(message, self.query, pos)

    def parse(self) -> _Node:
        if not self.toks:
            raise self._error("the query is empty")
        node = self._or()
        tok = self._peek()
        if tok is not None:
            raise self._error(f"unexpected {tok.text!r}", tok)
        return node

    def _or(self) -> _Node:
        parts = [self._and()]
        while (tok := self._peek()) and tok.kind == "OR":
            self.i += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _Or(parts)

    def _and(self) -> _Node:
        parts = [self._not()]
        while (tok := self._peek()) and tok.kind in ("AND", "NOT", "word", "phrase", "lparen"):
            if tok.kind == "AND":
                self.i += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else _And(parts)

    def _not(self) -> _Node:
        tok = self._peek()
        if tok and tok.kind == "NOT":
            self.i += 1
            return _Not(self._not())
        return self._near()

    def _near(self) -> _Node:
        start = self._peek()
        node = self._primary()
        while (tok := self._peek()) and tok.kind == "near":
            self.i += 1
            right_tok = self._peek()
            right = self._primary()
            if not node.positional:
                raise self._error("NEAR needs words or phrases on its left side", start)
            if not right.positional:
                raise self._error("NEAR needs words or phrases on its right side", right_tok)
            node = _Near(node, right, tok.dist or 0)
        return node

    def _primary(self) -> _Node:
        tok = self._peek()
        if tok is None:
            raise self._error("the query ends where a word, phrase or '(' was expected")
        if tok.kind == "lparen":
            self.i += 1
            node = self._or()
            close = self._peek()
            if close is None or close.kind != "rparen":
                raise self._error("missing ')' for the '(' opened here", tok)
            self.i += 1
            return node
        if tok.kind == "word":
            self.i += 1
            return _Leaf(self._pattern(tok.text, tok.pos, wildcard=True))
        if tok.kind == "phrase":
            self.i += 1
            inner = tok.text[1:-1]
            if not inner.strip():
                raise self._error("empty phrase", tok)
            return _Leaf(self._pattern(inner, tok.pos + 1, wildcard=True))
        raise self._error(f"unexpected {tok.text!r} where a word, phrase or '(' was expected", tok)

    def _pattern(self, text: str, pos: int, *, wildcard: bool) -> _Pattern:
        return _make_pattern(text, self.case_rules, query=self.query, position=pos, wildcard=wildcard)


# --------------------------------------------------------------------------- public API


@dataclass
class BrandMatcher:
    """A compiled brand: ``matches(text)`` says whether a text is about the brand."""

    name: str
    _include: _Node = field(repr=False)
    _exclude: list[_Pattern] = field(repr=False, default_factory=list)

    def matches(self, text: str) -> bool:
        prepared = _Text.of(text)
        if any(p.spans(prepared) for p in self._exclude):
            return False
        return self._include.evaluate(prepared)

    def excluded_by(self, text: str) -> str | None:
        """The exclude term that rules the text out, if any (for logs and tests)."""
        prepared = _Text.of(text)
        return next((p.source for p in self._exclude if p.spans(prepared)), None)

    @property
    def terms(self) -> list[str]:
        """The words and phrases the brand is searched by (not those under NOT)."""
        return list(dict.fromkeys(p.source for p in self._include.leaves()))


def compile_brand(
    name: str,
    aliases: Sequence[str] = (),
    exclude: Sequence[str] = (),
    query: str | None = None,
    case_sensitive: Sequence[str] = (),
) -> BrandMatcher:
    """Compile a brand's config fields into a matcher.

    ``query`` (boolean syntax, see the module docstring) replaces name + aliases when given.
    Name, aliases and exclude terms are literal phrases (no operators, no wildcards).
    Raises :class:`BrandQueryError` for a malformed query or a term without letters/digits.
    """
    case_rules = {_nfkc(t).strip().casefold(): _nfkc(t).strip() for t in case_sensitive if t.strip()}
    if query is not None and query.strip():
        include = _Parser(query, case_rules).parse()
    else:
        leaves: list[_Node] = [
            _Leaf(_make_pattern(term, case_rules, wildcard=False))
            for term in dict.fromkeys([name, *aliases])
            if term and term.strip()
        ]
        if not leaves:
            raise BrandQueryError("a brand needs a name, an alias or a query", name or "", 0)
        include = leaves[0] if len(leaves) == 1 else _Or(leaves)
    excluded = [_make_pattern(term, case_rules, wildcard=False) for term in exclude if term.strip()]
    return BrandMatcher(name, include, excluded)
