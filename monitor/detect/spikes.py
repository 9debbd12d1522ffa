"""Spike tests: each series' distinct complaining authors against its expected count.

Why authors, not mentions: one person posting fifteen times counts once. Every series of a
brand is tested in the same window, q-values are Benjamini–Hochberg across them, and a finding
must also pass the floors in ``wl.alerts`` (negative mentions, authors, observed/expected).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from monitor.core.archive import Archive
from monitor.core.config import AlertSettings, Brand
from monitor.core.times import (
    Window,
    iso,
)
from monitor.detect import lifecycle
from monitor.detect.churn_alerts import CHURN, churn_finding
from monitor.detect.counts import (
    TOTAL,
    Events,
    rating_averages,
)
from monitor.detect.examples import clause_verdicts, pick_examples
from monitor.detect.lifecycle import AlertChange, Finding
from monitor.detect.series import Tested, test_evidence, test_series


def spikes(
    archive: Archive,
    events: Events,
    brand: Brand,
    window: Window,
    baseline_days: list[date],
    series_names: list[str],
    cfg: AlertSettings,
    at: str,
    *,
    leads: pd.DataFrame,
) -> list[AlertChange]:
    """Test the brand total and every topic as one family (Benjamini-Hochberg), and the churn
    leads on their own.

    Why churn is not in the topics' family: it answers another question (are more customers
    leaving than usual?) for another reader (the follow-up list), and a mostly empty series
    in the family would only make every topic test more conservative. Its q-value is its
    p-value, judged against the same ``alpha``."""
    active = {
        CHURN if row["kind"] == "churn" else (row["topic"] or TOTAL): row
        for row in lifecycle.active_alerts(archive, brand.name, ("spike", "churn"))
    }
    past = lifecycle.incident_days(archive, brand.name, "spike", since=baseline_days[0])
    past_churn = lifecycle.incident_days(archive, brand.name, "churn", since=baseline_days[0])
    # The brand total first: its over-dispersion is the prior for the sparser topics.
    total = test_series(
        events, brand.name, TOTAL, window, baseline_days, cfg, need_fit=True, exclude=past.get(None, set())
    )
    prior = total.expectation.alpha_raw if total.expectation else None
    tested = [total] + [
        test_series(
            events,
            brand.name,
            s,
            window,
            baseline_days,
            cfg,
            need_fit=s in active,
            exclude=past.get(s, set()),
            alpha_prior=prior,
        )
        for s in series_names
        if s != TOTAL
    ]
    qs = list(multipletests([t.p_value for t in tested], method="fdr_bh")[1])
    churn = test_series(
        events,
        brand.name,
        CHURN,
        window,
        baseline_days,
        cfg,
        need_fit=CHURN in active,
        exclude=past_churn.get(None, set()),
        alpha_prior=prior,
        rows=leads,
    )
    tested.append(churn)
    qs.append(churn.p_value)
    changes: list[AlertChange] = []
    for t, q in zip(tested, qs):
        exp = t.expectation
        ratio = None if exp is None else t.authors / max(exp.expected, 1e-9)
        significant = (
            exp is not None
            and q <= cfg.alpha
            and t.capped >= cfg.min_count
            and t.authors >= cfg.min_authors
            and ratio is not None
            and ratio >= cfg.min_ratio
        )
        if significant and t.series == CHURN:
            f = churn_finding(
                brand,
                t,
                float(q),
                ratio,
                window,
                cfg,
                custom=bool(leads.attrs.get("custom")),
                earlier=active.get(CHURN),
            )
            change = lifecycle.record_finding(archive, f, cooldown_days=cfg.cooldown_days, at=at)
        elif significant:
            verdicts = clause_verdicts(archive.conn, t.rows[t.rows["negative"]])
            f = spike_finding(events, brand.name, t, float(q), ratio, window, baseline_days, cfg, verdicts)
            change = lifecycle.record_finding(archive, f, cooldown_days=cfg.cooldown_days, at=at)
        elif t.series in active:
            change = lifecycle.record_quiet_day(
                archive,
                active[t.series],
                window.last,
                t.authors,
                None if exp is None else exp.expected,
                cooldown_days=cfg.cooldown_days,
                at=at,
            )
        else:
            change = None
        if change:
            changes.append(change)
    return changes


def spike_finding(
    events: Events,
    brand: str,
    t: Tested,
    q: float,
    ratio: float,
    window: Window,
    baseline_days: list[date],
    cfg: AlertSettings,
    verdicts: dict[str, str] | None = None,
) -> Finding:
    """The finding of a significant topic or total; ``verdicts``: each clause's own sentiment,
    so that praise is never quoted as a complaint (``examples.pick_examples``)."""
    exp = t.expectation
    assert exp is not None
    neg = t.rows[t.rows["negative"]]
    ratings = rating_figures(events, brand, window, baseline_days)
    via_mention = int(neg["via_mention"].sum()) if "via_mention" in neg else None
    explanation = {
        "method": "quasi-Poisson GLM baseline (Farrington/Noufaily re-weighting), "
        "negative-binomial upper tail, Benjamini-Hochberg across the brand's series",
        "series": "total" if t.series == TOTAL else t.series,
        "statistic": "distinct authors of negative mentions in the window",
        "window_utc": [iso(window.start), iso(window.end)],
        "observed_authors": t.authors,
        "negative_mentions": t.negative,
        "negative_mentions_capped": t.capped,
        # complaints whose topic clause read neutral, counted because the mention complains
        "negative_via_mention": via_mention,
        "all_mentions": int(len(t.rows)),
        **test_evidence(t, ratio, q, cfg, neg),
        "ratings": ratings,
    }
    return Finding(
        brand=brand,
        kind="spike",
        topic=None if t.series == TOTAL else t.series,
        day=window.last,
        observed=float(t.authors),
        expected=float(exp.expected),
        ratio=round(ratio, 3),
        p_value=exp.p_value,
        q_value=q,
        authors=t.authors,
        sources=t.sources,
        languages=t.languages,
        examples=pick_examples(neg, verdicts=verdicts),
        explanation=explanation,
        window_start_utc=iso(window.start),
        window_end_utc=iso(window.end),
    )


def rating_figures(events: Events, brand: str, window: Window, baseline_days: list[date]) -> dict:
    """Average star rating per source: in the window vs the baseline (context for readers)."""
    win_days = [d for d, _ in window.coverage]
    now = rating_averages(events, brand, win_days)
    before = rating_averages(events, brand, baseline_days)
    out: dict[str, dict] = {}
    for source, g in now.groupby("source"):
        b = before[before["source"] == source]
        out[str(source)] = {
            "window": round(float(np.average(g["rating"], weights=g["n"])), 2),
            "window_n": int(g["n"].sum()),
            "baseline": round(float(np.average(b["rating"], weights=b["n"])), 2) if len(b) else None,
            "baseline_n": int(b["n"].sum()),
        }
    return out


# --------------------------------------------------------------------------- themes
