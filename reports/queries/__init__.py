"""Read-only questions the digest (and other readers) ask the archive.

Why a package of its own: reports/ must know nothing of sources, spiders or models; it asks
these functions and gets plain dataclasses back. Every function takes an open sqlite3
connection, a brand and a *local* day or window, so a digest for any past date can be
re-rendered exactly (``--date``). Counts skip near-duplicate reposts (``duplicate_of``).
One module per digest section; everything is re-exported here (``from reports import queries
as q``).
"""

from reports.queries.alerts import AlertExample, AlertInfo, alerts_for_day, alerts_for_period
from reports.queries.compare import (
    BrandFigures,
    Comparison,
    SwitchLead,
    TopicComparison,
    TopicShare,
    WorseTopic,
    churn_hint,
    comparison,
    linked_competitors,
    share_of_voice,
    switching_to,
    topic_comparison,
    worse_topics,
)
from reports.queries.daily import DayFigures, daily_figures
from reports.queries.labels import SOURCE_LABELS
from reports.queries.mentions import (
    _MENTION_SELECT,
    MentionView,
    ReplyStats,
    churn_reason,
    negative_mentions,
    positive_mentions,
    reply_stats,
)
from reports.queries.period import BASELINE_DAYS, Headline, PeriodStats, headline, period_stats
from reports.queries.problems import Problem, incident_starts, top_problems
from reports.queries.sources import BROKEN_STATUSES, SourceInfo, source_stats
from reports.queries.survey import SURVEY_DAYS, SurveySummary, survey_summary
from reports.queries.topics import TopicTrend, topic_trends

__all__ = [
    "SOURCE_LABELS",
    "BASELINE_DAYS",
    "PeriodStats",
    "period_stats",
    "Headline",
    "headline",
    "AlertExample",
    "AlertInfo",
    "alerts_for_day",
    "alerts_for_period",
    "DayFigures",
    "daily_figures",
    "Problem",
    "top_problems",
    "incident_starts",
    "MentionView",
    "_MENTION_SELECT",
    "negative_mentions",
    "ReplyStats",
    "reply_stats",
    "positive_mentions",
    "churn_reason",
    "TopicTrend",
    "topic_trends",
    "BROKEN_STATUSES",
    "SourceInfo",
    "source_stats",
    "SURVEY_DAYS",
    "SurveySummary",
    "survey_summary",
    "BrandFigures",
    "Comparison",
    "SwitchLead",
    "TopicComparison",
    "TopicShare",
    "WorseTopic",
    "churn_hint",
    "comparison",
    "linked_competitors",
    "share_of_voice",
    "switching_to",
    "topic_comparison",
    "worse_topics",
]
