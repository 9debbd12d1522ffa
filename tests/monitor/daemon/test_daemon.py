"""The scheduler daemon with fake stage functions: chaining, catch-up, lock, reload, shutdown.

The real stages are exercised end to end in test_daemon_e2e.py; here every stage is a small
function that records what it was asked to do, so the daemon's own promises are tested fast."""

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

import pytest
import yaml

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.daemon.jobs import JobResult
from monitor.daemon.lock import AlreadyRunning, ArchiveLock, is_locked, lock_path, read_state, running_daemon
from monitor.daemon.service import Daemon
from monitor.pipeline.runs import close_stale_runs, last_runs
from tests.helpers import paths
from tests.helpers.watchlists import MINIMAL_WATCHLIST

ROOT = paths.ROOT
PY = sys.executable


def write_config(path: Path, **over) -> Path:
    data = json.loads(json.dumps(MINIMAL_WATCHLIST))
    data.update(over)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def send_time_just_passed(seconds: int = 3) -> str:
    """A digest time a few seconds ago in Berlin: the daemon owes that run at start."""
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(seconds=seconds)).strftime("%H:%M:%S")


def send_time_far_away() -> str:
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(hours=12)).strftime("%H:%M")


class Recorder:
    """Fake stages that log calls in order."""

    def __init__(self, crawl_new: int = 3, crawl_delay: float = 0.3):
        self.calls: list[str] = []
        self.crawl_new = crawl_new
        self.crawl_delay = crawl_delay
        self.mu = threading.Lock()
        self.digest_fire_times: list[datetime] = []

    def _note(self, name: str) -> None:
        with self.mu:
            self.calls.append(name)

    def stages(self):
        def crawl(wl, spec, ctx):
            time.sleep(self.crawl_delay)
            self._note("crawl")
            return JobResult("ok", f"{self.crawl_new} new", changed=self.crawl_new)

        def enrich(wl, spec, ctx):
            self._note("enrich")
            return JobResult("ok", "enriched", changed=2)

        def detect(wl, spec, ctx):
            self._note("detect")
            return JobResult("ok", "0 alert changes", changed=0)

        def digest(wl, spec, ctx):
            self.digest_fire_times.append(ctx.fire_time)
            self._note("digest")
            return JobResult("ok", "sent", changed=1)

        return {"crawl": crawl, "enrich": enrich, "detect": detect, "digest": digest}


def start(daemon: Daemon) -> threading.Thread:
    """Run the daemon in a thread; return once its scheduler is up (archive created)."""
    t = threading.Thread(target=daemon.run, daemon=True)
    t.start()
    wait_for(lambda: daemon._scheduler is not None and daemon._scheduler.running, what="scheduler")
    return t


