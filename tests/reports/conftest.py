"""Fixtures of the digest tests: the digest scenario's watchlist and its open archive."""

import pytest

from monitor.core.archive import Archive
from tests.helpers.digest import digest_watchlist


@pytest.fixture
def wl(tmp_path):
    return digest_watchlist(tmp_path)


@pytest.fixture
def arc(wl):
    a = Archive.open(wl.archive_path)
    yield a
    a.close()
