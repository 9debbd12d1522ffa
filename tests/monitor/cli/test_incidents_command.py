"""`brandpulse incidents [--json]`, `incidents ack|resolve ID --note …`, and incidents in `detect`."""

from __future__ import annotations

import json
from datetime import date, timedelta

from typer.testing import CliRunner

from monitor.cli.app import app
from tests.helpers.detect import add, background, burst

DAY = date(2026, 10, 14)


def run(watchlist_file, *args):
    return CliRunner().invoke(app, ["--config", str(watchlist_file), *args])


def seeded(watchlist_file, archive):
    background(archive, DAY - timedelta(weeks=8), DAY)
    add(archive, burst(DAY, 20, text="Paket seit Tagen verschwunden."))
    add(archive, burst(DAY, 8, who="price", topic="price", text="Preis doppelt abgebucht."))
    return run(watchlist_file, "detect", "--as-of", DAY.isoformat(), "--json")


def test_detect_reports_incidents_and_incidents_lists_them_most_severe_first(watchlist_file, archive):
    result = seeded(watchlist_file, archive)
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    incidents = [r for r in records if r["kind"] == "incident"]
    assert [r["change"] for r in incidents] == ["opened", "opened"]
    listed = run(watchlist_file, "incidents", "--json")
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.stdout)
    assert [i["lead"]["topic"] for i in found] == ["delivery", "price"]
    assert found[0]["severity"] >= found[1]["severity"] and found[0]["headline"]["de"].startswith(
        "Lieferung: "
    )
    assert found[0]["examples"] and found[0]["alert_ids"]
    table = run(watchlist_file, "incidents")
    assert table.exit_code == 0 and table.stdout.index("Lieferung") < table.stdout.index("price")


def test_ack_and_resolve_with_a_note(watchlist_file, archive):
    seeded(watchlist_file, archive)
    first = json.loads(run(watchlist_file, "incidents", "--json").stdout)[0]["id"]
    acked = run(watchlist_file, "incidents", "ack", str(first), "--note", "Spedition informiert")
    assert acked.exit_code == 0, acked.output
    assert f"incident #{first} acknowledged" in acked.stdout
    done = run(watchlist_file, "incidents", "resolve", str(first), "--note", "Depot wieder offen")
    assert done.exit_code == 0 and "resolved" in done.stdout
    live = json.loads(run(watchlist_file, "incidents", "--json").stdout)
    assert first not in [i["id"] for i in live]
    everything = json.loads(run(watchlist_file, "incidents", "--all", "--json").stdout)
    [closed] = [i for i in everything if i["id"] == first]
    assert (closed["status"], closed["note"], closed["resolved_by"]) == (
        "resolved",
        "Depot wieder offen",
        "operator",
    )
    again = run(watchlist_file, "incidents", "resolve", str(first))
    assert again.exit_code == 2 and "already resolved" in again.output
    missing = run(watchlist_file, "incidents", "ack", "999")
    assert missing.exit_code == 2 and "does not exist" in missing.output
