"""The daemon's child processes (crawl subprocesses) at shutdown.

Why psutil: it reads the process table portably; each crawl runs in its own process group,
so signalling the group reaches Scrapy's own children too.
"""

from __future__ import annotations

import os

import psutil


def child_pids() -> list[int]:
    """Direct child processes of this process."""
    return [child.pid for child in psutil.Process().children()]


def terminate_children(sig: int) -> list[int]:
    """Send ``sig`` to this process's children (crawl subprocesses) and their groups."""
    sent = []
    for pid in child_pids():
        try:
            if os.getpgid(pid) == pid:  # started in its own session/group: reach its children too
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
            sent.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    return sent
