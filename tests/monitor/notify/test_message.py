"""The push text: headline, numbers, two quotes with their links, in German and English."""

from __future__ import annotations

from monitor.detect.incident_store import Incident, IncidentEvent
from monitor.notify.message import QUOTE_CHARS, compose

HEAD = {
    "de": "Lieferung: 23 Kunden beschweren sich seit 19.11. (sonst etwa 5 am Tag) – Stichworte: Verteilzentrum",
    "en": "Delivery: 23 customers complaining since Nov 19 (usually about 5 a day) – keywords: Verteilzentrum",
}
EXAMPLES = [
    {
        "mention_id": 1,
        "quote": "Paket hängt seit Tagen im Verteilzentrum fest.",
        "url": "https://r.example/1",
        "source": "trustpilot",
    },
    {
        "mention_id": 2,
        "quote": "Abholcode kam nie an, Hotline nicht erreichbar.",
        "url": "https://r.example/2",
        "source": "appstore",
    },
    {
        "mention_id": 3,
        "quote": "Dritte Stimme, die nicht mehr in die Nachricht passt.",
        "url": None,
        "source": "reddit",
    },
]


def incident(**kw) -> Incident:
    values = dict(
        id=12,
        brand="Beispiel Versand",
        status="open",
        headline=HEAD,
        severity=18.4,
        peak_severity=18.4,
        authors=23,
        lead={"alert_id": 1, "kind": "spike", "topic": "delivery"},
        related=[
            {"kind": "spike", "topic": "waiting", "label": {"de": "Wartezeit", "en": "Waiting time"}},
            {
                "kind": "theme",
                "topic": "verteilzentrum",
                "label": {"de": "„verteilzentrum“", "en": "“verteilzentrum”"},
            },
        ],
        keywords=["Verteilzentrum"],
        examples=EXAMPLES,
        first_seen="2026-11-19",
        last_seen="2026-11-19",
        opened_at="2026-11-19T10:00:00Z",
        updated_at="2026-11-19T10:00:00Z",
        escalated_at=None,
        acknowledged_at=None,
        resolved_at=None,
        resolved_by=None,
        note=None,
    )
    values.update(kw)
    return Incident(**values)


def event(kind: str = "opened", *, note: str | None = None, inc: Incident | None = None) -> IncidentEvent:
    return IncidentEvent(
        id=7,
        event=kind,
        day="2026-11-19",
        at="2026-11-19T10:00:00Z",
        severity=18.4 if kind != "resolved" else 0.0,
        authors=23,
        headline=HEAD,
        note=note,
        incident=inc or incident(),
    )


def test_an_opened_incident_in_german_has_headline_numbers_related_two_quotes_and_links():
    msg = compose(event(), "de")
    assert msg.title == "Beispiel Versand: neues Problem"
    lines = msg.body.splitlines()
    assert lines[0] == HEAD["de"]
    assert lines[1] == "23 Kunden beschweren sich, 18,4 mehr als üblich · seit 19.11. · Vorfall #12"
    assert lines[2] == "Auch betroffen: Wartezeit, „verteilzentrum“"
    assert lines[3] == "„Paket hängt seit Tagen im Verteilzentrum fest.“ (trustpilot – https://r.example/1)"
    assert lines[4] == "„Abholcode kam nie an, Hotline nicht erreichbar.“ (appstore – https://r.example/2)"
    assert "Dritte Stimme" not in msg.body  # two quotes, not three
    assert lines[-1].startswith("Mehr: brandpulse incidents") and "ack 12" in lines[-1]


def test_english_uses_english_words_numbers_and_dates():
    msg = compose(event("escalated"), "en")
    assert msg.title == "Beispiel Versand: incident escalating"
    assert msg.body.splitlines()[0] == HEAD["en"]
    assert "23 customers complaining, 18.4 more than usual · since Nov 19 · incident #12" in msg.body
    assert "Also affected: Waiting time" in msg.body and "“Paket hängt" in msg.body


def test_a_resolved_incident_says_who_ended_it_and_carries_the_note_without_quotes():
    by_detection = compose(event("resolved"), "de").body
    assert "Vorbei: keine Auffälligkeit mehr" in by_detection and "„" not in by_detection
    by_hand = compose(
        event("resolved", note="Depot Nord läuft wieder", inc=incident(resolved_by="operator")), "en"
    )
    assert by_hand.title.endswith("incident over")
    assert (
        "Resolved by hand · incident #12" in by_hand.body and "Note: Depot Nord läuft wieder" in by_hand.body
    )


def test_long_quotes_are_shortened_and_whitespace_collapsed():
    long = {"mention_id": 9, "quote": "Sehr   langer\nText " * 60, "url": None, "source": "feed"}
    msg = compose(event(inc=incident(examples=[long])), "de")
    quote = next(line for line in msg.body.splitlines() if line.startswith("„"))
    inner = quote.split("“")[0].lstrip("„")
    assert (
        QUOTE_CHARS - 2 <= len(inner) <= QUOTE_CHARS
        and inner.endswith("…")
        and "\n" not in inner
        and "  " not in inner
    )
    assert quote.endswith("(feed)")


def test_an_unknown_language_falls_back_to_english():
    assert compose(event(), "fr").title.endswith("new incident")
