"""The top problems of a period, for the digest's summary and subject line.

Why an adapter: detection groups the alerts of one problem into an *incident* with a worded
headline (de/en) and a severity (``incidents`` table, monitor/detect/incidents.py). Where the
archive has incidents live in the period, their headlines and severity are used as they
are; an archive without that table (older schema) or without live incidents (detection has
not grouped yet) falls back to the period's alerts, ranked by how far the complaints exceed
the expected level and worded by the digest itself. Only these columns are read: ``id``, ``brand``,
``status``, ``headline_de`` / ``headline_en``, ``severity``, ``first_seen``, ``last_seen``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from reports.queries.alerts import AlertInfo, alerts_for_period

_NEEDED = {"brand", "status", "headline_de", "headline_en", "severity", "first_seen", "last_seen"}


@dataclass
class Problem:
    """One problem: either an incident's own headline, or the alert the digest words itself."""

    severity: float
    headline: str | None = None  # an incident's headline, in the digest's language
    alert: AlertInfo | None = None
    origin: str = "alert"  # "incident" or "alert"
    incident_id: int | None = None  # the incident (its own, or its alert's), for links

    def __post_init__(self) -> None:
        if self.incident_id is None and self.alert is not None:
            self.incident_id = self.alert.incident_id


def incident_problems(
    conn: sqlite3.Connection, brand: str, first: date, last: date, language: str
) -> list[Problem] | None:
    """Incidents live at some time in the period (begun by its end, and not resolved before
    its start), worst first; None when the archive has no incidents table."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(incidents)")}
    if not _NEEDED <= columns:
        return None
    headline = "headline_de" if language == "de" else "headline_en"
    rows = conn.execute(
        f"""
        SELECT {headline}, severity, id FROM incidents
        WHERE brand = ? AND first_seen <= ? AND (status != 'resolved' OR last_seen >= ?)
        ORDER BY severity DESC, id
        """,
        (brand, last.isoformat(), first.isoformat()),
    ).fetchall()
    return [Problem(float(sev or 0), text, None, "incident", iid) for text, sev, iid in rows if text]


def incident_starts(conn: sqlite3.Connection, alerts: list[AlertInfo]) -> dict[int, str]:
    """Alert id -> the first day of the incident it leads, where that incident began before
    the alert did. The summary names an incident by its lead and dates it from the incident's
    first day (the headline's "seit 19.11."); the lead's own alert may have begun later (the
    theme on 19.11., the delivery spike on 20.11.), so its line says both. Empty on an
    archive without incidents (older schema)."""
    ids = sorted({a.incident_id for a in alerts if a.incident_id is not None})
    columns = {row[1] for row in conn.execute("PRAGMA table_info(incidents)")}
    if not ids or not {"id", "first_seen", "lead_alert_id"} <= columns:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT lead_alert_id, first_seen FROM incidents WHERE id IN ({marks})", ids
    ).fetchall()
    began = {lead: str(first)[:10] for lead, first in rows if lead is not None and first}
    return {
        a.id: began[a.id]
        for a in alerts
        if a.id in began and began[a.id] < (a.first_seen or a.window_start or began[a.id])[:10]
    }


def alert_problems(alerts: list[AlertInfo]) -> list[Problem]:
    """Alerts as problems, worst first. The brand-wide spike only counts when nothing more
    specific explains it: "all mentions" tells a reader nothing they could act on."""
    specific = [a for a in alerts if not (a.kind == "spike" and not a.topic)]
    chosen = specific or alerts
    problems = [Problem(a.severity, None, a, "alert") for a in chosen if a.severity > 0]
    problems.sort(key=lambda p: (-p.severity, p.alert.id))
    return problems


def top_problems(
    conn: sqlite3.Connection,
    brand: str,
    first: date,
    last: date,
    *,
    language: str,
    alerts: list[AlertInfo] | None = None,
    limit: int = 3,
) -> list[Problem]:
    """The ``limit`` worst problems of the period: incidents where the archive has them, else
    the period's alerts (pass ``alerts`` when they are loaded already)."""
    incidents = incident_problems(conn, brand, first, last, language)
    if incidents:
        return incidents[:limit]
    if alerts is None:
        alerts = alerts_for_period(conn, brand, first, last)
    return alert_problems(alerts)[:limit]
