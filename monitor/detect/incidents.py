"""Incidents: the alerts of one problem, grouped, with a lead, a headline and a severity.

Why: one stuck-parcel problem raises a delivery spike, a waiting-time spike, a customer-service
spike, the brand total, a new theme ("Verteilzentrum") and a churn surge. Shown as seven
alerts it looks like seven problems, and the biggest may come last. Grouped, it is one
incident led by the topic that explains most of its complaining customers, with the others
listed under it, and ordered by how many more customers complain than usual (severity).

Grouping runs at the end of every detection run for each brand (so ``detect``, the daemon
and the demo all get it):

* a topic spike or a theme (a *core* alert) joins a live incident when it shares complaining
  authors with one of that incident's core alerts: at least ``MIN_SHARED`` of them and at
  least ``LINK_SHARE`` of the smaller of the two (over the last ``SPAN_DAYS`` days); else it
  joins other new core alerts it overlaps with, or opens an incident of its own;
* the brand total, churn surges and rating drops are *symptoms*: they contain the complaints
  of every concurrent problem, so they never tie two problems together. A symptom joins the
  incident that shares the most complaining authors with it, when those are at least a third
  of its excess over expected (the part the incident explains); else it is an incident alone
  (a churn surge or rating drop only when ten times stronger than its own alert needs: nothing
  corroborates it);
* an alert keeps its incident for its whole life.

An incident opens with its first alert, **escalates** when its severity passes the previous
peak by ``ESCALATION`` (so that a slightly busier day does not ring again), and **resolves**
when all its alerts have resolved. An operator can acknowledge it or resolve it with a note
(``incident_store``); an escalation past its peak reopens one resolved by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from monitor.core.archive import Archive
from monitor.core.config import Brand, Watchlist
from monitor.core.times import Window
from monitor.detect import headlines, incident_store, lifecycle, themes
from monitor.detect.counts import TOTAL, Events, mention_complaint
from monitor.detect.incident_store import incident_events  # re-exported for notifiers

__all__ = ["IncidentChange", "update_incidents", "incident_events", "KINDS"]

#: Alert kinds that form incidents.
KINDS = ("spike", "theme", "churn", "rating_drop")
#: Days of complaints compared when deciding whether two alerts share authors.
SPAN_DAYS = 3
#: Shared complaining authors that tie two alerts together: this share of the smaller one...
LINK_SHARE = 1 / 3
#: ... and at least this many people.
MIN_SHARED = 2
#: An incident escalates when its severity reaches this multiple of its previous peak.
ESCALATION = 1.25
#: A churn surge or rating drop that no topic or theme explains opens an incident of its own
#: only at its own alert threshold divided by this: alone it has nothing that corroborates it,
#: and an incident is what people are told about at once (the alert is in the digest anyway).
STANDALONE_DIVISOR = 10
ALONE_STRICTER = ("churn", "rating_drop")


@dataclass
class IncidentChange:
    """What one run did to one incident; serialises to the ``detect --json`` record."""

    incident_id: int
    change: str  # opened | escalated | updated | resolved
    brand: str
    status: str
    headline: dict[str, str]
    severity: float
    authors: int | None
    lead: dict[str, Any]
    alert_ids: list[int]
    first_seen: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "incident", **self.__dict__}


@dataclass
class Member:
    """An active alert with the complaining authors behind it."""

    row: dict
    authors: set[str]  # over the span
    today: set[str]  # in the judged window

    @property
    def core(self) -> bool:
        return self.row["kind"] == "theme" or (self.row["kind"] == "spike" and self.row["topic"] is not None)

    @property
    def excess(self) -> float:
        return max(0.0, (self.row["observed"] or 0.0) - (self.row["expected"] or 0.0))


# --------------------------------------------------------------------------- who complains


def _complaints(events: Events, brand: str, row: dict, leads: pd.DataFrame) -> pd.DataFrame:
    """The complaint rows behind an alert's series (columns ``author_key``, ``day``, ``ts``)."""
    kind, topic = row["kind"], row["topic"]
    m = events.mentions
    if kind == "spike":
        rows = events.series(brand, topic or TOTAL)
        return rows[rows["negative"]]
    if kind == "churn":
        return leads
    mine = m[m["brand"] == brand]
    if kind == "rating_drop":
        return mine[pd.to_numeric(mine["rating"], errors="coerce") <= 2]
    if kind == "theme":
        mine = mine[mention_complaint(mine)]
        text = (mine["title"].fillna("") + " " + mine["text"].fillna("")).str.casefold()
        return mine[text.str.contains(themes.term_pattern(topic))]
    return mine.iloc[0:0]


