"""How a crawl process ends in time and keeps what it parsed.

Three things end a crawl early: its deadline (``crawler.timeout_minutes``), SIGTERM/SIGINT (a
daemon shutting down, Ctrl-C), and the death of the process that started it (on Linux the
kernel turns that into SIGHUP: ``prctl(PR_SET_PDEATHSIG)``; a signal of its own, because the
parent's pid can still look alive while its other threads exit). Each goes the same way: store
every parsed item at once, record the run, ask Scrapy to close, and stop the reactor after a
short grace even if a slow download is still hanging — so a run ends *within* its timeout and
a slow URL costs nothing already parsed. A second signal stops at once; a watchdog thread
ends the process at the deadline if the reactor itself is stuck.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Longest close after a stop (in-flight downloads may finish meanwhile and are kept).
STOP_GRACE_S = 2.0
PR_SET_PDEATHSIG = 1


def stop_margin(timeout_s: float) -> float:
    """How long before its deadline a run starts stopping: time to store, record and exit."""
    return min(5.0, max(1.0, timeout_s * 0.1))


def die_with_parent(parent_pid: int | None) -> bool:
    """Ask for SIGHUP when the parent dies (Linux); False when it is already gone."""
    if parent_pid is None:
        return True
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGHUP), 0, 0, 0)
    return os.getppid() == parent_pid


class Stopper:
    """Installs the stop triggers for one ``CrawlerProcess`` run."""

    def __init__(
        self,
        process: Any,
        ctx: Any,
        record: Callable[[], None],
        *,
        deadline: float | None = None,
        timeout_s: float | None = None,
    ):
        self.process, self.ctx, self.record = process, ctx, record
        self.deadline, self.timeout_s = deadline, timeout_s
        self.stopped = False
        self.watchdog: threading.Timer | None = None

    def install(self) -> Stopper:
        from twisted.internet import reactor

        if threading.current_thread() is threading.main_thread():  # else: embedded, no signals
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, self._on_signal)
        if self.deadline is not None:
            margin = stop_margin(self.timeout_s or self.deadline - time.time())
            took = f"{self.timeout_s:g}s" if self.timeout_s else "time"
            reactor.callLater(
                max(0.0, self.deadline - margin - time.time()),
                self.stop,
                "timeout",
                f"timeout: stopped at the {took} limit (crawler.timeout_minutes); everything parsed "
                "is stored and the next run goes on from here",
            )
            self.watchdog = threading.Timer(max(0.0, self.deadline - time.time()), os._exit, args=(1,))
            self.watchdog.daemon = True
            self.watchdog.start()
        return self

    def close(self) -> None:
        """The run is over (recorded): the watchdog must not outlive it."""
        if self.watchdog is not None:
            self.watchdog.cancel()

    def _on_signal(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        # Only note it here: the reactor thread does the work between two of its callbacks.
        name = signal.Signals(signum).name
        if signum == signal.SIGHUP:
            why = "interrupted: the process that started this crawl ended (or its terminal closed)"
        else:
            why = f"interrupted by {name} (a shutdown)"
        reactor.callFromThread(self.stop, "interrupted", why + "; everything parsed is stored")

    def stop(self, status: str, why: str) -> None:
        if self.stopped:
            self._halt()
            return
        self.stopped = True
        self.ctx.stop(status, why)
        self.record()  # a kill during the close below loses nothing
        from twisted.internet import reactor

        self.process.stop()
        grace = STOP_GRACE_S
        if self.deadline is not None:  # leave time to exit before the deadline
            grace = min(grace, max(0.2, (self.deadline - time.time()) / 2))
        reactor.callLater(grace, self._halt)

    @staticmethod
    def _halt() -> None:
        from twisted.internet import reactor

        with contextlib.suppress(RuntimeError):  # already stopped
            reactor.stop()
