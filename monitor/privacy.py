"""Privacy at ingestion: pseudonymised authors (keyed hash), so the archive never holds the
real name when the operator asks for that. Retention and `forget` build on this module."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Callable

from monitor.config import Watchlist


class MissingKey(RuntimeError):
    pass


def pseudonym(author: str, key: bytes) -> str:
    """A stable, keyed pseudonym: the same author maps to the same value, the name is gone."""
    digest = hmac.new(key, author.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon-{digest[:16]}"


def ingest_transform(wl: Watchlist) -> Callable[[dict], dict] | None:
    """The row transform applied to every mention before it is stored, or None."""
    if not wl.privacy.pseudonymise_authors:
        return None
    raw = os.environ.get(wl.privacy.key_env)
    if not raw:
        raise MissingKey(
            f"privacy.pseudonymise_authors is on but ${wl.privacy.key_env} is not set: "
            "export a long random secret (e.g. `openssl rand -hex 32`)"
        )
    key = raw.encode("utf-8")

    def transform(row: dict) -> dict:
        if row.get("author"):
            row["author"] = pseudonym(row["author"], key)
        return row

    return transform
