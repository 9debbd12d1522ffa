"""A token-sequence matcher over match keys, indexed by the first key.

Why not spaCy's ``Matcher``: a pattern on a custom token attribute with a set predicate
(``{"_": {"keys": {"INTERSECTS": [...]}}}``) is evaluated in Python for every token and every
pattern — 24 ms per review with a 200-keyword taxonomy, a third of enrich time. Here each
token's keys are looked up in a dict of pattern starts, so the cost grows with the text, not
with the taxonomy. Semantics are those of the Matcher patterns it replaced: every pattern
element is a set of acceptable keys, or an optional punctuation token ("check-in" = "check in").
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

__all__ = ["KeyMatcher", "OPTIONAL_PUNCT"]

OPTIONAL_PUNCT = None  # pattern element: one punctuation token, or none


@dataclass
class KeyMatcher:
    _patterns: list[tuple[Hashable, tuple[frozenset[str] | None, ...]]] = field(default_factory=list)
    _by_first: dict[str, list[int]] = field(default_factory=dict)

    def add(self, label: Hashable, pattern: Sequence[frozenset[str] | None]) -> None:
        """Add a pattern; its first element must be a key set (not optional punctuation)."""
        elements = tuple(pattern)
        if not elements or elements[0] is OPTIONAL_PUNCT:
            raise ValueError("a pattern must start with a word")
        index = len(self._patterns)
        self._patterns.append((label, elements))
        for key in elements[0]:
            self._by_first.setdefault(key, []).append(index)

    def __len__(self) -> int:
        return len(self._patterns)

    def __call__(self, keys: Sequence[Sequence[str] | None]) -> list[tuple[Hashable, int, int]]:
        """Matches as (label, start, end) over a token list; ``keys[i]`` is token i's key set,
        or None for a punctuation/space token."""
        found = []
        for start, token_keys in enumerate(keys):
            if not token_keys:
                continue
            candidates = {i for key in token_keys for i in self._by_first.get(key, ())}
            for i in sorted(candidates):
                label, elements = self._patterns[i]
                end = _match_rest(elements, keys, start + 1)
                if end is not None:
                    found.append((label, start, end))
        return found


def _match_rest(elements, keys, pos: int) -> int | None:
    for element in elements[1:]:
        if element is OPTIONAL_PUNCT:
            if pos < len(keys) and keys[pos] is None:
                pos += 1
            continue
        if pos >= len(keys) or not keys[pos] or element.isdisjoint(keys[pos]):
            return None
        pos += 1
    return pos
