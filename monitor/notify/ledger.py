"""The ``notifications`` ledger: one row per (incident event, channel).

Why the digest's rule: a row is claimed (``sending``) with a conditional UPDATE before the
send, so two processes (the daemon and a manual ``brandpulse detect``) never both push it; a
row ``sent`` is never sent again; a row left ``sending`` by a killed process is not sent again
either (whether it went out is unknown) and ``status`` reports it. ``failed`` and ``held``
(quiet hours) rows are tried again at the next run, until the event is too old to matter
(``expired``: the digest has it by then).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.times import iso
from monitor.notify.channels import channels

#: Rows a run may (re)send.
SENDABLE = ("pending", "held", "failed")
#: A row ``sending`` for longer than this was left by a process that died mid-send.
STALE_SENDING = timedelta(minutes=10)


@dataclass
class Row:
    id: int
    status: str
    attempts: int


def ensure(archive: Archive, event_id: int, channel: str, brand: str, now: datetime) -> Row:
    """The ledger row of (event, channel), created ``pending`` if new."""
    at = iso(now)
    with archive.conn:
        archive.conn.execute(
            "INSERT OR IGNORE INTO notifications (event_id, channel, brand, status, created_at, updated_at) "
            "VALUES (?, ?, ?, 'pending', ?, ?)",
            (event_id, channel, brand, at, at),
        )
    row = archive.conn.execute(
        "SELECT id, status, attempts FROM notifications WHERE event_id = ? AND channel = ?",
        (event_id, channel),
    ).fetchone()
    return Row(*row)


def hold(archive: Archive, row_id: int, now: datetime) -> None:
    with archive.conn:
        archive.conn.execute(
            "UPDATE notifications SET status = 'held', updated_at = ? WHERE id = ? AND status IN ('pending', 'held')",
            (iso(now), row_id),
        )


def claim(archive: Archive, row_id: int, now: datetime) -> bool:
    """Take the row for sending; False when another process has it or it is done."""
    marks = ",".join("?" * len(SENDABLE))
    with archive.conn:
        cur = archive.conn.execute(
            f"UPDATE notifications SET status = 'sending', updated_at = ? WHERE id = ? AND status IN ({marks})",
            (iso(now), row_id, *SENDABLE),
        )
    return cur.rowcount == 1


def record(
    archive: Archive, row_id: int, *, ok: bool, attempts: int, error: str | None, now: datetime
) -> None:
    """The outcome of a send: ``sent``, or ``failed`` with the error (kept after a later success)."""
    at = iso(now)
    with archive.conn:
        if ok:
            archive.conn.execute(
                "UPDATE notifications SET status = 'sent', attempts = attempts + ?, sent_at = ?, updated_at = ? "
                "WHERE id = ?",
                (attempts, at, at, row_id),
            )
        else:
            archive.conn.execute(
                "UPDATE notifications SET status = 'failed', attempts = attempts + ?, last_error = ?, "
                "failed_at = ?, updated_at = ? WHERE id = ?",
                (attempts, error, at, at, row_id),
            )


def expire(archive: Archive, older_than: datetime, now: datetime) -> int:
    """Give up on rows whose event happened before ``older_than``; returns how many."""
    marks = ",".join("?" * len(SENDABLE))
    with archive.conn:
        cur = archive.conn.execute(
            f"UPDATE notifications SET status = 'expired', updated_at = ? WHERE status IN ({marks}) "
            "AND event_id IN (SELECT id FROM incident_events WHERE at < ?)",
            (iso(now), *SENDABLE, iso(older_than)),
        )
    return cur.rowcount


def channel_status(archive: Archive, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel name: counts by status, the last send and the last failure (with its error).

    An archive from before the ledger existed (read-only, not migrated) has none."""
    try:
        counts = archive.conn.execute(
            "SELECT channel, status, count(*), max(sent_at) FROM notifications GROUP BY channel, status"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for channel, status, n, sent_at in counts:
        entry = out.setdefault(channel, {"counts": {}, "last_sent_at": None, "last_failure": None})
        entry["counts"][status] = n
        if sent_at and (entry["last_sent_at"] or "") < sent_at:
            entry["last_sent_at"] = sent_at
    for channel, failed_at, error, event_id, status in archive.conn.execute(
        "SELECT channel, failed_at, last_error, event_id, status FROM notifications n "
        "WHERE failed_at = (SELECT max(failed_at) FROM notifications m WHERE m.channel = n.channel) "
        "GROUP BY channel"
    ):
        out[channel]["last_failure"] = {
            "at": failed_at,
            "error": error,
            "event_id": event_id,
            "row_status": status,
        }
    stale = iso(now - STALE_SENDING)
    for channel, n in archive.conn.execute(
        "SELECT channel, count(*) FROM notifications WHERE status = 'sending' AND updated_at < ? GROUP BY channel",
        (stale,),
    ):
        out[channel]["interrupted"] = n
    return out


def channel_report(wl: Watchlist, archive: Archive, now: datetime) -> list[dict[str, Any]]:
    """What ``brandpulse status`` shows per channel: configured ones first (also those never
    used), then channels the ledger still knows but the watchlist no longer names."""
    rows = channel_status(archive, now)
    out = []
    for ch in channels(wl):
        out.append(
            _entry(ch.name, rows.pop(ch.name, None), configured=True, problem=ch.problem, brands=ch.brands)
        )
    for name, row in sorted(rows.items()):
        out.append(_entry(name, row, configured=False, problem=None, brands=None))
    return out


def _entry(name: str, row: dict | None, *, configured: bool, problem: str | None, brands) -> dict[str, Any]:
    row = row or {"counts": {}, "last_sent_at": None, "last_failure": None}
    counts = row["counts"]
    return {
        "channel": name,
        "configured": configured,
        "brands": sorted(brands) if brands is not None else None,
        "problem": problem,
        **{status: counts.get(status, 0) for status in ("sent", "held", "failed", "expired")},
        "interrupted": row.get("interrupted", 0),
        "last_sent_at": row["last_sent_at"],
        "last_failure": row["last_failure"],
        "failing": bool(problem) or counts.get("failed", 0) > 0,
    }
