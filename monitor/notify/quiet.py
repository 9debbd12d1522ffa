"""Quiet hours: pushes wait for the morning unless the incident is severe enough.

Why hold instead of drop: the event still matters; it goes out at the first notify run after
the quiet hours end (the daemon detects at least hourly), so nobody is woken for a small
problem and nothing is lost. Hours may wrap midnight ("22:00" to "07:00").
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.core.config import QuietHours


def is_quiet(q: QuietHours | None, now: datetime, tz: ZoneInfo) -> bool:
    """Whether ``now`` (aware) falls in the quiet hours, read in the watchlist's time zone."""
    if q is None:
        return False
    t = now.astimezone(tz).time().replace(tzinfo=None)
    if q.start < q.end:
        return q.start <= t < q.end
    return t >= q.start or t < q.end


def holds(q: QuietHours | None, severity: float | None, now: datetime, tz: ZoneInfo) -> bool:
    """Whether an event of ``severity`` waits: quiet now, and not above ``min_severity``."""
    if q is None or not is_quiet(q, now, tz):
        return False
    return q.min_severity is None or (severity or 0.0) <= q.min_severity
