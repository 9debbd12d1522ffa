"""Rating drops: a brand's average star rating falling well below its usual level.

Why: users of other monitors ask for "also flag drops". A fall in stars is the customers' own
verdict, and it can move before anyone writes a long complaint (1★, "Unmöglich!").

The test compares the window's ratings with the baseline's, source by source (an app store
rates differently from Trustpilot): each rating's deviation from its source's baseline mean,
averaged over the window (D). Under no change D has variance σ²/n + τ², where σ² is the
spread of single ratings and τ² the day-to-day wobble of a day's mean beyond what its size
explains (news days, releases), estimated from the baseline days by moments. The p-value is
the lower normal tail of D / sd. A drop must also be at least ``MIN_DROP`` stars, come from at
least ``min_authors`` raters and ``min_count`` ratings (at most two per author), the authors
rating 1–2★ must reach ``min_ratio`` times their expected number (the floor every series
has), and the p-value ``alpha / ALPHA_DIVISOR`` — one angry rater cannot open it.

The alert's ``observed`` is the number of distinct authors rating 1–2★ in the window and
``expected`` what the baseline's share of such ratings predicts, so that an incident's
severity (complaining authors over expected) reads the same for every kind of alert.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from monitor.core.archive import Archive
from monitor.core.config import AlertSettings, Brand
from monitor.core.times import Window, iso
from monitor.detect import lifecycle
from monitor.detect.counts import PER_AUTHOR_CAP, Events, in_window
from monitor.detect.examples import pick_examples
from monitor.detect.lifecycle import AlertChange, Finding

KIND = "rating_drop"
#: The smallest fall of the average (in stars) worth an alert.
MIN_DROP = 0.5
#: The test is judged at ``alpha`` divided by this: it runs every day for every brand, outside
#: the topics' false-discovery correction, and a day's mean rating moves with the day's mix
#: of complaints and praise, so a per-day 1 % would ring about once a brand-quarter by chance.
ALPHA_DIVISOR = 10
#: The day-to-day variance is taken at the upper bound of this one-sided confidence level
#: (as the baseline's dispersion): estimated from a few weeks, it is itself uncertain.
TAU_CONFIDENCE = 0.1
#: Fewer rated mentions than this in the baseline say too little about the usual level.
MIN_BASELINE_RATINGS = 30
LOW = 2  # 1-2 stars: a complaining rating


def _test(win: pd.DataFrame, base: pd.DataFrame) -> dict:
    mu = base.groupby("source")["rating"].mean()
    low = base.assign(low=base["rating"] <= LOW).groupby("source")["low"].mean()
    overall, overall_low = float(base["rating"].mean()), float((base["rating"] <= LOW).mean())
    dev_base = base["rating"] - base["source"].map(mu)
    sigma2 = float(dev_base.var(ddof=1)) if len(base) > 1 else 1.0
    daily = dev_base.groupby(base["day"]).agg(["mean", "count"])
    tau2 = max(0.0, float(np.mean(daily["mean"] ** 2 - sigma2 / daily["count"]))) if len(daily) else 0.0
    df = max(len(daily) - 1, 1)
    tau2 *= df / stats.chi2.ppf(TAU_CONFIDENCE, df)
    expected_mean = win["source"].map(mu).fillna(overall)
    d = float((win["rating"] - expected_mean).mean())
    n = len(win)
    sd = float(np.sqrt(sigma2 / n + tau2 + sigma2 / len(base)))
    authors = win.groupby("author_key")["low"].any() if "low" in win else pd.Series(dtype=bool)
    expected_low = float(win.groupby("author_key")["source"].first().map(low).fillna(overall_low).sum())
    return {
        "window_mean": round(float(win["rating"].mean()), 3),
        "baseline_mean": round(float(expected_mean.mean()), 3),
        "drop": round(-d, 3),
        "z": round(d / sd, 3) if sd > 0 else 0.0,
        "p_value": float(stats.norm.cdf(d / sd)) if sd > 0 else 1.0,
        "ratings": n,
        "raters": int(win["author_key"].nunique()),
        "low_authors": int(authors.sum()),
        "expected_low": round(expected_low, 3),
        "sigma": round(float(np.sqrt(sigma2)), 3),
        "tau": round(float(np.sqrt(tau2)), 3),
        "baseline_ratings": int(len(base)),
    }


def rating_drop(
    archive: Archive,
    events: Events,
    brand: Brand,
    window: Window,
    baseline_days: list[date],
    cfg: AlertSettings,
    at: str,
) -> list[AlertChange]:
    """Open, update or cool down the brand's rating-drop alert for this window."""
    m = events.mentions
    rated = m[(m["brand"] == brand.name) & m["rating"].notna()]
    rated = rated.assign(rating=pd.to_numeric(rated["rating"], errors="coerce")).dropna(subset=["rating"])
    rated = rated.assign(low=rated["rating"] <= LOW)
    base = rated[rated["day"].isin(set(baseline_days))]
    win = in_window(rated, window)
    active = lifecycle.active_alert(archive, brand.name, KIND, None)
    capped = int(win.groupby("author_key").size().clip(upper=PER_AUTHOR_CAP).sum()) if len(win) else 0
    test = None
    if (
        len(base) >= MIN_BASELINE_RATINGS
        and capped >= cfg.min_count
        and win["author_key"].nunique() >= cfg.min_authors
    ):
        test = _test(win, base)
    significant = (
        test is not None
        and test["p_value"] <= cfg.alpha / ALPHA_DIVISOR
        and test["drop"] >= MIN_DROP
        and test["low_authors"] >= cfg.min_authors
        and test["low_authors"] >= cfg.min_ratio * test["expected_low"]
    )
    if significant:
        change = lifecycle.record_finding(
            archive, _finding(brand, win, test, window, cfg), cooldown_days=cfg.cooldown_days, at=at
        )
    elif active is not None:
        observed = int(win[win["low"]]["author_key"].nunique())
        change = lifecycle.record_quiet_day(
            archive,
            active,
            window.last,
            observed,
            None if test is None else test["expected_low"],
            cooldown_days=cfg.cooldown_days,
            at=at,
        )
    else:
        change = None
    return [change] if change else []


