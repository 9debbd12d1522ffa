"""The push text: headline, numbers, two quotes with their links, in German and English."""

from __future__ import annotations

import pytest

from monitor.detect.incident_store import Incident, IncidentEvent
from monitor.notify.message import QUOTE_CHARS, compose, source_label
from reports.queries import SOURCE_LABELS
from reports.queries.labels import source_label as digest_label

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
    assert lines[3] == "„Paket hängt seit Tagen im Verteilzentrum fest.“ (Trustpilot – https://r.example/1)"
    assert lines[4] == "„Abholcode kam nie an, Hotline nicht erreichbar.“ (App Store – https://r.example/2)"
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
    assert quote.endswith("(Nachrichten / Alerts)")


def test_an_unknown_language_falls_back_to_english():
    assert compose(event(), "fr").title.endswith("new incident")


BRAND_WIDE = {"kind": "spike", "topic": None, "label": {"de": "Alle Themen", "en": "All topics"}}
WAITING = {"kind": "spike", "topic": "waiting", "label": {"de": "Wartezeit", "en": "Waiting time"}}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_resolved_or_acknowledged_incident_offers_no_ack(lang):
    """`incidents resolve 2 --note …` pushed "Problem vorbei … quittieren: … ack 2": only an open
    incident's opening or escalation offers ack; a resolved one points at `incidents --all`."""
    ack = {"de": "quittieren", "en": "acknowledge"}[lang]
    resolved = incident(status="resolved", resolved_by="operator", resolved_at="2026-11-19T12:00:00Z")
    by_hand = compose(event("resolved", note="Depot läuft", inc=resolved), lang).body
    assert "ack 12" not in by_hand and ack not in by_hand
    assert by_hand.splitlines()[-1].endswith("brandpulse incidents --all")
    acked = incident(status="acknowledged", acknowledged_at="2026-11-19T11:00:00Z")
    for kind in ("acknowledged", "escalated"):  # an escalation of an acknowledged incident, too
        body = compose(event(kind, inc=acked), lang).body
        assert "ack 12" not in body and body.splitlines()[-1].endswith("brandpulse incidents")
    # an opening pushed late (quiet hours), after the incident was resolved: nothing to ack
    assert "ack 12" not in compose(event("opened", inc=resolved), lang).body
    assert "ack 12 --note" in compose(event("opened"), lang).body.splitlines()[-1]


@pytest.mark.parametrize(
    ("lang", "line"), [("de", "Auch betroffen: Wartezeit"), ("en", "Also affected: Waiting time")]
)
def test_the_brand_wide_spike_is_not_listed_as_an_affected_topic(lang, line):
    """The brand-wide spike is the sum the numbers line gives, not a topic "also affected"."""
    body = compose(event(inc=incident(related=[WAITING, BRAND_WIDE])), lang).body
    assert line in body.splitlines() and "Alle Themen" not in body and "All topics" not in body
    alone = compose(event(inc=incident(related=[BRAND_WIDE])), lang).body
    assert "Auch betroffen" not in alone and "Also affected" not in alone


def test_quotes_name_their_source_as_the_digest_does():
    for lang in ("de", "en"):
        for source in SOURCE_LABELS:
            assert source_label(source, lang) == digest_label(source, lang), (source, lang)
    web = [{"mention_id": 5, "quote": "Zu spät.", "url": "https://shop.example/r", "source": "schemaorg"}]
    assert (
        "„Zu spät.“ (Website-Bewertungen – https://shop.example/r)"
        in compose(event(inc=incident(examples=web)), "de").body
    )
    assert (
        "“Zu spät.” (Website reviews – https://shop.example/r)"
        in compose(event(inc=incident(examples=web)), "en").body
    )
