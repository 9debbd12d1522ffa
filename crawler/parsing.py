"""Small helpers the parsers share: HTML to text, rating scales, JSON with prefixes."""

from __future__ import annotations

import json
import re
from typing import Any

from w3lib.html import remove_tags, replace_entities

_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|p)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(html: str | None) -> str:
    """Visible text of an HTML fragment; paragraph breaks kept as newlines."""
    if not html:
        return ""
    text = _BLOCK.sub("\n", html)
    text = replace_entities(remove_tags(text))
    text = _SPACES.sub(" ", text)
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def rating_1_to_5(value: Any, best: Any = 5, worst: Any = 1) -> float | None:
    """Map a rating on any scale (e.g. 0..10, 1..100) onto 1..5; None when not a number."""
    try:
        v, hi, lo = float(value), float(best if best not in (None, "") else 5), float(
            worst if worst not in (None, "") else 1)
    except (TypeError, ValueError):
        return None
    if hi <= lo:
        return None
    v = min(max(v, lo), hi)
    return round(1 + (v - lo) * 4 / (hi - lo), 3)


def load_json(data: bytes | str) -> Any:
    """JSON, tolerating the ``)]}'`` anti-hijacking prefix some Google endpoints send."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    text = text.lstrip()
    if text.startswith(")]}'"):
        text = text[4:].lstrip()
    return json.loads(text)


#: What a malformed item of an otherwise readable page raises while its fields are picked out.
ITEM_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError)