def _finding(brand: Brand, win: pd.DataFrame, test: dict, window: Window, cfg: AlertSettings) -> Finding:
    low = win[win["low"]]
    observed, expected = float(test["low_authors"]), float(test["expected_low"])
    return Finding(
        brand=brand.name,
        kind=KIND,
        topic=None,
        day=window.last,
        observed=observed,
        expected=expected,
        ratio=round(observed / max(expected, 1e-9), 3),
        p_value=test["p_value"],
        q_value=test["p_value"],
        authors=int(test["low_authors"]),
        sources=sorted(low["source"].dropna().unique().tolist()),
        languages=sorted(low["lang"].dropna().unique().tolist()),
        examples=pick_examples(
            low.assign(prob_negative=low["prob_negative"].fillna(0.0) + (LOW + 1 - low["rating"]))
        ),
        explanation={
            "method": "average star rating vs the baseline's, source by source; normal lower tail "
            "with the baseline's day-to-day variance",
            "series": "rating",
            "statistic": "distinct authors rating 1-2 stars in the window (the test is on the average)",
            "window_utc": [iso(window.start), iso(window.end)],
            "rating": test,
            "alpha": cfg.alpha / ALPHA_DIVISOR,
            "floors": {
                "min_count": cfg.min_count,
                "min_authors": cfg.min_authors,
                "min_drop": MIN_DROP,
                "min_ratio": cfg.min_ratio,
            },
            "first_mention_at": low["published_at"].min() if len(low) else None,
        },
        window_start_utc=iso(window.start),
        window_end_utc=iso(window.end),
    )
