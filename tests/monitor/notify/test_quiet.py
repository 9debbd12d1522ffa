"""Quiet hours: held until the morning unless severe; hours may wrap midnight."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.core.config import QuietHours
from monitor.notify.quiet import holds, is_quiet

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(start="22:00", end="07:00", min_severity=10)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("when", "quiet"),
    [
        (at(3, 21, 59), False),
        (at(3, 22, 0), True),
        (at(3, 23, 30), True),
        (at(4, 3), True),
        (at(4, 6, 59), True),
        (at(4, 7, 0), False),
        (at(4, 12), False),
    ],
)
def test_hours_that_wrap_midnight(when, quiet):
    assert is_quiet(NIGHT, when, BERLIN) is quiet
    # the same instant given in UTC is read in the watchlist's zone
    assert is_quiet(NIGHT, when.astimezone(ZoneInfo("UTC")), BERLIN) is quiet


def test_hours_within_one_day_and_none():
    lunch = QuietHours(start="12:00", end="13:30")
    assert is_quiet(lunch, at(3, 12, 45), BERLIN) and not is_quiet(lunch, at(3, 13, 30), BERLIN)
    assert not is_quiet(lunch, at(3, 11, 59), BERLIN)
    assert not is_quiet(None, at(3, 3), BERLIN) and not holds(None, 0.0, at(3, 3), BERLIN)


def test_only_events_above_the_threshold_go_out_at_night():
    assert holds(NIGHT, 10.0, at(3, 23), BERLIN)  # "exceeds": equal is not enough
    assert not holds(NIGHT, 10.5, at(3, 23), BERLIN)
    assert holds(NIGHT, None, at(3, 23), BERLIN)  # a resolved event has no severity to speak of
    assert not holds(NIGHT, 1.0, at(4, 8), BERLIN)  # daytime: everything goes
    everything = QuietHours(start="22:00", end="07:00")
    assert holds(everything, 500.0, at(3, 23), BERLIN)
