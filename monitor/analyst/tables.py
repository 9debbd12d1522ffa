"""What an export holds: the tables, their columns with a kind, and the SQL that selects them.

Why kinds: the archive stores times as UTC ISO text and lists as JSON, which CSV and JSON
Lines pass on as they are, but a spreadsheet needs real date cells and Parquet real
timestamps and lists. Each column says what it is once; every writer converts from that
(``monitor.analyst.formats``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from monitor.core.times import iso

#: int | float | text | time (UTC ISO 8601) | date (a local day, YYYY-MM-DD) | list (JSON array)
Kind = Literal["int", "float", "text", "time", "date", "list"]


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    kind: Kind = "text"


@dataclass
class ExportFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    brand: str | None = None
    match: str | None = None  # FTS5 query over title + text
    tz: str = "UTC"

    def bounds(self) -> tuple[str | None, str | None]:
        """UTC ISO bounds of the local days [since, until]: days are the watchlist's days."""
        zone = ZoneInfo(self.tz)

        def start_of(d: date) -> str:
            return iso(datetime.combine(d, time(0), zone).astimezone(UTC))

        lo = start_of(self.since) if self.since else None
        hi = start_of(self.until + timedelta(days=1)) if self.until else None
        return lo, hi

    def check(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"--until {self.until} is before --since {self.since}")


def _topics_of(table: str, key: str, id_expr: str) -> str:
    """A JSON array of the distinct topics of one row, sorted (``[]`` when there are none)."""
    return (
        f"(SELECT json_group_array(topic) FROM (SELECT DISTINCT topic FROM {table}"
        f" t WHERE t.{key} = {id_expr} ORDER BY topic))"
    )


EXPORT_COLUMNS: list[Column] = [
    Column("id", "m.id", "int"),
    Column("brand", "m.brand"),
    Column("source", "m.source"),
    Column("source_key", "m.source_key"),
    Column("external_id", "m.external_id"),
    Column("url", "m.url"),
    Column("author", "m.author"),
    Column("title", "m.title"),
    Column("text", "m.text"),
    Column("published_at", "m.published_at", "time"),
    Column("fetched_at", "m.fetched_at", "time"),
    Column("rating", "m.rating", "float"),
    Column("reach", "m.reach", "int"),
    Column("duplicate_of", "m.duplicate_of", "int"),
    Column("redacted_at", "m.redacted_at", "time"),
    Column("replied_at", "m.replied_at", "time"),
    Column("reply_source", "m.reply_source"),
    Column("lang", "coalesce(e.lang, m.lang)"),
    Column("sentiment", "e.sentiment"),
    Column("sentiment_score", "e.score", "float"),
    Column("prob_negative", "e.prob_negative", "float"),
    Column("prob_neutral", "e.prob_neutral", "float"),
    Column("prob_positive", "e.prob_positive", "float"),
    Column("mixed", "e.mixed", "int"),
    Column("model_version", "e.model_version"),
    Column("topics", _topics_of("mention_topics", "mention_id", "m.id"), "list"),
    # Last, so existing columns keep their places. ``lang`` is the language the figures use
    # (detected, or the source's where it states one); an import reads ``stated_lang`` instead.
    Column("stated_lang", "m.lang"),
    Column("storefront", "m.storefront"),
]

TOPIC_COLUMNS: list[Column] = [
    Column("mention_id", "t.mention_id", "int"),
    Column("topic", "t.topic"),
    Column("keyword", "t.keyword"),
    Column("matched_text", "t.matched_text"),
    Column("sentence", "t.sentence"),
    Column("aspect_sentiment", "t.sentiment"),
    Column("aspect_score", "t.score", "float"),
    Column("negated", "t.negated", "int"),
    Column("taxonomy_version", "t.taxonomy_version"),
]

ALERT_COLUMNS: list[Column] = [
    Column("id", "a.id", "int"),
    Column("incident_id", "a.incident_id", "int"),
    Column("brand", "a.brand"),
    Column("kind", "a.kind"),
    Column("topic", "a.topic"),
    Column("status", "a.status"),
    Column("first_seen", "a.first_seen", "date"),
    Column("window_start", "a.window_start", "date"),
    Column("window_end", "a.window_end", "date"),
    Column("opened_at", "a.opened_at", "time"),
    Column("updated_at", "a.updated_at", "time"),
    Column("closed_at", "a.closed_at", "time"),
    Column("observed", "a.observed", "float"),
    Column("expected", "a.expected", "float"),
    Column("ratio", "a.ratio", "float"),
    Column("p_value", "a.p_value", "float"),
    Column("q_value", "a.q_value", "float"),
    Column("authors", "a.authors", "int"),
    Column("sources", "a.sources", "list"),
    Column("languages", "a.languages", "list"),
]

