"""Incidents: alerts of one problem grouped, led, headlined, ordered; their life and operators."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from monitor.detect import incident_store
from monitor.detect.incidents import incident_events
from monitor.detect.run import run_detect
from tests.helpers.detect import BERLIN, Mention, add, background, burst, local

DAY = date(2026, 10, 14)  # a Wednesday
HISTORY = DAY - timedelta(weeks=8)


def detect(wl, archive, day):
    return run_detect(
        wl, archive, as_of=day, now=local(day + timedelta(days=1), 6), emerging=lambda *a, **k: []
    )


@pytest.fixture
def quiet(watchlist, archive):
    background(archive, HISTORY, DAY + timedelta(days=14))
    background(archive, HISTORY, DAY + timedelta(days=14), topic="price", per_day=1.0, seed=11)
    return watchlist, archive


def problem(
    day, n, *, who, price_share=0.5, text="Paket seit Tagen verschwunden, Preis wird trotzdem abgebucht."
):
    """``n`` customers complaining about delivery; some of them name the price too."""
    out = burst(day, n, who=who, text=text)
    for i, m in enumerate(out):
        if i < n * price_share:
            m.topics = ("delivery", "price")
    return out


def test_the_alerts_of_one_problem_are_one_incident_led_by_the_biggest_topic(quiet):
    wl, archive = quiet
    add(archive, problem(DAY, 20, who="p"))
    found = detect(wl, archive, DAY)
    kinds = {(c.kind, c.topic) for c in found}
    assert {("spike", "delivery"), ("spike", "price")} <= kinds
    [inc] = found.incidents
    assert inc.change == "opened" and inc.status == "open"
    assert inc.lead == {"alert_id": inc.lead["alert_id"], "kind": "spike", "topic": "delivery"}
    assert set(inc.alert_ids) == {c.alert_id for c in found}
    assert (
        inc.headline["de"].startswith("Lieferung: ")
        and "Kunden beschweren sich seit 14.10." in inc.headline["de"]
    )
    assert inc.headline["en"].startswith("Delivery: ") and "since Oct 14" in inc.headline["en"]
    rows = {r["id"]: r for r in archive.db.query("SELECT * FROM alerts")}
    excess = max(r["observed"] - r["expected"] for r in rows.values())
    assert inc.severity == pytest.approx(excess, abs=0.01)
    [listed] = incident_store.list_incidents(archive)
    assert [r["topic"] for r in listed.related if r["kind"] == "spike"][:1] in ([None], ["price"])
    assert listed.examples and len({e["mention_id"] for e in listed.examples}) == len(listed.examples)
    assert [e.event for e in incident_events(archive)] == ["opened"]
    # The same day judged again changes nothing and records nothing twice.
    again = detect(wl, archive, DAY)
    assert again.incidents == [] and len(incident_events(archive)) == 1


def test_unrelated_problems_are_separate_incidents_most_severe_first(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 25, who="d", text="Paket nie angekommen."))
    add(archive, burst(DAY, 9, who="q", topic="price", text="Der Preis wurde doppelt abgebucht."))
    found = detect(wl, archive, DAY)
    assert len(found.incidents) == 2
    listed = incident_store.list_incidents(archive)
    assert [i.lead["topic"] for i in listed] == ["delivery", "price"]
    assert listed[0].severity > listed[1].severity
    assert [c.severity for c in found.incidents] == sorted(
        (c.severity for c in found.incidents), reverse=True
    )


def test_an_incident_escalates_past_its_peak_and_resolves_when_its_alerts_have(quiet):
    wl, archive = quiet
    days = [DAY + timedelta(days=i) for i in range(7)]
    for d, n in zip(days, [12, 30, 14]):
        add(archive, problem(d, n, who=f"w{d}", price_share=0))
    changes = [(d, c.change) for d in days for c in detect(wl, archive, d).incidents]
    assert changes[0] == (days[0], "opened")
    assert (days[1], "escalated") in changes
    assert changes[-1][1] == "resolved"
    events = incident_events(archive)
    assert [e.event for e in events] == ["opened", "escalated", "resolved"]
    assert events[1].severity > events[0].severity * 1.25
    assert incident_events(archive, after_id=events[0].id)[0].event == "escalated"
    row = archive.db["incidents"].get(events[0].incident.id)
    assert row["status"] == "resolved" and row["resolved_by"] == "detection"
    history = json.loads(row["explanation"])["history"]
    assert [h["day"] for h in history][:3] == [d.isoformat() for d in days[:3]]


def test_an_incident_that_grows_within_its_day_escalates_once_that_day(quiet):
    """A fire in the morning, three times as big by the evening: the team hears it twice,
    not only tomorrow; a later run of the same day does not ring a third time."""
    wl, archive = quiet
    add(archive, problem(DAY, 14, who="m", price_share=0))
    [opened] = detect(wl, archive, DAY).incidents
    assert opened.change == "opened"
    add(archive, problem(DAY, 30, who="e", price_share=0))  # the afternoon's complaints
    [grown] = detect(wl, archive, DAY).incidents
    assert grown.change == "escalated" and grown.severity >= 1.25 * opened.severity
    add(archive, problem(DAY, 40, who="n", price_share=0))
    later = detect(wl, archive, DAY).incidents
    assert [c.change for c in later] in ([], ["updated"])
    assert [e.event for e in incident_events(archive)] == ["opened", "escalated"]
    # The next day compares with the day's peak as before: no new escalation on a calm day.
    nxt = detect(wl, archive, DAY + timedelta(days=1)).incidents
    assert "escalated" not in [c.change for c in nxt]


def test_operators_acknowledge_and_resolve_with_a_note(quiet):
    wl, archive = quiet
    add(archive, problem(DAY, 20, who="o", price_share=0))
    [inc] = detect(wl, archive, DAY).incidents
    now = datetime(2026, 10, 15, 9, tzinfo=BERLIN)
    acked = incident_store.acknowledge(
        archive, inc.incident_id, note="Spedition informiert", now=now, tz=BERLIN
    )
    assert acked.status == "acknowledged" and acked.note == "Spedition informiert"
    done = incident_store.resolve(archive, inc.incident_id, note="Depot wieder offen", now=now, tz=BERLIN)
    assert (done.status, done.note) == ("resolved", "Depot wieder offen")
    assert [e.event for e in incident_events(archive)] == ["opened", "acknowledged", "resolved"]
    with pytest.raises(incident_store.IncidentError, match="already resolved"):
        incident_store.resolve(archive, inc.incident_id, note=None, now=now, tz=BERLIN)
    with pytest.raises(incident_store.IncidentError, match="does not exist"):
        incident_store.acknowledge(archive, 999, note=None, now=now, tz=BERLIN)
    # Resolved by hand: not shown as live, and a quieter next day does not reopen it.
    assert incident_store.list_incidents(archive) == []
    add(archive, problem(DAY + timedelta(days=1), 8, who="o2", price_share=0))
    assert [c.change for c in detect(wl, archive, DAY + timedelta(days=1)).incidents] == []


def test_a_rating_drop_is_an_alert_and_joins_the_incident_it_belongs_to(watchlist, archive):
    day = DAY
    rated = []
    d = HISTORY
    while d <= day:
        for i in range(6):
            stars = 5 if i % 3 else 4
            rated.append(
                Mention(local(d, 8 + i), f"r-{d}-{i}", "Alles gut geliefert.", "positive", ("delivery",))
            )
            rated[-1].rating = stars
        d += timedelta(days=1)
    _add_rated(archive, rated)
    angry = problem(day, 15, who="angry", price_share=0)
    for m in angry:
        m.rating = 1
    _add_rated(archive, angry)
    found = detect(watchlist, archive, day)
    drop = [c for c in found if c.kind == "rating_drop"]
    assert len(drop) == 1 and drop[0].change == "opened"
    explanation = json.loads(archive.db["alerts"].get(drop[0].alert_id)["explanation"])
    assert explanation["rating"]["window_mean"] < explanation["rating"]["baseline_mean"] - 1
    [inc] = found.incidents
    assert drop[0].alert_id in inc.alert_ids and inc.lead["topic"] == "delivery"


def test_one_angry_rater_is_no_rating_drop(watchlist, archive):
    rated = []
    d = HISTORY
    while d <= DAY:
        for i in range(6):
            rated.append(Mention(local(d, 8 + i), f"r-{d}-{i}", "Gut.", "positive", ()))
            rated[-1].rating = 5
        d += timedelta(days=1)
    spam = [Mention(local(DAY, 9, i), "one", f"Schlecht {i}.", "negative", ()) for i in range(12)]
    for m in rated[-6:] + spam:
        m.rating = 1 if m.author == "one" else m.rating
    _add_rated(archive, rated + spam)
    assert [c for c in detect(watchlist, archive, DAY) if c.kind == "rating_drop"] == []


def _add_rated(archive, mentions):
    ids = add(archive, mentions)
    with archive.conn:
        archive.conn.executemany(
            "UPDATE mentions SET rating = ? WHERE id = ?",
            [(getattr(m, "rating", None), i) for m, i in zip(mentions, ids)],
        )
    return ids
