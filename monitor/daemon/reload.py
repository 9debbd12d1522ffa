"""Reloading the watchlist while the daemon runs (SIGHUP or a changed file).

Why a new watchlist can be refused: an invalid file must never stop a running daemon, and a
changed archive path would move the daemon to another archive without its lock.
"""

from __future__ import annotations

from pathlib import Path

from monitor.core.config import ConfigError, Watchlist, load_watchlist
from monitor.daemon.schedule import build_jobs


def file_stamp(path: Path) -> tuple[int, int] | None:
    """What tells a changed file (mtime, size); None while it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def reloaded_watchlist(path: Path, current: Watchlist) -> tuple[Watchlist | None, str]:
    """The watchlist at ``path`` if the daemon may switch to it, else (None, why not)."""
    try:
        new = load_watchlist(path)
        build_jobs(new)  # a cron expression APScheduler rejects is a ConfigError too
    except ConfigError as exc:
        return None, " | ".join(exc.problems)
    if new.archive_path != current.archive_path:
        return None, f"archive changed to {new.archive_path}: restart the daemon for that"
    return new, ""
