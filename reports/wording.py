"""How the digest says things: figures, evidence and reasons in plain words.

Why apart from the templates: wording needs both the locale (Babel) and the digest's
meaning (which way is good, what a p-value says to a reader), and the HTML and the text
part must say exactly the same. No statistics jargon reaches the reader: a p-value becomes
"about once in 14 years by chance", shares are shown as the percentages they are.
"""

from __future__ import annotations

import shlex
from datetime import date

from reports.build import BrandSection, Metric
from reports.i18n import Formatter
from reports.periods import Period
from reports.queries import AlertInfo, MentionView, ReplyStats, SourceInfo
from reports.text import clip, title_repeated
from reports.triage import Ranked

#: Counts: a change of less than this many percent gets no arrow.
COUNT_ARROW_PCT = 10.0


class Wording:
    """Formatting that needs both the locale and digest semantics (kept out of templates)."""

    def __init__(self, f: Formatter, topic_labels: dict[str, str]):
        self.f = f
        self.topic_labels = topic_labels

    def metric_value(self, m: Metric, value: float | None) -> str:
        f = self.f
        if m.kind == "count":  # a baseline average of a few a day keeps its decimal
            whole = value is None or float(value).is_integer() or value >= 10
            return f.num(value, 0 if whole else 1)
        if m.kind == "share":
            return f.pct(value)
        return f.num(value, 1) + ("\u00a0★" if value is not None else "")

    def metric_arrow(self, m: Metric) -> str:
        """▲ or ▼ where the period clearly differs from the baseline, else nothing."""
        if m.current is None or m.baseline is None:
            return ""
        if m.kind == "count":
            rel = m.relative(m.baseline)
            if rel is None or abs(rel) < COUNT_ARROW_PCT:
                return ""
            return "▲" if rel > 0 else "▼"
        if m.tone(m.baseline) == "flat":
            return ""
        return "▲" if m.current > m.baseline else "▼"

    def topic_name(self, topic: str | None) -> str:
        return self.topic_labels.get(topic or "", topic or "–")

    def expected(self, value: float | None) -> str:
        return self.f.num(value, 1 if value is not None and value < 10 else 0)

    def alert_evidence(self, a: AlertInfo) -> str:
        f = self.f
        complaints = f.tn("n_complaints", round(a.observed or 0))
        authors = f.tn("n_authors", a.authors or 0)
        if a.expected is None:
            return f.t("evidence_count", complaints=complaints, authors=authors)
        text = f.t("evidence", complaints=complaints, expected=self.expected(a.expected), authors=authors)
        rare = f.rarity(a.p_value)
        return f"{text}; {rare}" if rare else text

    def alert_sources(self, a: AlertInfo) -> str:
        return ", ".join(self.f.source(s) for s in a.sources)

    def alert_kind(self, a: AlertInfo) -> str:
        key = "alert_" + a.kind
        return self.f.t(key) if key in self.f.strings else a.kind

    def alert_status(self, a: AlertInfo) -> str:
        key = "status_" + a.status
        return self.f.t(key) if key in self.f.strings else a.status

    def alert_subject(self, a: AlertInfo) -> str:
        """What an alert is about: its topic or term, "all mentions" for the brand-wide spike;
        nothing for cancellations and rating drops, whose badge already says it."""
        if a.topic:
            return self.topic_name(a.topic)
        return self.f.t("alert_all_topics") if a.kind == "spike" else ""

    def alert_facts(self, a: AlertInfo, incident_since: str | None, ref: date) -> str:
        """ "abflauend · seit 20.11. · Vorfall seit 19.11.": the status, the alert's first day
        and, for an incident's lead that began after its incident, the incident's first day
        (the one the summary's headline gives). Only filled fields, so no separator dangles."""
        f = self.f
        parts = [self.alert_status(a)]
        if a.first_seen:
            parts.append(f.t("since", day=f.since_day(a.first_seen, ref)))
        if incident_since:
            parts.append(f.t("incident_since", day=f.since_day(incident_since, ref)))
        return " · ".join(p for p in parts if p)

    def quote_title(self, m: MentionView) -> str:
        """The title to show before a quote; nothing where the text starts with it anyway."""
        if not m.title or title_repeated(m.title, m.text):
            return ""
        return clip(m.title, 120)

    def answer_more(self, b: BrandSection) -> str:
        """ "… und 36 weitere ohne Antwort." below a list that shows only the first few."""
        return self.f.t("answer_more", n=self.f.num(b.answer_more)) if b.answer_more else ""

    @staticmethod
    def export_command(b: BrandSection, period: Period, *, split: bool = False) -> str:
        """The command that writes every mention of the brand's period to a spreadsheet, where
        the critics left out of the list can be found (without a dashboard to link to).
        ``split``: two lines joined by a backslash, so the text part stays 78 wide and the
        command still pastes into a shell as one."""
        head = f"brandpulse export --brand {shlex.quote(b.name)} --since {period.first.isoformat()}"
        tail = f"--until {period.last.isoformat()} --format xlsx --out brandpulse-{period.key}.xlsx"
        return f"{head} \\\n      {tail}" if split else f"{head} {tail}"

    def mention_meta(self, m: MentionView) -> str:
        """ "Trustpilot · Petra K. · 1★ · 21. Nov. 2026, 21:30" (escaped by the template)."""
        f = self.f
        parts = [f.source(m.source)]
        if m.author:
            parts.append(clip(m.author, 40))
        if m.rating:
            parts.append(f.num(m.rating) + "★")
        parts.append(f.when(m.published_at))
        return " · ".join(parts)

    def reasons(self, r: Ranked) -> str:
        f = self.f
        words = []
        if r.waited_h is not None:
            words.append(f.t("waiting", age=f.age(r.waited_h)))
        for code in r.reasons:
            if code == "churn":
                hint = r.churn_hint or ""
                if hint.startswith("switch to "):
                    words.append(f.t("why_switch", name=hint.removeprefix("switch to ")))
                elif hint.startswith("names "):  # a tracked competitor, no switch cue
                    words.append(f.t("cmp_names", name=hint.removeprefix("names ")))
                else:
                    words.append(f.t("why_cancel"))
            elif code == "reach":
                words.append(f.t("why_reach", reach=f.num(r.mention.reach)))
            else:
                words.append(f.t("why_" + code))
        return " · ".join(words)

    def reply_rate(self, r: ReplyStats) -> str:
        """ "Beantwortet (Google Play, Trustpilot): 40 % der Kritiker, im Median nach 5 Stunden";
        empty where no source records answers or there were no critics there."""
        f = self.f
        if not r.sources or not r.critics:
            return ""
        text = f.t("reply_rate", sources=", ".join(r.sources), rate=f.pct(r.rate))
        if r.median_hours is not None:
            text += f.t("reply_median", age=f.age(r.median_hours))
        return text + "."

    def health(self, s: SourceInfo) -> str:
        f = self.f
        if s.layout_suspect:
            return f.t("broken_layout")
        if s.broken:
            text = f.t("broken_failed", status=s.last_status)
            if s.failures_in_row > 1:
                text += ", " + f.t("broken_times", n=s.failures_in_row)
            return text
        if s.last_status is None:
            return f.t("never_run") if s.source_key else "–"
        return f.t("healthy")

    def last_run(self, s: SourceInfo) -> str:
        return self.f.t("last_run", when=self.f.when(s.last_run_at)) if s.last_run_at else ""
