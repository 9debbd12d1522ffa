"""Structured daemon logs (monitor/logs.py): one line per event, key=value or JSON, rotation."""

from __future__ import annotations

import json
import logging

import pytest

from monitor.daemon.logs import get_logger, log_event, setup_logging


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("brandpulse").level)
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])
    logging.getLogger("brandpulse").setLevel(saved[2])


def test_key_value_lines(tmp_path, restore_logging):
    path = tmp_path / "d.log"
    setup_logging(file=path)
    log = get_logger("daemon")
    log_event(
        log,
        "job.finished",
        job="crawl:Acme/feed:url=x",
        status="ok",
        duration_s=1.5,
        message='3 new, "quoted"\nsecond line',
    )
    logging.getLogger("scrapy").info("third-party chatter is dropped")
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = lines[0].split(" ", 4)
    assert first[0].endswith("Z") and first[1:4] == ["INFO", "daemon", "job.finished"]
    # Values with spaces, quotes, "=" or newlines are JSON-quoted (logfmt), the rest bare.
    assert first[4] == (
        'job="crawl:Acme/feed:url=x" status=ok duration_s=1.5 message="3 new, \\"quoted\\"\\nsecond line"'
    )
    assert "WARNING apscheduler.scheduler Run time of job was missed" in lines[1]


def test_json_lines_and_exceptions(tmp_path, restore_logging):
    path = tmp_path / "d.log"
    setup_logging(file=path, json_lines=True)
    log = get_logger("daemon")
    log_event(log, "config.rejected", level=logging.ERROR, problems="brands: required", pid=42)
    try:
        raise RuntimeError("disk full")
    except RuntimeError:
        log.exception("job.crashed", extra={"fields": {"job": "enrich"}})
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert docs[0]["event"] == "config.rejected" and docs[0]["level"] == "ERROR"
    assert docs[0]["pid"] == 42 and docs[0]["problems"] == "brands: required"
    assert docs[1]["job"] == "enrich" and "RuntimeError: disk full" in docs[1]["exc"]


def test_rotation_by_size(tmp_path, restore_logging):
    path = tmp_path / "d.log"
    setup_logging(file=path, max_bytes=2000, backups=2)
    log = get_logger("daemon")
    for n in range(200):
        log_event(log, "job.started", job=f"crawl:{n}")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["d.log", "d.log.1", "d.log.2"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())