def _member(events: Events, brand: str, row: dict, window: Window, leads: pd.DataFrame) -> Member:
    rows = _complaints(events, brand, row, leads)
    span = {window.last - timedelta(days=i) for i in range(SPAN_DAYS)}
    rows = rows[rows["day"].isin(span)]
    end = pd.Timestamp(window.end).value
    start = pd.Timestamp(window.start).value
    ts = rows["ts"].to_numpy()
    rows = rows[ts < end]
    today = rows[rows["ts"].to_numpy() >= start]
    return Member(row, set(rows["author_key"]), set(today["author_key"]))


def _shared(a: set[str], b: set[str]) -> int:
    return len(a & b)


def _links(m: Member, others: list[Member]) -> int:
    """Authors ``m`` shares with the best-matching of ``others`` (0 if none ties them)."""
    best = 0
    for o in others:
        n = _shared(m.authors, o.authors)
        if n >= MIN_SHARED and n >= LINK_SHARE * min(len(m.authors), len(o.authors)):
            best = max(best, n)
    return best


# --------------------------------------------------------------------------- grouping


@dataclass
class _Group:
    incident: dict | None  # None: a new incident
    members: list[Member]
    added: list[Member]

    @property
    def anchors(self) -> list[Member]:
        """What a new alert is compared with: the core alerts, or all when there are none."""
        core = [m for m in self.members if m.core]
        return core or self.members


def _own_alpha(row: dict, alpha: float) -> float:
    """The significance level the alert itself was judged at (a rating drop's is stricter)."""
    try:
        return float(json.loads(row["explanation"] or "{}").get("alpha", alpha))
    except (TypeError, ValueError):
        return alpha


def _assign(members: list[Member], groups: list[_Group], alpha: float) -> None:
    """Put every alert without an incident into one (see the module docstring)."""
    live = [g for g in groups if g.incident is None or g.incident["status"] in incident_store.ACTIVE]
    core = sorted((m for m in members if m.core), key=lambda m: -len(m.authors))
    for m in core:
        scored = [(_links(m, g.anchors), g) for g in live]
        n, best = max(scored, key=lambda x: x[0], default=(0, None))
        if best is None or n == 0:
            best = _Group(None, [], [])
            groups.append(best)
            live.append(best)
        best.members.append(m)
        best.added.append(m)
    order = {"spike": 0, "rating_drop": 1, "churn": 2}
    for m in sorted((m for m in members if not m.core), key=lambda m: order.get(m.row["kind"], 3)):
        need = max(MIN_SHARED, LINK_SHARE * m.excess)
        scored = [
            (_shared(m.authors, set().union(*(a.authors for a in g.anchors))), g) for g in live if g.members
        ]
        n, best = max(scored, key=lambda x: x[0], default=(0, None))
        if best is None or n < need:
            if (
                m.row["kind"] in ALONE_STRICTER
                and (m.row["p_value"] or 1.0) > _own_alpha(m.row, alpha) / STANDALONE_DIVISOR
            ):
                continue  # an alert for now; an incident once it is stronger or a topic explains it
            best = _Group(None, [], [])
            groups.append(best)
            live.append(best)
        best.members.append(m)
        best.added.append(m)


