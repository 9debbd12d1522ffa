"""``brandpulse status``: jobs, source health, alerts, digest and archive, table and JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.times import iso
from monitor.daemon.lock import ArchiveLock
from monitor.daemon.status import collect_status
from monitor.pipeline.runs import crawl_job_id

runner = CliRunner()


def seed(archive, watchlist, now: datetime) -> str:
    src = watchlist.brands[0].sources[0]
    job = crawl_job_id("Acme", src.key)
    ago = lambda minutes: iso(now - timedelta(minutes=minutes))  # noqa: E731
    a = archive.db
    a["crawl_runs"].insert(
        {
            "spider": "appstore",
            "source_key": src.key,
            "brand": "Acme",
            "started_at": ago(120),
            "finished_at": ago(119),
            "status": "ok",
            "items_new": 40,
            "items_seen": 0,
        }
    )
    a["crawl_runs"].insert(
        {
            "spider": "appstore",
            "source_key": src.key,
            "brand": "Acme",
            "started_at": ago(20),
            "finished_at": ago(19),
            "status": "ok",
            "items_new": 2,
            "items_seen": 48,
            "parse_errors": 3,
            "http_errors": 1,
            "layout_suspect": 1,
            "message": "3 reviews without text",
        }
    )
    for row in (
        {"job": job, "started_at": ago(20), "finished_at": ago(19), "status": "ok", "message": "2 new"},
        {
            "job": "enrich",
            "started_at": ago(18),
            "finished_at": ago(18),
            "status": "failed",
            "message": "ModelNotAvailable: no model",
        },
        {"job": "digest", "started_at": ago(600), "finished_at": ago(600), "status": "ok", "message": "sent"},
    ):
        a["job_runs"].insert(row)
    a["alerts"].insert_all(
        [
            {
                "brand": "Acme",
                "kind": "spike",
                "topic": "delivery",
                "status": "open",
                "opened_at": ago(30),
                "updated_at": ago(30),
                "window_start": "2026-11-21",
                "window_end": "2026-11-21",
                "observed": 14,
                "expected": 2.5,
                "ratio": 5.6,
                "authors": 11,
            },
            {
                "brand": "Acme",
                "kind": "spike",
                "topic": "price",
                "status": "resolved",
                "opened_at": ago(900),
                "updated_at": ago(800),
            },
        ]
    )
    a["digests"].insert(
        {
            "period": "2026-11-20",
            "recipient": "team@example.com",
            "language": "de",
            "status": "sent",
            "sent_at": ago(600),
        }
    )
    archive.conn.commit()
    return job


def test_collect_status_without_daemon(archive, watchlist):
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    job = seed(archive, watchlist, now)
    st = collect_status(watchlist, archive, now=now)

    assert st["daemon"] == {"running": False}
    jobs = {j["job"]: j for j in st["jobs"]}
    assert set(jobs) == {job, "enrich", "detect", "digest"}
    # Hourly crawl, last started 20 min ago: next in 40 min.
    assert jobs[job]["next_run_at"] == iso(now + timedelta(minutes=40))
    assert jobs["enrich"]["last_status"] == "failed"
    assert jobs["detect"]["last_status"] is None and jobs["detect"]["next_run_at"] == iso(now)
    # Digest at 07:00 Berlin = 06:00 UTC; it last went out 10 h ago, so today's is owed.
    assert jobs["digest"]["next_run_at"] == iso(now)

    (src,) = st["sources"]
    assert src["status"] == "ok" and src["items_new"] == 2 and src["items_total"] == 42
    assert src["layout_suspect"] is True and src["parse_errors"] == 3
    assert [a["topic"] for a in st["open_alerts"]] == ["delivery"]
    assert st["digest"]["last_sent_period"] == "2026-11-20"
    assert st["digest"]["send_time"] == "07:00 Europe/Berlin"
    assert st["archive"]["size_bytes"] > 0 and st["archive"]["mentions"] == 0
    assert st["healthy"] is False  # layout flag + failed enrich


def test_status_reads_next_runs_from_running_daemon(archive, watchlist):
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    seed(archive, watchlist, now)
    with ArchiveLock(watchlist.archive_path) as lock:
        lock.write_state(
            {
                "started_at": "2026-11-22T07:00:00Z",
                "jobs": {
                    "digest": {"next_run_time": "2026-11-23T06:00:00Z", "running_since": None},
                    "enrich": {"next_run_time": None, "running_since": "2026-11-22T07:59:00Z"},
                },
            }
        )
        st = collect_status(watchlist, archive, now=now)
    assert st["daemon"]["running"] is True and st["daemon"]["started_at"] == "2026-11-22T07:00:00Z"
    jobs = {j["job"]: j for j in st["jobs"]}
    assert jobs["digest"]["next_run_at"] == "2026-11-23T06:00:00Z"
    assert jobs["enrich"]["running_since"] == "2026-11-22T07:59:00Z"


def test_status_cli_json_and_table(archive, watchlist, watchlist_file):
    seed(archive, watchlist, datetime.now(UTC))
    res = runner.invoke(app, ["--config", str(watchlist_file), "status", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["open_alerts"][0]["topic"] == "delivery"
    assert doc["sources"][0]["items_new"] == 2

    res = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for text in (
        "daemon not running",
        "Jobs",
        "Sources",
        "changed?",
        "Open alerts",
        "delivery",
        "Last digest: 2026-11-20",
        "Archive:",
        "enrich",
    ):
        assert text in res.stdout
    assert f"Sources — {doc['sources'][0]['brand']}" in res.stdout  # one brand: named once, no column

    narrow = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    # Tables fit 80 columns; sentences are one line each when the output is not a terminal.
    tables = narrow.stdout.split("Last digest")[0].splitlines()[1:]
    assert max(map(len, tables)) <= 80 and "daemon not running" in narrow.stdout.splitlines()[0]
    # one line per job and source, each time whole (they used to wrap over four lines)
    enrich = [ln for ln in tables if ln.startswith("enrich ")]
    assert len(enrich) == 1 and re.search(r"\d\d-\d\d \d\d:\d\d +failed", enrich[0])
    assert len([ln for ln in tables if ln.startswith("appstore:")]) == 1


def test_status_before_the_first_crawl_shows_the_configuration(watchlist_file, watchlist):
    """A new operator's first `status`: the jobs a start would run, the sources, the digest
    time and "nothing crawled yet" — not an error, and no archive file created by looking."""
    res = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    for text in ("daemon not running", "Jobs", "enrich", "digest", "Sources — Acme", "appstore:"):
        assert text in res.stdout
    assert "nothing crawled yet" in res.stdout and "brandpulse crawl" in res.stdout
    assert "daily at 07:00 Europe/Berlin" in res.stdout
    assert not watchlist.archive_path.exists()
    doc = json.loads(runner.invoke(app, ["--config", str(watchlist_file), "status", "--json"]).stdout)
    assert doc["archive"]["exists"] is False and doc["archive"]["mentions"] == 0
    assert {j["job"] for j in doc["jobs"]} >= {"enrich", "detect", "digest"}
    assert not watchlist.archive_path.exists()


def test_crawls_run_by_hand_count_for_the_schedule(archive, watchlist):
    """`brandpulse crawl` (or the demo) ran 10 min ago: the daemon would not crawl again at start;
    a crawl that failed (e.g. cut off) does not count."""
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    src = watchlist.brands[0].sources[0]
    archive.db["crawl_runs"].insert(
        {
            "spider": "appstore",
            "source_key": src.key,
            "brand": "Acme",
            "started_at": iso(now - timedelta(minutes=10)),
            "finished_at": iso(now - timedelta(minutes=9)),
            "status": "ok",
            "items_new": 5,
        }
    )
    archive.conn.commit()
    jobs = {j["job"]: j for j in collect_status(watchlist, archive, now=now)["jobs"]}
    crawl = jobs[crawl_job_id("Acme", src.key)]
    assert crawl["last_status"] == "ok" and crawl["last_started_at"] == iso(now - timedelta(minutes=10))
    assert crawl["next_run_at"] == iso(now + timedelta(minutes=50))

    archive.db["crawl_runs"].insert(
        {
            "spider": "appstore",
            "source_key": src.key,
            "brand": "Acme",
            "started_at": iso(now - timedelta(minutes=2)),
            "finished_at": iso(now - timedelta(minutes=1)),
            "status": "failed",
            "message": "crawler exited with status -15",
        }
    )
    archive.conn.commit()
    crawl = {j["job"]: j for j in collect_status(watchlist, archive, now=now)["jobs"]}[crawl["job"]]
    assert crawl["last_status"] == "failed"
    assert crawl["next_run_at"] == iso(now + timedelta(minutes=50))  # the ok run 10 min ago counts
