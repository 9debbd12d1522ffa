"""Scrapy's own tools work on a watchlist (scrapy.cfg at the top of the repository):
``scrapy list`` and ``scrapy crawl <type> -a watchlist=… -a brand=…`` write to the same
archive, with the same run record and resume point as ``brandpulse crawl``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler import resume
from crawler.launch import run_crawl
from crawler.localserver import FixtureServer
from crawler.locks import SourceLock
from monitor.core.archive import Archive
from monitor.core.config import SOURCE_TYPES, load_watchlist
from tests.helpers import paths
from tests.helpers.deep_source import DeepSource, deep_watchlist

pytestmark = pytest.mark.slow

SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRAPY, *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=120)


def test_scrapy_list_names_every_source_type():
    result = scrapy("list")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == sorted(SOURCE_TYPES)


def test_scrapy_crawl_writes_to_the_watchlists_archive(tmp_path):
    deep = DeepSource(total=20 * 4 + 3)
    with FixtureServer(deep.routes()) as server:
        path = tmp_path / "watchlist.yaml"
        path.write_text(yaml.safe_dump(deep_watchlist(server.url, "trustpilot", max_pages_per_run=3)))
        wl = load_watchlist(path)
        source = wl.brands[0].sources[0]
        result = scrapy("crawl", "trustpilot", "-a", f"watchlist={path}", "-a", "brand=Tief")
        assert result.returncode == 0, result.stderr[-2000:]
        with Archive.open(wl.archive_path) as arc:
            (run,) = arc.db["crawl_runs"].rows
            assert run["status"] == "ok" and run["items_new"] == 60 == arc.count("mentions")
            assert "page cap reached: 3 pages" in run["message"]
            assert resume.load(arc, "Tief", source.key).stream().gaps[0].next == 4
        # brandpulse goes on where `scrapy crawl` stopped
        (outcome,) = run_crawl(wl, timeout_s=120)
        assert outcome.items_new == 23 and outcome.status == "ok"
        # one crawl of a source at a time, whichever tool starts it
        with SourceLock(wl.archive_path, "Tief", source.key) as lock:
            assert lock.acquire()
            busy = scrapy("crawl", "trustpilot", "-a", f"watchlist={path}", "-a", "brand=Tief")
        assert busy.returncode != 0 and "another crawl of this source is still running" in busy.stderr


def test_scrapy_crawl_names_the_missing_argument(tmp_path):
    data = {
        "archive": "a.db",
        "brands": [
            {"name": "A", "sources": [{"type": "trustpilot", "domain": "a.de"}]},
            {"name": "B", "sources": [{"type": "trustpilot", "domain": "b.de"}]},
        ],
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    result = scrapy("crawl", "trustpilot", "-a", f"watchlist={path}")
    assert result.returncode != 0 and "-a brand=NAME is needed" in result.stderr