INCIDENT_COLUMNS: list[Column] = [
    Column("id", "i.id", "int"),
    Column("brand", "i.brand"),
    Column("status", "i.status"),
    Column("headline_de", "i.headline_de"),
    Column("headline_en", "i.headline_en"),
    Column("lead_alert_id", "i.lead_alert_id", "int"),
    Column("lead_kind", "i.lead_kind"),
    Column("lead_topic", "i.lead_topic"),
    Column("severity", "i.severity", "float"),
    Column("peak_severity", "i.peak_severity", "float"),
    Column("authors", "i.authors", "int"),
    Column("first_seen", "i.first_seen", "date"),
    Column("last_seen", "i.last_seen", "date"),
    Column("opened_at", "i.opened_at", "time"),
    Column("escalated_at", "i.escalated_at", "time"),
    Column("acknowledged_at", "i.acknowledged_at", "time"),
    Column("resolved_at", "i.resolved_at", "time"),
    Column("resolved_by", "i.resolved_by"),
    Column("note", "i.note"),
]

SURVEY_COLUMNS: list[Column] = [
    Column("id", "r.id", "int"),
    Column("brand", "r.brand"),
    Column("responded_at", "r.responded_at", "date"),
    Column("score", "r.score", "int"),
    Column("comment", "r.comment"),
    Column("customer_ref", "r.customer_ref"),
    Column("topics", _topics_of("survey_topics", "response_id", "r.id"), "list"),
]


def _select(columns: list[Column], source: str) -> str:
    return "SELECT\n  " + ",\n  ".join(f"{c.sql} AS {c.name}" for c in columns) + f"\nFROM {source}"


def _mention_where(flt: ExportFilter) -> tuple[str, str, list[Any]]:
    """(extra JOIN, WHERE clause, params) picking the filter's mentions ``m``."""
    join, where, params = "", [], []
    if flt.match:
        join = "\nJOIN mentions_fts f ON f.rowid = m.id"
        where.append("mentions_fts MATCH ?")
        params.append(flt.match)
    lo, hi = flt.bounds()
    if lo:
        where.append("m.published_at >= ?")
        params.append(lo)
    if hi:
        where.append("m.published_at < ?")
        params.append(hi)
    if flt.brand:  # every mention that names the brand, comparison posts included
        where.append("m.id IN (SELECT mention_id FROM mention_brands WHERE brand = ?)")
        params.append(flt.brand)
    return join, ("\nWHERE " + " AND ".join(where)) if where else "", params


def export_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    """The filter's mentions with their enrichment and topics, oldest first."""
    flt.check()
    join, where, params = _mention_where(flt)
    source = "mentions m LEFT JOIN enrichments e ON e.mention_id = m.id" + join
    return _select(EXPORT_COLUMNS, source) + where + "\nORDER BY m.published_at, m.id", params


def topics_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    """The topic hits (sentence, aspect sentiment) of the filter's mentions."""
    join, where, params = _mention_where(flt)
    source = "mention_topics t JOIN mentions m ON m.id = t.mention_id" + join
    return _select(TOPIC_COLUMNS, source) + where + "\nORDER BY m.published_at, m.id, t.id", params


def _day_overlap(flt: ExportFilter, first: str, last: str, brand: str) -> tuple[str, list[Any]]:
    """Rows whose local days [first, last] touch [since, until], of the filter's brand."""
    where, params = [], []
    if flt.since:
        where.append(f"coalesce({last}, {first}) >= ?")
        params.append(flt.since.isoformat())
    if flt.until:
        where.append(f"{first} <= ?")
        params.append(flt.until.isoformat())
    if flt.brand:
        where.append(f"{brand} = ?")
        params.append(flt.brand)
    return ("\nWHERE " + " AND ".join(where)) if where else "", params


def alerts_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    where, params = _day_overlap(flt, "a.window_start", "a.window_end", "a.brand")
    return _select(ALERT_COLUMNS, "alerts a") + where + "\nORDER BY a.opened_at, a.id", params


def incidents_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    where, params = _day_overlap(flt, "i.first_seen", "i.last_seen", "i.brand")
    return _select(INCIDENT_COLUMNS, "incidents i") + where + "\nORDER BY i.opened_at, i.id", params


def surveys_query(flt: ExportFilter) -> tuple[str, list[Any]]:
    where, params = _day_overlap(flt, "r.responded_at", "r.responded_at", "r.brand")
    return _select(SURVEY_COLUMNS, "survey_responses r") + where + "\nORDER BY r.responded_at, r.id", params


#: The workbook's sheets, in order: (sheet name, columns, query). ``--match`` narrows the
#: mentions and their topics; alerts, incidents and surveys follow brand and days only.
SHEETS = [
    ("mentions", EXPORT_COLUMNS, export_query),
    ("topics", TOPIC_COLUMNS, topics_query),
    ("alerts", ALERT_COLUMNS, alerts_query),
    ("incidents", INCIDENT_COLUMNS, incidents_query),
    ("surveys", SURVEY_COLUMNS, surveys_query),
]
