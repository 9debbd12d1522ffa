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
from monitor.core.times import parse_time
from reports import queries as q
from reports.links import Links
from reports.periods import Period, period_of
from reports.triage import Ranked, answer_today, highlights

#: Topics in the complaints chart and the topics table.
MAX_TOPICS = 8


@dataclass
class Metric:
    """One headline row. ``kind`` picks the format; ``better`` says which way is good."""

    key: str
    kind: str  # count | share | rating
    current: float | None
    previous: float | None
    baseline: float | None  # counts: per period of the baseline
    better: int  # +1 higher is better, -1 lower is better, 0 neutral

    def tone(self, ref: float | None) -> str:
        """good / bad / flat: whether the period is better or worse than ``ref``."""
        if self.current is None or ref is None or self.better == 0:
            return "flat"
        d = self.current - ref
        if abs(d) < (0.005 if self.kind == "share" else 0.05 if self.kind == "rating" else 0.5):
            return "flat"
        return "good" if (d > 0) == (self.better > 0) else "bad"

    def relative(self, ref: float | None) -> float | None:
        """Counts: the change against ``ref`` in percent."""
        if self.current is None or not ref:
            return None
        return 100.0 * (self.current - ref) / ref


def _happy(s: q.PeriodStats) -> float | None:
    return s.rated_high / s.rated if s.rated else None


def headline_metrics(h: q.Headline, per_period: float | None) -> list[Metric]:
    """``per_period``: the baseline's mentions per period (days before the archive's first
    mention do not count, so a young archive is not compared with empty weeks)."""
    c, p, b = h.current, h.previous, h.baseline
    return [
        Metric("m_mentions", "count", c.mentions, p.mentions, per_period, 0),
        Metric("m_negative", "share", c.negative_share, p.negative_share, b.negative_share, -1),
        Metric("m_positive", "share", c.positive_share, p.positive_share, b.positive_share, +1),
        Metric("m_rating", "rating", c.avg_rating, p.avg_rating, b.avg_rating, +1),
        Metric("m_happy", "share", _happy(c), _happy(p), _happy(b), +1),
    ]


@dataclass
class TopicRow:
    """Complaints about one topic in the period, against the level expected from the baseline."""

    topic: str
    label: str
    mentions: int
    complaints: int
    expected: float

    @property
    def negative_share(self) -> float | None:
        return self.complaints / self.mentions if self.mentions else None

    @property
    def above(self) -> bool:
        """Clearly more complaints than usual (the chart colours these)."""
        return self.complaints >= 3 and self.complaints > 1.5 * self.expected + 1


def first_data_day(daily: Sequence[q.DayFigures], period_days: int) -> int:
    """Index of the first day with any mention, at most the period's first day: the baseline
    starts there, so days before the archive had data do not count as quiet days."""
    start = next((i for i, d in enumerate(daily) if d.mentions), len(daily))
    return min(start, len(daily) - period_days)


def topic_rows(
    trends: Sequence[q.TopicTrend], days: int, labels: dict[str, str], skip: int = 0
) -> list[TopicRow]:
    """Topics of the period; ``trends`` span the baseline and then the period's ``days``
    (the first ``skip`` days, before the archive had data, left out of the baseline)."""
    rows = []
    for t in trends:
        before = t.daily_negative[skip:-days]
        expected = sum(before) / len(before) * days if before else 0.0
        row = TopicRow(
            t.topic,
            labels.get(t.topic, t.topic),
            sum(t.daily[-days:]),
            sum(t.daily_negative[-days:]),
            expected,
        )
        if row.mentions or row.expected >= 0.5:
            rows.append(row)
    rows.sort(key=lambda r: (-r.complaints, -r.mentions, r.label))
    return rows[:MAX_TOPICS]


@dataclass
class Charts:
    """The numbers the charts draw: the baseline days and then the period's days."""

    daily: list[q.DayFigures]
    period_days: int
    baseline_per_day: float
    baseline_negative_share: float | None
    baseline_stars: list[int]
    topics: dict[str, list[int]] = field(default_factory=dict)  # label -> complaints per day

    @property
    def has_baseline(self) -> bool:
        """Whether any day before the period has data (else there is no "usually")."""
        return any(d.mentions for d in self.daily[: -self.period_days])

    @property
    def period(self) -> list[q.DayFigures]:
        return self.daily[-self.period_days :]

    @property
    def stars(self) -> list[int]:
        return [sum(d.stars[i] for d in self.period) for i in range(5)]


def charts(
    daily: list[q.DayFigures], period_days: int, trends: Sequence[q.TopicTrend], rows: Sequence[TopicRow]
) -> Charts:
    before = daily[first_data_day(daily, period_days) : -period_days]
    by_topic = {t.topic: t.daily_negative for t in trends}
    classified = sum(d.classified for d in before)
    return Charts(
        daily=daily,
        period_days=period_days,
        baseline_per_day=sum(d.mentions for d in before) / len(before) if before else 0.0,
        baseline_negative_share=sum(d.negative for d in before) / classified if classified else None,
        baseline_stars=[sum(d.stars[i] for d in before) for i in range(5)],
        topics={r.label: by_topic.get(r.topic, [0] * len(daily)) for r in rows},
    )


