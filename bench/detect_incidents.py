"""Scoring incidents (issue 16) on the detection bench's replays.

What a person is told about is an incident, not an alert, so the bench also scores those:

- an injected incident is *found* when, on one of its days, an incident of its brand is
  opened, escalated or updated while it holds a spike alert on the injected topic or the
  brand total that began during the injected incident; delay = first such day − start;
- a *false alarm* is an incident opened on a quiet day (any kind of alert: spike, churn,
  rating drop), or opened during an injected incident holding only alerts of other topics;
  an incident holding a brand-wide symptom (total, churn, rating drop) during an injected
  incident is its echo, not a false alarm;
- spam days: an incident opened on one holding a spike on the spammed topic or the total.
"""

from __future__ import annotations

from datetime import date


def relevant(members: list[tuple[str, str | None, str | None]], inc) -> bool:
    """Does one of the incident's alerts (kind, topic, first seen) show the injected one?"""
    for kind, topic, first in members:
        if (
            kind == "spike"
            and topic in (inc.topic, None)
            and first
            and inc.start.isoformat() <= first <= inc.end.isoformat()
        ):
            return True
    return False


def _symptom(members) -> bool:
    return any(
        kind in ("churn", "rating_drop") or (kind == "spike" and topic is None) for kind, topic, _ in members
    )


def score_incidents(changes, alerts: dict[int, tuple], incidents, quiet: dict[str, set[date]], score):
    """Fill ``score`` (a ``bench.detection.Score``) from the incident changes of a replay.

    ``changes``: (day, IncidentChange); ``alerts``: alert id -> (kind, topic, first_seen)."""
    hits: dict[int, int] = {}
    for day, c in changes:
        if c.change == "resolved":
            continue
        members = [alerts[a] for a in c.alert_ids if a in alerts]
        matched = False
        for k, inc in enumerate(incidents):
            if inc.brand != c.brand or not (inc.start <= day <= inc.end):
                continue
            if inc.control:
                if c.change == "opened" and relevant(members, inc):
                    score.spam_alarms += 1
                    score.notes.append(f"spam incident {day} {c.brand}: {c.headline['en']}")
                    matched = True
                continue
            if relevant(members, inc):
                matched = True
                hits.setdefault(k, (day - inc.start).days)
            elif _symptom(members):
                matched = True  # the brand-wide echo of the injected incident
        during = any(i.brand == c.brand and not i.control and i.start <= day <= i.end for i in incidents)
        if c.change == "opened" and not matched and (day in quiet[c.brand] or during):
            score.false_alarms += 1
            kinds = ",".join(sorted({f"{k}/{t or '-'}" for k, t, _ in members}))
            score.notes.append(f"false incident {day} {c.brand} [{kinds}]: {c.headline['en']}")
    score.detected = {k: hits.get(k) for k, inc in enumerate(incidents) if not inc.control}
    return score
