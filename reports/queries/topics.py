"""Daily complaint counts per topic over the trend window."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from monitor.core.times import days_window
from reports.queries.period import BASELINE_DAYS


@dataclass
class TopicTrend:
    """Daily mention counts of one topic over the trend window (oldest day first)."""

    topic: str
    daily: list[int]
    daily_negative: list[int]

    @property
    def today(self) -> int:
        return self.daily[-1] if self.daily else 0

    @property
    def today_negative(self) -> int:
        return self.daily_negative[-1] if self.daily_negative else 0

    @property
    def negative_share(self) -> float | None:
        return self.today_negative / self.today if self.today else None

    @property
    def baseline_per_day(self) -> float:
        before = self.daily[:-1]
        return sum(before) / len(before) if before else 0.0

    @property
    def total(self) -> int:
        return sum(self.daily)


def topic_trends(
    conn: sqlite3.Connection, brand: str, day: date, tz: ZoneInfo, days: int = BASELINE_DAYS
) -> list[TopicTrend]:
    """Per topic, mentions per local day over ``days`` days ending with ``day``.

    A mention counts once per topic; whether it is a complaint about the topic is decided by
    detection's own rule (:func:`monitor.detect.counts.topic_complaint`), so the digest's topic
    table and the alerts never disagree. Sorted by the day's volume, then the window's.
    """
    from monitor.detect.counts import load_events

    win = days_window(day, tz, days)
    start, end = win.start, win.end
    topics = load_events(conn, [brand], start, end, tz).topics
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    negatives: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for topic, local, negative in zip(topics["topic"], topics["day"], topics["negative"]):
        i = (local - win.first).days
        if 0 <= i < days:
            counts[topic][i] += 1
            negatives[topic][i] += int(bool(negative))
    trends = [TopicTrend(t, counts[t], negatives[t]) for t in counts]
    trends.sort(key=lambda t: (-t.today, -t.total, t.topic))
    return trends
