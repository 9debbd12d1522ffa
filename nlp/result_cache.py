"""The in-process cache of predictions: the same text is never classified twice per process.

Why an LRU with a lock: the daemon classifies from several threads, and a long-running process
must not grow without bound.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable, Sequence
from typing import Any

from cachetools import LRUCache


def text_key(text: str) -> bytes:
    """A short, collision-safe key for a text (the text itself may be megabytes)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ResultCache:
    """A thread-safe LRU of results by key."""

    def __init__(self, maxsize: int):
        self._cache: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def lookup(self, keys: Sequence[Hashable]) -> list[Any]:
        """The cached result of each key, or None."""
        with self._lock:
            return [self._cache.get(k) for k in keys]

    def store(self, keys: Sequence[Hashable], results: Sequence[Any]) -> None:
        with self._lock:
            for k, r in zip(keys, results):
                self._cache[k] = r

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
