"""The text of one push: what happened, the headline, the numbers, two quotes, the links.

Why plain text: the same message goes to chat, e-mail and webhooks; Apprise turns it into
each service's form, and plain text cannot be misread as markup when a customer's quote
holds asterisks or angle brackets. Short, because it is read on a phone: the details are in
``brandpulse incidents`` and the next digest. Numbers and dates are formatted by Babel as in
the headlines ("18,4" and "19.11." in German, "18.4" and "Nov 19" in English).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from monitor.detect.incident_store import IncidentEvent

#: Quotes per message, and the longest quote shown.
QUOTES = 2
QUOTE_CHARS = 200

_DATE = {"de": "Md", "en": "MMMd"}

_WORDS = {
    "de": {
        "opened": "neues Problem",
        "escalated": "Problem wächst",
        "resolved": "Problem vorbei",
        "acknowledged": "Problem in Arbeit",
        "numbers": "{authors} Kunden beschweren sich, {excess} mehr als üblich · seit {since} · Vorfall #{id}",
        "over_detection": "Vorbei: keine Auffälligkeit mehr · seit {since} · Vorfall #{id}",
        "over_operator": "Von Hand beendet · Vorfall #{id}",
        "ack": "Jemand kümmert sich darum · Vorfall #{id}",
        "note": "Notiz: {note}",
        "related": "Auch betroffen: {items}",
        "quote": "„{text}“",
        "more": "Mehr: brandpulse incidents",
        "more_resolved": "Mehr: brandpulse incidents --all",
        "ack_hint": " · quittieren: brandpulse incidents ack {id} --note …",
    },
    "en": {
        "opened": "new incident",
        "escalated": "incident escalating",
        "resolved": "incident over",
        "acknowledged": "incident acknowledged",
        "numbers": "{authors} customers complaining, {excess} more than usual · since {since} · incident #{id}",
        "over_detection": "Over: nothing unusual any more · since {since} · incident #{id}",
        "over_operator": "Resolved by hand · incident #{id}",
        "ack": "Someone is on it · incident #{id}",
        "note": "Note: {note}",
        "related": "Also affected: {items}",
        "quote": "“{text}”",
        "more": "More: brandpulse incidents",
        "more_resolved": "More: brandpulse incidents --all",
        "ack_hint": " · acknowledge: brandpulse incidents ack {id} --note …",
    },
}

#: Source types as a reader knows them, as the digest names them (``reports.queries.labels``;
#: this layer cannot import reports, so a test keeps the two alike). Names stay names.
_SOURCE_NAMES = {
    "appstore": "App Store",
    "google_play": "Google Play",
    "trustpilot": "Trustpilot",
    "reddit": "Reddit",
    "hackernews": "Hacker News",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "import": "Import",
}
_SOURCE_WORDS = {
    "de": {"schemaorg": "Website-Bewertungen", "feed": "Nachrichten / Alerts"},
    "en": {"schemaorg": "Website reviews", "feed": "News / Alerts"},
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _number(x: float | None, lang: str) -> str:
    return format_decimal(x or 0, format="#,##0.#", locale=lang)


def _day(value: str, lang: str) -> str:
    try:
        return format_skeleton(_DATE[lang], date.fromisoformat(value[:10]), locale=lang)
    except ValueError:
        return value


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def source_label(source: str, lang: str) -> str:
    """A source type in ``lang`` ("Website-Bewertungen", "Trustpilot"); unknown ones as stored."""
    return _SOURCE_WORDS[lang].get(source) or _SOURCE_NAMES.get(source, source)


def _quotes(event: IncidentEvent, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines = []
    for ex in event.incident.examples[:QUOTES]:
        if not ex.get("quote"):
            continue
        source = source_label(ex["source"], lang) if ex.get("source") else None
        where = " – ".join(x for x in (source, ex.get("url")) if x)
        lines.append(words["quote"].format(text=_short(ex["quote"])) + (f" ({where})" if where else ""))
    return lines


def _related(event: IncidentEvent, lang: str) -> str | None:
    """The incident's other alerts by name. The brand-wide spike (all negative mentions, no
    topic) is left out: it is no topic "also affected" but the sum the numbers line already
    gives (its customers and excess are the incident's), so naming it "Alle Themen" misled."""
    labels = []
    for r in event.incident.related:
        if r.get("kind") == "spike" and r.get("topic") is None:
            continue
        label = (r.get("label") or {}).get(lang) or r.get("topic") or r.get("kind")
        if label and label not in labels:
            labels.append(label)
    return _WORDS[lang]["related"].format(items=", ".join(labels[:5])) if labels else None


def _more(event: IncidentEvent, words: dict[str, str]) -> str:
    """Where to see it, and how to acknowledge it only while that still means something: an
    open incident's opening or escalation. A resolved one is listed only with ``--all``."""
    inc = event.incident
    if inc.status == "resolved" or event.event == "resolved":
        return words["more_resolved"]
    line = words["more"]
    if inc.status == "open" and event.event in ("opened", "escalated"):
        line += words["ack_hint"].format(id=inc.id)
    return line


def compose(event: IncidentEvent, language: str) -> Message:
    """The push for one incident event, in ``language`` (de or en)."""
    lang = language if language in _WORDS else "en"
    words = _WORDS[lang]
    inc = event.incident
    title = f"{inc.brand}: {words[event.event]}"
    headline = event.headline.get(lang) or inc.headline.get(lang) or inc.headline.get("en") or ""
    values = {"id": inc.id, "since": _day(inc.first_seen, lang)}
    lines = [headline]
    if event.event in ("opened", "escalated"):
        lines.append(
            words["numbers"].format(
                authors=_number(event.authors, lang), excess=_number(event.severity, lang), **values
            )
        )
        if related := _related(event, lang):
            lines.append(related)
        lines += _quotes(event, lang)
    elif event.event == "resolved":
        by_hand = event.note is not None or inc.resolved_by == "operator"
        lines.append(words["over_operator" if by_hand else "over_detection"].format(**values))
    else:
        lines.append(words["ack"].format(**values))
    if event.note:
        lines.append(words["note"].format(note=_short(event.note)))
    lines.append(_more(event, words))
    return Message(title=title, body="\n".join(line for line in lines if line))
