"""Shared test fixtures: a valid watchlist on disk and an open archive.

Stage-specific helpers live in tests/helpers/ (imported as ``tests.helpers.X``); nothing
imports this file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from tests.helpers.watchlists import MINIMAL_WATCHLIST

# Never let a test touch the real user cache or config.
os.environ.setdefault("BRANDPULSE_CACHE_DIR", str(Path(__file__).parent / ".cache"))


@pytest.fixture
def watchlist_file(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(MINIMAL_WATCHLIST, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def watchlist(watchlist_file: Path):
    return load_watchlist(watchlist_file)


@pytest.fixture
def archive(watchlist):
    arc = Archive.open(watchlist.archive_path)
    yield arc
    arc.close()


@pytest.fixture
def arc(wl):
    """The open archive of the ``wl`` watchlist a test folder or file defines (its own
    scenario, not the minimal one above)."""
    with Archive.open(wl.archive_path) as a:
        yield a
