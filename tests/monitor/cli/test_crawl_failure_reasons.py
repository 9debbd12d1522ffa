"""A failed source's reason can be found where `crawl` says it is: under its table, and
later under `brandpulse status`'s Sources table (cut to the terminal), not in a "note column"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from crawler.launch import CrawlOutcome
from monitor.cli.app import app
from monitor.core.times import iso
from monitor.pipeline import steps

runner = CliRunner()

TAIL = (
    "crawler exited with status 1:\n"
    "Traceback (most recent call last):\n"
    '  File "crawler/run.py", line 12, in main\n'
    "RuntimeError: the storefront answered with an empty page"
)


@pytest.fixture
def failed_crawl(monkeypatch, watchlist):
    key = watchlist.brands[0].sources[0].key
    outcome = CrawlOutcome(1, "Acme", "appstore", key, "failed", duration_s=1.5, message=TAIL)
    monkeypatch.setattr(steps, "crawl", lambda wl, **kw: steps.CrawlStep([outcome]))
    return outcome


@pytest.mark.parametrize("as_json", [False, True])
def test_crawl_points_at_the_reasons_it_printed(failed_crawl, watchlist_file, as_json):
    args = ["--config", str(watchlist_file), "crawl", *(["--json"] if as_json else [])]
    res = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 1, res.output
    assert "note column" not in res.output
    error = res.stderr.replace("\n", " ")
    assert "1 source failed: Acme/appstore:" in error and "`brandpulse status`" in error
    if as_json:
        assert json.loads(res.stdout)[0]["message"] == TAIL
        assert 'each outcome\'s "message" above' in error
    else:
        assert "the notes under the table above" in error
        assert "RuntimeError: the storefront answered with an empty page" in res.stdout


def _run(archive, key: str, *, status: str, minutes_ago: int, message: str | None = None) -> None:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    archive.db["crawl_runs"].insert(
        {
            "spider": key.split(":")[0],
            "source_key": key,
            "brand": "Acme",
            "started_at": iso(at),
            "finished_at": iso(at + timedelta(seconds=30)),
            "status": status,
            "items_new": 0,
            "items_seen": 0,
            "message": message,
        }
    )


def test_status_shows_a_failing_sources_reason_within_80_columns(archive, watchlist, watchlist_file):
    key = watchlist.brands[0].sources[0].key
    _run(archive, key, status="ok", minutes_ago=120, message="2 reviews without text")
    _run(archive, key, status="failed", minutes_ago=20, message=TAIL)
    res = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    (line,) = [ln for ln in res.stdout.splitlines() if "RuntimeError" in ln]
    assert line.startswith("  appstore:app_id=")  # under the Sources table, not in Jobs
    assert res.stdout.index("Sources —") < res.stdout.index(line) < res.stdout.index("Open alerts")
    assert len(line) <= 80 and line.endswith("…")  # cut to fit
    assert "RuntimeError: the storefront answered" in line  # the exception first: a cut keeps it
    wide = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "200"})
    assert (
        "RuntimeError: the storefront answered with an empty page (crawler exited with status 1)"
        in wide.stdout
    )
    # healthy again: no reason line, though the last run has a message
    _run(archive, key, status="ok", minutes_ago=5, message="3 reviews without text")
    res = runner.invoke(app, ["--config", str(watchlist_file), "status"], env={"COLUMNS": "80"})
    assert "RuntimeError" not in res.stdout and "reviews without text" not in res.stdout
