"""End to end: the real daemon in a subprocess, the real stages, everything on 127.0.0.1.

Saved Trustpilot pages are served by ``crawler.localserver.FixtureServer`` and crawled by the
real spider in its own subprocess; a second source never answers (a hanging site); the digest
goes to an aiosmtpd server. The sentiment model is the tiny test model (a real model would
only make this slower: the daemon's promise is orchestration, not accuracy).

Phase 1: the daemon starts, the digest is owed (its time passed seconds ago) but waits for the
crawls; SIGTERM arrives while the Trustpilot crawl waits for page 2. The daemon stops the
spider, records it, exits 0 — no half-written rows, no 'running' rows, nothing sent.
Phase 2: a second start redoes the interrupted crawl, enriches, detects, sends the digest
once, and kills the hanging spider at its timeout (recorded as 'timeout').
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from crawler.localserver import FixtureServer, Hit, Route
from monitor.core.archive import Archive
from tests.helpers import paths
from tests.helpers.crawler import trustpilot_routes
from tests.helpers.smtp import Inbox, SmtpServer

pytestmark = pytest.mark.slow

ROOT = paths.ROOT
CRAWL_TIMEOUT_S = 15

DAEMON = r"""
import sys
from pathlib import Path
from monitor.daemon.service import Daemon
from monitor.daemon.logs import setup_logging
from nlp.tiny_model import tiny_test_model

setup_logging()
# One crawl at a time, so the order is fixed: Trustpilot first, then the hanging source.
d = Daemon(Path(sys.argv[1]), poll_s=0.2, settle_s=1.0, shutdown_grace_s=3, crawl_workers=1,
           crawl_timeout_s=float(sys.argv[2]), sentiment_model=tiny_test_model())
