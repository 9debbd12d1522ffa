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


_STATUS_RANK = {"open": 0, "rising": 1, "peaked": 2}


def alerts_for_day(conn: sqlite3.Connection, brand: str, day: date) -> list[AlertInfo]:
    """Incidents that were live on ``day``: begun by then and not resolved before it."""
    return alerts_for_period(conn, brand, day, day)


def _incident_columns(conn: sqlite3.Connection) -> tuple[str, str]:
    """(columns, join) for ordering by incident: its id, whether it was resolved by the
    period's last day (``:last``), its severity history, whether the alert leads it. Neutral
    values on an archive without incidents (older schema)."""
    if "incident_id" not in {row[1] for row in conn.execute("PRAGMA table_info(alerts)")}:
        return "NULL, 0, NULL, NULL, 1", ""
    resolved_by_then = (
        "CASE WHEN i.status = 'resolved' AND coalesce((SELECT max(day) FROM incident_events ev "
        "WHERE ev.incident_id = i.id AND ev.event = 'resolved'), substr(i.resolved_at, 1, 10), '') "
        "<= :last THEN 1 ELSE 0 END"
    )
    return (
        f"alerts.incident_id, {resolved_by_then}, i.severity, i.explanation, "
        "CASE WHEN i.lead_alert_id = alerts.id THEN 0 ELSE 1 END",
        "LEFT JOIN incidents i ON i.id = alerts.incident_id",
    )


def _history(explanation: str | None) -> list[dict]:
    try:
        history = json.loads(explanation or "{}").get("history") or []
    except (TypeError, ValueError, AttributeError):
        return []
    return [h for h in history if isinstance(h, dict)]


def _severity_then(severity: float | None, explanation: str | None, last: str) -> float:
    """An incident's severity on ``last`` (its history), else its latest."""
    upto = [
        h for h in _history(explanation) if str(h.get("day", "")) <= last and h.get("severity") is not None
    ]
    return float(upto[-1]["severity"]) if upto else float(severity if severity is not None else -1)


@dataclass(frozen=True)
class _AsOf:
    """An alert's figures as they stood on a day (from its ``explanation.history``)."""

    status: str
    observed: float | None
    expected: float | None
    ratio: float | None
    p_value: float | None
    authors: int | None


def _as_of(explanation: str | None, last: str) -> _AsOf | None:
    """The alert as it stood on ``last`` when detection has judged later days since (a past
    day's digest replays as it was); None when ``last`` is its latest judged day or later.
    The status is detection's own rule (:func:`monitor.detect.lifecycle.status_on`) on the
    days judged by then; resolution aside, since its history goes on past ``last``."""
    from monitor.detect.lifecycle import status_on

    history = _history(explanation)
    upto = [h for h in history if str(h.get("day", "")) <= last]
    if not upto or len(upto) == len(history) or not any(h.get("significant") for h in upto):
        return None
    peak = [h for h in upto if h.get("significant")][-1]
    observed, expected = peak.get("observed"), peak.get("expected")
    return _AsOf(
        status=status_on(upto, date.fromisoformat(last)),
        observed=observed,
        expected=expected,
        ratio=observed / expected if observed is not None and expected else None,
        p_value=peak.get("p_value"),
        authors=peak.get("authors"),
    )


def alerts_for_period(conn: sqlite3.Connection, brand: str, first: date, last: date) -> list[AlertInfo]:
    """Incidents live at some time from ``first`` to ``last``: begun by ``last`` and not
    resolved before ``first``. "new" marks those that began within the period. Alerts of one
    incident come together, the most severe incident first and its lead alert first. A
    period that detection has moved past shows each alert as it stood on its last day."""
    d0, d1 = first.isoformat(), last.isoformat()
    incident, join = _incident_columns(conn)
    rows = conn.execute(
        f"""
        SELECT alerts.id, kind, topic, alerts.status, alerts.first_seen, window_start, window_end,
               observed, expected, ratio, p_value, alerts.authors, sources, languages, examples,
               closed_at, alerts.explanation, {incident}
        FROM alerts {join}
        WHERE alerts.brand = :brand
          AND coalesce(alerts.first_seen, window_start, substr(alerts.opened_at, 1, 10)) <= :last
          AND (alerts.status != 'resolved' OR coalesce(window_end, substr(closed_at, 1, 10), '') >= :first
               -- resolved since, but still live at the period's end (a past period)
               OR CASE WHEN json_valid(alerts.explanation)
                       THEN json_extract(alerts.explanation, '$.history[#-1].day') > :last END)
        """,
        {"brand": brand, "first": d0, "last": d1},
    ).fetchall()
    replayed = []
    for r in rows:
        then = _as_of(r[16], d1)
        if then is not None:  # detection has moved on since: the figures of that day
            authors = then.authors if then.authors is not None else r[11]
            r = (
                *r[:3],
                then.status,
                *r[4:7],
                then.observed,
                then.expected,
                then.ratio,
                then.p_value,
                authors,
                *r[12:],
            )
        replayed.append(r)

    def order(r: tuple) -> tuple:
        incident_id, resolved, severity, inc_explanation, not_lead = r[17:22]
        return (
            resolved,
            -_severity_then(severity, inc_explanation, d1),
            incident_id or 0,
            not_lead,
            _STATUS_RANK.get(r[3], 3),
            -(r[9] or 0),
            r[0],
        )

    replayed.sort(key=order)
    out = []
    for r in replayed:
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
                incident_id=r[17],
            )
        )
    return out
