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

from reports.build import DigestView
from reports.charts import Chart, brand_charts
from reports.i18n import Formatter
from reports.summary import preheader, subject_line, summary_sentences
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
