"""What `brandpulse config check` verifies beyond the file itself: the places and secrets the
watchlist names, as the commands that use them would find them.

Why a separate step: loading a watchlist must stay cheap and side-effect free (every command
does it), while these checks touch the file system and the environment. `config check` runs
them so that a watchlist it passes is one that `run`, `crawl` and `import` accept too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from monitor.core.config import Watchlist
from monitor.core.config_notify import apprise_url_problem
from monitor.core.pseudonyms import key_from_env


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _writable_folder(folder: Path) -> str | None:
    """None if a file can be created in ``folder`` (or in the folder that would hold it)."""
    target = _nearest_existing(folder)
    if not target.is_dir():
        return f"{target} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        return f"cannot create files in {target} ({exc.strerror or exc})"
    return None


def preflight(wl: Watchlist) -> list[str]:
    """Problems the commands would meet, one line each naming the setting and the fix."""
    problems: list[str] = []
    archive = wl.archive_path
    why = _writable_folder(archive.parent)
    if why:
        problems.append(f"archive: {why}; the archive {archive} must be writable by the daemon's user")
    elif archive.exists() and not archive.is_dir():
        try:
            with archive.open("r+b"):
                pass
        except OSError as exc:
            problems.append(f"archive: cannot write {archive} ({exc.strerror or exc})")
    digest_dir = wl.digest_dir
    if digest_dir.exists() and not digest_dir.is_dir():
        problems.append(f"digest.output_dir: {digest_dir} is a file; name a folder")
    elif why_digest := _writable_folder(digest_dir):
        problems.append(f"digest.output_dir: {why_digest}")
    if wl.privacy.pseudonymise_authors and not key_from_env(wl):
        problems.append(
            f"privacy.pseudonymise_authors: ${wl.privacy.key_env} is not set in this environment; "
            "crawl and import refuse to store authors without it — export a long random secret "
            "(e.g. `openssl rand -hex 32`) where brandpulse runs"
        )
    return problems + notify_problems(wl)


def notify_problems(wl: Watchlist) -> list[str]:
    """Push channels whose URL comes from the environment: set there, and usable by Apprise.
    (URLs written in the file are checked when it is loaded.)"""
    lists = [("notify", wl.notify)] + [(f"brands[{b}].notify", x.notify) for b, x in enumerate(wl.brands)]
    problems = []
    for path, channels in lists:
        for i, channel in enumerate(channels):
            if channel.url_env is None:
                continue
            url = channel.resolved_url
            if url is None:
                problems.append(
                    f"{path}[{i}].url_env: ${channel.url_env} is not set in this environment; "
                    "export the channel's Apprise URL there (pushes to it fail until then)"
                )
            elif why := apprise_url_problem(url):
                problems.append(f"{path}[{i}].url_env: the URL in ${channel.url_env}: {why}")
    return problems
