"""``brandpulse status`` at 80 columns: statuses and times whole, crawl jobs told apart."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from monitor.cli import status as status_cli
from monitor.cli.tables import FitTable
from monitor.core.config import parse_watchlist
from monitor.core.times import iso
from monitor.daemon.status import collect_status

LOCAL = "http://127.0.0.1:9"
SOURCES = [
    {"type": "appstore", "app_id": "284815942", "country": "us", "base_url": LOCAL},
    {"type": "trustpilot", "domain": "nordwind-versand.de", "base_url": LOCAL},
    {"type": "feed", "url": "https://www.google.com/alerts/feeds/1/2", "base_url": LOCAL},
    {"type": "feed", "url": "https://logistik-blog.example.de/news.rss", "base_url": LOCAL},
    {"type": "schemaorg", "urls": ["https://shop.example.de/p/a.html", "https://shop.example.de/p/b.html"]},
    {"type": "reddit", "base_url": LOCAL},
    {"type": "mastodon", "instance": "mastodon.example", "hashtag": "nordwind", "base_url": LOCAL},
]
TIME = re.compile(r"\d\d-\d\d \d\d:\d\d")


def _watchlist(brands: list[dict]):
    return parse_watchlist({"version": 1, "archive": "x.db", "timezone": "Europe/Berlin", "brands": brands})


def _render(brands: list[dict], monkeypatch, width: int = 80) -> str:
    wl = _watchlist(brands)
    now = datetime.now(UTC).replace(microsecond=0)
    st = collect_status(wl, None, now=now)
    ran = iso(now - timedelta(minutes=5))
    for j in st["jobs"]:
        j["last_started_at"], j["last_status"] = ran, "ok"
    for n, s in enumerate(st["sources"]):
        failed = n == 1
        s.update(
            status="failed" if failed else "ok",
            last_run=ran,
            last_ok_at=ran,
            items_new=3,
            items_seen=40,
            message="HTTP error 503" if failed else None,
        )
    buf = io.StringIO()
    monkeypatch.setattr(status_cli, "console", Console(file=buf, width=width, color_system=None))
    status_cli.render(st, wl.tz)
    return buf.getvalue()


def _table(out: str, title: str) -> list[str]:
    """The rows of one table: below its header rule, up to a reason line or the next title."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rule = next(i for i in range(start, len(lines)) if lines[i].startswith("───"))
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip() or line.startswith(("  ", "Sources", "Open alerts", "Last digest")):
            break
        rows.append(line)
    return rows


ONE = [{"name": "Nordwind Versand Logistik GmbH", "sources": SOURCES}]
TWO = [
    {"name": "Nordwind Versand Logistik GmbH", "competitors": ["Apple"], "sources": SOURCES},
    {"name": "Apple", "competitor": True, "sources": [{"type": "hackernews", "query": "apple"}]},
]


THREE = [
    {
        "name": "Nordwind Versand Logistik GmbH",
        "competitors": ["Apple", "Südwind Paketdienst"],
        "sources": SOURCES,
    },
    {"name": "Apple", "competitor": True, "sources": [{"type": "hackernews", "query": "apple"}]},
    {"name": "Südwind Paketdienst", "competitor": True, "sources": [{"type": "reddit", "base_url": LOCAL}]},
]


# With one brand the Sources table has no brand column and fits 80 columns anyway.
@pytest.mark.parametrize("brands", [TWO, THREE], ids=["with-competitor", "two-competitors"])
def test_status_at_80_columns_keeps_statuses_and_times_whole(brands, monkeypatch):
    out = _render(brands, monkeypatch)
    assert max(len(line) for line in out.splitlines()) <= 80, out
    sources = _table(out, "Sources")
    assert len(sources) == sum(len(b["sources"]) for b in brands), out
    for row in sources:
        assert len(TIME.findall(row)) >= 1, row  # "11-30 14:…" would not match
        assert re.search(r"\s(ok|failed)\s", row), row  # "stat…", "fail…" would not match
    assert sum(" failed " in row for row in sources) == 1
    jobs = _table(out, "Jobs")
    for row in jobs:
        assert TIME.search(row) and re.search(r"\sok\s", row), row


@pytest.mark.parametrize("brands", [ONE, TWO, THREE], ids=["one-brand", "with-competitor", "two-competitors"])
def test_status_at_80_columns_tells_crawl_jobs_apart(brands, monkeypatch):
    out = _render(brands, monkeypatch)
    crawl_cells = [row.split("   ")[0].strip() for row in _table(out, "Jobs") if row.startswith("crawl")]
    assert len(crawl_cells) == sum(len(b["sources"]) for b in brands), out
    assert len(set(crawl_cells)) == len(crawl_cells), crawl_cells


def test_fit_table_drops_optional_columns_right_to_left_before_cutting_fixed_ones():
    t = FitTable()
    t.column("name", flexible=True)
    t.column("status")
    t.column("a", optional=True)
    t.column("b", optional=True)
    t.row("a rather long name of a thing", "failed", "x" * 12, "y" * 12)
    buf = io.StringIO()
    Console(file=buf, width=40).print(t)
    header, _, row = buf.getvalue().splitlines()
    assert header.split() == ["name", "status", "a"]  # "b", the rightmost optional one, left out
    assert "failed" in row and "x" * 12 in row and len(row) <= 40
    # Too narrow to keep any optional column: the flexible one shrinks below MIN_FLEX before
    # the fixed status is cut.
    buf = io.StringIO()
    Console(file=buf, width=16).print(t)
    header, _, row = buf.getvalue().splitlines()
    assert header.split() == ["name", "status"] and row.endswith("failed") and len(row) <= 16
