"""The digest's opening: two or three plain sentences, the subject line and the preheader.

Why templates and not a language model: the sentences must be true to the figures below
them, in German and English, offline and the same on every re-render. They answer what a
reader forwards: what is burning (the top problems), who waits for us (critics without an
answer) and where we are heading (the period against the one before).
"""

from __future__ import annotations

from collections.abc import Callable

from reports.build import BrandSection, DigestView
from reports.i18n import Formatter
from reports.queries import Problem
from reports.text import clip

#: How many problems the summary names; the subject names the worst one.
SUMMARY_PROBLEMS = 2
#: An incident headline longer than this is cut at a word in the subject line.
SUBJECT_PROBLEM_CHARS = 80
#: A change smaller than this (percent) is "about as many".
SAME_PCT = 5.0


def problem_phrase(p: Problem, f: Formatter, topic_name: Callable[[str | None], str]) -> str:
    """One problem in a few words: an incident's own headline, or worded from its alert."""
    if p.headline:
        return p.headline
    a = p.alert
    complaints = f.tn("n_complaints", round(a.observed or 0))
    expected = f.num(a.expected, 1 if (a.expected or 0) < 10 else 0)
    if a.kind == "churn":
        return f.t("prob_churn", customers=f.tn("n_customers", round(a.authors or a.observed or 0)))
    if a.kind == "theme":
        return f.t("prob_theme", topic=topic_name(a.topic), complaints=complaints)
    if not a.topic:
        return f.t("prob_total", complaints=complaints, expected=expected)
    return f.t("prob_spike", topic=topic_name(a.topic), complaints=complaints, expected=expected)


def _trend(b: BrandSection, v: DigestView, f: Formatter) -> str:
    mentions, negative = b.metric("m_mentions"), b.metric("m_negative")
    prev = f.t("prev_" + v.period.kind)
    if not mentions.previous:
        change = f.t("sum_from_none", prev=prev)
    else:
        pct = mentions.relative(mentions.previous) or 0.0
        if abs(pct) < SAME_PCT:
            change = f.t("sum_same", prev=prev)
        else:
            key = "sum_more" if pct > 0 else "sum_fewer"
            change = f.t(key, pct=f.num(abs(pct)) + f.percent_unit(), prev=prev)
    return f.t(
        "sum_trend",
        mentions=f.tn("n_mentions", int(mentions.current or 0)),
        change=change,
        negative=f.pct(negative.current),
        prev=prev,
        prev_negative=f.pct(negative.previous),
    )


def _waiting(b: BrandSection, f: Formatter) -> str:
    if not b.waiting:
        return f.t("sum_none_waiting") + "."
    critics = f.tn("n_critics_waiting", b.waiting)
    if b.longest_wait_h is None:
        return f.t("sum_waiting", critics=critics) + "."
    return f.t("sum_waiting_longest", critics=critics, age=f.age(b.longest_wait_h)) + "."


def _comparison(b: BrandSection, v: DigestView, f: Formatter, topic_name: Callable[[str | None], str]) -> str:
    """Our share of voice against the tracked competitors, and the topics where we do worse."""
    c = b.comparison
    values = {
        "names": ", ".join(o.brand for o in c.competitors),
        "share": f.pct(c.ours.share),
        "prev": f.t("prev_" + v.period.kind),
        "prev_share": f.pct(c.ours.previous_share),
    }
    topics = list(dict.fromkeys(topic_name(x.topic) for x in c.worse))
    if topics:
        return f.t("sum_compare_worse", topics=", ".join(topics), **values)
    return f.t("sum_compare", **values)


def summary_sentences(
    b: BrandSection, v: DigestView, f: Formatter, topic_name: Callable[[str | None], str]
) -> list[str]:
    """Problems, critics waiting, trend (and against the competitors, where the brand tracks
    some): the reader's first 15 seconds."""
    problems = [problem_phrase(p, f, topic_name) for p in b.problems[:SUMMARY_PROBLEMS]]
    if not problems:
        first = f.t("sum_no_problem")
    else:
        first = f.t("sum_problem" if len(problems) == 1 else "sum_problems", problems="; ".join(problems))
    out = [first, _waiting(b, f), _trend(b, v, f)]
    if b.comparison is not None:
        out.append(_comparison(b, v, f, topic_name))
    return out


def subject_line(v: DigestView, f: Formatter, topic_name: Callable[[str | None], str]) -> str:
    """The brand(s) and the worst problem of the period; a calm or quiet period says so."""
    names = ", ".join(b.name for b in v.brands) or "brandpulse"
    period = f.period(v.period)
    if v.empty:
        return f.t("subject_quiet", brands=names, period=period)
    worst = max((p for b in v.brands for p in b.problems[:1]), key=lambda p: p.severity, default=None)
    if worst is None:
        return f.t("subject_calm", brands=names, period=period, mentions=f.tn("n_mentions", v.mentions))
    problem = clip(problem_phrase(worst, f, topic_name), SUBJECT_PROBLEM_CHARS)
    return f.t("subject", brands=names, problem=problem, period=period)


def preheader(v: DigestView, f: Formatter, topic_name: Callable[[str | None], str]) -> str:
    """The inbox preview line: the summary (per brand when there are several)."""
    if v.empty:
        return f.t("empty_all_ok") if not v.broken_count else ""
    parts = []
    for b in v.brands:
        text = " ".join(summary_sentences(b, v, f, topic_name))
        parts.append(f"{b.name}: {text}" if len(v.brands) > 1 else text)
    return " ".join(parts)
