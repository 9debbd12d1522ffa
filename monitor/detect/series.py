"""Testing one series (a brand's total, a topic, churn leads) in one window.

Why in its own module: spikes and churn alerts run the same test and report the same evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from monitor.core.config import AlertSettings
from monitor.core.times import (
    Window,
)
from monitor.detect.baseline import Expectation, expect
from monitor.detect.counts import (
    Events,
    count_rows,
    daily_authors,
    in_window,
)

#: A brand needs this many days of history before its series are tested.
MIN_HISTORY_DAYS = 7


@dataclass
class Tested:
    series: str
    rows: pd.DataFrame  # window rows of the series
    negative: int
    capped: int
    authors: int
    sources: list[str]
    languages: list[str]
    expectation: Expectation | None
    p_value: float


def test_series(
    events: Events,
    brand: str,
    series: str,
    window: Window,
    baseline_days: list[date],
    cfg: AlertSettings,
    need_fit: bool,
    exclude: set[date] = frozenset(),
    alpha_prior: float | None = None,
    rows: pd.DataFrame | None = None,
) -> Tested:
    """Count the window and, when the floors can be met, test it against the baseline.

    ``exclude``: days of past incidents of this series (left out of the baseline, so an
    incident last week does not make this week's look normal). ``rows``: the series' rows
    when they are not a topic of ``events`` (churn leads)."""
    rows = events.series(brand, series) if rows is None else rows
    win = in_window(rows, window)
    c = count_rows(win)
    floors_ok = c.capped >= cfg.min_count and c.authors >= cfg.min_authors
    exp = None
    if floors_ok or need_fit:
        days = [d for d in baseline_days if d not in exclude]
        if len(days) < MIN_HISTORY_DAYS:
            days = baseline_days
        y = daily_authors(rows, days)
        exp = expect(y, days, window.coverage, c.authors, alpha_prior=alpha_prior)
    # Series that cannot pass the floors still count in the correction, with p = 1.
    p = exp.p_value if (exp is not None and floors_ok) else 1.0
    return Tested(series, win, c.negative, c.capped, c.authors, list(c.sources), list(c.languages), exp, p)


def test_evidence(t: Tested, ratio: float, q: float, cfg: AlertSettings, counted: pd.DataFrame) -> dict:
    """What every tested alert (topic spike or churn) stores about its test: the numbers a
    reader needs to judge it, with the settings that applied."""
    assert t.expectation is not None
    return {
        "ratio": round(ratio, 3),
        "q_value": q,
        "alpha": cfg.alpha,
        "floors": {"min_count": cfg.min_count, "min_authors": cfg.min_authors, "min_ratio": cfg.min_ratio},
        "baseline": t.expectation.as_dict(),
        "first_mention_at": counted["published_at"].min() if len(counted) else None,
        "sources": t.sources,
        "languages": t.languages,
    }
