"""Headline figures of a brand: one period against the day before and the baseline."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from monitor.core.times import Window, days_window
from reports.queries.scope import BRAND_PERIOD_FROM, BRAND_SENTIMENT

#: The digest's comparison period (the days before the reported day).
BASELINE_DAYS = 28


@dataclass
class PeriodStats:
    """Counts for one brand over one window; shares are over *classified* mentions, each with
    its sentiment about this brand (``reports.queries.scope``)."""

    days: int
    mentions: int = 0
    classified: int = 0
    negative: int = 0
    positive: int = 0
    rated: int = 0
    rating_sum: float = 0.0
    rated_high: int = 0  # 4-5 stars
    rated_low: int = 0  # 1-3 stars

    @property
    def mentions_per_day(self) -> float:
        return self.mentions / self.days if self.days else 0.0

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.classified if self.classified else None

    @property
    def positive_share(self) -> float | None:
        return self.positive / self.classified if self.classified else None

    @property
    def net_sentiment(self) -> float | None:
        """Positive % minus negative %, in points (-100..100)."""
        if not self.classified:
            return None
        return 100.0 * (self.positive - self.negative) / self.classified

    @property
    def avg_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def review_nps(self) -> float | None:
        """Share of 4-5★ reviews minus share of 1-3★ reviews, in points (-100..100)."""
        if not self.rated:
            return None
        return 100.0 * (self.rated_high - self.rated_low) / self.rated


def period_stats(conn: sqlite3.Connection, brand: str, win: Window) -> PeriodStats:
    row = conn.execute(
        f"""
        SELECT count(*),
               count(e.mention_id),
               coalesce(sum({BRAND_SENTIMENT} = 'negative'), 0),
               coalesce(sum({BRAND_SENTIMENT} = 'positive'), 0),
               count(CASE WHEN m.rating >= 1 THEN 1 END),
               coalesce(sum(CASE WHEN m.rating >= 1 THEN m.rating END), 0),
               count(CASE WHEN m.rating >= 4 THEN 1 END),
               count(CASE WHEN m.rating >= 1 AND m.rating < 4 THEN 1 END)
        {BRAND_PERIOD_FROM}
          AND m.duplicate_of IS NULL
        """,
        (brand, win.start_iso, win.end_iso),
    ).fetchone()
    return PeriodStats(win.days, *row)


@dataclass
class Headline:
    """The period, the one before it, and the 28 days before the period."""

    current: PeriodStats
    previous: PeriodStats
    baseline: PeriodStats


def headline(conn: sqlite3.Connection, brand: str, day: date, tz: ZoneInfo) -> Headline:
    return Headline(
        current=period_stats(conn, brand, days_window(day, tz)),
        previous=period_stats(conn, brand, days_window(day - timedelta(days=1), tz)),
        baseline=period_stats(conn, brand, days_window(day - timedelta(days=1), tz, BASELINE_DAYS)),
    )
