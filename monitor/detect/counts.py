"""Counts for detection: per brand × topic × local day, and for any time window.

Why a separate module: detection, the digest and the bench all need the same numbers, and
the rules behind them must be identical everywhere —

* days are *local* days of the watchlist time zone (DST days have 23 or 25 hours);
* near-duplicate reposts (``duplicate_of`` set) are skipped;
* a mention is a complaint about a topic (``negative``) when the clause that matched the topic
  is negative (aspect sentiment), or when that clause is neutral, not negated, the mention
  as a whole is a complaint (negative, or rated 1-2★; never when rated 4-5★) and it does not
  complain about another topic in a negative clause — see :func:`topic_complaint`; when no
  aspect sentiment was stored, the mention's own complaint counts;
* the brand total (``TOTAL``) uses the mention's own sentiment — per brand where enrichment
  judged the brands of a comparison apart (``mention_brands.sentiment``), so our complaint
  next to a competitor's praise counts against us only, and the topic rule's "the mention
  complains" is "it complains about this brand";
* "authors" counts distinct (source, author) pairs; a mention without an author counts as
  its own author, so anonymous sources are not merged into one voice.

Everything is loaded once per window range into pandas frames, so that replaying many days
(bench, ``--as-of``) costs one query per run rather than one per series.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from monitor.core.archive import Archive

#: Series name of a brand's total (all topics together).
from monitor.core.times import Window, iso

#: Series name of a brand's total (all topics together).
TOTAL = "_total"
#: The ``min_count`` floor counts at most this many mentions per author: a follow-up
#: counts, a flood from one account does not.
PER_AUTHOR_CAP = 2


# --------------------------------------------------------------------------- loading


@dataclass
class Events:
    """Mentions and their topic memberships in a UTC range, ready for counting.

    ``mentions``: one row per mention (id, brand, source, author_key, lang, rating, day,
    published_at, negative, prob_negative, enriched, url, text, title).
    ``topics``: one row per (mention, topic) (mention_id, brand, topic, day, negative,
    via_mention, clause_neg, sentence, model_version, source, author_key, lang, rating, sentiment):
    ``negative`` = a complaint about the topic (:func:`topic_complaint`), ``clause_neg`` = its
    clause read negative, ``sentiment`` = the mention's own (about that brand, where enrichment
    judged the brands of a comparison apart), as in ``mentions``."""

    mentions: pd.DataFrame
    topics: pd.DataFrame
    tz: ZoneInfo

    _groups: dict | None = None

    def series(self, brand: str, name: str) -> pd.DataFrame:
        """The rows of one series (brand total or a topic) with the columns counting needs."""
        if self._groups is None:  # split once: replays ask for every series every day
            groups = {(b, TOTAL): g for b, g in self.mentions.groupby("brand", sort=False)}
            if len(self.topics):
                groups.update({k: g for k, g in self.topics.groupby(["brand", "topic"], sort=False)})
            self._groups = groups
        empty = self.mentions if name == TOTAL else self.topics
        return self._groups.get((brand, name), empty.iloc[0:0])


# One row per (mention, brand it names): a post comparing two brands counts for both
# (mention_brands, schema_brands.py). Topic rows come once per mention; the merge with the
# mention rows gives each brand its copy.
#
# A brand's sentiment is its own where enrichment judged the brands of a comparison apart
# (mention_brands.sentiment, monitor/enrich/brand_sentiment.py), else the mention's. Its
# prob_negative follows: with its own label, the brand's score when that label is negative;
# otherwise what the mention's probability would be, but never more than the brand's own
# label leaves (1 - score): ranking a brand's complaints by it must not rank a mention that
# praises this brand by how much it scolds the other one.
_MENTION_SQL = """
SELECT m.id, mb.brand, m.source, m.author, m.url, m.title, m.text,
       coalesce(e.lang, m.lang) AS lang, m.rating, m.published_at,
       coalesce(mb.sentiment, e.sentiment) AS sentiment,
       CASE WHEN mb.sentiment IS NULL OR e.mention_id IS NULL THEN e.prob_negative
            WHEN mb.sentiment = 'negative' THEN mb.score
            ELSE min(e.prob_negative, 1 - mb.score) END AS prob_negative
FROM mention_brands mb
JOIN mentions m ON m.id = mb.mention_id
LEFT JOIN enrichments e ON e.mention_id = m.id
WHERE mb.published_at >= ? AND mb.published_at < ? AND m.duplicate_of IS NULL
  AND mb.brand IN ({marks})
"""

_TOPIC_SQL = """
SELECT mt.mention_id, mt.topic, mt.sentiment, mt.sentence, mt.score, mt.negated, mt.model_version,
       mt.brand AS hit_brand
