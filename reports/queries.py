"""Read-only questions the digest (and other readers) ask the archive.

Why a module of its own: reports/ must know nothing of sources, spiders or models; it asks
these functions and gets plain dataclasses back. Every function takes an open sqlite3
connection, a brand and a *local* day or window, so a digest for any past date can be
re-rendered exactly (``--date``). Counts skip near-duplicate reposts (``duplicate_of``).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.core.times import Window, days_window

BASELINE_DAYS = 28
SURVEY_DAYS = 28

#: Display names of source types (presentation only; reports/ never branches on them).
SOURCE_LABELS = {
    "appstore": "App Store",
    "google_play": "Google Play",
    "trustpilot": "Trustpilot",
    "schemaorg": "Website reviews",
    "feed": "News / Alerts",
    "reddit": "Reddit",
    "hackernews": "Hacker News",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "import": "Import",
}

BROKEN_STATUSES = ("failed", "timeout", "killed")


# --------------------------------------------------------------------------- headline


@dataclass
class PeriodStats:
    """Counts for one brand over one window; shares are over *classified* mentions."""

    days: int
    mentions: int = 0
    classified: int = 0
    negative: int = 0
    positive: int = 0
    rated: int = 0
    rating_sum: float = 0.0
    rated_high: int = 0  # 4-5 stars
    rated_low: int = 0  # 1-3 stars

    @property
    def mentions_per_day(self) -> float:
        return self.mentions / self.days if self.days else 0.0

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.classified if self.classified else None

    @property
    def positive_share(self) -> float | None:
        return self.positive / self.classified if self.classified else None

    @property
    def net_sentiment(self) -> float | None:
        """Positive % minus negative %, in points (-100..100)."""
        if not self.classified:
            return None
        return 100.0 * (self.positive - self.negative) / self.classified

    @property
    def avg_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def review_nps(self) -> float | None:
        """Share of 4-5★ reviews minus share of 1-3★ reviews, in points (-100..100)."""
        if not self.rated:
            return None
        return 100.0 * (self.rated_high - self.rated_low) / self.rated


def period_stats(conn: sqlite3.Connection, brand: str, win: Window) -> PeriodStats:
    row = conn.execute(
        """
        SELECT count(*),
               count(e.mention_id),
               coalesce(sum(e.sentiment = 'negative'), 0),
               coalesce(sum(e.sentiment = 'positive'), 0),
               count(CASE WHEN m.rating >= 1 THEN 1 END),
               coalesce(sum(CASE WHEN m.rating >= 1 THEN m.rating END), 0),
               count(CASE WHEN m.rating >= 4 THEN 1 END),
               count(CASE WHEN m.rating >= 1 AND m.rating < 4 THEN 1 END)
        FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id
        WHERE m.brand = ? AND m.published_at >= ? AND m.published_at < ?
          AND m.duplicate_of IS NULL
        """,
        (brand, win.start_iso, win.end_iso),
    ).fetchone()
    return PeriodStats(win.days, *row)


@dataclass
class Headline:
    """The period, the one before it, and the 28 days before the period."""

    current: PeriodStats
    previous: PeriodStats
    baseline: PeriodStats


def headline(conn: sqlite3.Connection, brand: str, day: date, tz: ZoneInfo) -> Headline:
    return Headline(
        current=period_stats(conn, brand, days_window(day, tz)),
        previous=period_stats(conn, brand, days_window(day - timedelta(days=1), tz)),
        baseline=period_stats(conn, brand, days_window(day - timedelta(days=1), tz, BASELINE_DAYS)),
    )


# --------------------------------------------------------------------------- alerts


@dataclass
class AlertExample:
    mention_id: int | None
    quote: str
    url: str | None
    source: str | None


@dataclass
class AlertInfo:
    id: int
    kind: str
    topic: str | None
    status: str
    is_new: bool
    first_seen: str | None
    window_start: str | None
    window_end: str | None
    observed: float | None
    expected: float | None
    ratio: float | None
    p_value: float | None
    authors: int | None
    sources: list[str]
    languages: list[str]
    examples: list[AlertExample]


def _json_list(value: str | None) -> list:
    """Detection writes JSON lists; anything unreadable counts as empty, never a crash."""
    if not value:
        return []
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _example(item: object) -> AlertExample | None:
    if isinstance(item, dict):
        quote = item.get("quote") or item.get("text") or ""
        mid = item.get("mention_id")
        return AlertExample(
            mention_id=mid if isinstance(mid, int) else None,
            quote=str(quote),
            url=item.get("url") if isinstance(item.get("url"), str) else None,
            source=str(item["source"]) if item.get("source") else None,
        )
    if isinstance(item, str):
        return AlertExample(None, item, None, None)
    return None


_ALERT_ORDER = "CASE status WHEN 'open' THEN 0 WHEN 'rising' THEN 1 WHEN 'peaked' THEN 2 ELSE 3 END"


def alerts_for_day(conn: sqlite3.Connection, brand: str, day: date) -> list[AlertInfo]:
    """Incidents that were live on ``day``: begun by then and not resolved before it."""
    d = day.isoformat()
    rows = conn.execute(
        f"""
        SELECT id, kind, topic, status, first_seen, window_start, window_end, observed,
               expected, ratio, p_value, authors, sources, languages, examples, closed_at
        FROM alerts
        WHERE brand = ?
          AND coalesce(first_seen, window_start, substr(opened_at, 1, 10)) <= ?
          AND (status != 'resolved' OR coalesce(window_end, substr(closed_at, 1, 10), '') >= ?)
        ORDER BY {_ALERT_ORDER}, coalesce(ratio, 0) DESC, id
        """,
        (brand, d, d),
    ).fetchall()
    out = []
    for r in rows:
        examples = [e for e in (_example(x) for x in _json_list(r[14])) if e and e.quote]
        for e in examples:
            if e.url is None and e.mention_id is not None:  # link the original all the same
                found = conn.execute("SELECT url FROM mentions WHERE id = ?", (e.mention_id,)).fetchone()
                e.url = found[0] if found else None
        out.append(
            AlertInfo(
                id=r[0],
                kind=r[1],
                topic=r[2],
                status=r[3],
                is_new=(r[4] or r[5] or "") == d,
                first_seen=r[4],
                window_start=r[5],
                window_end=r[6],
                observed=r[7],
                expected=r[8],
                ratio=r[9],
                p_value=r[10],
                authors=r[11],
                sources=[str(s) for s in _json_list(r[12])],
                languages=[str(s) for s in _json_list(r[13])],
                examples=examples,
            )
        )
    return out


# --------------------------------------------------------------------------- mentions


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


_MENTION_SELECT = """
    SELECT m.id, m.source, m.url, m.author, m.title, m.text, coalesce(e.lang, m.lang),
           m.rating, m.reach, m.published_at, e.sentiment, e.prob_negative, e.prob_positive,
           (SELECT group_concat(DISTINCT mt.topic) FROM mention_topics mt
             WHERE mt.mention_id = m.id)
    FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id
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


