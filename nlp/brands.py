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

from collections.abc import Sequence
from dataclasses import dataclass, field

from nlp.brand_query import Leaf, Node, Or, QueryParser
from nlp.brand_text import BrandQueryError, Pattern, PreparedText, make_pattern, nfkc, tokenize

__all__ = ["BrandMatcher", "BrandQueryError", "PreparedText", "compile_brand", "tokenize"]


# --------------------------------------------------------------------------- public API


@dataclass
class BrandMatcher:
    """A compiled brand: ``matches(text)`` says whether a text is about the brand."""

    name: str
    _include: Node = field(repr=False)
    _exclude: list[Pattern] = field(repr=False, default_factory=list)

    def matches(self, text: str | PreparedText) -> bool:
        """``text`` may be prepared once (:meth:`PreparedText.of`) to test it against many brands."""
        prepared = text if isinstance(text, PreparedText) else PreparedText.of(text)
        if any(p.spans(prepared) for p in self._exclude):
            return False
        return self._include.evaluate(prepared)

    def excluded_by(self, text: str) -> str | None:
        """The exclude term that rules the text out, if any (for logs and tests)."""
        prepared = PreparedText.of(text)
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
    case_rules = {nfkc(t).strip().casefold(): nfkc(t).strip() for t in case_sensitive if t.strip()}
    if query is not None and query.strip():
        include = QueryParser(query, case_rules).parse()
    else:
        leaves: list[Node] = [
            Leaf(make_pattern(term, case_rules, wildcard=False))
            for term in dict.fromkeys([name, *aliases])
            if term and term.strip()
        ]
        if not leaves:
            raise BrandQueryError("a brand needs a name, an alias or a query", name or "", 0)
        include = leaves[0] if len(leaves) == 1 else Or(leaves)
    excluded = [make_pattern(term, case_rules, wildcard=False) for term in exclude if term.strip()]
    return BrandMatcher(name, include, excluded)
