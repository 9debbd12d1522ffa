"""The archive's one notion of time: UTC ISO 8601 strings in storage, local days for counting.

Why one module: the detector, the digest and the status screen must agree on what "a day" is
(a local day of the watchlist's time zone: 23 or 25 hours on DST change days) and on the
stored format, or the same alert shows different numbers in different places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: The stored format: seconds precision, always UTC, with a Z.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with seconds precision and a Z, the archive's one time format."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime(ISO_FORMAT)


def parse_time(value: Any) -> datetime:
    """Parse ISO 8601 strings, dates, epoch seconds (or ms); naive values are taken as UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    elif isinstance(value, str) and value.strip():
        s = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date/time") from None
    else:
        raise ValueError("a date/time is required")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local_day(value: Any, tz: ZoneInfo) -> date:
    """The local day (in ``tz``) of a stored time."""
    return parse_time(value).astimezone(tz).date()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a local day (23 or 25 hours long on DST change days)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """A period [start, end) in UTC, labelled with the local days it covers.

    ``coverage`` says which share of which local day the window covers, so that the expected
    count of a partial day or a rolling 24 h window is the matching share of the per-day
    expectation. ``last`` is the local day the window is judged or reported as."""

    start: datetime
    end: datetime
    last: date
    coverage: tuple[tuple[date, float], ...]

    @property
    def first(self) -> date:
        return self.coverage[0][0] if self.coverage else self.last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start_iso(self) -> str:
        return iso(self.start)

    @property
    def end_iso(self) -> str:
        return iso(self.end)


def _coverage(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[tuple[date, float], ...]:
    parts = []
    day = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        d0, d1 = day_bounds(day, tz)
        overlap = (min(end, d1) - max(start, d0)).total_seconds()
        if overlap > 0:
            parts.append((day, overlap / (d1 - d0).total_seconds()))
        day += timedelta(days=1)
    return tuple(parts)


def days_window(last: date, tz: ZoneInfo, days: int = 1) -> Window:
    """The ``days`` whole local days ending with ``last`` (a digest period)."""
    start = day_bounds(last - timedelta(days=days - 1), tz)[0]
    end = day_bounds(last, tz)[1]
    return Window(start, end, last, _coverage(start, end, tz))


def day_window(day: date, tz: ZoneInfo, *, now: datetime | None = None) -> Window:
    """The local day ``day``; when that day is still running, up to ``now``."""
    start, end = day_bounds(day, tz)
    if now is not None and start < now < end:
        end = now
    return Window(start, end, day, _coverage(start, end, tz))


def rolling_window(now: datetime, tz: ZoneInfo, hours: int = 24) -> Window:
    """The last ``hours`` hours ending at ``now`` (for intraday runs)."""
    start = now - timedelta(hours=hours)
    return Window(start, now, now.astimezone(tz).date(), _coverage(start, now, tz))


def days_between(first: date, last: date) -> list[date]:
    """Every local day from ``first`` to ``last``, inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
