"""Theme alerts: a term new to a brand's complaints, used by several authors, becomes an alert.

The candidates come from ``monitor.detect.themes`` (keyness against the recent baseline); this
module turns them into findings and lets quiet themes cool down.
"""

from __future__ import annotations

from datetime import date

from monitor.core.archive import Archive
from monitor.core.config import Brand, Watchlist
from monitor.core.times import (
    Window,
    iso,
)
from monitor.detect import lifecycle, themes
from monitor.detect.counts import (
    Events,
    in_window,
    mention_complaint,
)
from monitor.detect.examples import pick_examples, sentence_with, title_and_text
from monitor.detect.lifecycle import AlertChange, Finding

#: Days of baseline text for emerging themes (keyness needs recent vocabulary, not months).
THEME_BASELINE_DAYS = 28


def theme_findings(
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
    brand_rows = m[m["brand"] == brand.name]
    mine = brand_rows[mention_complaint(brand_rows)]
    recent = in_window(mine, window)
    # complaints and neutral mentions: what a theme's size is measured on (not praise)
    rating = brand_rows["rating"].astype(float)
    pool = in_window(brand_rows[~brand_rows["sentiment"].eq("positive") & ~(rating >= 4)], window)
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
        pool=pool,
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
            examples=pick_examples(_with_sentences(c.rows, c.term)),
            explanation={
                "method": "log-likelihood keyness of the window's complaints vs "
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


def _with_sentences(rows, term: str):
    """Theme quotes are the sentence holding the term, not the whole mention."""
    pat = themes.term_pattern(term)
    texts = [title_and_text(t, x) for t, x in zip(rows["title"], rows["text"])]
    return rows.assign(sentence=[sentence_with(t, pat) for t in texts])
