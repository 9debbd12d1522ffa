"""One daemon per archive.

Why a file lock (``flock`` through filelock) next to the archive rather than a lease row in
SQLite: the kernel drops the lock the moment the holder dies — kill -9, OOM, power loss — so a
crashed daemon never blocks the next start, and no clock or heartbeat is involved. A second
``brandpulse run`` on the same archive (another shell, a second systemd unit, four gunicorn
workers...) fails at once with the holder's pid instead of sending the digest twice.

Beside the lock the holder writes ``<archive>.daemon.json`` (pid, start time, config, next run
times) for ``brandpulse status``; that file is informational only — the lock decides.

Both sit next to the archive's *real* path (symlinks resolved): two watchlists that reach one
archive through a symlink, or through different relative paths, share one lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout


class AlreadyRunning(RuntimeError):
    """Another daemon holds the archive's lock."""


def real_archive_path(archive_path: Path) -> Path:
    """The archive file itself, whichever symlinks or relative paths lead to it."""
    return Path(os.path.realpath(archive_path))


def lock_path(archive_path: Path) -> Path:
    real = real_archive_path(archive_path)
    return real.with_name(real.name + ".lock")


def state_path(archive_path: Path) -> Path:
    real = real_archive_path(archive_path)
    return real.with_name(real.name + ".daemon.json")


@dataclass
class ArchiveLock:
    """Holds the archive's daemon lock until ``release()`` (or process exit)."""

    archive_path: Path
    _lock: FileLock | None = None

    def acquire(self) -> ArchiveLock:
        real_archive_path(self.archive_path).parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path(self.archive_path)), thread_local=False)
        try:
            # A short wait absorbs a `status` probe holding the lock for a moment.
            lock.acquire(timeout=2)
        except Timeout:
            holder = read_state(self.archive_path)
            who = f" (pid {holder['pid']}, running since {holder.get('started_at', '?')})" if holder else ""
            raise AlreadyRunning(
                f"another brandpulse daemon is already running on {self.archive_path}{who}; "
                "stop it first (one daemon per archive, so nothing is crawled or sent twice)"
            ) from None
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is not None:
            state_path(self.archive_path).unlink(missing_ok=True)
            self._lock.release()
            self._lock = None

    def write_state(self, state: dict[str, Any]) -> None:
        """Atomically replace the status file (written by the lock holder only)."""
        target = state_path(self.archive_path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), **state}, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, target)

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def read_state(archive_path: Path) -> dict[str, Any] | None:
    """The running daemon's status file, or None when there is none or it is unreadable."""
    try:
        return json.loads(state_path(archive_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_locked(archive_path: Path) -> bool:
    """True when some process holds the daemon lock (probe without keeping it)."""
    path = lock_path(archive_path)
    if not path.exists():
        return False
    probe = FileLock(str(path), thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:  # no write access to the folder (a read-only status user): ask the pid
        state = read_state(archive_path)
        return bool(state and state.get("pid") and _pid_alive(int(state["pid"])))
    probe.release()
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def running_daemon(archive_path: Path) -> dict[str, Any] | None:
    """The status file of a live daemon on this archive, or None when none runs."""
    if not is_locked(archive_path):
        return None
    return read_state(archive_path) or {"pid": None}