FROM mention_topics mt JOIN mentions m ON m.id = mt.mention_id
WHERE m.id IN (SELECT mb.mention_id FROM mention_brands mb
               WHERE mb.published_at >= ? AND mb.published_at < ? AND mb.brand IN ({marks}))
  AND m.duplicate_of IS NULL
"""


def _stamps(published: pd.Series) -> pd.Series:
    return pd.to_datetime(published, utc=True, format="ISO8601")


def _epoch(dt: datetime) -> int:
    """Nanoseconds since the epoch: windows compare numbers, not strings."""
    return pd.Timestamp(dt).value


def load_events(
    archive: Archive | sqlite3.Connection,
    brands: Sequence[str],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    topics: Iterable[str] | None = None,
) -> Events:
    """Load every non-duplicate mention of ``brands`` published in [start, end).

    ``topics`` limits topic rows to the current taxonomy (rows of topics since removed from
    the watchlist are ignored)."""
    marks = ",".join("?" * len(brands))
    args = (iso(start), iso(end), *brands)
    conn = archive if isinstance(archive, sqlite3.Connection) else archive.conn
    m = pd.read_sql_query(_MENTION_SQL.format(marks=marks), conn, params=args)
    t = pd.read_sql_query(_TOPIC_SQL.format(marks=marks), conn, params=args)
    stamps = _stamps(m["published_at"])
    m["day"] = stamps.dt.tz_convert(tz).dt.date if len(m) else pd.Series(dtype=object)
    m["ts"] = stamps.dt.as_unit("ns").astype("int64") if len(m) else pd.Series(dtype="int64")
    m["enriched"] = m["sentiment"].notna()
    m["negative"] = m["sentiment"].eq("negative")
    m["prob_negative"] = m["prob_negative"].astype(float)
    anon = m["author"].isna() | m["author"].astype(str).str.strip().eq("")
    m["author_key"] = np.where(
        anon, "#" + m["id"].astype(str), m["source"].astype(str) + ":" + m["author"].astype(str)
    )
    if topics is not None:
        t = t[t["topic"].isin(set(topics))]
    t = _topic_membership(t, m)
    return Events(m, t, tz)


def mention_complaint(m: pd.DataFrame) -> pd.Series:
    """A mention that complains as a whole: classified negative or rated 1-2★ — unless its
    author rated it 4-5★ (the stars are the author's own verdict; the model's is a guess)."""
    rating = pd.to_numeric(m["rating"], errors="coerce")
    return (m["negative"] | rating.between(1, 2)) & ~(rating >= 4)


def topic_complaint(aspect: pd.Series, negated: pd.Series, mention: pd.Series) -> pd.Series:
    """Is one topic hit a complaint about that topic?

    * its clause is negative (aspect sentiment): yes;
    * its clause is neutral, its keyword / complaint words are not negated, and the mention as
      a whole complains (:func:`mention_complaint`): yes. Why: people describe what went
      wrong in plain words ("Meine Sendung hängt seit Tagen im Verteilzentrum fest") and put
      the verdict elsewhere ("Unmöglich!", 1★); the model rates such clauses neutral, which
      would hide most of a delivery incident;
    * its clause is positive, or negated ("kein Problem mit der Lieferung"): no — praise of
      one aspect in an angry mention about another stays praise;
    * its clause is neutral but the mention complains about *another* topic in a negative
      clause: no — the verdict belongs to that topic ("Lieferung kam Dienstag, aber der
      Preis ist Wucher"); the caller passes ``mention`` False for such hits.

    ``aspect`` is the stored label (None when no aspect sentiment was stored: then the
    mention's own complaint decides)."""
    neutral = aspect.eq("neutral") & ~negated.astype(bool)
    unknown = aspect.isna()
    return aspect.eq("negative") | ((neutral | unknown) & mention.astype(bool))


def _topic_membership(t: pd.DataFrame, m: pd.DataFrame) -> pd.DataFrame:
    """One row per (mention, brand, topic); negative if any of its hits is a complaint
    (:func:`topic_complaint`). ``via_mention`` marks rows negative only because the whole
    mention complains (their clause was neutral), for the explanation."""
    m = m.assign(m_complaint=mention_complaint(m))
    if t.empty:
        base = pd.DataFrame(
            columns=["mention_id", "brand", "topic", "clause_neg", "negative", "sentence", "model_version"]
        )
    else:
        base = _hits_per_topic(t, m)
    keep = [
        "id",
        "brand",
        "source",
        "author_key",
        "lang",
        "day",
        "ts",
        "published_at",
        "prob_negative",
        "enriched",
        "url",
        "text",
        "title",
        "rating",
        "sentiment",
    ]
    joined = base.merge(m[keep].rename(columns={"id": "mention_id"}), on=["mention_id", "brand"], how="inner")
    joined["negative"] = joined["negative"].astype(bool)
    joined["clause_neg"] = joined["clause_neg"].astype(bool)
    joined["via_mention"] = joined["negative"] & ~joined["clause_neg"]
    return joined


def _hits_per_topic(t: pd.DataFrame, m: pd.DataFrame) -> pd.DataFrame:
    """One row per (mention, brand, topic): a mention of two brands may complain about one only,
    and a hit whose clause is about one brand (``hit_brand``) is that brand's only."""
    per_brand = m[["id", "brand", "m_complaint"]].rename(columns={"id": "mention_id"})
    t = t.merge(per_brand, on="mention_id", how="inner")
    t = t[t["hit_brand"].isna() | t["hit_brand"].eq(t["brand"])]
    negated = t["negated"].fillna(0).astype(bool)
    t = t.assign(clause_neg=t["sentiment"].eq("negative"))
    # Topics the mention complains about in so many words (about this brand): its verdict
    # belongs to them.
    pair = ["mention_id", "brand"]
    neg_topics = t["topic"].where(t["clause_neg"]).groupby([t[c] for c in pair]).transform("nunique")
    own_neg = t.groupby([*pair, "topic"])["clause_neg"].transform("any")
    elsewhere = (neg_topics.fillna(0) - own_neg.astype(int)) > 0
    t = t.assign(hit_neg=topic_complaint(t["sentiment"], negated, t["m_complaint"] & ~elsewhere))
    # Prefer a negative clause as the quote, then a complaining one, then the first one.
    t = t.sort_values(
        ["mention_id", "brand", "topic", "clause_neg", "hit_neg"], ascending=[True, True, True, False, False]
    )
    return (
        t.groupby(["mention_id", "brand", "topic"], sort=False)
        .agg(
            clause_neg=("clause_neg", "any"),
            negative=("hit_neg", "any"),
            sentence=("sentence", "first"),
            model_version=("model_version", "first"),
        )
        .reset_index()
    )


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class Count:
    """What one series did in one period."""

    total: int  # all mentions
    negative: int  # negative mentions
    capped: int  # negative mentions, at most PER_AUTHOR_CAP per author (for the count floor)
    authors: int  # distinct authors of the negative mentions
    sources: tuple[str, ...]  # sources of the negative mentions
    languages: tuple[str, ...]  # languages of the negative mentions

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "negative": self.negative,
            "capped": self.capped,
            "authors": self.authors,
            "sources": list(self.sources),
            "languages": list(self.languages),
        }


def count_rows(rows: pd.DataFrame) -> Count:
    neg = rows[rows["negative"]]
    per_author = neg.groupby("author_key").size()
    return Count(
        total=int(len(rows)),
        negative=int(len(neg)),
        capped=int(per_author.clip(upper=PER_AUTHOR_CAP).sum()),
        authors=int(neg["author_key"].nunique()),
        sources=tuple(sorted(neg["source"].dropna().unique())),
        languages=tuple(sorted(neg["lang"].dropna().unique())),
    )


def in_window(rows: pd.DataFrame, window: Window) -> pd.DataFrame:
    ts = rows["ts"].to_numpy()
    return rows[(ts >= _epoch(window.start)) & (ts < _epoch(window.end))]


def window_count(events: Events, brand: str, series: str, window: Window) -> Count:
    """Counts of one series in a window (a local day, part of one, or a rolling 24 h)."""
    return count_rows(in_window(events.series(brand, series), window))


def daily_authors(rows: pd.DataFrame, days: Sequence[date]) -> np.ndarray:
    """Distinct negative authors per local day, aligned to ``days`` (missing days are 0).

    This is the series the baseline is fitted on: each complaining author counts once a day,
    so one person posting fifteen times is one voice."""
    neg = rows[rows["negative"]]
    per_day = neg.groupby("day")["author_key"].nunique()
    return per_day.reindex(list(days), fill_value=0).to_numpy(dtype=float)


def daily_counts(events: Events, brand: str, series: str, days: Sequence[date]) -> pd.DataFrame:
    """Per local day: total, negative, authors, sources, languages (a table for the digest
    and for explanations)."""
    rows = events.series(brand, series)
    out = []
    for day in days:
        c = count_rows(rows[rows["day"] == day])
        out.append({"day": day, **c.as_dict()})
    return pd.DataFrame(
        out, columns=["day", "total", "negative", "capped", "authors", "sources", "languages"]
    )


def rating_averages(events: Events, brand: str, days: Sequence[date]) -> pd.DataFrame:
    """Average star rating (1..5) and number of rated mentions per source and local day."""
    m = events.mentions
    rated = m[(m["brand"] == brand) & m["rating"].notna() & m["day"].isin(set(days))]
    if rated.empty:
        return pd.DataFrame(columns=["source", "day", "rating", "n"])
    g = rated.groupby(["source", "day"])["rating"].agg(["mean", "count"]).reset_index()
    return g.rename(columns={"mean": "rating", "count": "n"})