def update_incidents(
    archive: Archive,
    events: Events,
    wl: Watchlist,
    brand: Brand,
    window: Window,
    at: str,
    *,
    leads: pd.DataFrame,
) -> list[IncidentChange]:
    """Group the brand's active alerts into incidents and bring each incident up to date."""
    active = lifecycle.active_alerts(archive, brand.name, KINDS)
    members = [_member(events, brand.name, row, window, leads) for row in active]
    groups: dict[int, _Group] = {}
    loose: list[Member] = []
    for m in members:
        iid = m.row["incident_id"]
        inc = incident_store.get(archive, iid) if iid is not None else None
        if inc is None:
            loose.append(m)
        else:
            groups.setdefault(iid, _Group(inc, [], [])).members.append(m)
    all_groups = list(groups.values())
    _assign(loose, all_groups, wl.alerts.alpha)
    changes = [c for g in all_groups if g.members and (c := _evaluate(archive, wl, g, window, at))]
    grouped = {g.incident["id"] for g in all_groups if g.incident is not None}
    for inc in incident_store.brand_incidents(archive, brand.name):
        if inc["id"] not in grouped and (c := _resolve_if_done(archive, inc, window, at)):
            changes.append(c)
    return sorted(changes, key=lambda c: -c.severity)


# --------------------------------------------------------------------------- one incident


def _entry(row: dict, day: date) -> dict | None:
    hist = json.loads(row["explanation"] or "{}").get("history", [])
    return next((h for h in reversed(hist) if h["day"] == day.isoformat()), None)


def _lead(members: list[Member]) -> Member:
    """The alert explaining most of the incident's complaining authors (core alerts first)."""
    pool = [m for m in members if m.core] or members
    return max(pool, key=lambda m: (len(m.today), len(m.authors), m.excess, -m.row["id"]))


def _severity(members: list[Member], day: date) -> float:
    """Complaining authors over expected, of the member that shows most of them today."""
    excess = []
    for m in members:
        h = _entry(m.row, day)
        if h is not None and h.get("expected") is not None:
            excess.append(float(h["observed"]) - float(h["expected"]))
    return round(max([0.0, *excess]), 3)


def _state(wl: Watchlist, members: list[Member], window: Window, first_seen: str) -> dict[str, Any]:
    lead = _lead(members)
    others = sorted((m for m in members if m is not lead), key=lambda m: (-m.excess, m.row["id"]))
    keywords = [m.row["topic"] for m in others if m.row["kind"] == "theme"]
    lr = lead.row
    expl = json.loads(lr["explanation"] or "{}")
    ratings = expl.get("rating") or {}
    spec = headlines.Lead(
        kind=lr["kind"],
        topic=lr["topic"],
        authors=float(lr["observed"] or 0),
        expected=lr["expected"],
        since=date.fromisoformat(first_seen),
        rating_now=ratings.get("window_mean"),
        rating_before=ratings.get("baseline_mean"),
    )
    heads = headlines.headlines(wl, spec, keywords)
    related = [
        {
            "alert_id": m.row["id"],
            "kind": m.row["kind"],
            "topic": m.row["topic"],
            "label": {
                lang: headlines.series_label(wl, m.row["kind"], m.row["topic"], lang) for lang in ("de", "en")
            },
            "status": m.row["status"],
            "authors": m.row["authors"],
            "expected": None if m.row["expected"] is None else round(m.row["expected"], 2),
        }
        for m in others
    ]
    return {
        "lead_alert_id": lr["id"],
        "lead_kind": lr["kind"],
        "lead_topic": lr["topic"],
        "headline_de": heads["de"],
        "headline_en": heads["en"],
        "severity": _severity(members, window.last),
        "authors": len(set().union(*(m.today for m in members))),
        "related": incident_store.dumps(related),
        "keywords": incident_store.dumps(keywords),
    }