def negative_mentions(
    conn: sqlite3.Connection, brand: str, win: Window, *, limit: int = 2000
) -> list[MentionView]:
    """Candidates for a reply: classified negative, or rated 1-2★, and still readable."""
    rows = conn.execute(
        _MENTION_SELECT
        + """
        WHERE m.brand = ? AND m.published_at >= ? AND m.published_at < ?
          AND m.duplicate_of IS NULL AND m.redacted_at IS NULL AND m.text IS NOT NULL
          AND (e.sentiment = 'negative' OR (m.rating >= 1 AND m.rating <= 2))
        ORDER BY m.published_at DESC LIMIT ?
        """,
        (brand, win.start_iso, win.end_iso, limit),
    ).fetchall()
    return [_mention(r) for r in rows]


def positive_mentions(
    conn: sqlite3.Connection, brand: str, win: Window, *, limit: int = 200
) -> list[MentionView]:
    """Candidates for highlights: classified positive, never rated below 4★."""
    rows = conn.execute(
        _MENTION_SELECT
        + """
        WHERE m.brand = ? AND m.published_at >= ? AND m.published_at < ?
          AND m.duplicate_of IS NULL AND m.redacted_at IS NULL AND m.text IS NOT NULL
          AND e.sentiment = 'positive' AND (m.rating IS NULL OR m.rating >= 4)
        ORDER BY e.prob_positive DESC, m.published_at DESC LIMIT ?
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


# --------------------------------------------------------------------------- topics


@dataclass
class TopicTrend:
    """Daily mention counts of one topic over the trend window (oldest day first)."""

    topic: str
    daily: list[int]
    daily_negative: list[int]

    @property
    def today(self) -> int:
        return self.daily[-1] if self.daily else 0

    @property
    def today_negative(self) -> int:
        return self.daily_negative[-1] if self.daily_negative else 0

    @property
    def negative_share(self) -> float | None:
        return self.today_negative / self.today if self.today else None

    @property
    def baseline_per_day(self) -> float:
        before = self.daily[:-1]
        return sum(before) / len(before) if before else 0.0

    @property
    def total(self) -> int:
        return sum(self.daily)


def topic_trends(
    conn: sqlite3.Connection, brand: str, day: date, tz: ZoneInfo, days: int = BASELINE_DAYS
) -> list[TopicTrend]:
    """Per topic, mentions per local day over ``days`` days ending with ``day``.

    A mention counts once per topic; whether it is a complaint about the topic is decided by
    detection's own rule (:func:`monitor.detect.counts.topic_complaint`), so the digest's topic
    table and the alerts never disagree. Sorted by the day's volume, then the window's.
    """
    from monitor.detect.counts import load_events

    win = days_window(day, tz, days)
    start, end = win.start, win.end
    topics = load_events(conn, [brand], start, end, tz).topics
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    negatives: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for topic, local, negative in zip(topics["topic"], topics["day"], topics["negative"]):
        i = (local - win.first).days
        if 0 <= i < days:
            counts[topic][i] += 1
            negatives[topic][i] += int(bool(negative))
    trends = [TopicTrend(t, counts[t], negatives[t]) for t in counts]
    trends.sort(key=lambda t: (-t.today, -t.total, t.topic))
    return trends


# --------------------------------------------------------------------------- sources


@dataclass
class SourceInfo:
    """Volume, rating and crawler health of one configured (or seen) source."""

    source: str
    source_key: str | None
    label: str
    mentions: int = 0
    rated: int = 0
    avg_rating: float | None = None
    last_status: str | None = None
    last_run_at: str | None = None
    layout_suspect: bool = False
    failures_in_row: int = 0
    message: str | None = None

    @property
    def broken(self) -> bool:
        return self.layout_suspect or self.last_status in BROKEN_STATUSES

    @property
    def detail(self) -> str:
        """The key's parameters, short ("acme.example", "mastodon.social #acme"), to tell
        two sources of one type apart."""
        if not self.source_key or ":" not in self.source_key:
            return ""
        values = []
        for part in self.source_key.split(":", 1)[1].split(","):
            name, _, value = part.partition("=")
            if name == "url" or value.startswith(("http://", "https://")):
                parsed = urlsplit(value)
                last = parsed.path.rstrip("/").rpartition("/")[2]
                value = parsed.netloc + (f" {last}" if len(last) <= 16 else f" …{last[-6:]}")
            elif name == "hashtag":
                value = "#" + value
            if value and name not in ("country", "language", "lang", "tags"):
                values.append(value)
        return " ".join(values)


def source_stats(
    conn: sqlite3.Connection,
    brand: str,
    win: Window,
    configured: Iterable[tuple[str, str]] = (),
) -> list[SourceInfo]:
    """Per source: the window's volume and rating, and its health from the newest crawl runs.

    Health is as of now, not as of the window: the morning digest must report the spider
    that broke overnight, and a replayed day (demo, ``--date``) has only today's runs.
    ``configured`` lists (type, key) pairs from the watchlist so that a source that found
    nothing still shows up with its health.
    """
    infos: dict[tuple[str, str | None], SourceInfo] = {}
    for stype, key in configured:
        infos[(stype, key)] = SourceInfo(stype, key, SOURCE_LABELS.get(stype, stype))
    for stype, key, n, rated, avg in conn.execute(
        """
        SELECT source, source_key, count(*), count(CASE WHEN rating >= 1 THEN 1 END),
               avg(CASE WHEN rating >= 1 THEN rating END)
        FROM mentions
        WHERE brand = ? AND published_at >= ? AND published_at < ? AND duplicate_of IS NULL
        GROUP BY source, source_key
        """,
        (brand, win.start_iso, win.end_iso),
    ):
        info = infos.setdefault((stype, key), SourceInfo(stype, key, SOURCE_LABELS.get(stype, stype)))
        info.mentions, info.rated, info.avg_rating = n, rated, avg
    for info in infos.values():
        if info.source_key is None:
            continue
        runs = conn.execute(
            """
            SELECT status, started_at, layout_suspect, message FROM crawl_runs
            WHERE brand = ? AND source_key = ? AND status != 'running'
            ORDER BY started_at DESC, id DESC LIMIT 20
            """,
            (brand, info.source_key),
        ).fetchall()
        if not runs:
            continue
        info.last_status, info.last_run_at = runs[0][0], runs[0][1]
        info.layout_suspect = bool(runs[0][2])
        info.message = runs[0][3]
        for status, *_ in runs:
            if status not in BROKEN_STATUSES:
                break
            info.failures_in_row += 1
    return sorted(infos.values(), key=lambda s: (not s.broken, -s.mentions, s.label))


# --------------------------------------------------------------------------- survey


@dataclass
class SurveySummary:
    """NPS over the survey window (0-6 detractors, 7-8 passives, 9-10 promoters)."""

    first: date
    last: date
    responses: int
    promoters: int
    detractors: int
    previous_nps: float | None
    detractor_topics: list[tuple[str, int]]
    detractor_comments: list[str]

    @property
    def nps(self) -> float | None:
        if not self.responses:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.responses


def _nps_counts(conn: sqlite3.Connection, brand: str, first: date, last: date) -> tuple[int, int, int]:
    return conn.execute(
        """
        SELECT count(*), count(CASE WHEN score >= 9 THEN 1 END),
               count(CASE WHEN score <= 6 THEN 1 END)
        FROM survey_responses
        WHERE (brand = ? OR brand IS NULL) AND responded_at >= ? AND responded_at <= ?
        """,
        (brand, first.isoformat(), last.isoformat()),
    ).fetchone()


def _topic_hits(comment: str, topics: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """Topics whose keywords occur in a comment (case-folded substrings; excludes win).

    The fallback for comments monitor.enrich.survey_topics has not tagged yet; German compounds
    still hit because a keyword inside a word is a substring."""
    text = comment.casefold()
    hits = []
    for topic, (keywords, excludes) in topics.items():
        cleaned = text
        for word in excludes:
            cleaned = cleaned.replace(word.casefold(), " ")
        if any(k.casefold() in cleaned for k in keywords if k.strip()):
            hits.append(topic)
    return hits


def survey_summary(
    conn: sqlite3.Connection,
    brand: str,
    day: date,
    topics: dict[str, tuple[list[str], list[str]]],
    days: int = SURVEY_DAYS,
) -> SurveySummary | None:
    """The survey NPS of the ``days`` days ending with ``day``; None if there are none.

    ``topics`` maps topic name to (keywords of all languages, exclusions)."""
    first = day - timedelta(days=days - 1)
    n, promoters, detractors = _nps_counts(conn, brand, first, day)
    if not n:
        return None
    pn, pp, pd = _nps_counts(conn, brand, first - timedelta(days=days), first - timedelta(days=1))
    rows = conn.execute(
        """
        SELECT r.comment, r.taxonomy_version,
               (SELECT group_concat(DISTINCT st.topic) FROM survey_topics st
                 WHERE st.response_id = r.id AND st.taxonomy_version = r.taxonomy_version)
        FROM survey_responses r
        WHERE (r.brand = ? OR r.brand IS NULL) AND r.responded_at >= ? AND r.responded_at <= ?
          AND r.score <= 6 AND r.comment IS NOT NULL AND trim(r.comment) != ''
        ORDER BY r.score, r.responded_at DESC
        """,
        (brand, first.isoformat(), day.isoformat()),
    ).fetchall()
    counts: dict[str, int] = defaultdict(int)
    for comment, tagged_with, tagged in rows:
        # Comments tagged by monitor.enrich.survey_topics (the lemma/compound matcher) use those
        # topics; untagged ones fall back to the plain keyword match.
        if tagged_with:
            found = tagged.split(",") if tagged else []
        else:
            found = _topic_hits(comment, topics)
        for t in found:
            counts[t] += 1
    comments = [r[0] for r in rows]
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return SurveySummary(
        first=first,
        last=day,
        responses=n,
        promoters=promoters,
        detractors=detractors,
        previous_nps=(100.0 * (pp - pd) / pn) if pn else None,
        detractor_topics=ranked,
        detractor_comments=comments[:3],
    )
