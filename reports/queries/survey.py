"""NPS survey figures and the topics detractors name."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

SURVEY_DAYS = 28


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
