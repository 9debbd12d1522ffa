"""The alerts a digest day shows, with their quoted evidence."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date


@dataclass
class AlertExample:
    mention_id: int | None
    quote: str
    url: str | None
    source: str | None


@dataclass
class AlertInfo:
    id: int
    kind: str
    topic: str | None
    status: str
    is_new: bool
    first_seen: str | None
    window_start: str | None
    window_end: str | None
    observed: float | None
    expected: float | None
    ratio: float | None
    p_value: float | None
    authors: int | None
    sources: list[str]
    languages: list[str]
    examples: list[AlertExample]
    incident_id: int | None = None  # the incident it belongs to (monitor/detect/incidents.py)

    @property
    def severity(self) -> float:
        """Complaints (authors where known) above the expected level: how big the problem is,
        so a small topic with a large ratio does not outrank a large one."""
        seen = self.authors if self.authors is not None else self.observed
        return float(seen or 0) - float(self.expected or 0)


def _json_list(value: str | None) -> list:
    """Detection writes JSON lists; anything unreadable counts as empty, never a crash."""
    if not value:
        return []
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _example(item: object) -> AlertExample | None:
    if isinstance(item, dict):
        quote = item.get("quote") or item.get("text") or ""
        mid = item.get("mention_id")
        return AlertExample(
            mention_id=mid if isinstance(mid, int) else None,
            quote=str(quote),
            url=item.get("url") if isinstance(item.get("url"), str) else None,
            source=str(item["source"]) if item.get("source") else None,
        )
    if isinstance(item, str):
        return AlertExample(None, item, None, None)
    return None


_ALERT_ORDER = "CASE status WHEN 'open' THEN 0 WHEN 'rising' THEN 1 WHEN 'peaked' THEN 2 ELSE 3 END"


def alerts_for_day(conn: sqlite3.Connection, brand: str, day: date) -> list[AlertInfo]:
    """Incidents that were live on ``day``: begun by then and not resolved before it."""
    return alerts_for_period(conn, brand, day, day)


def _by_incident(conn: sqlite3.Connection) -> tuple[str, str, str]:
    """(column, join, order) that put the alerts of the most severe incident first, its lead
    first within it; nothing on an archive without incidents (older schema)."""
    if "incident_id" not in {row[1] for row in conn.execute("PRAGMA table_info(alerts)")}:
        return "NULL", "", ""
    return (
        "incident_id",
        "LEFT JOIN incidents i ON i.id = alerts.incident_id",
        "CASE WHEN i.status = 'resolved' THEN 1 ELSE 0 END, coalesce(i.severity, -1) DESC, "
        "coalesce(alerts.incident_id, 0), CASE WHEN i.lead_alert_id = alerts.id THEN 0 ELSE 1 END, ",
    )


def alerts_for_period(conn: sqlite3.Connection, brand: str, first: date, last: date) -> list[AlertInfo]:
    """Incidents live at some time from ``first`` to ``last``: begun by ``last`` and not
    resolved before ``first``. "new" marks those that began within the period. Alerts of one
    incident come together, the most severe incident first and its lead alert first."""
    d0, d1 = first.isoformat(), last.isoformat()
    incident, join, order = _by_incident(conn)
    rows = conn.execute(
        f"""
        SELECT alerts.id, kind, topic, alerts.status, alerts.first_seen, window_start, window_end,
               observed, expected, ratio, p_value, alerts.authors, sources, languages, examples,
               closed_at, {incident}
        FROM alerts {join}
        WHERE alerts.brand = ?
          AND coalesce(alerts.first_seen, window_start, substr(alerts.opened_at, 1, 10)) <= ?
          AND (alerts.status != 'resolved' OR coalesce(window_end, substr(closed_at, 1, 10), '') >= ?)
        ORDER BY {order}{_ALERT_ORDER.replace("status", "alerts.status")}, coalesce(ratio, 0) DESC, alerts.id
        """,
        (brand, d1, d0),
    ).fetchall()
    out = []
    for r in rows:
        examples = [e for e in (_example(x) for x in _json_list(r[14])) if e and e.quote]
        for e in examples:
            if e.url is None and e.mention_id is not None:  # link the original all the same
                found = conn.execute("SELECT url FROM mentions WHERE id = ?", (e.mention_id,)).fetchone()
                e.url = found[0] if found else None
        began = (r[4] or r[5] or "")[:10]
        out.append(
            AlertInfo(
                id=r[0],
                kind=r[1],
                topic=r[2],
                status=r[3],
                is_new=d0 <= began <= d1,
                first_seen=r[4],
                window_start=r[5],
                window_end=r[6],
                observed=r[7],
                expected=r[8],
                ratio=r[9],
                p_value=r[10],
                authors=r[11],
                sources=[str(s) for s in _json_list(r[12])],
                languages=[str(s) for s in _json_list(r[13])],
                examples=examples,
                incident_id=r[16],
            )
        )
    return out
