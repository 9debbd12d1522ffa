"""End to end: the real daemon in a subprocess pushes a new incident at once, exactly once per
channel — a JSON webhook (a real HTTP receiver) and e-mail (aiosmtpd, the URL from the
environment as a secret would be) — and a restart sends nothing again.

The incident is injected into the archive before the start: eight quiet weeks, then twenty
customers complaining within the last hour, already enriched (with the versions of the tiny
test model and the watchlist's taxonomy, so the daemon's enrich leaves them alone). The daemon
detects at start, so the push must arrive within that first detect cycle.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.enrich.run import watchlist_taxonomy
from nlp.tiny_model import tiny_test_model
from tests.helpers import paths
from tests.helpers.detect import Mention, add, background
from tests.helpers.smtp import Inbox, SmtpServer
from tests.helpers.webhook import Posts, WebhookServer

pytestmark = pytest.mark.slow

ROOT = paths.ROOT
BERLIN = ZoneInfo("Europe/Berlin")
MAIL_ENV = "BP_E2E_MAIL_URL"

DAEMON = r"""
import sys
from pathlib import Path
from monitor.daemon.service import Daemon
from monitor.daemon.logs import setup_logging
from nlp.tiny_model import tiny_test_model

setup_logging()
sys.exit(Daemon(Path(sys.argv[1]), poll_s=0.2, settle_s=1.0, shutdown_grace_s=3,
                sentiment_model=tiny_test_model()).run())
"""


def rows(db: Path, sql: str) -> list[tuple]:
    with Archive.open(db) as a:
        return a.conn.execute(sql).fetchall()


def wait_for(cond, timeout: float, what: str, log: Path) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log.read_text()[-4000:]}")


def inject_incident(cfg: Path) -> None:
    wl = load_watchlist(cfg)
    now = datetime.now(UTC)
    today = now.astimezone(BERLIN).date()
    with Archive.open(wl.archive_path) as archive:
        background(archive, today - timedelta(weeks=8), today - timedelta(days=1))
        add(
            archive,
            [
                Mention(
                    now - timedelta(minutes=5 + 2 * i),
                    f"kunde-{i}",
                    "Paket seit Tagen verschwunden, keiner meldet sich.",
                )
                for i in range(20)
            ],
        )
        with archive.conn:  # as if the daemon's own enrich had classified them
            archive.conn.execute(
                "UPDATE enrichments SET model_version = ?, taxonomy_version = ?",
                (tiny_test_model().version, watchlist_taxonomy(wl).version),
            )


def run_daemon(script: Path, cfg: Path, log: Path, env: dict, db: Path, detect_runs: int) -> None:
    """Start the daemon, let its first detect cycle finish, stop it with SIGTERM."""
    with log.open("a") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(cfg)], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT
        )
    try:
        wait_for(
            lambda: (
                rows(db, "SELECT count(*) FROM job_runs WHERE job = 'detect' AND status != 'running'")
                == [(detect_runs,)]
            ),
            180,
            f"detect run {detect_runs}",
            log,
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()[-4000:]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_daemon_pushes_a_new_incident_once_per_channel(tmp_path: Path):
    posts, inbox = Posts(), Inbox()
    script, log, cfg, db = (
        tmp_path / "daemon.py",
        tmp_path / "daemon.log",
        tmp_path / "watchlist.yaml",
        tmp_path / "archive.db",
    )
    script.write_text(DAEMON, encoding="utf-8")
    # The digest is due in twelve hours: the daemon owes none at start.
    send_time = (datetime.now(BERLIN) + timedelta(hours=12)).strftime("%H:%M")
    with WebhookServer(posts) as host, SmtpServer(inbox) as smtp_port:
        watchlist = {
            "archive": "archive.db",
            "timezone": "Europe/Berlin",
            "brands": [
                {"name": "Acme", "notify": [{"url": f"json://{host}/brandpulse", "name": "ops-webhook"}]}
            ],
            "topics": {
                "delivery": {"label": {"de": "Lieferung"}, "keywords": {"de": ["Lieferung", "Paket"]}}
            },
            "digest": {"send_time": send_time},
            "notify": [{"url_env": MAIL_ENV, "language": "en"}],
        }
        cfg.write_text(yaml.safe_dump(watchlist, allow_unicode=True), encoding="utf-8")
        inject_incident(cfg)
        mail_url = (
            f"mailto://127.0.0.1:{smtp_port}?to=oncall@example.com&from=brandpulse@example.com&mode=insecure"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400", MAIL_ENV: mail_url}

        run_daemon(script, cfg, log, env, db, detect_runs=1)
        assert rows(db, "SELECT event FROM incident_events") == [("opened",)]
        assert sorted(rows(db, "SELECT channel, status, attempts FROM notifications")) == [
            (f"${MAIL_ENV}", "sent", 1),
            ("ops-webhook", "sent", 1),
        ]
        [body] = posts.bodies("/brandpulse")
        assert body["title"] == "Acme: neues Problem" and body["message"].startswith("Lieferung: ")
        assert len(inbox.messages) == 1 and inbox.messages[0]["Subject"] == "Acme: new incident"
        assert inbox.envelopes[0][1] == ["oncall@example.com"]
        (msg,) = rows(db, "SELECT message FROM job_runs WHERE job = 'detect'")
        assert "2 push(es) sent" in msg[0]

        # A restart detects again: the incident is still open, nothing is pushed twice.
        run_daemon(script, cfg, log, env, db, detect_runs=2)
        assert len(posts.received) == 1 and len(inbox.messages) == 1
        assert rows(db, "SELECT count(*) FROM notifications") == [(2,)]
        last = rows(db, "SELECT message FROM job_runs WHERE job = 'detect' ORDER BY id DESC LIMIT 1")[0][0]
        assert "0 push(es) sent" in last
    assert mail_url not in log.read_text()  # the secret URL never reaches the log
