"""Detection: turn counts into alerts — spikes, emerging themes, churn leads.

One run judges one window (a local day with ``as_of``, else the last 24 hours) for every
brand: each series (brand total and every topic) gets an expected count from the preceding
weeks (``detection.baseline``), a p-value, a Benjamini–Hochberg q-value across the brand's
series, and must pass the floors in ``wl.alerts`` (minimum negative mentions, distinct
authors, observed/expected ratio). Findings open or update alerts (``detection.lifecycle``);
alerts of series that went quiet cool down and resolve. The archive is the only output.

The test statistic is the number of *distinct complaining authors* in the window, so one
person posting fifteen times counts once (and the ``min_authors`` floor is also applied).

Churn leads (``detection.churn``) are one more series of the brand, tested the same way: a
``churn`` alert means more customers than usual announcing that they leave, and lists them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from monitor.core.archive import Archive
from monitor.core.config import AlertSettings, Brand, Watchlist
from monitor.core.times import (
    Window,
    day_bounds,
    day_window,
    days_between,
    iso,
    parse_time,
    rolling_window,
    utcnow,
)
from monitor.detect import lifecycle, themes
from monitor.detect.baseline import Expectation, expect
from monitor.detect.churn import ChurnMatcher
from monitor.detect.counts import (
    TOTAL,
    Events,
    count_rows,
    daily_authors,
    in_window,
    load_events,
    rating_averages,
)
from monitor.detect.examples import pick_examples, quote_of
from monitor.detect.lifecycle import AlertChange, Finding

__all__ = ["AlertChange", "run_detect", "detection_window", "MIN_HISTORY_DAYS"]

log = logging.getLogger(__name__)

#: A brand needs this many days of history before its series are tested.
MIN_HISTORY_DAYS = 7
#: Churn leads listed per alert.
MAX_CHURN_LEADS = 25
#: Series name of a brand's churn leads (tested on their own, beside the topics).
CHURN = "_churn"
#: A watchlist topic of this name replaces the built-in churn cues (and is tested as the
#: churn series, not a second time as a topic).
CHURN_TOPIC = "churn"
#: Days of baseline text for emerging themes (keyness needs recent vocabulary, not months).
THEME_BASELINE_DAYS = 28


def detection_window(wl: Watchlist, as_of: date | None, now: datetime) -> Window:
    """The window under test: the local day ``as_of`` (up to now, if it is today), or the
    last 24 hours."""
    tz = wl.tz
    if as_of is None:
        return rolling_window(now, tz)
    today = now.astimezone(tz).date()
    if as_of > today:
        raise ValueError(f"--as-of {as_of} is in the future (today is {today} in {wl.timezone})")
    return day_window(as_of, tz, now=now)


@dataclass
class _Tested:
    series: str
    rows: pd.DataFrame  # window rows of the series
    negative: int
    capped: int
    authors: int
    sources: list[str]
    languages: list[str]
    expectation: Expectation | None
    p_value: float


def run_detect(
    wl: Watchlist,
    archive: Archive,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
    emerging: themes.EmergingFn | None = None,
) -> list[AlertChange]:
    """Judge one window for every brand; return the alerts opened, updated or resolved.

    ``now`` fixes the clock (tests, replays); ``emerging`` replaces ``nlp.keyness``."""
    now = now or utcnow()
    window = detection_window(wl, as_of, now)
    cfg = wl.alerts
    base_first = window.first - timedelta(days=7 * cfg.baseline_weeks)
    start = day_bounds(base_first, wl.tz)[0]
    topics = list(wl.topics)
    brands = [b.name for b in wl.brands]
    events = load_events(archive, brands, start, window.end, wl.tz, topics=topics)
    _warn_unenriched(events, window)
    at = iso(min(now, window.end))
    if cfg.emerging_themes and emerging is None:
        emerging = themes.default_emerging()

    firsts = _first_days(archive, wl)
    changes: list[AlertChange] = []
    for brand in wl.brands:
        first = firsts.get(brand.name)
        history_from = max(base_first, first) if first else window.first
        baseline_days = days_between(history_from, window.first - timedelta(days=1))
        _retire_daily_churn_lists(archive, brand.name, at)
        if len(baseline_days) >= MIN_HISTORY_DAYS:
            series = [TOTAL, *(t for t in topics if t != CHURN_TOPIC)]
            leads = churn_leads(events, wl, brand)
            changes += _spikes(archive, events, brand, window, baseline_days, series, cfg, at, leads=leads)
            if cfg.emerging_themes and emerging is not None:
                changes += _themes(archive, events, wl, brand, window, baseline_days, emerging, at)
        else:
            log.info(
                "%s: %d day(s) of history, %d needed: no spike test yet",
                brand.name,
                len(baseline_days),
                MIN_HISTORY_DAYS,
            )
    return changes


def _first_days(archive: Archive, wl: Watchlist) -> dict[str, date]:
    """Each brand's first local day in the archive: days before it are unknown, not zero."""
    rows = archive.conn.execute(
        "SELECT brand, min(published_at) FROM mentions WHERE duplicate_of IS NULL GROUP BY brand"
    ).fetchall()
    return {b: parse_time(t).astimezone(wl.tz).date() for b, t in rows if t}


