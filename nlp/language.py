"""Which language is a mention in? lingua, restricted to the languages the watchlist names.

Why lingua and why restricted: review snippets and posts are short ("Top!", "App stürzt ab")
and lingua is the most accurate detector on short text; choosing only among the configured
languages (usually de + en) removes most of its errors on short input. When the source states
the language (App Store storefront language, Trustpilot filter, Bluesky ``langs``), that wins:
the author or platform knows better than a statistic on ten words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

__all__ = ["detect_language", "UnknownLanguageError"]

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_MIN_LETTERS = 3  # below this there is nothing to detect ("👍", "10/10")


class UnknownLanguageError(ValueError):
    """A configured language code lingua does not know."""


@functools.lru_cache(maxsize=16)
def _detector(codes: tuple[str, ...]):
    """Build (once per language set: building is slow) a lingua detector for ``codes``."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in codes:
        try:
            languages.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except (ValueError, AttributeError):
            raise UnknownLanguageError(
                f"language {code!r} is not an ISO 639-1 code lingua supports"
            ) from None
    if len(languages) == 1:
        return None  # nothing to choose between
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _normalise(code: str | None) -> str | None:
    """'de-DE', 'DE', 'de_AT' -> 'de'."""
    if not code:
        return None
    return re.split(r"[-_]", code.strip().lower())[0] or None


def detect_language(text: str, allowed: Sequence[str], given: str | None = None) -> tuple[str | None, float]:
    """Return (ISO 639-1 code, confidence) for ``text``.

    ``given`` — the language the source states — wins with confidence 1.0 (even when it is not
    among ``allowed``: an Italian review stays Italian). Otherwise lingua chooses among
    ``allowed``; text with fewer than three letters gets ``(None, 0.0)``.
    """
    stated = _normalise(given)
    if stated:
        return stated, 1.0
    codes = tuple(sorted({c for c in (_normalise(a) for a in allowed) if c}))
    if not codes:
        raise UnknownLanguageError("no languages configured to detect")
    if len(_LETTERS.findall(text or "")) < _MIN_LETTERS:
        return None, 0.0
    detector = _detector(codes)
    if detector is None:
        return codes[0], 1.0
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return None, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), float(best.value)