@dataclass
class BrandSection:
    name: str
    metrics: list[Metric]
    mentions: int
    alerts: list[q.AlertInfo]
    problems: list[q.Problem]
    answer: list[Ranked]
    waiting: int  # critics of the period without an answer
    replies: q.ReplyStats
    longest_wait_h: float | None  # hours the longest-waiting of them has waited at the period's end
    topics: list[TopicRow]
    charts: Charts
    sources: list[q.SourceInfo]
    highlights: list[Ranked]
    survey: q.SurveySummary | None
    comparison: q.Comparison | None = None  # None: the brand tracks no competitor
    dashboard_url: str | None = None  # the brand's period on the dashboard (serve.public_url)
    answer_url: str | None = None  # its answer-today card: every critic waiting, not only the first few
    #: lead alert id -> the first day of its incident, where that is before the alert's own
    incident_since: dict[int, str] = field(default_factory=dict)

    @property
    def answer_more(self) -> int:
        """Critics waiting beyond those the answer-today list shows."""
        return max(0, self.waiting - len(self.answer))

    @property
    def broken_sources(self) -> list[q.SourceInfo]:
        return [s for s in self.sources if s.broken]

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)


@dataclass
class DigestView:
    period: Period
    language: str
    group: str
    timezone: str
    brands: list[BrandSection]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    links: Links = field(default_factory=Links)

    @property
    def day(self) -> date:
        """The period's last day (a daily digest's one day)."""
        return self.period.last

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


def _sources(conn: sqlite3.Connection, brand: Brand, period: Period, tz, language: str) -> list[q.SourceInfo]:
    configured = [(s.type, s.key) for s in brand.sources if s.enabled]
    sources = q.source_stats(conn, brand.name, period.window(tz), configured, language=language)
    labels = [src.label for src in sources]
    for src in sources:  # two feeds are both "News / Alerts": say which is which
        if labels.count(src.label) > 1 and src.detail:
            src.label = f"{src.label} · {src.detail}"
    return sources


def _hours(published_at: str, end: datetime) -> float:
    return max(0.0, (end - parse_time(published_at)).total_seconds() / 3600.0)


def brand_comparison(
    conn: sqlite3.Connection, wl: Watchlist, brand: Brand, period: Period
) -> q.Comparison | None:
    """The brand against the competitors it tracks (``competitor: true`` entries it names);
    a day gets the figures only, a week or a month also the topics and the switching-to list."""
    compared = wl.compared_with(brand)
    if not compared:
        return None
    return q.comparison(
        conn,
        brand.name,
        [c.name for c in compared],
        period.window(wl.tz),
        period.previous().window(wl.tz),
        full=period.kind != "day",
        topics=list(wl.topics),
        competitors=wl.rival_names(brand),
        aliases={a.casefold(): c.name for c in compared for a in c.aliases},
        churn_topic="churn" in wl.topics,
    )


def brand_section(
    conn: sqlite3.Connection, wl: Watchlist, brand: Brand, period: Period, language: str
) -> BrandSection:
    tz = wl.tz
    window = period.window(tz)
    previous = period.previous()
    tracked = [c.name for c in wl.compared_with(brand)]
    baseline, _ = period.baseline()
    head = q.Headline(
        current=q.period_stats(conn, brand.name, window),
        previous=q.period_stats(conn, brand.name, previous.window(tz)),
        baseline=q.period_stats(conn, brand.name, baseline.window(tz)),
    )
    span = (period.last - baseline.first).days + 1
    trends = q.topic_trends(conn, brand.name, period.last, tz, days=span)
    labels = {t: topic_label(wl, t, language) for t in wl.topics}
    alerts = q.alerts_for_period(conn, brand.name, period.first, period.last)
    critics = q.negative_mentions(conn, brand.name, window)
    linked = q.linked_competitors(conn, [m.id for m in critics], tracked)
    daily = q.daily_figures(conn, brand.name, baseline.first, period.last, tz)
    rows = topic_rows(trends, period.days, labels, first_data_day(daily, period.days))
    drawn = charts(daily, period.days, trends, rows)
    links = Links.of(wl)
    return BrandSection(
        name=brand.name,
        metrics=headline_metrics(head, drawn.baseline_per_day * period.days if drawn.has_baseline else None),
        mentions=head.current.mentions,
        alerts=alerts,
        problems=q.top_problems(
            conn, brand.name, period.first, period.last, language=language, alerts=alerts
        ),
        answer=answer_today(
            critics,
            now=window.end,
            competitors=wl.rival_names(brand),  # as detection's churn alerts
            churn_topic="churn" in wl.topics,
            linked=linked,
            limit=wl.digest.answer_today,
        ),
        waiting=len(critics),
        replies=q.reply_stats(conn, brand.name, window, language=language),
        longest_wait_h=max((_hours(m.published_at, window.end) for m in critics), default=None),
        topics=rows,
        charts=drawn,
        sources=_sources(conn, brand, period, tz, language),
        highlights=highlights(q.positive_mentions(conn, brand.name, window), limit=wl.digest.highlights),
        survey=q.survey_summary(conn, brand.name, period.last, _taxonomy(wl)),
        comparison=brand_comparison(conn, wl, brand, period),
        dashboard_url=links.dashboard(brand.name, period.first, period.last),
        answer_url=links.answer_today(brand.name, period.first, period.last),
        incident_since=q.incident_starts(conn, alerts),
    )


def build_digest(
    conn: sqlite3.Connection,
    wl: Watchlist,
    day: date | Period,
    *,
    language: str,
    brands: Sequence[str] | None = None,
    group: str = "default",
) -> DigestView:
    """The view of one digest (``day``: a local day, or any Period); ``brands`` limits it
    (a recipient group's brands)."""
    period = day if isinstance(day, Period) else period_of("day", day)
    try:
        selected = wl.digest_brands(brands)  # the watchlist's rule, which loading already applied
    except ValueError as exc:
        raise ValueError(f"recipient group {group!r}: {exc}") from None
    return DigestView(
        period=period,
        language=language,
        group=group,
        timezone=wl.timezone,
        brands=[brand_section(conn, wl, b, period, language) for b in selected],
        links=Links.of(wl),
    )
