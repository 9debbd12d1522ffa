"""Alert lifecycle: one incident, one alert row, updated day by day.

Why: a marketing team must hear about an incident once, then see it develop (still rising,
past its peak, back to normal) — not get the same alarm every morning. An alert is keyed by
(brand, kind, topic); while it is active (open / rising / peaked) a significant day updates it
instead of opening a new one. After ``cooldown_days`` quiet days (at least one) it is
resolved; only then can the same series open a new alert.

Every evaluated day is kept in ``explanation.history``, so re-running a day (``--as-of``
replay, a second intraday run) replaces that day's entry instead of counting it twice, and
a day older than the alert's last evaluated day leaves it untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.core.archive import Archive

ACTIVE = ("open", "rising", "peaked")
#: An alert significant on more days than this is a new normal, not an incident: its days
#: stay in the baseline so that the baseline can adapt to the new level.
MAX_EXCLUDED_DAYS = 14


@dataclass
class Finding:
    """A series that passed the test and every floor in a window."""

    brand: str
    kind: str  # spike | theme | churn
    topic: str | None  # topic name (None = brand total), or the emerging term
    day: date
    observed: float
    expected: float
    ratio: float | None
    p_value: float | None
    q_value: float | None
    authors: int
    sources: list[str]
    languages: list[str]
    examples: list[dict]
    explanation: dict[str, Any]
    window_start_utc: str
    window_end_utc: str


@dataclass
class AlertChange:
    """What one run did to one alert; serialises to the ``detect --json`` record."""

    alert_id: int
    change: str  # opened | updated | resolved
    brand: str
    kind: str
    topic: str | None
    status: str
    window_start: str
    window_end: str
    first_seen: str | None
    observed: float | None
    expected: float | None
    ratio: float | None
    p_value: float | None
    q_value: float | None
    authors: int | None
    sources: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    example_ids: list[int] = field(default_factory=list)
    suggestion: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "change": self.change,
            "brand": self.brand,
            "kind": self.kind,
            "topic": self.topic if self.kind != "theme" else None,
            "theme": self.topic if self.kind == "theme" else None,
            "status": self.status,
            "window": {"start": self.window_start, "end": self.window_end},
            "first_seen": self.first_seen,
            "observed": self.observed,
            "expected": None if self.expected is None else round(self.expected, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "p_value": self.p_value,
            "q_value": self.q_value,
            "authors": self.authors,
            "sources": self.sources,
            "languages": self.languages,
            "example_mention_ids": self.example_ids,
            "suggestion": self.suggestion,
        }


def _key_clause(topic: str | None) -> tuple[str, tuple]:
    return ("topic IS NULL", ()) if topic is None else ("topic = ?", (topic,))


def _history(row: dict) -> list[dict]:
    try:
        return list(json.loads(row["explanation"] or "{}").get("history", []))
    except (TypeError, ValueError):
        return []


def _rows(archive: Archive, brand: str, kind: str, topic: str | None, where: str = "") -> list[dict]:
    clause, args = _key_clause(topic)
    sql = f"SELECT * FROM alerts WHERE brand = ? AND kind = ? AND {clause} {where} ORDER BY id DESC"
    return list(archive.db.query(sql, (brand, kind, *args)))


def covering_alert(archive: Archive, brand: str, kind: str, topic: str | None, day: date) -> dict | None:
    """The alert of this series whose evaluated days include ``day``, if any."""
    for row in _rows(archive, brand, kind, topic):
        hist = _history(row)
        if hist and hist[0]["day"] <= day.isoformat() <= hist[-1]["day"]:
            return row
    return None


def incident_days(archive: Archive, brand: str, kind: str, *, since: date) -> dict[str | None, set[date]]:
    """Per topic: the days on which past alerts of the brand were significant (since ``since``).

    Detection leaves them out of the baseline: a robust complement to the Farrington
    re-weighting, which under-weights old spikes only once the dispersion is estimated."""
    out: dict[str | None, set[date]] = {}
    rows = archive.db.query(
        "SELECT topic, explanation FROM alerts WHERE brand = ? AND kind = ? AND window_end >= ?",
        (brand, kind, since.isoformat()),
    )
    for row in rows:
        sig = [date.fromisoformat(h["day"]) for h in _history(row) if h["significant"]]
        if len(sig) <= MAX_EXCLUDED_DAYS:
            out.setdefault(row["topic"], set()).update(d for d in sig if d >= since)
    return out


def active_alert(archive: Archive, brand: str, kind: str, topic: str | None) -> dict | None:
    rows = _rows(archive, brand, kind, topic, "AND status IN ('open','rising','peaked')")
    return rows[0] if rows else None


def active_alerts(archive: Archive, brand: str, kinds: tuple[str, ...]) -> list[dict]:
    marks = ",".join("?" * len(kinds))
    return list(
        archive.db.query(
            f"SELECT * FROM alerts WHERE brand = ? AND kind IN ({marks}) "
            "AND status IN ('open','rising','peaked') ORDER BY id",
            (brand, *kinds),
        )
    )


def _status(history: list[dict], cooldown_days: int, day: date) -> str:
    significant = [h for h in history if h["significant"]]
    last_sig = date.fromisoformat(significant[-1]["day"])
    if not history[-1]["significant"]:
        quiet = (day - last_sig).days
        return "resolved" if quiet >= max(1, cooldown_days) else "peaked"
    if len(significant) == 1:
        return "open"
    peak_before = max(h["observed"] for h in significant[:-1])
    return "rising" if significant[-1]["observed"] > peak_before else "peaked"


def status_on(history: list[dict], day: date) -> str:
    """An alert's status on ``day`` from the days judged by then, for an alert whose later
    days are known (a past day's digest): never "resolved", as it was not resolved by then."""
    if not history[-1]["significant"]:
        return "peaked"
    return _status(history, cooldown_days=1, day=day)


def _merge_history(history: list[dict], entry: dict) -> list[dict] | None:
    """Insert or replace ``entry``; None when it is older than the last evaluated day."""
    if history and entry["day"] < history[-1]["day"]:
        return None
    if history and entry["day"] == history[-1]["day"]:
        return [*history[:-1], entry]
    return [*history, entry]


def change_of(row: dict, change: str, suggestion: str | None = None) -> AlertChange:
    examples = json.loads(row["examples"] or "[]")
    return AlertChange(
        alert_id=row["id"],
        change=change,
        brand=row["brand"],
        kind=row["kind"],
        topic=row["topic"],
        status=row["status"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        first_seen=row["first_seen"],
        observed=row["observed"],
        expected=row["expected"],
        ratio=row["ratio"],
        p_value=row["p_value"],
        q_value=row["q_value"],
        authors=row["authors"],
        sources=json.loads(row["sources"] or "[]"),
        languages=json.loads(row["languages"] or "[]"),
        example_ids=[e["mention_id"] for e in examples],
        suggestion=suggestion,
    )


def _finding_columns(f: Finding) -> dict[str, Any]:
    return {
        "observed": f.observed,
        "expected": f.expected,
        "ratio": f.ratio,
        "p_value": f.p_value,
        "q_value": f.q_value,
        "authors": f.authors,
        "sources": json.dumps(f.sources),
        "languages": json.dumps(f.languages, ensure_ascii=False),
        "examples": json.dumps(f.examples, ensure_ascii=False),
    }


def record_finding(archive: Archive, f: Finding, *, cooldown_days: int, at: str) -> AlertChange | None:
    """Open a new alert for a significant series, or update its active one."""
    entry = {
        "day": f.day.isoformat(),
        "significant": True,
        "observed": f.observed,
        "expected": round(f.expected, 4),
        "q_value": f.q_value,
        "p_value": f.p_value,  # with authors: what a past day's digest shows (reports.queries.alerts)
        "authors": f.authors,
    }
    row = active_alert(archive, f.brand, f.kind, f.topic)
    if row is None:
        done = covering_alert(archive, f.brand, f.kind, f.topic, f.day)
        if done is not None:
            return None  # this day was already judged by an alert since resolved
        explanation = {**f.explanation, "history": [entry]}
        values = {
            "brand": f.brand,
            "kind": f.kind,
            "topic": f.topic,
            "status": "open",
            "opened_at": at,
            "updated_at": at,
            "first_seen": f.day.isoformat(),
            "window_start": f.day.isoformat(),
            "window_end": f.day.isoformat(),
            "peak_observed": f.observed,
            "explanation": json.dumps(explanation, ensure_ascii=False, default=str),
            **_finding_columns(f),
        }
        with archive.conn:
            alert_id = archive.db["alerts"].insert(values).last_pk
        return change_of(archive.db["alerts"].get(alert_id), "opened", f.explanation.get("suggestion"))

    old_history = _history(row)
    history = _merge_history(old_history, entry)
    if history is None or history == old_history:
        return None  # an older day, or the same day judged again with the same result
    status = _status(history, cooldown_days, f.day)
    explanation = {**f.explanation, "history": history}
    peak = max(h["observed"] for h in history if h["significant"])
    values = {
        "status": status,
        "updated_at": at,
        "closed_at": None,
        "window_end": f.day.isoformat(),
        "peak_observed": peak,
        "explanation": json.dumps(explanation, ensure_ascii=False, default=str),
        **_finding_columns(f),
    }
    with archive.conn:
        archive.db["alerts"].update(row["id"], values)
    return change_of(archive.db["alerts"].get(row["id"]), "updated", f.explanation.get("suggestion"))


def record_quiet_day(
    archive: Archive,
    row: dict,
    day: date,
    observed: float,
    expected: float | None,
    *,
    cooldown_days: int,
    at: str,
) -> AlertChange | None:
    """A day on which an active alert's series was not significant: past the peak, and
    resolved once the cool-down has passed. Reported only when the status changes."""
    entry = {
        "day": day.isoformat(),
        "significant": False,
        "observed": observed,
        "expected": None if expected is None else round(expected, 4),
        "q_value": None,
    }
    old_history = _history(row)
    history = _merge_history(old_history, entry)
    if history is None or history == old_history or not any(h["significant"] for h in history):
        return None
    status = _status(history, cooldown_days, day)
    explanation = json.loads(row["explanation"] or "{}")
    explanation["history"] = history
    values: dict[str, Any] = {
        "status": status,
        "updated_at": at,
        "explanation": json.dumps(explanation, ensure_ascii=False, default=str),
    }
    if status == "resolved":
        values["closed_at"] = at
    with archive.conn:
        archive.db["alerts"].update(row["id"], values)
    if status == row["status"]:
        return None
    return change_of(archive.db["alerts"].get(row["id"]), "resolved" if status == "resolved" else "updated")
