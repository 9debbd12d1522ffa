"""Fixtures of the digest tests: the digest scenario's watchlist (``arc``, its open archive, is in tests/conftest.py)."""

import pytest

from tests.helpers.digest import digest_watchlist


@pytest.fixture
def wl(tmp_path):
    return digest_watchlist(tmp_path)
