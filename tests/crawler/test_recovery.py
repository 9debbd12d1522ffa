"""Dead runs and their processes: the source lock tells dead from alive, a killed run's record
counts what it stored, orphaned crawl processes are ended, and what Scrapy drops is an error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import yaml
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from crawler.context import CrawlContext
from crawler.locks import SourceLock, lock_dir
from crawler.recovery import mention_floor, reap_orphans, sweep
from crawler.run import open_run
from crawler.stopping import die_with_parent, stop_margin
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.core.rows import MentionIn, mention_row


def _wl(tmp_path):
    data = {
        "archive": "a.db",
        "brands": [{"name": "Acme", "sources": [{"type": "trustpilot", "domain": "acme.de"}]}],
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_watchlist(path)


def _rows(key: str, ids: range) -> list[dict]:
    return [
        mention_row(
            MentionIn(
                external_id=f"m{i}", text=f"Text {i}", source="trustpilot", source_key=key, brand="Acme"
            ),
            default_brand="Acme",
        )
        for i in ids
    ]


def test_a_killed_run_is_closed_with_what_it_stored(tmp_path):
    wl = _wl(tmp_path)
    brand, source = wl.brands[0], wl.brands[0].sources[0]
    with Archive.open(wl.archive_path) as arc:
        arc.add_mentions(_rows(source.key, range(3)))  # an earlier run's
        lock = SourceLock(arc.path, brand.name, source.key)
        assert lock.acquire()
        first = open_run(arc, brand, source)
        arc.add_mentions(_rows(source.key, range(3, 10)))  # stored, then the process died
        arc.add_mentions(_rows("other:key", range(100, 104)))  # another source meanwhile
        assert sweep(arc) == 0  # the lock is held: alive
        lock.release()
        assert sweep(arc) == 1
        row = arc.db["crawl_runs"].get(first)
        assert row["status"] == "killed" and row["items_new"] == 7
        assert "what it stored is kept" in row["message"]


def test_a_later_run_bounds_what_an_earlier_killed_run_is_credited_with(tmp_path):
    wl = _wl(tmp_path)
    brand, source = wl.brands[0], wl.brands[0].sources[0]
    with Archive.open(wl.archive_path) as arc:
        dead = arc.start_run(
            "crawl_runs", spider="trustpilot", brand="Acme", source_key=source.key, mention_id_floor=0
        )
        arc.add_mentions(_rows(source.key, range(4)))
        with SourceLock(arc.path, brand.name, source.key) as lock:
            assert lock.acquire()
            later = open_run(arc, brand, source)  # closes the dead one first (we hold the lock)
            arc.add_mentions(_rows(source.key, range(4, 9)))
            assert arc.db["crawl_runs"].get(dead)["items_new"] == 4
            arc.finish_run("crawl_runs", later, status="ok", items_new=5)
            # recounted after the later run stored more: still bounded by the later run's floor
            arc.finish_run("crawl_runs", dead, status="running")
            assert sweep(arc, locked=True, brand="Acme", source_key=source.key) == 1
            assert arc.db["crawl_runs"].get(dead)["items_new"] == 4
        assert mention_floor(arc) == 9


def test_the_lock_lives_as_long_as_a_child_that_inherited_it(tmp_path):
    archive = tmp_path / "a.db"
    lock = SourceLock(archive, "Acme", "trustpilot:domain=acme.de")
    assert lock.acquire() and lock.path.parent == lock_dir(archive)
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], pass_fds=(lock.fd,), start_new_session=True
    )
    try:
        lock.release()
        other = SourceLock(archive, "Acme", "trustpilot:domain=acme.de")
        assert other.is_held() and not other.acquire()  # the child still holds it
        assert other.holder() == str(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert not other.is_held() and other.acquire()  # the kernel dropped it with the last holder
    other.release()


def test_locks_follow_the_archives_real_path(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data", target_is_directory=True)
    a = SourceLock(tmp_path / "data" / "a.db", "Acme", "k")
    b = SourceLock(tmp_path / "link" / "a.db", "Acme", "k")
    assert a.path == b.path
    assert a.acquire() and not b.acquire()
    a.release()


def test_orphaned_crawl_processes_are_ended(tmp_path):
    wl = _wl(tmp_path)
    with Archive.open(wl.archive_path) as arc:
        run_id = arc.start_run("crawl_runs", spider="trustpilot", brand="Acme", source_key="k")
        # what `ps` shows for a crawl whose launcher (pid 999999999) is gone
        code = "import time; time.sleep(60)"
        cmd = [
            sys.executable,
            "-c",
            code,
            "crawler.run",
            "--run-id",
            str(run_id),
            "--parent-pid",
            "999999999",
        ]
        orphan = subprocess.Popen(cmd, start_new_session=True)
        # and one whose launcher (this test) is alive: not touched
        alive_id = arc.start_run("crawl_runs", spider="trustpilot", brand="Acme", source_key="k2")
        cmd2 = [
            sys.executable,
            "-c",
            code,
            "crawler.run",
            "--run-id",
            str(alive_id),
            "--parent-pid",
            str(os.getpid()),
        ]
        alive = subprocess.Popen(cmd2, start_new_session=True)
        try:
            with arc.conn:
                arc.conn.execute("UPDATE crawl_runs SET pid=? WHERE id=?", (orphan.pid, run_id))
                arc.conn.execute("UPDATE crawl_runs SET pid=? WHERE id=?", (alive.pid, alive_id))
            time.sleep(0.3)
            assert reap_orphans(arc, grace_s=5) == [orphan.pid]
            assert orphan.wait(5) is not None and alive.poll() is None
        finally:
            for p in (orphan, alive):
                p.kill()
                p.wait()


def test_a_crawl_whose_launcher_is_gone_does_not_start():
    assert die_with_parent(os.getppid())
    assert not die_with_parent(999999999)
    assert stop_margin(6) == 1.0 and stop_margin(1200) == 5.0


# --------------------------------------------------------------------------- dropped requests


@pytest.fixture
def spider(tmp_path):
    from crawler.spiders.schemaorg import SchemaOrgSpider

    wl = _wl(tmp_path)
    arc = Archive.open(wl.archive_path)
    src = SimpleNamespace(type="schemaorg", key="schemaorg:urls=x", backfill_limit=None, base_url=None)
    yield SchemaOrgSpider(ctx=CrawlContext(wl, wl.brands[0], src, arc))
    arc.close()


def _failure(url: str, exc: Exception) -> Failure:
    try:
        raise exc
    except type(exc):
        failure = Failure()
    failure.request = Request(url)
    return failure


def test_robots_refusals_are_notes_other_dropped_requests_are_errors(spider):
    c = spider.ctx.counters
    spider.on_error(_failure("https://a.example/private", IgnoreRequest("Forbidden by robots.txt")))
    assert c.http_errors == 0 and "Forbidden by robots.txt" in c.notes[0]
    spider.on_error(_failure("https://a.example/loop", IgnoreRequest("max redirections reached")))
    spider.on_error(_failure("https://a.example/x", IgnoreRequest("Filtered offsite request to 'b.example'")))
    spider.request_dropped(Request("https://a.example/again"))
    assert c.http_errors == 3
    text = "\n".join(c.messages)
    assert "max redirections reached" in text and "offsite" in text and "dropped as a duplicate" in text
