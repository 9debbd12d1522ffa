"""Local days in SQL for the dashboard: the watchlist zone's UTC offsets as two small tables.

Why: the digest links to the dashboard with its period's first and last *local* day, and
detection counts local days, but SQLite knows no time zones. The offsets over the archive's
years are written into each query (``tz``: offset from a UTC instant on; ``tzd``: offset of
local midnight from a date on) — exact across DST, a few hundred bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.core.times import day_bounds

__all__ = ["MAX_YEARS_BACK", "Clock", "clock_for"]


def _minutes(dt: datetime, tz: ZoneInfo) -> int:
    return int(dt.astimezone(tz).utcoffset().total_seconds() // 60)


@dataclass(frozen=True)
class Clock:
    """The UTC offsets of ``tz`` from ``first_year`` to ``last_year``, as SQL."""

    tz: ZoneInfo
    first_year: int
    last_year: int

    def transitions(self) -> list[tuple[str, int]]:
        """(UTC minute, offset in minutes from then on); the first row starts at '0000'."""
        t = datetime(self.first_year, 1, 1, tzinfo=UTC)
        end = datetime(self.last_year + 1, 1, 1, tzinfo=UTC)
        out = [("0000", _minutes(t, self.tz))]
        while t < end:
            nxt = t + timedelta(days=1)
            if _minutes(nxt, self.tz) != _minutes(t, self.tz):
                lo, hi = t, nxt  # first minute with the new offset: lo has the old, hi the new
                while hi - lo > timedelta(minutes=1):
                    mid = lo + (hi - lo) / 2
                    mid = mid.replace(second=0, microsecond=0)
                    if _minutes(mid, self.tz) == _minutes(lo, self.tz):
                        lo = mid
                    else:
                        hi = mid
                # minute precision: '2026-03-29T01:00' sorts before '2026-03-29T01:00:00Z'
                out.append((hi.strftime("%Y-%m-%dT%H:%M"), _minutes(hi, self.tz)))
            t = nxt
        return out

    def midnights(self) -> list[tuple[str, int]]:
        """(local date, offset of that day's UTC start in minutes, from that date on)."""
        out: list[tuple[str, int]] = []
        d, end = date(self.first_year, 1, 1), date(self.last_year, 12, 31)
        while d <= end:
            start = day_bounds(d, self.tz)[0].replace(tzinfo=None)
            minutes = int((datetime.combine(d, time(0)) - start).total_seconds() // 60)
            if not out or out[-1][1] != minutes:
                out.append(("0000" if not out else d.isoformat(), minutes))
            d += timedelta(days=1)
        return out

    def tables(self) -> str:
        """The two CTEs (without ``WITH``) the expressions below read."""
        tz = ", ".join(f"('{s}', {m})" for s, m in self.transitions())
        tzd = ", ".join(f"('{s}', {m})" for s, m in self.midnights())
        return f"tz(since, minutes) AS (VALUES {tz}),\ntzd(since, minutes) AS (VALUES {tzd})"

    @staticmethod
    def _shift(col: str) -> str:
        return f"(SELECT minutes FROM tz WHERE since <= {col} ORDER BY since DESC LIMIT 1) || ' minutes'"

    def day(self, col: str) -> str:
        """The local date (YYYY-MM-DD) of a stored UTC time."""
        return f"date({col}, {self._shift(col)})"

    def local_time(self, col: str) -> str:
        """Local 'YYYY-MM-DD HH:MM' of a stored UTC time."""
        return f"strftime('%Y-%m-%d %H:%M', {col}, {self._shift(col)})"

    @staticmethod
    def start(day: str) -> str:
        """The stored UTC time at which local date ``day`` begins (NULL for '' or junk)."""
        return (
            f"strftime('%Y-%m-%dT%H:%M:%SZ', {day}, "
            f"(SELECT -minutes FROM tzd WHERE since <= {day} ORDER BY since DESC LIMIT 1) || ' minutes')"
        )

    @classmethod
    def end(cls, day: str) -> str:
        """The stored UTC time at which local date ``day`` ends."""
        return cls.start(f"date({day}, '+1 day')")


#: Years before this one that the clock covers at most: every year adds two rows for a DST
#: zone, and the SQL travels in URLs. A junk date (1970) must not blow it up; older mentions
#: get the offset of the clock's first day.
MAX_YEARS_BACK = 10


def clock_for(tz: ZoneInfo, oldest: str | None, newest: str | None, today: date | None = None) -> Clock:
    """A clock over the archive's years and a few ahead (a server runs for a while)."""
    today = today or datetime.now(UTC).date()
    years = [today.year] + [int(v[:4]) for v in (oldest, newest) if v and v[:4].isdigit()]
    first = max(min(years), today.year - MAX_YEARS_BACK)
    last = min(max(years), today.year + 1)
    return Clock(tz, first - 1, last + 2)
