"""A digest send killed mid-DATA (kill -9): the address stays ``sending``, is never sent twice
by itself, and is reported — by `digest` (exit 1) and `status` — until the operator decides."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading

from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from tests.helpers import paths
from tests.helpers.digest import APPSTORE_KEY, add_crawl_run, digest_watchlist, seed_day, seed_history
from tests.helpers.smtp import Inbox, SmtpServer

runner = CliRunner()
DATE = "2026-11-21"
EMAILS = ["a@example.com", "b@example.com"]


class StallingInbox(Inbox):
    """Accepts mail, except that the first DATA hangs until the test has killed the sender."""

    def __init__(self) -> None:
        super().__init__()
        self.in_data = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.in_data.is_set():
            self.in_data.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 sender gone"
        return await super().handle_DATA(server, session, envelope)


def statuses(wl) -> dict[str, str]:
    with Archive.open(wl.archive_path) as arc:
        return dict(arc.conn.execute("SELECT recipient, status FROM digests"))


def test_send_killed_mid_data_is_reported_until_the_operator_decides(tmp_path):
    inbox = StallingInbox()
    with SmtpServer(inbox) as port:
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout_seconds": 60, "retries": 0}
        wl = digest_watchlist(tmp_path, recipients=[{"name": "team", "emails": EMAILS}], smtp=smtp)
        with Archive.open(wl.archive_path) as arc:
            seed_history(arc)
            seed_day(arc)
            add_crawl_run(arc, source_key=APPSTORE_KEY)
        cfg = str(wl.source_path)
        sender = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "--config", cfg, "digest", "--date", DATE, "--send"],
            cwd=paths.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert inbox.in_data.wait(120), "the digest never reached DATA"
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait(10)
        finally:
            inbox.release.set()
            if sender.poll() is None:
                sender.kill()
        assert statuses(wl) == {"a@example.com": "sending", "b@example.com": "rendered"}

        # The next run sends the untouched address, not the interrupted one, and says so.
        res = runner.invoke(app, ["--config", cfg, "digest", "--date", DATE, "--send"])
        flat = " ".join(res.output.split())
        assert res.exit_code == 1, res.output
        assert "a@example.com: sending (interrupted mid-send" in flat
        assert f"{DATE} → a@example.com" in flat and "--resend-interrupted" in flat
        assert "--mark-interrupted-sent" in flat
        assert [m["To"] for m in inbox.messages] == ["b@example.com"]

        # status names it too, and is unhealthy until it is settled
        res = runner.invoke(app, ["--config", cfg, "status", "--json"])
        st = json.loads(res.stdout)
        assert st["digest"]["interrupted_sends"] == [{"period": DATE, "recipient": "a@example.com"}]
        assert st["healthy"] is False
        table = runner.invoke(app, ["--config", cfg, "status"])
        assert "interrupted mid-send" in " ".join(table.output.split())

        # The operator's choice: send again, explicitly.
        res = runner.invoke(
            app, ["--config", cfg, "digest", "--date", DATE, "--send", "--resend-interrupted"]
        )
        assert res.exit_code == 0, res.output
        assert [m["To"] for m in inbox.messages] == ["b@example.com", "a@example.com"]
        assert statuses(wl) == {"a@example.com": "sent", "b@example.com": "sent"}
        assert runner.invoke(app, ["--config", cfg, "digest", "--date", DATE, "--send"]).exit_code == 0


def test_interrupted_send_can_be_recorded_as_sent_without_mail(tmp_path):
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "retries": 0}
        wl = digest_watchlist(tmp_path, recipients=[{"name": "team", "emails": EMAILS[:1]}], smtp=smtp)
        cfg = str(wl.source_path)
        assert runner.invoke(app, ["--config", cfg, "digest", "--date", DATE]).exit_code == 0
        with Archive.open(wl.archive_path) as arc, arc.conn:
            arc.conn.execute("UPDATE digests SET status = 'sending'")
        res = runner.invoke(app, ["--config", cfg, "digest", "--date", DATE])
        assert res.exit_code == 1 and "left 'sending'" in res.output
        res = runner.invoke(app, ["--config", cfg, "digest", "--date", DATE, "--mark-interrupted-sent"])
        assert res.exit_code == 0, res.output
        assert statuses(wl) == {"a@example.com": "sent"} and inbox.messages == []
        res = runner.invoke(app, ["--config", cfg, "digest", "--date", DATE, "--resend-interrupted"])
        assert res.exit_code == 2 and "add --send" in res.output
