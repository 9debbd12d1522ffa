"""A live `brandpulse serve` (Datasette) for tests: started on a free 127.0.0.1 port, waited
for until it answers, stopped after. One copy of the start-and-wait loop the serve, search,
fault and dashboard tests (and tools/dashboard_screenshot.py) share."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from monitor.analyst import serve as serve_mod
from tests.helpers.smtp import free_port


def start_serve(wl: Any, workdir: Path, **start: Any) -> tuple[subprocess.Popen, str]:
    """Start serve for ``wl`` (``start``: further arguments of ``monitor.analyst.serve.start``)
    and return the process and its base URL once ``/-/versions.json`` answers."""
    port = free_port()
    proc = serve_mod.start(wl, workdir, port=port, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **start)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=5).close()
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                raise RuntimeError(f"datasette exited: {proc.stderr.read().decode()}") from None
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("datasette did not start in 60 s") from None
            time.sleep(0.2)


def stop_serve(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=10)
