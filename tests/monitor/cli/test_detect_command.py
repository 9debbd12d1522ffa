"""`brandpulse detect`: --as-of replay, --json output, clear errors."""

from __future__ import annotations

import json
from datetime import date, timedelta

from typer.testing import CliRunner

from monitor.cli.app import app
from tests.helpers.detect import add, background, burst

DAY = date(2026, 10, 14)


def run(watchlist_file, *args):
    return CliRunner().invoke(app, ["--config", str(watchlist_file), "detect", *args])


def test_detect_as_of_json_prints_the_opened_alert(watchlist_file, archive):
    background(archive, DAY - timedelta(weeks=8), DAY)
    add(archive, burst(DAY, 15))
    result = run(watchlist_file, "--as-of", DAY.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    spike = [r for r in records if r["kind"] == "spike" and r["topic"] == "delivery"]
    assert len(spike) == 1
    r = spike[0]
    assert r["window"] == {"start": "2026-10-14", "end": "2026-10-14"} and r["change"] == "opened"
    assert r["observed"] >= 15 and r["authors"] >= 15 and r["p_value"] < 0.01
    assert 3 <= len(r["example_mention_ids"]) <= 5
    # A second run of the same day opens and updates nothing.
    again = run(watchlist_file, "--as-of", DAY.isoformat(), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout) == []
    table = run(watchlist_file, "--as-of", DAY.isoformat())
    assert table.exit_code == 0 and "no alerts opened or updated" in table.stdout


def test_detect_rejects_a_bad_or_future_date(watchlist_file, archive):
    bad = run(watchlist_file, "--as-of", "14.10.2026")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    future = run(watchlist_file, "--as-of", "2999-01-01")
    assert future.exit_code == 2 and "in the future" in future.output
    assert archive.count("alerts") == 0


def test_detect_prints_a_table_of_changes(watchlist_file, archive):
    background(archive, DAY - timedelta(weeks=8), DAY)
    add(archive, burst(DAY, 15))
    result = run(watchlist_file, "--as-of", DAY.isoformat())
    assert result.exit_code == 0, result.output
    line = [ln for ln in result.stdout.splitlines() if "spike delivery" in ln]
    assert len(line) == 1 and "open (opened), 2026-10-14" in line[0]
    assert "complaining authors vs" in line[0] and "expected" in line[0]
