"""Incident rows and their events: reading, writing, and what an operator does with them.

Why events in their own table: an incident changes every day it is evaluated, but a person
should hear of it only when it opens, escalates past its peak, or resolves. Each such event
is one ``incident_events`` row, unique per (incident, event, local day), so a replayed or
repeated detection run never records it twice; a notifier keeps its own ledger of the event
ids it delivered (see :func:`incident_events`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.core.archive import Archive
from monitor.core.times import iso

ACTIVE = ("open", "acknowledged")
EVENTS = ("opened", "escalated", "resolved", "acknowledged")

#: Incidents in the order a reader should see them: live ones by severity, then the rest.
ORDER = (
    "CASE WHEN status IN ('open', 'acknowledged') THEN 0 ELSE 1 END, severity DESC, "
    "peak_severity DESC, id DESC"
)


def loads(value: str | None, default: Any) -> Any:
    """JSON columns written by detection; unreadable ones are empty, never a crash."""
    if not value:
        return default
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def get(archive: Archive, incident_id: int) -> dict | None:
    rows = list(archive.db.query("SELECT * FROM incidents WHERE id = ?", (incident_id,)))
    return rows[0] if rows else None


def brand_incidents(archive: Archive, brand: str, statuses: tuple[str, ...] = ACTIVE) -> list[dict]:
    marks = ",".join("?" * len(statuses))
    return list(
        archive.db.query(
            f"SELECT * FROM incidents WHERE brand = ? AND status IN ({marks}) ORDER BY id",
            (brand, *statuses),
        )
    )


def member_alerts(archive: Archive, incident_id: int) -> list[dict]:
    return list(archive.db.query("SELECT * FROM alerts WHERE incident_id = ? ORDER BY id", (incident_id,)))


def insert(archive: Archive, values: dict[str, Any]) -> int:
    with archive.conn:
        return int(archive.db["incidents"].insert(values).last_pk)


def update(archive: Archive, incident_id: int, values: dict[str, Any]) -> None:
    with archive.conn:
        archive.db["incidents"].update(incident_id, values)


def assign(archive: Archive, alert_ids: list[int], incident_id: int) -> None:
    if not alert_ids:
        return
    marks = ",".join("?" * len(alert_ids))
    with archive.conn:
        archive.conn.execute(
            f"UPDATE alerts SET incident_id = ? WHERE id IN ({marks})", (incident_id, *alert_ids)
        )


def record_event(
    archive: Archive, row: dict, event: str, day: str, at: str, *, note: str | None = None
) -> bool:
    """Store one event of an incident (once per incident, event and local day); True if new."""
    with archive.conn:
        cur = archive.conn.execute(
            "INSERT OR IGNORE INTO incident_events (incident_id, brand, event, day, at, severity, "
            "authors, headline_de, headline_en, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                row["id"],
                row["brand"],
                event,
                day,
                at,
                row["severity"],
                row["authors"],
                row["headline_de"],
                row["headline_en"],
                note,
            ),
        )
    return cur.rowcount > 0


# --------------------------------------------------------------------------- reading


@dataclass
class Incident:
    """An incident as the CLI, the digest and notifiers show it."""

    id: int
    brand: str
    status: str
    headline: dict[str, str]
    severity: float
    peak_severity: float
    authors: int | None
    lead: dict[str, Any]
    related: list[dict]
    keywords: list[str]
    examples: list[dict]
    first_seen: str
    last_seen: str
    opened_at: str
    updated_at: str
    escalated_at: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    resolved_by: str | None
    note: str | None
    alert_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def incident_of(archive: Archive, row: dict) -> Incident:
    """The incident of a row; its quotes are its lead alert's (kept in one place, so that
    ``brandpulse forget`` scrubbing the alerts leaves no copy behind)."""
    alert_ids = [
        r[0] for r in archive.conn.execute("SELECT id FROM alerts WHERE incident_id = ?", (row["id"],))
    ]
    lead = archive.conn.execute(
        "SELECT examples FROM alerts WHERE id = ?", (row["lead_alert_id"],)
    ).fetchone()
    return Incident(
        id=row["id"],
        brand=row["brand"],
        status=row["status"],
        headline={"de": row["headline_de"], "en": row["headline_en"]},
        severity=row["severity"],
        peak_severity=row["peak_severity"],
        authors=row["authors"],
        lead={"alert_id": row["lead_alert_id"], "kind": row["lead_kind"], "topic": row["lead_topic"]},
        related=loads(row["related"], []),
        keywords=loads(row["keywords"], []),
        examples=loads(lead[0] if lead else None, []),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        escalated_at=row["escalated_at"],
        acknowledged_at=row["acknowledged_at"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        note=row["note"],
        alert_ids=alert_ids,
    )


def list_incidents(
    archive: Archive, *, brand: str | None = None, include_resolved: bool = False, limit: int = 50
) -> list[Incident]:
    """Incidents, most severe first (live ones before resolved ones)."""
    where, args = [], []
    if brand:
        where.append("brand = ?")
        args.append(brand)
    if not include_resolved:
        where.append("status IN ('open', 'acknowledged')")
    sql = "SELECT * FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
    rows = archive.db.query(f"{sql} ORDER BY {ORDER} LIMIT ?", (*args, limit))
    return [incident_of(archive, r) for r in rows]


@dataclass
class IncidentEvent:
    """One thing worth telling someone about an incident, with the incident as it is now."""

    id: int
    event: str  # opened | escalated | resolved | acknowledged
    day: str
    at: str
    severity: float | None
    authors: int | None
    headline: dict[str, str]
    note: str | None
    incident: Incident

    def to_json(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "incident"},
            "incident": self.incident.to_json(),
        }


def incident_events(
    archive: Archive,
    since: datetime | str | None = None,
    *,
    after_id: int | None = None,
    brand: str | None = None,
) -> list[IncidentEvent]:
    """Events recorded at or after ``since`` (UTC) and/or with an id above ``after_id``, oldest
    first. A notifier passes the last event id it delivered (or a time window) and keeps a
    ledger of (event id, channel): each event is stored once, so nothing is sent twice."""
    where, args = ["1 = 1"], []
    if since is not None:
        where.append("e.at >= ?")
        args.append(since if isinstance(since, str) else iso(since))
    if after_id is not None:
        where.append("e.id > ?")
        args.append(after_id)
    if brand:
        where.append("e.brand = ?")
        args.append(brand)
    rows = list(
        archive.db.query(
            f"SELECT e.* FROM incident_events e WHERE {' AND '.join(where)} ORDER BY e.id", tuple(args)
        )
    )
    cache: dict[int, Incident] = {}
    out = []
    for r in rows:
        inc = cache.get(r["incident_id"])
        if inc is None:
            inc = cache[r["incident_id"]] = incident_of(archive, get(archive, r["incident_id"]))
        out.append(
            IncidentEvent(
                id=r["id"],
                event=r["event"],
                day=r["day"],
                at=r["at"],
                severity=r["severity"],
                authors=r["authors"],
                headline={"de": r["headline_de"], "en": r["headline_en"]},
                note=r["note"],
                incident=inc,
            )
        )
    return out


# --------------------------------------------------------------------------- operator actions


class IncidentError(ValueError):
    """An operator action that cannot apply (unknown id, already resolved)."""


def acknowledge(
    archive: Archive, incident_id: int, *, note: str | None, now: datetime, tz: ZoneInfo
) -> Incident:
    """Someone is on it: the incident stays live (and still resolves by itself), the note is kept."""
    at, day = iso(now), now.astimezone(tz).date().isoformat()
    row = get(archive, incident_id)
    if row is None:
        raise IncidentError(f"incident {incident_id} does not exist (see `brandpulse incidents`)")
    if row["status"] == "resolved":
        raise IncidentError(f"incident {incident_id} is already resolved")
    update(
        archive, incident_id, {"status": "acknowledged", "acknowledged_at": at, "note": note or row["note"]}
    )
    row = get(archive, incident_id)
    record_event(archive, row, "acknowledged", day, at, note=note)
    return incident_of(archive, row)


def resolve(archive: Archive, incident_id: int, *, note: str | None, now: datetime, tz: ZoneInfo) -> Incident:
    """Close an incident by hand. Its alerts go on by themselves; new alerts of the same
    problem open a new incident, and only an escalation past its peak reopens this one."""
    at, day = iso(now), now.astimezone(tz).date().isoformat()
    row = get(archive, incident_id)
    if row is None:
        raise IncidentError(f"incident {incident_id} does not exist (see `brandpulse incidents`)")
    if row["status"] == "resolved":
        raise IncidentError(f"incident {incident_id} is already resolved")
    update(
        archive,
        incident_id,
        {"status": "resolved", "resolved_at": at, "resolved_by": "operator", "note": note or row["note"]},
    )
    row = get(archive, incident_id)
    record_event(archive, row, "resolved", day, at, note=note)
    return incident_of(archive, row)
