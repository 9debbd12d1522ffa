"""One plain-language headline per incident, in German and English, from templates.

Why templates and not a text generator: the headline is read by people deciding whether to
act, so it must say exactly what the numbers say, in the same words every time, offline. It
names the lead (what most complaining customers talk about), how many complain, since when,
what is usual, and the incident's other key words:

    Lieferung: 23 Kunden beschweren sich seit 19.11. (sonst etwa 5 am Tag) – Stichworte: …

Numbers and dates are formatted by Babel (CLDR), as in the digest: "0,4" in German, "0.4"
in English; "19.11." and "Nov 19".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from monitor.core.config import Watchlist

LANGUAGES = ("de", "en")
#: Below this expected count a day, "usually about 0" would mislead: the term is new.
NEW_BELOW = 0.5

_DATE_SKELETON = {"de": "Md", "en": "MMMd"}

_TEMPLATES = {
    "de": {
        "complain": "{lead}: {n} Kunden beschweren sich seit {since} ({usual})",
        "churn": "{lead}: {n} Kunden kündigen oder wechseln seit {since} ({usual})",
        "rating": "{lead}: Ø {now} statt {before} Sterne seit {since} – {n} Kunden mit 1–2 Sternen ({usual})",
        "usual": "sonst etwa {x} am Tag",
        "new": "bisher kaum erwähnt",
        "keywords": " – Stichworte: {words}",
        "total": "Alle Themen",
        "churn_label": "Abwanderung",
        "rating_label": "Sternebewertung",
        "theme": "„{term}“",
    },
    "en": {
        "complain": "{lead}: {n} customers complaining since {since} ({usual})",
        "churn": "{lead}: {n} customers cancelling or switching since {since} ({usual})",
        "rating": "{lead}: {now} instead of {before} stars on average since {since} – "
        "{n} customers rating 1–2 stars ({usual})",
        "usual": "usually about {x} a day",
        "new": "hardly mentioned before",
        "keywords": " – keywords: {words}",
        "total": "All topics",
        "churn_label": "Churn",
        "rating_label": "Star rating",
        "theme": "“{term}”",
    },
}


@dataclass(frozen=True)
class Lead:
    """What a headline needs to know about an incident's lead alert."""

    kind: str  # spike | theme | churn | rating_drop
    topic: str | None
    authors: float  # complaining authors on its latest significant day
    expected: float | None  # ... and what was expected that day
    since: date
    rating_now: float | None = None  # rating drops: average stars in the window
    rating_before: float | None = None  # ... and in the baseline


def series_label(wl: Watchlist, kind: str, topic: str | None, lang: str) -> str:
    """The reader's name of a series: the topic's label, the theme in quotes, "All topics"."""
    words = _TEMPLATES[lang]
    if kind == "theme":
        return words["theme"].format(term=topic)
    if kind == "churn":
        return words["churn_label"]
    if kind == "rating_drop":
        return words["rating_label"]
    if topic is None:
        return words["total"]
    t = wl.topics.get(topic)
    if t is None:
        return topic
    return t.label.get(lang) or t.label.get("en") or t.label.get("de") or topic


def _number(x: float, lang: str, *, decimals: bool = False) -> str:
    return format_decimal(x, format="#,##0.#" if decimals else "#,##0", locale=lang)


def headline(wl: Watchlist, lead: Lead, keywords: list[str], lang: str) -> str:
    """The incident's one-line headline in ``lang`` (de or en)."""
    words = _TEMPLATES[lang]
    expected = lead.expected or 0.0
    if expected < NEW_BELOW:
        usual = words["new"]
    else:
        usual = words["usual"].format(x=_number(expected, lang, decimals=expected < 1.5))
    values = {
        "lead": series_label(wl, lead.kind, lead.topic, lang),
        "n": _number(lead.authors, lang),
        "since": format_skeleton(_DATE_SKELETON[lang], lead.since, locale=lang),
        "usual": usual,
    }
    if lead.kind == "rating_drop" and lead.rating_now is not None and lead.rating_before is not None:
        text = words["rating"].format(
            now=_number(lead.rating_now, lang, decimals=True),
            before=_number(lead.rating_before, lang, decimals=True),
            **values,
        )
    elif lead.kind == "churn":
        text = words["churn"].format(**values)
    else:
        text = words["complain"].format(**values)
    if keywords:
        text += words["keywords"].format(words=", ".join(keywords))
    return text


def headlines(wl: Watchlist, lead: Lead, keywords: list[str]) -> dict[str, str]:
    return {lang: headline(wl, lead, keywords, lang) for lang in LANGUAGES}
