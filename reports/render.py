"""Turn a DigestView into e-mail-safe HTML and a plain-text twin.

Why these choices: mention texts are untrusted, so the HTML environment autoescapes and
links are only emitted for http(s) URLs (autoescape does not stop ``javascript:``). Mail
clients drop or rewrite <style> blocks, so css-inline copies every rule into style
attributes; the dark-mode and narrow-screen media queries cannot be inlined and stay in a
<style data-css-inline="keep"> block. No script, no remote stylesheet, no external image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.build import DigestView, Metric
from reports.i18n import Formatter
from reports.queries import AlertInfo, MentionView, SourceInfo
from reports.triage import Ranked

TEMPLATES = Path(__file__).parent / "templates"
QUOTE_CHARS = 280
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPARKS = "▁▂▃▄▅▆▇█"


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def clip(text: str | None, limit: int = QUOTE_CHARS) -> str:
    """Whitespace collapsed, control characters dropped, cut at a word near ``limit``."""
    s = _SPACE.sub(" ", _CONTROL.sub("", text or "")).strip()
    if len(s) <= limit:
        return s
    cut = s[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None (no javascript:/data: links)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(c in url for c in ' "<>`'):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def sparkline(values: list[int]) -> str:
    top = max(values) if values else 0
    if not top:
        return _SPARKS[0] * len(values)
    return "".join(_SPARKS[min(7, round(7 * v / top))] for v in values)


def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"]) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clip"] = clip
    env.filters["safe_url"] = safe_url
    env.filters["sparkline"] = sparkline
    return env


@lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    return _env(True), _env(False)


class _Helpers:
    """Formatting that needs both the locale and digest semantics (kept out of templates)."""

    def __init__(self, f: Formatter, topic_labels: dict[str, str]):
        self.f = f
        self.topic_labels = topic_labels

    def metric_value(self, m: Metric) -> str:
        f = self.f
        if m.kind == "count":
            return f.num(m.current)
        if m.kind == "share":
            return f.pct(m.current)
        if m.kind == "rating":
            return f.num(m.current, 1) + ("\u00a0★" if m.current is not None else "")
        return f.signed(m.current)

    def metric_change(self, m: Metric, ref: float | None) -> str:
        f = self.f
        d = m.change(ref)
        if m.kind == "count":
            return f.signed(d)
        if m.kind == "rating":
            return f.signed(d, 1)
        return f.signed(d, 1 if m.kind == "share" else 0, f.points_unit())

    def metric_base(self, m: Metric) -> str:
        if m.kind == "count":
            return self.f.signed(m.relative_to_baseline(), 0, self.f.percent_unit())
        return self.metric_change(m, m.baseline)

    def topic_name(self, topic: str | None) -> str:
        return self.topic_labels.get(topic or "", topic or "–")

    def alert_evidence(self, a: AlertInfo) -> str:
        f = self.f
        if a.expected is None:
            return f.t("evidence_count", observed=f.num(a.observed), authors=f.tn("n_authors", a.authors))
        if a.p_value is None:
            p = "= –"
        elif a.p_value < 0.001:
            p = "< " + f.num(0.001, 3)
        else:
            p = "= " + f.num(a.p_value, 3)
        return f.t(
            "evidence",
            observed=f.num(a.observed),
            expected=f.num(a.expected, 1),
            ratio=f.num(a.ratio, 1),
            p=p,
            authors=f.tn("n_authors", a.authors),
        )

    def alert_kind(self, a: AlertInfo) -> str:
        key = "alert_" + a.kind
        return self.f.t(key) if key in self.f.strings else a.kind

    def alert_status(self, a: AlertInfo) -> str:
        key = "status_" + a.status
        return self.f.t(key) if key in self.f.strings else a.status

    def mention_meta(self, m: MentionView) -> str:
        """ "Trustpilot · Petra K. · 1★ · 21. Nov. 2026, 21:30" (escaped by the template)."""
        f = self.f
        parts = [m.source_label]
        if m.author:
            parts.append(clip(m.author, 40))
        if m.rating:
            parts.append(f.num(m.rating) + "★")
        parts.append(f.when(m.published_at))
        return " · ".join(parts)

    def reasons(self, r: Ranked) -> str:
        f = self.f
        words = []
        for code in r.reasons:
            if code == "churn":
                hint = r.churn_hint or ""
                if hint.startswith("switch to "):
                    words.append(f.t("why_switch", name=hint.removeprefix("switch to ")))
                else:
                    words.append(f.t("why_cancel"))
            elif code == "reach":
                words.append(f.t("why_reach", reach=f.num(r.mention.reach)))
            else:
                words.append(f.t("why_" + code))
        return " · ".join(words)

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


def subject(v: DigestView, f: Formatter) -> str:
    names = ", ".join(b.name for b in v.brands) or "brandpulse"
    if v.empty:
        return f.t("subject_quiet", brands=names, day=f.day(v.day))
    return f.t(
        "subject",
        brands=names,
        day=f.day(v.day),
        mentions=f.tn("n_mentions", v.mentions),
        alerts=f.tn("n_alerts", v.alert_count),
    )


def render(v: DigestView, *, topic_labels: dict[str, str] | None = None) -> Rendered:
    """Render both parts; the HTML comes back with every CSS rule inlined."""
    f = Formatter(v.language, ZoneInfo(v.timezone))
    h = _Helpers(f, topic_labels or {})
    html_env, text_env = _environments()
    subj = subject(v, f)
    ctx = {
        "v": v,
        "f": f,
        "subject": subj,
        "metric_value": h.metric_value,
        "metric_change": h.metric_change,
        "metric_base": h.metric_base,
        "topic_name": h.topic_name,
        "alert_evidence": h.alert_evidence,
        "reasons": h.reasons,
        "alert_kind": h.alert_kind,
        "alert_status": h.alert_status,
        "mention_meta": h.mention_meta,
        "health": h.health,
        "last_run": h.last_run,
    }
    raw_html = html_env.get_template("digest.html.j2").render(ctx)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False)
    html = inliner.inline(raw_html)
    text = text_env.get_template("digest.txt.j2").render(ctx)
    return Rendered(subject=subj, html=html, text=text)
