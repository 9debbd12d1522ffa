"""A past day's digest shows each alert as it stood that day, however far detection has run
since: the status, the figures and the order of that day, not today's "resolved"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.core.archive import Archive
from monitor.core.config import parse_watchlist
from monitor.detect.run import run_detect
from reports import queries as q
from tests.helpers.detect import add, background, burst, local
from tests.helpers.watchlists import MINIMAL_WATCHLIST

DAY = date(2026, 10, 14)
HISTORY = DAY - timedelta(weeks=8)
QUIET_UNTIL = DAY + timedelta(days=12)


def _detect(wl, arc, day: date):
    return run_detect(wl, arc, as_of=day, now=local(day + timedelta(days=1), 6), emerging=lambda *a, **k: [])


@pytest.fixture
def replayed(tmp_path):
    wl = parse_watchlist({**MINIMAL_WATCHLIST, "archive": str(tmp_path / "a.db")})
    arc = Archive.open(wl.archive_path)
    background(arc, HISTORY, QUIET_UNTIL, brand="Acme")
    add(arc, burst(DAY, 12, brand="Acme"))
    add(arc, burst(DAY + timedelta(days=1), 25, who="r", brand="Acme"))
    seen = {}
    for k in range(-1, 13):  # the daily runs, one after the other
        day = DAY + timedelta(days=k)
        _detect(wl, arc, day)
        seen[day] = {
            (a.kind, a.topic): (a.status, a.observed) for a in q.alerts_for_day(arc.conn, "Acme", day)
        }
    yield arc, seen
    arc.close()


def test_a_past_day_shows_the_alerts_as_they_stood_that_day(replayed):
    arc, seen = replayed
    assert seen[DAY], "the burst opened alerts"
    now = {r[0] for r in arc.conn.execute("SELECT status FROM alerts")}
    assert now == {"resolved"}  # detection has moved on: every alert is over today
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        now = {(a.kind, a.topic): (a.status, a.observed) for a in q.alerts_for_day(arc.conn, "Acme", day)}
        assert now == seen[day], day  # as the digest of that morning showed them
    statuses = {s for s, _ in seen[DAY].values()}
    assert statuses <= {"open", "rising", "peaked"}


def test_the_order_of_a_past_day_is_that_days(replayed):
    arc, _ = replayed
    day = DAY + timedelta(days=1)
    order = [a.status for a in q.alerts_for_day(arc.conn, "Acme", day)]
    rank = {"open": 0, "rising": 1, "peaked": 2, "resolved": 3}
    assert "resolved" not in order
    # within one incident the open and rising come before the peaked
    by_incident = {}
    for a in q.alerts_for_day(arc.conn, "Acme", day):
        by_incident.setdefault(a.incident_id, []).append(rank[a.status])
    assert all(ranks[1:] == sorted(ranks[1:]) for ranks in by_incident.values())
