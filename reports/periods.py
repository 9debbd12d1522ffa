"""The period a digest covers: a local day, an ISO week (Monday to Sunday) or a calendar month.

Why one small type: the headline, the charts, the spreadsheet, the file names and the ledger
must agree on which days a digest covers and what it is compared with. Every period is
compared with the period right before it and with a baseline of whole periods before that:
28 days for a day, 4 weeks for a week, 3 months for a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.core.times import Window, days_window

PeriodKind = Literal["day", "week", "month"]
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")
#: How many periods before the previous one make the baseline ("usually").
BASELINE_PERIODS = {"day": 28, "week": 4, "month": 3}


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _month_end(d: date) -> date:
    return (_month_start(d) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def key(self) -> str:
        """Ledger and file-name key: "2026-11-21", "2026-W47" or "2026-11"."""
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return self.first.strftime("%Y-%m")

    def isoformat(self) -> str:
        """The key, so a Period stands wherever the ledger and file names took a day's date."""
        return self.key

    def __str__(self) -> str:
        return self.key

    def window(self, tz: ZoneInfo) -> Window:
        return days_window(self.last, tz, self.days)

    def previous(self) -> Period:
        return period_of(self.kind, self.first - timedelta(days=1))

    def baseline(self) -> tuple[Period, int]:
        """The span of the ``n`` periods before this one, and ``n`` (to average per period)."""
        n = BASELINE_PERIODS[self.kind]
        earliest = self
        for _ in range(n):
            earliest = earliest.previous()
        return Period(self.kind, earliest.first, self.first - timedelta(days=1)), n


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6))
    if kind == "month":
        return Period("month", _month_start(day), _month_end(day))
    raise ValueError(f"period must be one of {', '.join(KINDS)}, not {kind!r}")


def resolve(period: date | Period | None, kind: str, today: date) -> Period:
    """A Period as given; a date means the period of ``kind`` containing it; None the newest
    complete one (yesterday, last week, last month)."""
    if isinstance(period, Period):
        return period
    if period is None:
        return last_complete(kind, today)
    return period_of(kind, period)


def last_complete(kind: str, today: date) -> Period:
    """The newest period of ``kind`` that ended before ``today`` (yesterday, last week, last month)."""
    return period_of(kind, today).previous()


def not_ended(period: Period, today: date) -> str | None:
    """Why there is no digest of ``period`` yet: it has not ended by ``today`` (the watchlist's
    local day), so its figures would be partial, and a week or month recorded in the ledger
    would never be sent whole. The message names the last complete period to ask for
    instead; None once the period is over."""
    if period.last < today:
        return None
    done = last_complete(period.kind, today)
    if period.kind == "day":
        return (
            f"day {period.key} has not ended yet (today is {today.isoformat()}); "
            f"the last complete day is {done.key}: --date {done.first.isoformat()}"
        )
    return (
        f"{period.kind} {period.key} ({period.first.isoformat()} to {period.last.isoformat()}) has not "
        f"ended yet (today is {today.isoformat()}); the last complete {period.kind} is {done.key}: "
        f"--period {period.kind} --date {done.first.isoformat()}, or leave out --date"
    )