def _evaluate(archive: Archive, wl: Watchlist, g: _Group, window: Window, at: str) -> IncidentChange | None:
    day = window.last.isoformat()
    firsts = [m.row["first_seen"] or m.row["window_start"] for m in g.members]
    first_seen = min([f for f in firsts if f] + ([g.incident["first_seen"]] if g.incident else []) or [day])
    state = _state(wl, g.members, window, first_seen)
    ids = [m.row["id"] for m in g.added]
    if g.incident is None:
        history = [
            {
                "day": day,
                "severity": state["severity"],
                "authors": state["authors"],
                "told": state["severity"],
            }
        ]
        values = {
            "brand": g.members[0].row["brand"],
            "status": "open",
            "first_seen": first_seen,
            "last_seen": day,
            "opened_at": at,
            "updated_at": at,
            "peak_severity": state["severity"],
            "explanation": incident_store.dumps({"history": history}),
            **state,
        }
        iid = incident_store.insert(archive, values)
        incident_store.assign(archive, ids, iid)
        row = incident_store.get(archive, iid)
        incident_store.record_event(archive, row, "opened", day, at)
        return _change(archive, row, "opened")

    inc = g.incident
    incident_store.assign(archive, ids, inc["id"])
    history = incident_store.loads(inc["explanation"], {}).get("history", [])
    if history and day < history[-1]["day"]:
        return None  # replaying an older day: the incident has moved on
    before = [h for h in history if h["day"] < day]
    # What people were told today (opened or escalated by an earlier run of this day): a fire
    # that grows within the day escalates against that, not only against earlier days.
    told = next((h.get("told") for h in history if h["day"] == day), None)
    peak_before = max([h["severity"] for h in before] + [told or 0.0])
    escalated = peak_before > 0 and state["severity"] >= ESCALATION * peak_before
    entry = {"day": day, "severity": state["severity"], "authors": state["authors"]}
    if escalated or told is not None:
        entry["told"] = state["severity"] if escalated else told
    history = [*before, entry]
    values: dict[str, Any] = {
        **state,
        "first_seen": first_seen,
        "last_seen": day,
        "updated_at": at,
        "peak_severity": max(h["severity"] for h in history),
        "explanation": incident_store.dumps({"history": history}),
    }
    if escalated:
        values["escalated_at"] = at
        if inc["status"] == "resolved":  # resolved by hand, but it is getting worse
            values.update(status="open", resolved_at=None, resolved_by=None)
    elif inc["status"] == "resolved":
        incident_store.update(archive, inc["id"], {k: values[k] for k in ("explanation", "updated_at")})
        return None
    incident_store.update(archive, inc["id"], values)
    row = incident_store.get(archive, inc["id"])
    if escalated and incident_store.record_event(archive, row, "escalated", day, at):
        return _change(archive, row, "escalated")
    lead_changed = row["lead_alert_id"] != inc["lead_alert_id"]
    if ids or lead_changed:
        return _change(archive, row, "updated")
    return None


def _resolve_if_done(archive: Archive, inc: dict, window: Window, at: str) -> IncidentChange | None:
    """A live incident without active alerts is over."""
    alerts = incident_store.member_alerts(archive, inc["id"])
    if any(a["status"] in lifecycle.ACTIVE for a in alerts):
        return None
    incident_store.update(
        archive,
        inc["id"],
        {
            "status": "resolved",
            "resolved_at": at,
            "resolved_by": "detection",
            "updated_at": at,
            "severity": 0.0,
        },
    )
    row = incident_store.get(archive, inc["id"])
    incident_store.record_event(archive, row, "resolved", window.last.isoformat(), at)
    return _change(archive, row, "resolved")


def _change(archive: Archive, row: dict, change: str) -> IncidentChange:
    alert_ids = [a["id"] for a in incident_store.member_alerts(archive, row["id"])]
    return IncidentChange(
        incident_id=row["id"],
        change=change,
        brand=row["brand"],
        status=row["status"],
        headline={"de": row["headline_de"], "en": row["headline_en"]},
        severity=row["severity"],
        authors=row["authors"],
        lead={"alert_id": row["lead_alert_id"], "kind": row["lead_kind"], "topic": row["lead_topic"]},
        alert_ids=alert_ids,
        first_seen=row["first_seen"],
    )
