"""Small helpers the parsers share: HTML to text, rating scales, dates, JSON with prefixes."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import dateparser
from w3lib.html import remove_tags, replace_entities

from monitor.core.times import iso, parse_time

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
    """Map a rating on any scale (e.g. 0..10, 1..100) onto 1..5; None when not a number.

    A value outside its own scale is "no rating", not the nearest star: shops render
    ``ratingValue: "0"`` (schema.org's default ``worstRating`` is 1) for reviews nobody rated,
    and clamping that to 1 star would invent the harshest verdict."""
    try:
        v, hi, lo = (
            float(value),
            float(best if best not in (None, "") else 5),
            float(worst if worst not in (None, "") else 1),
        )
    except (TypeError, ValueError):
        return None
    if hi <= lo or not lo <= v <= hi:
        return None
    return round(1 + (v - lo) * 4 / (hi - lo), 3)


#: "24.10.2011", "5.3.24": dotted numeric dates are day-first wherever they are written.
_DOTTED_DATE = re.compile(r"^\s*\d{1,2}\.\s*\d{1,2}\.\s*\d{2,4}\b")
_DATE_SETTINGS = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    # "vor 2 Tagen" means another day at every crawl: better undated than drifting
    "PARSERS": ["timestamp", "custom-formats", "absolute-time", "no-spaces-time"],
}


def iso_utc(value: Any) -> str | None:
    """A date as sites write it -> ``YYYY-MM-DDTHH:MM:SSZ`` (UTC); None when unreadable.

    ISO 8601 takes the fast path; anything else ("October 24, 2011", "24.10.2011",
    "24. Oktober 2011") goes to dateparser. Values without a zone are taken as UTC; a date
    missing its day or year, or a relative one, is unreadable rather than guessed."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    try:
        dt: datetime | None = parse_time(text)
    except ValueError:
        settings = {**_DATE_SETTINGS, **({"DATE_ORDER": "DMY"} if _DOTTED_DATE.match(text) else {})}
        dt = dateparser.parse(text, settings=settings)
    return iso(dt) if dt is not None else None


def load_json(data: bytes | str) -> Any:
    """JSON, tolerating the ``)]}'`` anti-hijacking prefix some Google endpoints send."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    text = text.lstrip()
    if text.startswith(")]}'"):
        text = text[4:].lstrip()
    return json.loads(text)


#: What a malformed item of an otherwise readable page raises while its fields are picked out.
ITEM_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError)