def _warn_unenriched(events: Events, window: Window) -> None:
    m = in_window(events.mentions, window)
    missing = int((~m["enriched"]).sum())
    if missing:
        log.warning(
            "%d mention(s) in the window have no sentiment yet: run `brandpulse enrich` "
            "first, or they do not count as negative",
            missing,
        )


# --------------------------------------------------------------------------- spikes


def _test_series(
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
) -> _Tested:
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
    return _Tested(series, win, c.negative, c.capped, c.authors, list(c.sources), list(c.languages), exp, p)


def _spikes(
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
    total = _test_series(
        events, brand.name, TOTAL, window, baseline_days, cfg, need_fit=True, exclude=past.get(None, set())
    )
    prior = total.expectation.alpha_raw if total.expectation else None
    tested = [total] + [
        _test_series(
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
    churn = _test_series(
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
            f = _churn_finding(
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
            f = _spike_finding(events, brand.name, t, float(q), ratio, window, baseline_days, cfg)
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


def _test_evidence(t: _Tested, ratio: float, q: float, cfg: AlertSettings, counted: pd.DataFrame) -> dict:
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


def _spike_finding(
    events: Events,
    brand: str,
    t: _Tested,
    q: float,
    ratio: float,
    window: Window,
    baseline_days: list[date],
    cfg: AlertSettings,
) -> Finding:
    exp = t.expectation
    assert exp is not None
    neg = t.rows[t.rows["negative"]]
    ratings = _ratings(events, brand, window, baseline_days)
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
        **_test_evidence(t, ratio, q, cfg, neg),
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
        examples=pick_examples(neg),
        explanation=explanation,
        window_start_utc=iso(window.start),
        window_end_utc=iso(window.end),
    )


def _ratings(events: Events, brand: str, window: Window, baseline_days: list[date]) -> dict:
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


def _themes(
    archive: Archive,
    events: Events,
    wl: Watchlist,
    brand: Brand,
    window: Window,
    baseline_days: list[date],
    emerging: themes.EmergingFn,
    at: str,
) -> list[AlertChange]:
    cfg = wl.alerts
    m = events.mentions
    mine = m[(m["brand"] == brand.name) & m["negative"]]
    recent = in_window(mine, window)
    recent_days = set(baseline_days[-THEME_BASELINE_DAYS:])
    baseline = mine[mine["day"].isin(recent_days)]
    known = themes.KnownTerms(
        [kw for t in wl.topics.values() for kws in t.keywords.values() for kw in kws]
        + brand.terms
        + brand.competitors
    )
    found = themes.find_candidates(
        recent,
        baseline,
        wl.languages,
        known,
        emerging,
        min_count=cfg.min_count,
        min_authors=cfg.min_authors,
        alpha=cfg.alpha,
    )
    changes: list[AlertChange] = []
    seen: set[str] = set()
    for c in found:
        seen.add(c.term)
        authors = int(c.rows["author_key"].nunique())
        share = c.recent_texts / max(c.baseline_texts, 1)
        expected = c.baseline_count * share
        sugg = themes.suggestion(c.term, c.lang)
        f = Finding(
            brand=brand.name,
            kind="theme",
            topic=c.term,
            day=window.last,
            observed=float(authors),
            expected=float(expected),
            ratio=c.ratio,
            p_value=c.p_value,
            q_value=None,
            authors=authors,
            sources=sorted(c.rows["source"].dropna().unique().tolist()),
            languages=[c.lang],
            examples=pick_examples(c.rows),
            explanation={
                "method": "log-likelihood keyness of the window's negative mentions vs "
                f"the previous {len(recent_days)} days' (nlp.keyness)",
                "term": c.term,
                "related_terms": c.related,
                "lang": c.lang,
                "g2": round(c.g2, 3),
                "recent_count": c.recent_count,
                "baseline_count": c.baseline_count,
                "recent_texts": c.recent_texts,
                "baseline_texts": c.baseline_texts,
                "matching_mentions": int(len(c.rows)),
                "observed_authors": authors,
                "window_utc": [iso(window.start), iso(window.end)],
                "first_mention_at": c.rows["published_at"].min(),
                "suggestion": sugg,
            },
            window_start_utc=iso(window.start),
            window_end_utc=iso(window.end),
        )
        change = lifecycle.record_finding(archive, f, cooldown_days=cfg.cooldown_days, at=at)
        if change:
            changes.append(change)
    for row in lifecycle.active_alerts(archive, brand.name, ("theme",)):
        if row["topic"] in seen:
            continue
        pat = themes.term_pattern(row["topic"])
        text = (recent["title"].fillna("") + " " + recent["text"].fillna("")).str.casefold()
        hits = recent[text.str.contains(pat)]
        change = lifecycle.record_quiet_day(
            archive,
            row,
            window.last,
            float(hits["author_key"].nunique()),
            None,
            cooldown_days=cfg.cooldown_days,
            at=at,
        )
        if change:
            changes.append(change)
    return changes


# --------------------------------------------------------------------------- churn


def churn_leads(events: Events, wl: Watchlist, brand: Brand) -> pd.DataFrame:
    """The brand's churn leads over the whole loaded range (baseline and window), with a
    ``reason`` each; ``attrs["custom"]`` says whether the watchlist's own topic was used.

    A mention classified positive or rated 4-5★ is no lead, whatever its words: "Die
    Kündigung ging mit zwei Klicks, vorbildlich" praises the cancellation process."""
    custom = CHURN_TOPIC in wl.topics
    matcher = ChurnMatcher(brand.competitors, builtin=not custom)
    m = events.mentions
    mine = m[m["brand"] == brand.name]
    topic_ids: set[int] = set()
    if custom:
        t = events.topics
        topic_ids = set(t[(t["brand"] == brand.name) & (t["topic"] == CHURN_TOPIC)]["mention_id"])
    rating = pd.to_numeric(mine["rating"], errors="coerce")
    content = mine["sentiment"].eq("positive") | (rating >= 4)
    text = (mine["title"].fillna("") + " " + mine["text"].fillna("")).str.strip()
    screen = matcher.screen
    maybe = mine["id"].isin(topic_ids)
    if screen is not None:
        maybe |= text.str.casefold().str.contains(screen)
    mine, text = mine[maybe & ~content], text[maybe & ~content]
    reasons = [matcher.reason(tx, topic_match=i in topic_ids) for i, tx in zip(mine["id"], text)]
    leads = mine.assign(reason=pd.Series(reasons, index=mine.index, dtype=object), negative=True)
    leads = leads[leads["reason"].notna()]
    leads.attrs["custom"] = custom
    return leads


def _lead_items(leads: pd.DataFrame) -> list[dict]:
    """The window's leads for follow-up, most negative first, each with its reason."""
    leads = leads.sort_values(["prob_negative", "published_at"], ascending=[False, True])
    return [
        {
            "mention_id": int(r["id"]),
            "quote": quote_of(r),
            "reason": r["reason"],
            "url": r["url"] if isinstance(r["url"], str) else None,
            "source": r["source"],
            "lang": r["lang"] if isinstance(r["lang"], str) else None,
            "published_at": r["published_at"],
        }
        for _, r in leads.head(MAX_CHURN_LEADS).iterrows()
    ]


def _churn_finding(
    brand: Brand,
    t: _Tested,
    q: float,
    ratio: float,
    window: Window,
    cfg: AlertSettings,
    *,
    custom: bool,
    earlier: dict | None,
) -> Finding:
    """A churn surge; its examples are the window's leads, then those listed on the
    incident's earlier days (a follow-up list should not lose Tuesday's leads on Wednesday)."""
    exp = t.expectation
    assert exp is not None
    leads = t.rows
    items = _lead_items(leads)
    if earlier is not None:
        seen = {i["mention_id"] for i in items}
        items += [
            e
            for e in json.loads(earlier["examples"] or "[]")
            if "reason" in e and e["mention_id"] not in seen
        ]
    items = items[:MAX_CHURN_LEADS]
    explanation = {
        "method": "quasi-Poisson GLM baseline of the brand's daily churn leads, "
        "negative-binomial upper tail, Benjamini-Hochberg with the brand's other series",
        "series": "churn",
        "statistic": "distinct authors of churn leads in the window",
        "cues": "watchlist topic 'churn'" if custom else "built-in churn cues",
        "competitors": brand.competitors,
        "window_utc": [iso(window.start), iso(window.end)],
        "observed_authors": t.authors,
        "leads": int(len(leads)),
        "leads_listed": len(items),
        "reasons": {str(k): int(v) for k, v in leads["reason"].value_counts().items()},
        "negative_mentions_capped": t.capped,
        **_test_evidence(t, ratio, q, cfg, leads),
    }
    return Finding(
        brand=brand.name,
        kind="churn",
        topic=None,
        day=window.last,
        observed=float(t.authors),
        expected=float(exp.expected),
        ratio=round(ratio, 3),
        p_value=exp.p_value,
        q_value=q,
        authors=t.authors,
        sources=t.sources,
        languages=t.languages,
        examples=items,
        explanation=explanation,
        window_start_utc=iso(window.start),
        window_end_utc=iso(window.end),
    )


def _retire_daily_churn_lists(archive: Archive, brand: str, at: str) -> None:
    """Archives written before churn was tested kept one open lead list per day (no
    ``history``): close them, so that they do not pose as an active churn incident."""
    with archive.conn:
        archive.conn.execute(
            "UPDATE alerts SET status = 'resolved', closed_at = ? WHERE brand = ? "
            "AND kind = 'churn' AND status IN ('open', 'rising', 'peaked') "
            "AND coalesce(json_extract(explanation, '$.history'), '[]') = '[]'",
            (at, brand),
        )
