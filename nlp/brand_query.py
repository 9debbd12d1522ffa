"""Brand matching, the query side: the boolean query tree and its parser.

Why a hand-written recursive-descent parser: the grammar is tiny (words, phrases, AND/OR/NOT,
NEAR/n, parentheses) and an operator's typo must be an error that points at the character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlp.brand_text import BrandQueryError, Pattern, PreparedText, make_pattern

# --------------------------------------------------------------------------- query tree


class Node:
    def evaluate(self, text: PreparedText) -> bool:
        raise NotImplementedError

    def spans(self, text: PreparedText) -> list[tuple[int, int]]:
        """Token spans; only nodes usable inside NEAR implement it."""
        raise NotImplementedError

    positional = False

    def leaves(self) -> Iterable[Pattern]:
        return ()


@dataclass
class Leaf(Node):
    pattern: Pattern
    positional = True

    def evaluate(self, text: PreparedText) -> bool:
        return bool(self.pattern.spans(text))

    def spans(self, text: PreparedText) -> list[tuple[int, int]]:
        return self.pattern.spans(text)

    def leaves(self) -> Iterable[Pattern]:
        yield self.pattern


@dataclass
class Or(Node):
    parts: list[Node]

    @property
    def positional(self) -> bool:  # type: ignore[override]
        return all(p.positional for p in self.parts)

    def evaluate(self, text: PreparedText) -> bool:
        return any(p.evaluate(text) for p in self.parts)

    def spans(self, text: PreparedText) -> list[tuple[int, int]]:
        return sorted({s for p in self.parts for s in p.spans(text)})

    def leaves(self) -> Iterable[Pattern]:
        for p in self.parts:
            yield from p.leaves()


@dataclass
class And(Node):
    parts: list[Node]

    def evaluate(self, text: PreparedText) -> bool:
        return all(p.evaluate(text) for p in self.parts)

    def leaves(self) -> Iterable[Pattern]:
        for p in self.parts:
            yield from p.leaves()


@dataclass
class Not(Node):
    part: Node

    def evaluate(self, text: PreparedText) -> bool:
        return not self.part.evaluate(text)


@dataclass
class Near(Node):
    left: Node
    right: Node
    distance: int
    positional = True

    def evaluate(self, text: PreparedText) -> bool:
        return bool(self.spans(text))

    def spans(self, text: PreparedText) -> list[tuple[int, int]]:
        out = set()
        for a0, a1 in self.left.spans(text):
            for b0, b1 in self.right.spans(text):
                gap = b0 - a1 if b0 >= a1 else a0 - b1
                if 0 <= gap <= self.distance:
                    out.add((min(a0, b0), max(a1, b1)))
        return sorted(out)

    def leaves(self) -> Iterable[Pattern]:
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


class QueryParser:
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

    def parse(self) -> Node:
        if not self.toks:
            raise self._error("the query is empty")
        node = self._or()
        tok = self._peek()
        if tok is not None:
            raise self._error(f"unexpected {tok.text!r}", tok)
        return node

    def _or(self) -> Node:
        parts = [self._and()]
        while (tok := self._peek()) and tok.kind == "OR":
            self.i += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Or(parts)

    def _and(self) -> Node:
        parts = [self._not()]
        while (tok := self._peek()) and tok.kind in ("AND", "NOT", "word", "phrase", "lparen"):
            if tok.kind == "AND":
                self.i += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else And(parts)

    def _not(self) -> Node:
        tok = self._peek()
        if tok and tok.kind == "NOT":
            self.i += 1
            return Not(self._not())
        return self._near()

    def _near(self) -> Node:
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
            node = Near(node, right, tok.dist or 0)
        return node

    def _primary(self) -> Node:
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
            return Leaf(self._pattern(tok.text, tok.pos, wildcard=True))
        if tok.kind == "phrase":
            self.i += 1
            inner = tok.text[1:-1]
            if not inner.strip():
                raise self._error("empty phrase", tok)
            return Leaf(self._pattern(inner, tok.pos + 1, wildcard=True))
        raise self._error(f"unexpected {tok.text!r} where a word, phrase or '(' was expected", tok)

    def _pattern(self, text: str, pos: int, *, wildcard: bool) -> Pattern:
        return make_pattern(text, self.case_rules, query=self.query, position=pos, wildcard=wildcard)
