"""One crawl per (brand, source) at a time, and a sure way to tell a dead crawl from a live one.

A ``flock`` on ``<archive>.crawl-locks/<digest>.lock`` (the archive's real path, so that two
watchlists reaching it through a symlink share the locks). The launcher takes it before it
opens the ``crawl_runs`` row and hands the descriptor to the crawl process, so the lock is held
while either of them lives, and the kernel drops it when both are gone — ``kill -9``
included. Hence: a ``running`` row whose lock is free belongs to a dead process
(``crawler.recovery`` closes it), and a second crawl of the same source is refused instead of
interleaving with the first one's resume point.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path


def lock_dir(archive_path: Path) -> Path:
    real = Path(os.path.realpath(archive_path))
    return real.with_name(real.name + ".crawl-locks")


class SourceLock:
    """The lock of one (brand, source key) of one archive; ``path`` None means "no locking"
    (an in-memory archive)."""

    def __init__(self, archive_path: Path | None, brand: str, source_key: str):
        self.brand, self.source_key = brand, source_key
        self.path: Path | None = None
        if archive_path is not None:
            digest = hashlib.sha1(f"{brand}\0{source_key}".encode()).hexdigest()[:20]
            self.path = lock_dir(archive_path) / f"{digest}.lock"
        self.fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        if self.path is None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.brand} {self.source_key}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # the lock stays while an inheriting child keeps its copy
            self.fd = None

    def holder(self) -> str:
        """Who took the lock (its pid), for messages; '' when unknown."""
        try:
            return self.path.read_text(encoding="utf-8").split(" ", 1)[0] if self.path else ""
        except OSError:
            return ""

    def is_held(self) -> bool:
        """Whether some process (this one included, through another descriptor) holds it."""
        if self.fd is not None:
            return True
        if self.path is None or not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the probe's own lock
        return False

    def __enter__(self) -> SourceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
