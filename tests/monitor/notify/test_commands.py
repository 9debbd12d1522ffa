"""`brandpulse detect` pushes what it found (unless --no-notify); `status` shows each channel."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from tests.helpers.detect import BERLIN, add, background, burst
from tests.helpers.watchlists import MINIMAL_WATCHLIST
from tests.helpers.webhook import Posts, WebhookServer

# Yesterday: its events are stamped at midnight, so they are fresh (under a day old) now.
YESTERDAY = datetime.now(BERLIN).date() - timedelta(days=1)


def prepare(tmp_path, notify) -> str:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["notify"] = notify
    cfg = tmp_path / "watchlist.yaml"
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    wl = load_watchlist(cfg)
    with Archive.open(wl.archive_path) as archive:
        background(archive, YESTERDAY - timedelta(weeks=8), YESTERDAY)
        add(archive, burst(YESTERDAY, 20, text="Paket seit Tagen verschwunden, keiner meldet sich."))
    return str(cfg)


def cli(cfg, *args):
    return CliRunner().invoke(app, ["--config", cfg, *args])


def test_detect_pushes_once_and_status_shows_the_channel(tmp_path):
    posts = Posts()
    with WebhookServer(posts) as host:
        cfg = prepare(
            tmp_path,
            [{"url": f"json://{host}/hook", "name": "ops"}, {"url": "json://127.0.0.1:1/x", "name": "down"}],
        )
        first = cli(cfg, "detect", "--as-of", YESTERDAY.isoformat(), "--json")
        assert first.exit_code == 0, first.output
        records = json.loads(first.stdout)  # the push summary went to stderr
        assert any(r["kind"] == "incident" and r["change"] == "opened" for r in records)
        assert len(posts.bodies("/hook")) == 1 and posts.bodies()[0]["title"] == "Acme: neues Problem"
        again = cli(cfg, "detect", "--as-of", YESTERDAY.isoformat())
        assert again.exit_code == 0 and len(posts.received) == 1

    st = cli(cfg, "status", "--json")
    assert st.exit_code == 0, st.output
    channels = {c["channel"]: c for c in json.loads(st.stdout)["notifications"]}
    assert channels["ops"]["sent"] == 1 and not channels["ops"]["failing"]
    assert channels["down"]["failing"] and "Connection error" in channels["down"]["last_failure"]["error"]
    assert json.loads(st.stdout)["healthy"] is False
    text = cli(cfg, "status")
    assert text.exit_code == 0
    assert "Push ops: 1 sent" in text.stdout and "Push down: 0 sent" in text.stdout
    assert "last failure" in text.stdout and "Connection error" in text.stdout


def test_no_notify_pushes_nothing(tmp_path):
    posts = Posts()
    with WebhookServer(posts) as host:
        cfg = prepare(tmp_path, [{"url": f"json://{host}/hook"}])
        result = cli(cfg, "detect", "--as-of", YESTERDAY.isoformat(), "--no-notify")
        assert result.exit_code == 0 and "incident" in result.stdout
        assert posts.received == []
        with Archive.open(tmp_path / "archive.db") as archive:
            assert archive.count("notifications") == 0
