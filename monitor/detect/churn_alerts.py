"""Churn leads: customers announcing that they leave, tested as one more series of a brand.

A ``churn`` alert means more customers than usual announcing that they leave, and lists them
(the cue matching itself is ``monitor.detect.churn``).
"""

from __future__ import annotations

import json

import pandas as pd

from monitor.core.archive import Archive
from monitor.core.config import AlertSettings, Brand, Watchlist
from monitor.core.times import (
    Window,
    iso,
)
from monitor.detect.churn import ChurnMatcher
from monitor.detect.counts import (
    Events,
)
from monitor.detect.examples import quote_of
from monitor.detect.lifecycle import Finding
from monitor.detect.series import Tested, test_evidence

#: Churn leads listed per alert.
MAX_CHURN_LEADS = 25
#: Series name of a brand's churn leads (tested on their own, beside the topics).
CHURN = "_churn"
#: A watchlist topic of this name replaces the built-in churn cues (and is tested as the
#: churn series, not a second time as a topic).
CHURN_TOPIC = "churn"


def churn_leads(events: Events, wl: Watchlist, brand: Brand) -> pd.DataFrame:
    """The brand's churn leads over the whole loaded range (baseline and window), with a
    ``reason`` each; ``attrs["custom"]`` says whether the watchlist's own topic was used.

    A mention classified positive or rated 4-5★ is no lead, whatever its words: "Die
    Kündigung ging mit zwei Klicks, vorbildlich" praises the cancellation process."""
    custom = CHURN_TOPIC in wl.topics
    matcher = ChurnMatcher(wl.rival_names(brand), builtin=not custom)
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


def lead_items(leads: pd.DataFrame) -> list[dict]:
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


def churn_finding(
    brand: Brand,
    t: Tested,
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
    items = lead_items(leads)
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
        **test_evidence(t, ratio, q, cfg, leads),
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


def retire_daily_churn_lists(archive: Archive, brand: str, at: str) -> None:
    """Archives written before churn was tested kept one open lead list per day (no
    ``history``): close them, so that they do not pose as an active churn incident."""
    with archive.conn:
        archive.conn.execute(
            "UPDATE alerts SET status = 'resolved', closed_at = ? WHERE brand = ? "
            "AND kind = 'churn' AND status IN ('open', 'rising', 'peaked') "
            "AND coalesce(json_extract(explanation, '$.history'), '[]') = '[]'",
            (at, brand),
        )