sys.exit(d.run())
"""


LOG: Path | None = None  # the running test's daemon log, shown when a wait times out


def wait_for(cond, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    tail = LOG.read_text()[-4000:] if LOG and LOG.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


def rows(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with Archive.open(db) as a:
        return a.conn.execute(sql).fetchall()


class Site:
    """Trustpilot pages whose page 2 can be held back, plus a search API that never answers."""

    def __init__(self):
        self.hold_page2 = threading.Event()
        self.page2_requested = threading.Event()
        self.release = threading.Event()
        routes = trustpilot_routes()
        page2_key = "/review/acme-versand.de?sort=recency&page=2"
        page2 = routes[page2_key]

        def slow_page2(hit: Hit) -> Route:
            self.page2_requested.set()
            if self.hold_page2.is_set():
                self.release.wait(60)
            return page2

        def never(hit: Hit) -> Route:
            self.release.wait(60)
            return Route(body="{}", content_type="application/json")

        routes[page2_key] = slow_page2
        routes["/api/v1/search_by_date"] = never
        self.routes = routes


def watchlist(base_url: str, smtp_port: int, send_time: str) -> dict:
    src = {"base_url": base_url}
    return {
        "archive": "archive.db",
        "timezone": "Europe/Berlin",
        "crawler": {
            "download_delay": 0,
            "contact_url": "https://example.org/brandpulse-test",
            "schedule": {"every_minutes": 60, "jitter_seconds": 0},
        },
        "brands": [
            {
                "name": "Acme",
                "aliases": ["Acme Versand"],
                "sources": [{"type": "trustpilot", "domain": "acme-versand.de", **src}],
            },
            {"name": "Slowpoke", "sources": [{"type": "hackernews", "query": "slowpoke", **src}]},
        ],
        "topics": {"delivery": {"keywords": {"de": ["Lieferung", "Paket"], "en": ["delivery"]}}},
        "digest": {
            "send_time": send_time,
            "recipients": [{"name": "team", "emails": ["team@example.com"]}],
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "none",
                "retries": 0,
                "timeout_seconds": 10,
            },
        },
    }


def start(script: Path, cfg: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"}
    fh = log.open("a")
    return subprocess.Popen(
        [sys.executable, str(script), str(cfg), str(CRAWL_TIMEOUT_S)],
        cwd=ROOT,
        env=env,
        stdout=fh,
        stderr=subprocess.STDOUT,
    )


def test_daemon_end_to_end(tmp_path: Path):
    site = Site()
    inbox = Inbox()
    script = tmp_path / "daemon.py"
    script.write_text(DAEMON, encoding="utf-8")
    global LOG
    log = LOG = tmp_path / "daemon.log"
    cfg = tmp_path / "watchlist.yaml"
    db = tmp_path / "archive.db"
    # The digest time passed seconds ago: the daemon owes it at start (made up once).
    send_time = (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(seconds=5)).strftime("%H:%M:%S")

    with FixtureServer(site.routes) as server, SmtpServer(inbox) as smtp_port:
        cfg.write_text(yaml.safe_dump(watchlist(server.url, smtp_port, send_time)), encoding="utf-8")

        # ---------------------------------------------------------------- phase 1
        site.hold_page2.set()
        proc = start(script, cfg, log)
        try:
            assert site.page2_requested.wait(120), log.read_text()
            proc.send_signal(signal.SIGTERM)  # mid-crawl: Trustpilot's page 2 is still on its way
            assert proc.wait(60) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
        text = log.read_text()
        assert "daemon.stopping" in text and "unfinished=-" in text
        assert rows(db, "SELECT count(*) FROM crawl_runs WHERE status='running'") == [(0,)]
        assert rows(db, "SELECT count(*) FROM job_runs WHERE status='running'") == [(0,)]
        assert rows(db, "SELECT status FROM job_runs WHERE job LIKE 'crawl:Acme/%'") == [("interrupted",)]
        # the crawl stored what it had parsed (page 1) and says it was interrupted
        assert rows(db, "SELECT spider, status FROM crawl_runs") == [("trustpilot", "interrupted")]
        assert rows(db, "SELECT items_new > 0 FROM crawl_runs") == [(1,)]
        assert rows(db, "SELECT count(*) FROM mentions WHERE text IS NULL OR brand IS NULL") == [(0,)]
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert inbox.messages == []  # the digest waited for the crawls, and then we stopped

        # ---------------------------------------------------------------- phase 2
        site.hold_page2.clear()
        proc = start(script, cfg, log)
        try:
            wait_for(
                lambda: rows(db, "SELECT count(*) FROM crawl_runs WHERE spider='hackernews'") == [(1,)],
                120,
                "the crawl of the hanging site",
            )
            # Meanwhile a second daemon on the same archive refuses (the real CLI).
            second = subprocess.run(
                [sys.executable, "-m", "monitor.cli", "--config", str(cfg), "run"],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert second.returncode == 2 and "already running" in second.stderr
            assert f"pid {proc.pid}" in second.stderr
            # The hanging site is killed at its timeout and recorded; the daemon carries on.
            wait_for(
                lambda: rows(db, "SELECT count(*) FROM crawl_runs WHERE status='timeout'") == [(1,)],
                120,
                "the hanging crawl to be killed",
            )
            wait_for(lambda: inbox.messages, 120, "the digest e-mail")
            wait_for(
                lambda: rows(db, "SELECT count(*) FROM job_runs WHERE status='running'") == [(0,)],
                60,
                "all jobs done",
            )
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, log.read_text()
        finally:
            site.release.set()
            if proc.poll() is None:
                proc.kill()

    text = log.read_text()
    # Crawled (the interrupted Trustpilot crawl went on from page 2), enriched, detected, sent once.
    (tp_ok,) = rows(db, "SELECT items_new FROM crawl_runs WHERE spider='trustpilot' AND status='ok'")
    mentions = rows(db, "SELECT count(*) FROM mentions WHERE brand='Acme'")[0][0]
    assert tp_ok[0] > 0 and mentions >= tp_ok[0]
    assert rows(
        db,
        "SELECT count(*) FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id "
        "WHERE e.mention_id IS NULL AND coalesce(m.text, '') != ''",
    ) == [(0,)]
    assert rows(db, "SELECT DISTINCT model_version FROM enrichments")[0][0].startswith("tiny-test")
    jobs = {
        j: s
        for j, s in rows(
            db, "SELECT job, status FROM job_runs WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job)"
        )
    }
    assert jobs["enrich"] == "ok" and jobs["detect"] == "ok" and jobs["digest"] == "ok", jobs
    (timeout_msg,) = rows(db, "SELECT message FROM crawl_runs WHERE status='timeout'")
    assert f"stopped at the {CRAWL_TIMEOUT_S}s limit" in timeout_msg[0]
    assert jobs[next(j for j in jobs if j.startswith("crawl:Slowpoke/"))] == "failed"
    assert len(inbox.messages) == 1 and inbox.envelopes[0][1] == ["team@example.com"]
    period = (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(seconds=5)).date() - timedelta(days=1)
    assert rows(db, "SELECT period, status FROM digests") == [(period.isoformat(), "sent")]
    assert "job.finished" in text and "job=digest" in text

    # status shows what happened (daemon stopped now).
    out = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(cfg), "status", "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    st = json.loads(out.stdout)
    assert st["daemon"]["running"] is False
    assert st["digest"]["last_sent_period"] == period.isoformat()
    health = {s["source_type"]: s for s in st["sources"]}
    assert health["trustpilot"]["status"] == "ok" and health["hackernews"]["status"] == "timeout"
    assert st["archive"]["mentions"] == mentions
