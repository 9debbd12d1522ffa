"""The digest's charts as small PNG images, sent inline (``cid:``) with the e-mail.

Why PNG through matplotlib: mail clients drop SVG, scripts and remote images, but show an
attached PNG. The figures are drawn with the object API (no pyplot, no global state) on the
Agg backend, so the daemon can render from any thread. Each image is opaque and light, so it
stays readable when a client switches to dark mode, and is reduced to a small palette to keep
the message small. The numbers of each chart are also returned as words (``alt``): the
HTML's alt text and the plain-text part carry them for readers who see no image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from reports.build import BrandSection, TopicRow
from reports.i18n import Formatter
from reports.periods import Period

#: Display width in CSS pixels; the images are drawn at twice that for sharp phone screens.
WIDTH_PX = 600
SCALE = 2
DPI = 100 * SCALE
PALETTE_COLOURS = 48

INK, MUTED, GRID = "#1f2328", "#59636e", "#d8dee4"
BLUE, BLUE_LIGHT = "#0969da", "#a9c9ef"
RED, RED_LIGHT = "#cf222e", "#f2b8bc"
STYLE = {
    "font.size": 12,
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class Chart:
    name: str  # mentions | ratings | topics
    cid: str  # Content-ID, without brackets
    png: bytes
    alt: str
    width: int  # CSS pixels
    height: int


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / 100, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> tuple[bytes, int]:
    """The figure as a palette PNG (a few colours compress far better than anti-aliased RGB)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    small = image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.height // SCALE


