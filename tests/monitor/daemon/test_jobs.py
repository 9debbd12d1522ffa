"""The daemon's job functions (monitor/daemon/jobs.py): what they pass to the stages, what they record."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

import crawler.launch
import monitor.enrich.run
import reports.pipeline
from crawler.launch import CrawlOutcome
from monitor.core.config import parse_watchlist
from monitor.core.config_digest import MonthlyDigest, WeeklyDigest
from monitor.daemon import jobs
from monitor.daemon.jobs import JobContext, JobResult, Stopping, only_source, run_recorded
from monitor.daemon.schedule import build_jobs


@pytest.fixture
def two_feeds(watchlist):
    """Acme with two sources of the same type (each gets its own crawl job)."""
    data = watchlist.model_dump(mode="json", exclude_none=True)
    data["brands"][0]["sources"] = [
        {"type": "feed", "url": "https://example.org/a.xml"},
        {"type": "feed", "url": "https://example.org/b.xml"},
    ]
    wl = parse_watchlist(data)
    wl.source_path = watchlist.source_path
    return wl


def crawl_spec(wl, n=0):
    return [s for s in build_jobs(wl) if s.kind == "crawl"][n]


def outcome(status="ok", new=3, seen=7, message=None):
    return CrawlOutcome(
        run_id=1,
        brand="Acme",
        source_type="feed",
        source_key="k",
        status=status,
        items_new=new,
        items_seen=seen,
        message=message,
    )


def test_only_source_keeps_one_source_and_the_archive(two_feeds):
    second = two_feeds.brands[0].sources[1]
    sub = only_source(two_feeds, "Acme", second.key)
    assert [s.key for s in sub.brands[0].sources] == [second.key]
    assert sub.archive_path == two_feeds.archive_path and sub.source_path == two_feeds.source_path
    assert len(two_feeds.brands[0].sources) == 2  # the original is untouched
    with pytest.raises(KeyError, match="no longer in the watchlist"):
        only_source(two_feeds, "Acme", "feed:url=https://gone.example")


def test_crawl_job_runs_exactly_its_source(two_feeds, monkeypatch):
    calls = []

    def fake_run_crawl(wl, *, source_type=None, brand=None, timeout_s=None):
        calls.append((wl, source_type, brand, timeout_s))
        return [outcome()]

    monkeypatch.setattr(crawler.launch, "run_crawl", fake_run_crawl)
    spec = crawl_spec(two_feeds, 1)
    result = jobs.crawl(two_feeds, spec, JobContext())
    (wl, source_type, brand, timeout_s) = calls[0]
    assert [s.key for s in wl.brands[0].sources] == [spec.source_key]
    assert (source_type, brand, timeout_s) == ("feed", "Acme", 20 * 60)
    assert result == JobResult("ok", "3 new, 7 seen; crawl ok", changed=3)

    jobs.crawl(two_feeds, spec, JobContext(crawl_timeout_s=7))
    assert calls[-1][3] == 7


def test_crawl_job_failure_and_shutdown(two_feeds, monkeypatch):
    monkeypatch.setattr(
        crawler.launch, "run_crawl", lambda wl, **kw: [outcome("timeout", 0, 0, "killed after 60s")]
    )
    result = jobs.crawl(two_feeds, crawl_spec(two_feeds), JobContext())
    assert result.status == "failed" and "killed after 60s" in result.message

    stopping = threading.Event()
    stopping.set()
    monkeypatch.setattr(
        crawler.launch,
        "run_crawl",
        lambda wl, **kw: [outcome("failed", 2, 0, "crawler exited with status -15")],
    )
    result = jobs.crawl(two_feeds, crawl_spec(two_feeds), JobContext(stopping=stopping))
    assert result.status == "interrupted" and result.changed == 2


def test_digest_job_covers_the_day_before_its_scheduled_time(watchlist, monkeypatch):
    seen = {}

    def fake_run_digest(wl, archive, *, period=None, send=False, out=None):
        seen.update(period=period, send=send)
        return [
            reports.pipeline.DigestResult(
                period, "default", "de", "s", None, None, False, {"team@example.com": "sent"}
            )
        ]

    monkeypatch.setattr(reports.pipeline, "run_digest", fake_run_digest)
    spec = next(s for s in build_jobs(watchlist) if s.kind == "digest")
    # Made up at 00:30 UTC on the 23rd for the 07:00 Berlin run of the 22nd: still the 21st.
    ctx = JobContext(fire_time=datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    result = jobs.digest(watchlist, spec, ctx)
    assert seen == {"period": date(2026, 11, 21), "send": True}
    assert result.status == "ok" and "1 sent, 0 failed" in result.message

    no_recipients = watchlist.model_copy(
        update={"digest": watchlist.digest.model_copy(update={"recipients": []})}
    )
    jobs.digest(no_recipients, spec, ctx)
    assert seen["send"] is False  # rendered to disk, nothing to send to


def test_enrich_job_loads_the_model_once(watchlist, monkeypatch):
    loads = []

    class Model:
        version = "fake-1"

    def load(wl):
        loads.append(wl.sentiment.model)
        return Model()

    def fake_run_enrich(wl, archive, *, model=None, progress=None):
        progress(10, 20)
        return monitor.enrich.run.EnrichStats(model_version=model.version, pending=20, enriched=20)

    monkeypatch.setattr(monitor.enrich.run, "load_configured_model", load)
    monkeypatch.setattr(monitor.enrich.run, "run_enrich", fake_run_enrich)
    monkeypatch.setattr(jobs, "_model_cache", {})
    spec = next(s for s in build_jobs(watchlist) if s.kind == "enrich")
    for _ in range(3):
        result = jobs.enrich(watchlist, spec, JobContext())
    assert loads == ["embedded"] and result.changed == 20
    assert result.message.startswith("20 of 20 enriched") and "fake-1" in result.message
    # Other sentiment settings: loaded again.
    other = watchlist.model_copy(
        update={"sentiment": watchlist.sentiment.model_copy(update={"batch_size": 8})}
    )
    jobs.enrich(other, spec, JobContext())
    assert len(loads) == 2


def test_run_recorded_keeps_every_outcome(archive, watchlist):
    spec = next(s for s in build_jobs(watchlist) if s.kind == "detect")

    def ok(wl, spec, ctx):
        return JobResult("ok", "2 alert change(s)", changed=2)

    def broken(wl, spec, ctx):
        raise ValueError("bad baseline")

    def stopped(wl, spec, ctx):
        raise Stopping("daemon is shutting down")

    for func in (ok, broken, stopped):
        run_recorded(func, watchlist, spec, JobContext())
    rows = archive.conn.execute(
        "SELECT job, status, message, finished_at FROM job_runs ORDER BY id"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("detect", "ok"), ("detect", "failed"), ("detect", "interrupted")]
    assert rows[0][2].startswith("2 alert change(s) (") and "ValueError: bad baseline" in rows[1][2]
    assert all(r[3] for r in rows)


def test_weekly_and_monthly_digest_jobs_cover_the_last_complete_period(watchlist, monkeypatch):
    seen = []

    def fake_run_digest(wl, archive, *, period=None, send=False, out=None):
        seen.append(period)
        return []

    monkeypatch.setattr(reports.pipeline, "run_digest", fake_run_digest)
    wl = watchlist.model_copy(
        update={
            "digest": watchlist.digest.model_copy(
                update={"weekly": WeeklyDigest(weekday="mon"), "monthly": MonthlyDigest(day=1)}
            )
        }
    )
    specs = {s.id: s for s in build_jobs(wl) if s.kind == "digest"}
    assert set(specs) == {"digest", "digest:week", "digest:month"}
    # Monday 2026-11-23, 07:00 Berlin: last week is W47 (16-22 Nov), last month is October.
    ctx = JobContext(fire_time=datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    jobs.digest(wl, specs["digest:week"], ctx)
    jobs.digest(wl, specs["digest:month"], ctx)
    week, month = seen
    assert (week.key, week.first, week.last) == ("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
    assert (month.key, month.first, month.last) == ("2026-10", date(2026, 10, 1), date(2026, 10, 31))
    # sent on a Sunday or the 15th instead: still the last *complete* week and month
    seen.clear()
    jobs.digest(wl, specs["digest:week"], JobContext(fire_time=datetime(2026, 11, 29, 15, 0, tzinfo=UTC)))
    jobs.digest(wl, specs["digest:month"], JobContext(fire_time=datetime(2026, 11, 15, 7, 0, tzinfo=UTC)))
    assert [p.key for p in seen] == ["2026-W47", "2026-10"]
