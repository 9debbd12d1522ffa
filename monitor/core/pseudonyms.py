"""Keyed author pseudonyms, applied before a mention is stored.

Why in the core: every writer (the crawler, the importer) must pseudonymise the same way, and
none of them may depend on the erasure code in ``monitor.privacy``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from monitor.core.config import Watchlist


class MissingKey(RuntimeError):
    """Pseudonymisation is on but its key is not in the environment."""


def pseudonym(author: str, key: bytes) -> str:
    """A stable, keyed pseudonym: the same author maps to the same value, the name is gone."""
    digest = hmac.new(key, author.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon-{digest[:16]}"


def ingest_transform(wl: Watchlist) -> Callable[[dict], dict] | None:
    """The row transform applied to every mention before it is stored, or None."""
    if not wl.privacy.pseudonymise_authors:
        return None
    key = key_from_env(wl)
    if not key:
        raise MissingKey(
            f"privacy.pseudonymise_authors is on but ${wl.privacy.key_env} is not set: "
            "export a long random secret (e.g. `openssl rand -hex 32`)"
        )

    def transform(row: dict) -> dict:
        if row.get("author"):
            row["author"] = pseudonym(row["author"], key)
        return row

    return transform


def key_from_env(wl: Watchlist) -> bytes | None:
    """The operator's pseudonym key (an environment variable: secrets never sit in the file)."""
    raw = os.environ.get(wl.privacy.key_env)
    return raw.encode("utf-8") if raw else None