def _style(ax) -> None:
    ax.tick_params(length=0)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _date_ticks(ax, days: Sequence, f: Formatter, ticks: int = 6) -> None:
    """At most about ``ticks`` date labels, the last one on the period's last day."""
    step = max(1, -(-len(days) // ticks))
    idx = list(range(len(days) - 1, -1, -step))[::-1]
    ax.set_xticks(idx, [f.short_day(days[i]) for i in idx])


def mentions_chart(b: BrandSection, f: Formatter) -> tuple[bytes, int]:
    """Stacked bars per day (negative in red), the period in strong colours, and a dashed line
    at the baseline's daily average."""
    c = b.charts
    n = len(c.daily)
    start = n - c.period_days
    fig = _figure(2.6)
    with _rc():
        ax = fig.add_subplot()
        _style(ax)
        neg = [d.negative for d in c.daily]
        rest = [d.mentions - d.negative for d in c.daily]
        x = list(range(n))
        ax.bar(x, neg, color=[RED if i >= start else RED_LIGHT for i in x], width=0.8)
        ax.bar(x, rest, bottom=neg, color=[BLUE if i >= start else BLUE_LIGHT for i in x], width=0.8)
        ax.axhline(c.baseline_per_day, color=INK, linestyle=(0, (4, 3)), linewidth=1)
        ax.annotate(
            f.t("chart_usual", n=f.num(c.baseline_per_day, 1)),
            (0, c.baseline_per_day),
            xytext=(2, 3),
            textcoords="offset points",
            color=INK,
            fontsize=11,
        )
        ax.set_xlim(-0.6, n - 0.4)
        _date_ticks(ax, [d.day for d in c.daily], f)
        ax.set_title(f.t("chart_mentions"), loc="left", fontsize=13, color=INK)
        fig.tight_layout(pad=0.6)
        return _png(fig)


def _rolling(values: Sequence[tuple[float, int]], days: int = 7) -> list[float | None]:
    """Average stars over the last ``days`` days (weighted by reviews); None without reviews."""
    out = []
    for i in range(len(values)):
        part = values[max(0, i - days + 1) : i + 1]
        count = sum(k for _, k in part)
        out.append(sum(s for s, _ in part) / count if count else None)
    return out


def ratings_chart(b: BrandSection, f: Formatter, period: Period) -> tuple[bytes, int]:
    """Left: average stars per day with a 7-day line; right: the period's 5★…1★ counts, with a
    tick where the baseline's share would put them."""
    c = b.charts
    n = len(c.daily)
    start = n - c.period_days
    fig = _figure(2.8)
    with _rc():
        grid = fig.add_gridspec(1, 2, width_ratios=[3, 2], wspace=0.35)
        ax = fig.add_subplot(grid[0])
        _style(ax)
        pts = [(i, d.avg_rating) for i, d in enumerate(c.daily) if d.avg_rating is not None]
        ax.scatter(
            [i for i, _ in pts],
            [r for _, r in pts],
            s=12,
            color=[BLUE if i >= start else BLUE_LIGHT for i, _ in pts],
            zorder=3,
        )
        line = _rolling([(d.rating_sum, d.rated) for d in c.daily])
        ax.plot(range(n), [v if v is not None else float("nan") for v in line], color=INK, linewidth=1.4)
        ax.set_ylim(0.8, 5.2)
        ax.set_yticks([1, 2, 3, 4, 5], ["1★", "2★", "3★", "4★", "5★"])
        ax.set_xlim(-0.6, n - 0.4)
        _date_ticks(ax, [d.day for d in c.daily], f, ticks=3)
        ax.set_title(f.t("chart_ratings"), loc="left", fontsize=13, color=INK)

        bx = fig.add_subplot(grid[1])
        bx.tick_params(length=0)
        stars = c.stars
        rows = list(range(5))  # 1★ at the bottom
        colours = [RED, RED, MUTED, BLUE, BLUE]
        bx.barh(rows, stars, color=colours, height=0.65)
        base_total, total = sum(c.baseline_stars), sum(stars)
        if base_total and total:
            for i in rows:
                exp = c.baseline_stars[i] / base_total * total
                bx.plot([exp, exp], [i - 0.42, i + 0.42], color=INK, linewidth=1.6)
        top = max(stars + [1])
        for i in rows:
            bx.text(stars[i] + top * 0.03, i, f.num(stars[i]), va="center", fontsize=11, color=INK)
        bx.set_yticks(rows, [f"{i + 1}★" for i in rows])
        bx.set_xlim(0, top * 1.25)
        bx.set_xticks([])
        for side in ("top", "right", "bottom"):
            bx.spines[side].set_visible(False)
        bx.set_title(f.t("chart_stars", period=f.period_short(period)), loc="left", fontsize=13, color=INK)
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.86)
        return _png(fig)


def topics_chart(rows: Sequence[TopicRow], f: Formatter) -> tuple[bytes, int]:
    """Complaints per topic on one shared scale, the expected level as a black line."""
    fig = _figure(0.8 + 0.34 * len(rows))
    with _rc():
        ax = fig.add_subplot()
        ax.tick_params(length=0)
        y = list(range(len(rows)))[::-1]  # the biggest on top
        ax.barh(y, [r.complaints for r in rows], color=[RED if r.above else BLUE for r in rows], height=0.62)
        top = max([r.complaints for r in rows] + [r.expected for r in rows] + [1])
        for yi, r in zip(y, rows):
            ax.plot([r.expected, r.expected], [yi - 0.42, yi + 0.42], color=INK, linewidth=1.6)
            ax.text(
                max(r.complaints, r.expected) + top * 0.02,
                yi,
                f"{f.num(r.complaints)}  ({f.t('expected')} {f.num(r.expected, 1 if r.expected < 10 else 0)})",
                va="center",
                fontsize=11,
                color=INK,
            )
        ax.set_yticks(y, [r.label for r in rows])
        ax.set_xlim(0, top * 1.45)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines["left"].set_visible(False)
        ax.set_title(f.t("chart_topics"), loc="left", fontsize=13, color=INK)
        fig.tight_layout(pad=0.6)
        return _png(fig)


def _rc():
    import matplotlib

    return matplotlib.rc_context(STYLE)


# --------------------------------------------------------------------------- words


def mentions_alt(b: BrandSection, f: Formatter, period: Period) -> str:
    c = b.charts
    mentions = sum(d.mentions for d in c.period)
    classified = sum(d.classified for d in c.period)
    negative = sum(d.negative for d in c.period) / classified if classified else None
    return f.t(
        "alt_mentions",
        period=f.period(period),
        mentions=f.tn("n_mentions", mentions),
        negative=f.pct(negative),
        base=f.t("base_short_" + period.kind),
        per_day=f.num(c.baseline_per_day, 1),
        base_negative=f.pct(c.baseline_negative_share),
    )


def _avg(stars: Sequence[int]) -> float | None:
    total = sum(stars)
    return sum((i + 1) * k for i, k in enumerate(stars)) / total if total else None


def ratings_alt(b: BrandSection, f: Formatter, period: Period) -> str:
    c = b.charts
    counts = ", ".join(f"{i + 1}★ {f.num(c.stars[i])}" for i in range(4, -1, -1))
    return f.t(
        "alt_ratings",
        period=f.period(period),
        avg=f.num(_avg(c.stars), 1),
        base=f.t("base_short_" + period.kind),
        base_avg=f.num(_avg(c.baseline_stars), 1),
        stars=counts,
    )


def topics_alt(rows: Sequence[TopicRow], f: Formatter, period: Period) -> str:
    items = ", ".join(
        f"{r.label} {f.num(r.complaints)} ({f.num(r.expected, 1 if r.expected < 10 else 0)})" for r in rows
    )
    return f.t("alt_topics", period=f.period(period), topics=items)


def brand_charts(b: BrandSection, f: Formatter, period: Period, prefix: str) -> list[Chart]:
    """The charts of one brand block; a chart without data is left out."""
    out = []
    if b.mentions or any(d.mentions for d in b.charts.daily):
        png, h = mentions_chart(b, f)
        out.append(Chart("mentions", f"{prefix}mentions", png, mentions_alt(b, f, period), WIDTH_PX, h))
    if any(d.rated for d in b.charts.daily):
        png, h = ratings_chart(b, f, period)
        out.append(Chart("ratings", f"{prefix}ratings", png, ratings_alt(b, f, period), WIDTH_PX, h))
    rows = [r for r in b.topics if r.complaints or r.expected >= 0.5]
    if rows:
        png, h = topics_chart(rows, f)
        out.append(Chart("topics", f"{prefix}topics", png, topics_alt(rows, f, period), WIDTH_PX, h))
    return out
