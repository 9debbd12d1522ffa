"""The offline demo: a bundled watchlist and sample data run through every stage."""

from __future__ import annotations

from pathlib import Path

from monitor.cli_support import not_built


def run_demo(directory: Path) -> Path:
    not_built("demo", 2)
