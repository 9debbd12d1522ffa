"""Per local day: mentions, sentiment and star ratings of a brand — the charts' and the
spreadsheet's numbers.

Why counted in Python and not grouped in SQL: a local day is 23 or 25 hours long at a DST
change, and the archive stores UTC; ``monitor.core.times.local_day`` is the one rule for
which day a mention belongs to, shared with detection and the headline figures.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from monitor.core.times import days_between, days_window, local_day
from reports.queries.scope import BRAND_PERIOD_FROM, BRAND_SENTIMENT


@dataclass
class DayFigures:
    day: date
    mentions: int = 0
    classified: int = 0
    negative: int = 0
    positive: int = 0
    rating_sum: float = 0.0
    stars: list[int] = field(default_factory=lambda: [0] * 5)  # 1★ … 5★ (rounded)

    @property
    def rated(self) -> int:
        return sum(self.stars)

    @property
    def avg_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.classified if self.classified else None


def daily_figures(
    conn: sqlite3.Connection, brand: str, first: date, last: date, tz: ZoneInfo
) -> list[DayFigures]:
    """One entry per local day from ``first`` to ``last`` (days without mentions included);
    near-duplicate reposts are not counted, as in the headline."""
    win = days_window(last, tz, (last - first).days + 1)
    days = {d: DayFigures(d) for d in days_between(first, last)}
    rows = conn.execute(
        f"""
        SELECT m.published_at, {BRAND_SENTIMENT}, m.rating
        {BRAND_PERIOD_FROM}
          AND m.duplicate_of IS NULL
        """,
        (brand, win.start_iso, win.end_iso),
    )
    for published, sentiment, rating in rows:
        f = days.get(local_day(published, tz))
        if f is None:
            continue
        f.mentions += 1
        if sentiment is not None:
            f.classified += 1
            f.negative += sentiment == "negative"
            f.positive += sentiment == "positive"
        if rating is not None and rating >= 1:
            f.rating_sum += rating
            f.stars[min(5, max(1, int(rating + 0.5))) - 1] += 1
    return list(days.values())
