"""The offline demo: the bundled watchlist and snapshots run through every real stage.

``run_demo_steps(DIR)`` writes ``DIR/watchlist.yaml`` (the embedded default, its sources pointed
at a local server), serves ``snapshots/`` on 127.0.0.1 with ``crawler.localserver``, and
runs crawl (the real spiders, in subprocesses) → enrich → detect → digest on that archive.
The demo's data end on 2026-11-21 (Europe/Berlin); detect and digest are run for that day,
whatever today's date is, so the demo always shows the same incident.
"""

from __future__ import annotations

from monitor.demo.run import DEMO_DAY, DemoError, run_demo_steps

__all__ = ["DEMO_DAY", "DemoError", "run_demo_steps"]
