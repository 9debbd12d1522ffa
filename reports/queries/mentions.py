"""Mentions as the digest lists them: complaints, praise, and why a critic may leave."""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.core.times import Window, parse_time
from reports.queries.labels import SOURCE_LABELS, source_label
from reports.queries.scope import BRAND_PERIOD_FROM, BRAND_SENTIMENT


@dataclass
class MentionView:
    """One mention as a reader sees it (no model internals beyond the label)."""

    id: int
    source: str
    source_label: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    lang: str | None
    rating: float | None
    reach: int | None
    published_at: str
    sentiment: str | None
    prob_negative: float | None
    prob_positive: float | None
    topics: list[str] = field(default_factory=list)


def _brand_prob(label: str) -> str:
    """The probability of ``label`` about the brand: the mention's, unless enrichment judged the
    brand on its own (``mb.sentiment``): then its score when that is its label, else the
    mention's but at most what its own label leaves (as detection's ``prob_negative``)."""
    return (
        f"CASE WHEN mb.sentiment IS NULL THEN e.prob_{label} WHEN mb.sentiment = '{label}' THEN mb.score"
        f" ELSE min(e.prob_{label}, 1 - mb.score) END"
    )


#: A brand's mentions of a period, as :class:`MentionView` rows; parameters: brand, period start,
#: period end, then those of the conditions appended (``AND ...``). Sentiment is the brand's.
_MENTION_SELECT = f"""
    SELECT m.id, m.source, m.url, m.author, m.title, m.text, coalesce(e.lang, m.lang),
           m.rating, m.reach, m.published_at, {BRAND_SENTIMENT}, {_brand_prob("negative")},
           {_brand_prob("positive")},
           (SELECT group_concat(DISTINCT mt.topic) FROM mention_topics mt
             WHERE mt.mention_id = m.id AND (mt.brand IS NULL OR mt.brand = mb.brand))
    {BRAND_PERIOD_FROM}
"""


def _mention(row: Sequence) -> MentionView:
    return MentionView(
        id=row[0],
        source=row[1],
        source_label=SOURCE_LABELS.get(row[1], row[1]),
        url=row[2],
        author=row[3],
        title=row[4],
        text=row[5] or "",
        lang=row[6],
        rating=row[7],
        reach=row[8],
        published_at=row[9],
        sentiment=row[10],
        prob_negative=row[11],
        prob_positive=row[12],
        topics=sorted(row[13].split(",")) if row[13] else [],
    )


#: A critic: classified negative (about the brand), or rated 1-2 stars.
_CRITIC = f"({BRAND_SENTIMENT} = 'negative' OR (m.rating >= 1 AND m.rating <= 2))"


@dataclass
class ReplyStats:
    """How the company answers its critics, over the sources where answers are recorded."""

    critics: int  # critics of the window on those sources
    answered: int  # of them, answered by the window's end
    median_hours: float | None  # publication to answer, over the answered ones
    sources: list[str]  # labels of the source types that record answers

    @property
    def rate(self) -> float | None:
        return self.answered / self.critics if self.critics else None


def reply_stats(conn: sqlite3.Connection, brand: str, win: Window, *, language: str = "en") -> ReplyStats:
    """Reply rate and median time to reply of the window's critics. Only sources where some
    reply was ever recorded count: the App Store feed shows none, so its critics would make
    the rate look worse than it is. The sources are named in ``language``, the digest's."""
    sources = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT source FROM mentions WHERE brand = ? AND replied_at IS NOT NULL ORDER BY source",
            (brand,),
        )
    ]
    if not sources:
        return ReplyStats(0, 0, None, [])
    marks = ",".join("?" * len(sources))
    rows = conn.execute(
        f"""
        SELECT m.published_at, CASE WHEN m.replied_at < ? THEN m.replied_at END
        {BRAND_PERIOD_FROM}
          AND m.duplicate_of IS NULL AND m.source IN ({marks}) AND {_CRITIC}
        """,
        (win.end_iso, brand, win.start_iso, win.end_iso, *sources),
    ).fetchall()
    waits = [
        max(0.0, (parse_time(replied) - parse_time(published)).total_seconds() / 3600)
        for published, replied in rows
        if replied
    ]
    median = statistics.median(waits) if waits else None
    return ReplyStats(len(rows), len(waits), median, [source_label(s, language) for s in sources])


def negative_mentions(
    conn: sqlite3.Connection, brand: str, win: Window, *, limit: int = 2000
) -> list[MentionView]:
    """Candidates for a reply: critics not answered by the end of the window (so a past digest
    replays exactly)."""
    return critics(conn, brand, win, unanswered=True, limit=limit)


def critics(
    conn: sqlite3.Connection, brand: str, win: Window, *, unanswered: bool, limit: int | None
) -> list[MentionView]:
    """Mentions of ``brand`` in ``win`` classified negative (about ``brand``: a comparison that
    scolds only the competitor is not our critic) or rated 1-2★, still readable, newest first;
    with ``unanswered``, only those without an answer by the window's end."""
    answered = "AND (m.replied_at IS NULL OR m.replied_at >= ?)" if unanswered else ""
    rows = conn.execute(
        _MENTION_SELECT
        + f"""
          AND m.duplicate_of IS NULL AND m.redacted_at IS NULL AND m.text IS NOT NULL
          AND {_CRITIC} {answered}
        ORDER BY m.published_at DESC, m.id DESC LIMIT ?
        """,
        (brand, win.start_iso, win.end_iso, *([win.end_iso] if unanswered else []), limit or -1),
    ).fetchall()
    return [_mention(r) for r in rows]


def positive_mentions(
    conn: sqlite3.Connection, brand: str, win: Window, *, limit: int = 200
) -> list[MentionView]:
    """Candidates for highlights: classified positive, never rated below 4★."""
    rows = conn.execute(
        _MENTION_SELECT
        + f"""
          AND m.duplicate_of IS NULL AND m.redacted_at IS NULL AND m.text IS NOT NULL
          AND {BRAND_SENTIMENT} = 'positive' AND (m.rating IS NULL OR m.rating >= 4)
        ORDER BY {_brand_prob("positive")} DESC, m.published_at DESC LIMIT ?
        """,
        (brand, win.start_iso, win.end_iso, limit),
    ).fetchall()
    return [_mention(r) for r in rows]


def churn_reason(
    text: str,
    competitors: Sequence[str] = (),
    *,
    custom_topic: bool = False,
    topic_match: bool = False,
) -> str | None:
    """ "cancellation", "switch to <competitor>" or None — detection's own churn rule, so the
    digest's reply list and the churn alerts never disagree about who is leaving."""
    return _churn_matcher(tuple(competitors), not custom_topic).reason(text, topic_match=topic_match)


@lru_cache(maxsize=64)
def _churn_matcher(competitors: tuple[str, ...], builtin: bool):
    from monitor.detect.churn import ChurnMatcher

    return ChurnMatcher(competitors, builtin=builtin)
