"""Which mentions the team should answer today, and which ones to show off.

Why a scored ranking and not "newest first": a 1★ review from a customer who says they are
leaving for a competitor matters more than a mildly grumpy comment with no audience. Each
factor is between 0 and 1 and the reasons are kept, so the digest can say *why* a mention is
listed (and a reader can disagree with the weights, which are documented in docs/digest.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.core.times import parse_time
from reports.queries import MentionView, churn_hint

WEIGHTS = {"severity": 0.40, "churn": 0.30, "reach": 0.15, "recency": 0.15}
REACH_TOP = 1000  # a mention with this many likes/votes gets the full reach factor
RECENCY_HALF_LIFE_H = 12.0


@dataclass
class Ranked:
    mention: MentionView
    score: float
    reasons: list[str] = field(default_factory=list)  # codes: rating, churn, reach, recent
    churn_hint: str | None = None  # "cancellation", "switch to <competitor>" or "names <competitor>"
    waited_h: float | None = None  # hours since it was published, at the digest's "now"


def _log_scaled(value: float | None, top: float) -> float:
    """0..1 on a log scale where ``top`` maps to 1 (reach spans orders of magnitude)."""
    if not value or value <= 0:
        return 0.0
    return min(1.0, math.log1p(value) / math.log1p(top))


def _severity(m: MentionView) -> float:
    """Star rating where there is one (1★ = 1.0), else the model's negative probability."""
    if m.rating is not None and m.rating >= 1:
        return max(0.0, min(1.0, (5.0 - m.rating) / 4.0))
    if m.prob_negative is not None:
        return float(m.prob_negative)
    return 0.6 if m.sentiment == "negative" else 0.3


def _age_hours(published_at: str, now: datetime) -> float:
    return max(0.0, (now - parse_time(published_at)).total_seconds() / 3600.0)


def answer_today(
    candidates: Iterable[MentionView],
    *,
    now: datetime,
    competitors: Sequence[str] = (),
    churn_topic: bool = False,
    linked: Mapping[int, Sequence[str]] | None = None,
    limit: int = 8,
) -> list[Ranked]:
    """The ``limit`` negative mentions most worth a reply, highest score first.

    ``now`` is the end of the digest period, so a re-rendered old digest ranks the same.
    Churn is judged exactly as detection judges its churn leads (``churn_reason``); with
    ``churn_topic`` the watchlist's own ``churn`` topic replaces the built-in cues. ``linked``
    (mention id -> tracked competitors it names) adds the competitor comparison's switching
    leads (``churn_hint``, the one definition both lists use)."""
    ranked = []
    for m in candidates:
        severity = _severity(m)
        hint = churn_hint(m, competitors, churn_topic=churn_topic, linked=(linked or {}).get(m.id, ()))
        reach = _log_scaled(m.reach, REACH_TOP)
        age = _age_hours(m.published_at, now)
        recency = 0.5 ** (age / RECENCY_HALF_LIFE_H)
        score = (
            WEIGHTS["severity"] * severity
            + WEIGHTS["churn"] * (1.0 if hint else 0.0)
            + WEIGHTS["reach"] * reach
            + WEIGHTS["recency"] * recency
        )
        reasons = []
        if m.rating is not None and m.rating <= 2:
            reasons.append("rating")
        if hint:
            reasons.append("churn")
        if reach >= 0.3:
            reasons.append("reach")
        if recency >= 0.5:
            reasons.append("recent")
        ranked.append(Ranked(m, round(score, 4), reasons, hint, age))
    ranked.sort(key=lambda r: (-r.score, r.mention.published_at, r.mention.id))
    return ranked[:limit]


def highlights(candidates: Iterable[MentionView], *, limit: int = 3) -> list[Ranked]:
    """Positive quotes worth sharing: confident, quotable length, some reach, 5★ preferred.

    One per author, so a single fan cannot fill the section."""
    ranked = []
    for m in candidates:
        n = len(m.text)
        quotable = 1.0 if 40 <= n <= 400 else (0.6 if n < 40 else 0.4)
        stars = 1.0 if m.rating is None else max(0.0, (m.rating - 3.0) / 2.0)
        score = (
            0.5 * (m.prob_positive or 0.5)
            + 0.2 * quotable
            + 0.15 * stars
            + 0.15 * _log_scaled(m.reach, REACH_TOP)
        )
        ranked.append(Ranked(m, round(score, 4)))
    ranked.sort(key=lambda r: (-r.score, r.mention.id))
    out, authors = [], set()
    for r in ranked:
        key = (r.mention.source, r.mention.author)
        if r.mention.author and key in authors:
            continue
        authors.add(key)
        out.append(r)
        if len(out) == limit:
            break
    return out
