"""Turn a DigestView into e-mail-safe HTML, a plain-text twin and the inline chart images.

Why these choices: mention texts are untrusted, so the HTML environment autoescapes and
links are only emitted for http(s) URLs (autoescape does not stop ``javascript:``). Mail
clients drop or rewrite <style> blocks, so css-inline copies every rule into style
attributes; the dark-mode and narrow-screen media queries cannot be inlined and stay in a
<style data-css-inline="keep"> block. No script, no remote stylesheet, no external image:
the charts travel with the message as ``cid:`` parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.build import BrandSection, DigestView
from reports.charts import Chart, brand_charts
from reports.i18n import Formatter
from reports.queries import BrandFigures, SwitchLead, TopicShare, WorseTopic
from reports.queries.compare import MIN_COMPLAINTS
from reports.summary import SUMMARY_PROBLEMS, preheader, problem_phrase, subject_line, summary_sentences
from reports.text import QUOTE_CHARS, clip, safe_url, wrap_text
from reports.wording import Wording

__all__ = ["QUOTE_CHARS", "Rendered", "clip", "render", "safe_url"]

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    images: dict[str, bytes] = field(default_factory=dict)  # Content-ID -> PNG
    preheader: str = ""


class CompareWording:
    """The competitor comparison in words, the same in the HTML and the text part."""

    def __init__(self, f: Formatter, topic_name):
        self.f = f
        self.topic_name = topic_name

    def line(self, o: BrandFigures, us: BrandFigures) -> str:
        """A day's one line per competitor: share of voice, negative share, stars vs ours."""
        f = self.f
        text = f.t(
            "cmp_line",
            brand=o.brand,
            share=f.pct(o.share),
            our_share=f.pct(us.share),
            negative=f.pct(o.current.negative_share),
            our_negative=f.pct(us.current.negative_share),
        )
        if o.current.avg_rating is not None or us.current.avg_rating is not None:
            text += f.t(
                "cmp_line_stars",
                stars=f.stars(o.current.avg_rating),
                our_stars=f.stars(us.current.avg_rating),
            )
        return text

    def of(self, s: TopicShare) -> str:
        """ "9 von 11"; nothing where the brand has no mention of the topic."""
        if not s.mentions:
            return ""
        return self.f.t("cmp_of", complaints=self.f.num(s.complaints), mentions=self.f.num(s.mentions))

    def cell(self, s: TopicShare) -> str:
        """ "82 % (9 von 11)", or "–"."""
        return f"{self.f.pct(s.share)} ({self.of(s)})" if s.mentions else "–"

    def worse(self, x: WorseTopic) -> str:
        f = self.f
        return f.t(
            "cmp_worse",
            topic=self.topic_name(x.topic),
            ours=f.pct(x.ours.share),
            our_n=self.of(x.ours),
            theirs=f.pct(x.theirs.share),
            their_n=self.of(x.theirs),
            competitor=x.competitor,
        )

    def worse_note(self) -> str:
        return self.f.t("cmp_worse_note", n=self.f.num(MIN_COMPLAINTS))

    def switch(self, s: SwitchLead) -> str:
        return self.f.t("cmp_switch" if s.cue else "cmp_names", name=s.competitor)


def _problem_links(b: BrandSection, f: Formatter, topic_name) -> list[tuple[str, int]]:
    """The summary's problems that belong to an incident: (phrase, incident id)."""
    return [
        (problem_phrase(p, f, topic_name), p.incident_id)
        for p in b.problems[:SUMMARY_PROBLEMS]
        if p.incident_id is not None
    ]


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
    return env


@lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    return _env(True), _env(False)


def render(v: DigestView, *, topic_labels: dict[str, str] | None = None, charts: bool = True) -> Rendered:
    """Render both parts and the charts; the HTML comes back with every CSS rule inlined.

    ``charts=False`` leaves the images out (a preview where only the words matter)."""
    f = Formatter(v.language, ZoneInfo(v.timezone))
    w = Wording(f, topic_labels or {})
    html_env, text_env = _environments()
    subj = subject_line(v, f, w.topic_name)
    brand_charts_: list[list[Chart]] = [
        brand_charts(b, f, v.period, f"b{i}-") if charts and not v.empty else []
        for i, b in enumerate(v.brands)
    ]
    ctx = {
        "v": v,
        "f": f,
        "w": w,
        "subject": subj,
        "title": f.t("title_" + v.period.kind, brands=", ".join(b.name for b in v.brands) or "brandpulse"),
        "preheader": preheader(v, f, w.topic_name),
        "summaries": [summary_sentences(b, v, f, w.topic_name) for b in v.brands],
        "problem_links": [_problem_links(b, f, w.topic_name) if v.links.enabled else [] for b in v.brands],
        "cw": CompareWording(f, w.topic_name),
        "charts": [{c.name: c for c in cs} for cs in brand_charts_],
        "prev_label": f.t("prev_short_" + v.period.kind),
        "base_label": f.t("base_short_" + v.period.kind),
    }
    raw_html = html_env.get_template("digest.html.j2").render(ctx)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False)
    html = inliner.inline(raw_html)
    text = wrap_text(text_env.get_template("digest.txt.j2").render(ctx))
    images = {c.cid: c.png for cs in brand_charts_ for c in cs}
    return Rendered(subject=subj, html=html, text=text, images=images, preheader=ctx["preheader"])
