"""Purging deleted personal data from the archive's files (after ``forget`` and retention).

Why so thorough: deleting a row leaves its bytes in free pages, in the WAL and in the
full-text index's older segments. A purge therefore runs an FTS 'optimize' (merges segments,
dropping deleted tokens), optionally a VACUUM, and a TRUNCATE checkpoint — retried while
another process holds a read open, because until the checkpoint completes the main file
still holds the old pages. The callers turn secure_delete on before they delete.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from monitor.core.archive import Archive

#: How long a purge keeps retrying the checkpoint while another process holds a read open.
PURGE_WAIT_S = 30.0
#: How long one checkpoint attempt waits for readers (SQLite's busy handler) before a retry.
CHECKPOINT_BUSY_MS = 1000


def _checkpoint(conn: sqlite3.Connection) -> bool:
    """One TRUNCATE checkpoint: True when every WAL page reached the main file and the WAL is
    empty. A reader's open snapshot keeps older page images needed, so it reports busy."""
    return conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0


def purge_bytes(
    archive: Archive,
    *,
    vacuum: bool = True,
    wait_s: float | None = None,
    on_blocked: Callable[[], None] | None = None,
) -> bool:
    """Make deleted content unrecoverable from the files; False if a reader blocked it.

    Until the checkpoint completes, the main file still holds the old pages (the WAL holds
    the overwritten ones), so the checkpoint is retried for ``wait_s`` (default
    PURGE_WAIT_S); ``on_blocked`` is called once when a reader first blocks it."""
    from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

    conn = archive.conn
    conn.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('optimize')")
    conn.commit()
    if vacuum:
        conn.execute("VACUUM")
    blocked: list[bool] = []

    def note_blocked(_state: Any) -> None:
        if not blocked and on_blocked is not None:
            on_blocked()
        blocked.append(True)

    previous = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_BUSY_MS}")
    try:
        retrying = Retrying(
            stop=stop_after_delay(PURGE_WAIT_S if wait_s is None else wait_s),
            wait=wait_exponential(multiplier=0.2, max=3),
            retry=retry_if_result(lambda done: not done),
            before_sleep=note_blocked,
            retry_error_callback=lambda _state: False,
        )
        return retrying(_checkpoint, conn)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(previous)}")
