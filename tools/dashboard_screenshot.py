"""Render docs/dashboard.png: the dashboard of `brandpulse serve` over the demo's archive.

The server and the headless browser are the ones of tests/monitor/analyst/test_dashboard.py,
so the picture shows what the test checks. The test itself never writes into docs/. Without a
demo folder the test's seeded archive is drawn.

    .venv/bin/brandpulse demo /tmp/demo     # Paketwerk against Warenblitz, four weeks
    .venv/bin/python -m tools.dashboard_screenshot docs/dashboard.png /tmp/demo
"""

from __future__ import annotations

import sys
import tempfile
import urllib.parse
from pathlib import Path

from monitor.analyst.dashboard import SLUG
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from tests.helpers.serve import start_serve
from tests.monitor.analyst.test_dashboard import (
    CHROMIUM,
    LAST,
    DevTools,
    render_dashboard,
    seed_brands,
    write_watchlist,
)


def main(out: Path, demo: Path | None = None) -> None:
    if CHROMIUM is None:
        raise SystemExit("headless Chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="brandpulse-shot-") as d:
        folder = Path(d)
        if demo is not None:
            wl = load_watchlist(demo / "watchlist.yaml")
            view = {"brand": "Paketwerk", "date_start": "2026-10-25", "date_end": "2026-11-21"}
        else:
            wl = write_watchlist(folder)
            archive = Archive.open(wl.archive_path)
            seed_brands(wl, archive)
            archive.close()
            view = {"brand": "Acme", "date_start": "2026-09-16", "date_end": LAST.isoformat()}
        proc, base = start_serve(wl, folder)
        devtools = DevTools(folder / "profile", width=1280)
        try:
            q = urllib.parse.urlencode(view)
            sid = render_dashboard(devtools, f"{base}/-/dashboards/{SLUG}?{q}")
            devtools.screenshot(sid, out, max_height=2300)  # the answer list goes on
        finally:
            devtools.close()
            proc.terminate()
            proc.wait(timeout=10)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/dashboard.png"),
        Path(sys.argv[2]) if len(sys.argv) > 2 else None,
    )