def wait_for(cond, timeout: float = 15.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def events(caplog, name: str) -> list[dict]:
    """The structured fields of every logged ``name`` event."""
    return [getattr(r, "fields", {}) for r in caplog.records if r.getMessage() == name]


def job_rows(archive_path: Path) -> list[tuple]:
    with Archive.open(archive_path) as a:
        return a.conn.execute("SELECT job, status, message FROM job_runs ORDER BY id").fetchall()


@pytest.fixture
def fast_daemon_kw():
    return dict(poll_s=0.1, settle_s=0.3, digest_wait_s=20, shutdown_grace_s=5)


def test_chain_crawl_enrich_detect_then_owed_digest(tmp_path, fast_daemon_kw):
    cfg = write_config(
        tmp_path / "wl.yaml",
        digest={"send_time": send_time_just_passed(), "recipients": [{"emails": ["a@example.com"]}]},
    )
    rec = Recorder()
    d = Daemon(cfg, stages=rec.stages(), **fast_daemon_kw)
    t = start(d)
    try:
        wait_for(lambda: "digest" in rec.calls, what="digest")
        wait_for(lambda: not d.running_jobs, what="idle")
    finally:
        d.request_stop()
        t.join(10)
    assert not t.is_alive()
    # The digest was owed (its time passed seconds ago) but waited for the chain to settle.
    # (enrich and detect also run once at start: they never ran on this archive.)
    after_crawl = rec.calls[rec.calls.index("crawl") + 1 :]
    assert "enrich" in after_crawl and "detect" in after_crawl[after_crawl.index("enrich") :]
    assert rec.calls[-1] == "digest" and rec.calls.count("digest") == 1
    assert rec.digest_fire_times[0] <= datetime.now().astimezone()
    rows = job_rows(load_watchlist(cfg).archive_path)
    jobs = {r[0] for r in rows}
    assert {"enrich", "detect", "digest"} <= jobs and any(j.startswith("crawl:Acme/appstore") for j in jobs)
    assert all(r[1] == "ok" for r in rows)
    assert not lock_path(load_watchlist(cfg).archive_path).exists() or not is_locked(
        load_watchlist(cfg).archive_path
    )


def test_daemon_runs_detect_after_enrich(tmp_path, fast_daemon_kw, caplog):
    """Both are owed at start (they never ran): detect must not judge the archive while enrich
    is still writing to it, so it waits and runs right after."""
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    rec = Recorder(crawl_new=0)
    stages = rec.stages()
    enrich_spans: list[tuple[float, float]] = []
    detect_starts: list[float] = []

    def slow_enrich(wl, spec, ctx):
        t0 = time.monotonic()
        time.sleep(1.0)
        enrich_spans.append((t0, time.monotonic()))
        return JobResult("ok", "enriched", changed=0)  # no chained request: detect's own run

    def detect(wl, spec, ctx):
        detect_starts.append(time.monotonic())
        return JobResult("ok", "0 alert changes", changed=0)

    stages.update(enrich=slow_enrich, detect=detect)
    caplog.set_level("INFO", logger="brandpulse")
    d = Daemon(cfg, stages=stages, **fast_daemon_kw)
    t = start(d)
    try:
        wait_for(lambda: detect_starts and enrich_spans, what="enrich and detect")
        wait_for(lambda: not d.running_jobs, what="idle")
    finally:
        d.request_stop()
        t.join(10)
    assert not [d for d in detect_starts for s, e in enrich_spans if s <= d <= e]
    assert detect_starts[0] >= enrich_spans[0][1]
    assert events(caplog, "job.deferred")[0] == {"job": "detect", "after": "enrich"}


def test_restart_does_not_repeat_digest_or_fresh_crawls(tmp_path, fast_daemon_kw):
    cfg = write_config(
        tmp_path / "wl.yaml",
        digest={"send_time": send_time_just_passed(), "recipients": [{"emails": ["a@example.com"]}]},
    )
    first = Recorder()
    d = Daemon(cfg, stages=first.stages(), **fast_daemon_kw)
    t = start(d)
    wait_for(lambda: "digest" in first.calls, what="first digest")
    d.request_stop()
    t.join(10)

    second = Recorder()
    d2 = Daemon(cfg, stages=second.stages(), **fast_daemon_kw)
    t2 = start(d2)
    try:
        time.sleep(1.5)
        state = read_state(load_watchlist(cfg).archive_path)
        assert state and state["pid"] == os.getpid()
        assert running_daemon(load_watchlist(cfg).archive_path) is not None
    finally:
        d2.request_stop()
        t2.join(10)
    # The crawl ran minutes ago (interval 60 min) and the digest went out: nothing is owed.
    assert "digest" not in second.calls and "crawl" not in second.calls
    assert running_daemon(load_watchlist(cfg).archive_path) is None


def test_failing_stage_is_recorded_and_daemon_keeps_running(tmp_path, fast_daemon_kw):
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    rec = Recorder()
    stages = rec.stages()

    def broken_crawl(wl, spec, ctx):
        raise RuntimeError("site changed its layout")

    stages["crawl"] = broken_crawl
    d = Daemon(cfg, stages=stages, **fast_daemon_kw)
    t = start(d)
    arc = load_watchlist(cfg).archive_path
    try:
        wait_for(lambda: any(r[1] == "failed" for r in job_rows(arc)), what="failed crawl")
        wait_for(lambda: "enrich" in rec.calls, what="enrich still runs")
    finally:
        d.request_stop()
        t.join(10)
    failed = [r for r in job_rows(arc) if r[1] == "failed"]
    assert failed[0][0].startswith("crawl:") and "RuntimeError: site changed its layout" in failed[0][2]


def test_shutdown_interrupts_a_long_stage_between_batches(tmp_path, fast_daemon_kw):
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    rec = Recorder(crawl_new=0)
    stages = rec.stages()
    started = threading.Event()
    batches = []

    def slow_enrich(wl, spec, ctx):
        started.set()
        for n in range(1000):
            ctx.check(n)  # the progress callback the daemon hands to run_enrich
            batches.append(n)
            time.sleep(0.05)
        return JobResult("ok", "all done", changed=1000)

    stages["enrich"] = slow_enrich
    d = Daemon(cfg, stages=stages, **fast_daemon_kw)
    t = start(d)
    assert started.wait(10)
    time.sleep(0.3)
    d.request_stop("test")
    t.join(10)
    assert not t.is_alive()
    assert 0 < len(batches) < 1000
    rows = dict((j, (s, m)) for j, s, m in job_rows(load_watchlist(cfg).archive_path))
    assert rows["enrich"][0] == "interrupted"
    assert "next run" in rows["enrich"][1]


def test_reload_on_file_change_and_invalid_watchlist_is_rejected(tmp_path, fast_daemon_kw, caplog):
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    rec = Recorder()
    d = Daemon(cfg, stages=rec.stages(), **fast_daemon_kw)
    t = start(d)
    try:
        wait_for(lambda: d._scheduler is not None and d._scheduler.running, what="scheduler")
        old_jobs = {j.id for j in d._scheduler.get_jobs()}

        caplog.set_level("INFO", logger="brandpulse")
        cfg.write_text("brands:\n  - name: Acme\n    sourcs: []\n", encoding="utf-8")  # typo
        wait_for(lambda: events(caplog, "config.rejected"), what="rejection logged")
        assert "sourcs" in events(caplog, "config.rejected")[0]["problems"]
        assert {j.id for j in d._scheduler.get_jobs()} == old_jobs
        assert d.wl.brands[0].sources  # the old watchlist is still in use

        data = json.loads(json.dumps(MINIMAL_WATCHLIST))
        data["brands"][0]["sources"].append(
            {"type": "feed", "url": "https://example.org/feed.xml", "schedule": {"cron": "0 3 * * *"}}
        )
        data["digest"]["send_time"] = "05:45"
        cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
        wait_for(lambda: events(caplog, "config.reloaded"), what="reload")
        new_jobs = {j.id for j in d._scheduler.get_jobs()}
        assert len(new_jobs) == len(old_jobs) + 1
        feed_job = d._scheduler.get_job(next(j for j in new_jobs - old_jobs))
        assert feed_job.next_run_time is not None
        digest = d._scheduler.get_job("digest")
        assert digest.next_run_time.astimezone(d.wl.tz).strftime("%H:%M") == "05:45"
    finally:
        d.request_stop()
        t.join(10)


def test_reload_refuses_to_switch_archive(tmp_path, fast_daemon_kw, caplog):
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    d = Daemon(cfg, stages=Recorder().stages(), **fast_daemon_kw)
    t = start(d)
    try:
        wait_for(lambda: d._scheduler is not None and d._scheduler.running, what="scheduler")
        caplog.set_level("INFO", logger="brandpulse")
        write_config(cfg, archive="other.db", digest={"send_time": send_time_far_away()})
        assert not d.reload("test")
        assert "restart the daemon" in events(caplog, "config.rejected")[0]["problems"]
        assert d.wl.archive_path.name == "archive.db"
    finally:
        d.request_stop()
        t.join(10)


def test_second_lock_on_same_archive_refuses(tmp_path):
    arc = tmp_path / "x.db"
    first = ArchiveLock(arc).acquire()
    first.write_state({"started_at": "2026-11-22T06:00:00Z"})
    try:
        with pytest.raises(AlreadyRunning) as exc:
            ArchiveLock(arc).acquire()
        assert f"pid {os.getpid()}" in str(exc.value) and str(arc) in str(exc.value)
        assert is_locked(arc)
        # Another archive is independent.
        with ArchiveLock(tmp_path / "y.db"):
            pass
    finally:
        first.release()
    assert not is_locked(arc)
    assert read_state(arc) is None


def test_stale_running_rows_are_closed(archive):
    rid = archive.start_run("job_runs", job="enrich")
    archive.start_run("job_runs", job="digest")
    archive.finish_run("job_runs", archive.start_run("job_runs", job="digest"), status="ok")
    assert close_stale_runs(archive) == 2
    runs = last_runs(archive)
    assert runs["digest"]["status"] == "ok" and runs["digest"]["last_ok_at"]
    row = archive.db["job_runs"].get(rid)
    assert row["status"] == "failed" and "daemon stopped" in row["message"]


# --------------------------------------------------------------------------- subprocess

FAKE_DAEMON = r'''
"""A real daemon process whose crawl stage is a hanging child process (a stand-in spider)."""
import subprocess, sys, time
from pathlib import Path
from monitor.core.archive import Archive
from monitor.daemon.service import Daemon
from monitor.daemon.jobs import JobResult
from monitor.daemon.logs import setup_logging

def crawl(wl, spec, ctx):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(sys.argv[2]).write_text(str(child.pid))
    rc = child.wait()
    with Archive.open(wl.archive_path) as a:  # what run_crawl does: record the outcome
        a.start_run("crawl_runs", spider="fake", status="failed" if rc else "ok",
                    message=f"spider exited {rc}")
    return JobResult("failed" if rc else "ok", f"spider exited {rc}")

def quick(wl, spec, ctx):
    return JobResult("ok", "nothing to do")

setup_logging()
d = Daemon(Path(sys.argv[1]), stages={"crawl": crawl, "enrich": quick, "detect": quick,
           "digest": quick}, poll_s=0.1, settle_s=0.2, shutdown_grace_s=10)
sys.exit(d.run())
'''


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"}  # rich: no wrapping


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_daemon_process_sigterm_sighup_and_single_instance(tmp_path):
    cfg = write_config(tmp_path / "wl.yaml", digest={"send_time": send_time_far_away()})
    script = tmp_path / "fake_daemon.py"
    script.write_text(FAKE_DAEMON, encoding="utf-8")
    child_pid_file = tmp_path / "child.pid"
    log = (tmp_path / "daemon.log").open("w")
    proc = subprocess.Popen(
        [PY, str(script), str(cfg), str(child_pid_file)],
        cwd=ROOT,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(child_pid_file.exists, timeout=30, what="crawl subprocess")
        spider = int(child_pid_file.read_text())

        # A second daemon (the real CLI) on the same archive refuses with a clear message.
        second = subprocess.run(
            [PY, "-m", "monitor.cli", "--config", str(cfg), "run"],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "already running" in second.stderr and f"pid {proc.pid}" in second.stderr

        # SIGHUP reloads the watchlist (here: a new digest time).
        write_config(cfg, digest={"send_time": "04:30"})
        os.utime(cfg, (time.time() - 3600, time.time() - 3600))  # the signal, not the mtime
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "config.reloaded" in (tmp_path / "daemon.log").read_text(), what="SIGHUP")
        assert "reason=SIGHUP" in (tmp_path / "daemon.log").read_text()

        # SIGTERM mid-crawl: the spider subprocess is terminated, the run recorded, exit 0.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert not _alive(spider)
    text = (tmp_path / "daemon.log").read_text()
    assert "daemon.stopping" in text and "reason=SIGTERM" in text and "unfinished=-" in text
    arc = load_watchlist(cfg).archive_path
    with Archive.open(arc) as a:
        runs = a.conn.execute("SELECT job, status, message FROM job_runs").fetchall()
        crawl_runs = a.conn.execute("SELECT status, message FROM crawl_runs").fetchall()
    assert crawl_runs == [("failed", f"spider exited {-signal.SIGTERM}")]
    assert not [r for r in runs if r[1] == "running"]
    assert not is_locked(arc)


def test_run_cli_with_invalid_watchlist_exits_2(tmp_path):
    from typer.testing import CliRunner

    from monitor.cli.app import app

    cfg = tmp_path / "wl.yaml"
    cfg.write_text("brands:\n  - name: Acme\n    sourcs: []\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["--config", str(cfg), "run"], env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "sourcs" in res.output and "unknown key" in res.output
    assert not (tmp_path / "archive.db").exists() and not (tmp_path / "brandpulse.db").exists()
