"""Gather everything one digest shows, through reports.queries only.

Why a separate step from rendering: the data of a digest (what is burning, whom to answer)
is tested on its own, and the HTML and text templates render the very same view, so the
plain-text part can never disagree with the HTML part.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from monitor.core.config import Brand, Watchlist
from monitor.core.times import days_window
from reports import queries as q
from reports.triage import Ranked, answer_today, highlights


@dataclass
class Metric:
    """One headline row. ``kind`` picks the format; ``better`` says which way is good."""

    key: str
    kind: str  # count | share | points | rating
    current: float | None
    previous: float | None
    baseline: float | None
    better: int  # +1 higher is better, -1 lower is better, 0 neutral

    def change(self, ref: float | None) -> float | None:
        if self.current is None or ref is None:
            return None
        if self.kind == "share":
            return 100.0 * (self.current - ref)  # percentage points
        return self.current - ref

    def relative_to_baseline(self) -> float | None:
        """Counts compare to the baseline's daily average in percent."""
        if self.current is None or not self.baseline:
            return None
        return 100.0 * (self.current - self.baseline) / self.baseline

    def tone(self, ref: float | None) -> str:
        d = self.change(ref)
        if d is None or self.better == 0 or abs(d) < 1e-9:
            return "flat"
        return "good" if (d > 0) == (self.better > 0) else "bad"


def headline_metrics(h: q.Headline) -> list[Metric]:
    c, p, b = h.current, h.previous, h.baseline
    return [
        Metric("m_mentions", "count", c.mentions, p.mentions, b.mentions_per_day, 0),
        Metric("m_negative", "share", c.negative_share, p.negative_share, b.negative_share, -1),
        Metric("m_positive", "share", c.positive_share, p.positive_share, b.positive_share, +1),
        Metric("m_net", "points", c.net_sentiment, p.net_sentiment, b.net_sentiment, +1),
        Metric("m_rating", "rating", c.avg_rating, p.avg_rating, b.avg_rating, +1),
        Metric("m_nps", "points", c.review_nps, p.review_nps, b.review_nps, +1),
    ]


@dataclass
class TopicRow:
    trend: q.TopicTrend
    label: str
    bars: list[tuple[int, int, bool]]  # (height px, count, is the digest day)


CHART_HEIGHT = 28


def bars(daily: Sequence[int], height: int = CHART_HEIGHT) -> list[tuple[int, int, bool]]:
    """Bar heights in pixels for an HTML/CSS chart; a non-zero day is at least 2 px."""
    top = max(daily) if daily else 0
    out = []
    for i, n in enumerate(daily):
        h = 0 if not top else max(2 if n else 0, round(height * n / top))
        out.append((h, n, i == len(daily) - 1))
    return out


@dataclass
class BrandSection:
    name: str
    metrics: list[Metric]
    mentions: int
    alerts: list[q.AlertInfo]
    answer: list[Ranked]
    topics: list[TopicRow]
    sources: list[q.SourceInfo]
    highlights: list[Ranked]
    survey: q.SurveySummary | None

    @property
    def broken_sources(self) -> list[q.SourceInfo]:
        return [s for s in self.sources if s.broken]


@dataclass
class DigestView:
    day: date
    language: str
    group: str
    timezone: str
    brands: list[BrandSection]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def mentions(self) -> int:
        return sum(b.mentions for b in self.brands)

    @property
    def alert_count(self) -> int:
        return sum(len(b.alerts) for b in self.brands)

    @property
    def broken_count(self) -> int:
        return sum(len(b.broken_sources) for b in self.brands)

    @property
    def empty(self) -> bool:
        """Nothing new and no open alert: the short "all quiet" digest."""
        return self.mentions == 0 and self.alert_count == 0


def topic_label(wl: Watchlist, topic: str, language: str) -> str:
    t = wl.topics.get(topic)
    if t is None:
        return topic
    return t.label.get(language) or t.label.get("en") or t.label.get("de") or topic


def _taxonomy(wl: Watchlist) -> dict[str, tuple[list[str], list[str]]]:
    return {
        name: (
            [k for ks in t.keywords.values() for k in ks],
            [k for ks in t.exclude.values() for k in ks],
        )
        for name, t in wl.topics.items()
    }


def brand_section(
    conn: sqlite3.Connection, wl: Watchlist, brand: Brand, day: date, language: str
) -> BrandSection:
    tz = wl.tz
    period = days_window(day, tz)
    period_end = period.end
    head = q.headline(conn, brand.name, day, tz)
    configured = [(s.type, s.key) for s in brand.sources if s.enabled]
    trends = q.topic_trends(conn, brand.name, day, tz)
    sources = q.source_stats(conn, brand.name, period, configured)
    labels = [src.label for src in sources]
    for src in sources:  # two feeds are both "News / Alerts": say which is which
        if labels.count(src.label) > 1 and src.detail:
            src.label = f"{src.label} · {src.detail}"
    return BrandSection(
        name=brand.name,
        metrics=headline_metrics(head),
        mentions=head.current.mentions,
        alerts=q.alerts_for_day(conn, brand.name, day),
        answer=answer_today(
            q.negative_mentions(conn, brand.name, period),
            now=period_end,
            competitors=brand.competitors,
            churn_topic="churn" in wl.topics,
            limit=wl.digest.answer_today,
        ),
        topics=[TopicRow(t, topic_label(wl, t.topic, language), bars(t.daily)) for t in trends],
        sources=sources,
        highlights=highlights(q.positive_mentions(conn, brand.name, period), limit=wl.digest.highlights),
        survey=q.survey_summary(conn, brand.name, day, _taxonomy(wl)),
    )


def build_digest(
    conn: sqlite3.Connection,
    wl: Watchlist,
    day: date,
    *,
    language: str,
    brands: Sequence[str] | None = None,
    group: str = "default",
) -> DigestView:
    """The view of one digest: ``brands`` limits it (a recipient group's brands)."""
    wanted = {b.casefold() for b in brands} if brands else None
    selected = [b for b in wl.brands if wanted is None or b.name.casefold() in wanted]
    if wanted is not None and not selected:
        raise ValueError(f"recipient group {group!r} names no brand of the watchlist: {brands}")
    return DigestView(
        day=day,
        language=language,
        group=group,
        timezone=wl.timezone,
        brands=[brand_section(conn, wl, b, day, language) for b in selected],
    )
