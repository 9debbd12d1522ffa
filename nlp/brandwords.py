"""Brand names inside a token list, so that topic matching can ignore them.

Why: German compounds match topic keywords by their parts, so the brand "Paketwerk" hits the
delivery keyword "Paket" in every mention that names it, and a shop called "Preisfuchs" would
be about prices. A brand's own name (and its aliases, and its competitors' names) is never a
topic keyword; topics see the rest of a word only: "Paketwerk-App" still hits "App",
"Paketwerkkunden" still hits "Kunde".

Matching is case-insensitive, on hyphen pieces of tokens (tokenizers differ: German keeps
"Paketwerk-App" one token, English splits it), ignoring a leading ``#``/``@`` and a genitive
or possessive ``s`` ("Paketwerks", "Paketwerk's"); a multi-word alias ("Paketwerk Plus") must
appear word by word, never across punctuation other than a hyphen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.lexicon import word_keys

__all__ = ["BrandWords"]

_HYPHEN = re.compile(r"[-\u2010\u2011]")
_SUFFIXES = ("", "s", "'s", "’s")
_TRANSPARENT = frozenset("-#@\u2010\u2011")  # tokens a multi-word name may have between its words


def _pieces(text: str) -> list[str]:
    return [p.lstrip("#@") for p in _HYPHEN.split(text) if p.lstrip("#@")]


@dataclass(frozen=True)
class BrandWords:
    """Compiled brand names: each a sequence of case-folded pieces, longest first."""

    names: tuple[tuple[str, ...], ...]
    written: tuple[str, ...] = ()  # single-piece names as written, for German compound parts

    @classmethod
    def of(cls, terms: Iterable[str]) -> BrandWords:
        terms = [t for t in terms if t and t.strip()]
        names = {tuple(p.casefold() for word in t.split() for p in _pieces(word)) for t in terms}
        names.discard(())
        single = [t.strip() for t in terms if len(t.split()) == 1 and len(_pieces(t)) == 1]
        written = sorted({t.lstrip("#@") for t in single})
        return cls(tuple(sorted(names, key=lambda n: (-len(n), n))), tuple(written))

    def __bool__(self) -> bool:
        return bool(self.names)

    def remainders(self, tokens: Sequence[str], lang: str) -> list[str | None]:
        """Per token: None when it holds no brand name, else what is left of it without the
        name ("" for a token that is all brand: "Paketwerk", "@paketwerk", "Paketwerks")."""
        flat: list[tuple[int, int, str] | None] = []
        pieces = [_pieces(t) for t in tokens]
        for i, tok in enumerate(tokens):
            if tok and set(tok) <= _TRANSPARENT:
                continue
            if not any(ch.isalnum() for ch in tok):
                flat.append(None)  # punctuation: a name never spans it
                continue
            flat.extend((i, j, p.casefold()) for j, p in enumerate(pieces[i]))
        masked: set[tuple[int, int]] = set()
        k = 0
        while k < len(flat):
            n = self._match(flat, k)
            if n:
                masked.update(entry[:2] for entry in flat[k : k + n])
                k += n
            else:
                k += 1
        out: list[str | None] = [None] * len(tokens)
        for i in {i for i, _ in masked}:
            out[i] = "-".join(p for j, p in enumerate(pieces[i]) if (i, j) not in masked)
        if lang == "de" and self.written:
            for i, tok_pieces in enumerate(pieces):
                if out[i] is None:
                    out[i] = self._compound_rest(tok_pieces)
        return out

    def _match(self, flat: list, k: int) -> int:
        """Length of the brand name starting at flat[k], or 0."""
        for name in self.names:
            n = len(name)
            window = flat[k : k + n]
            if len(window) < n or any(e is None for e in window):
                continue
            if all(e[2] == w for e, w in zip(window[:-1], name[:-1])) and any(
                window[-1][2] == name[-1] + s for s in _SUFFIXES
            ):
                return n
        return 0

    def _compound_rest(self, tok_pieces: list[str]) -> str | None:
        """German: a compound that starts with the brand ("Paketwerkkunden") keeps only its
        other parts ("kunden"), by compound parts, never by letters ("Paketwerkstatt" is
        "Paket|werkstatt", not the brand)."""
        changed, rest = False, []
        for piece in tok_pieces:
            low = piece.casefold()
            for name in self.written:
                if len(low) > len(name) + 2 and low.startswith(name.casefold()):
                    brand_keys, keys = word_keys(name, "de"), word_keys(piece, "de")
                    if len(keys) > len(brand_keys) and keys[: len(brand_keys)] == brand_keys:
                        rest_of = piece[len(name) :]
                        piece = rest_of.capitalize() if piece[:1].isupper() else rest_of
                        changed = True
                        break
            rest.append(piece)
        return "-".join(rest) if changed else None
