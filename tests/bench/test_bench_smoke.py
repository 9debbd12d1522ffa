"""The synthetic benches still run against today's schema and print their figures with the
naive baseline (a schema change once broke bench/brand_links.py unnoticed). Small sizes: this
checks that they work, not how fast anything is."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import paths

pytestmark = pytest.mark.slow


def run_bench(module: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_brand_links_bench_prints_the_link_figures_and_the_naive_ratio():
    out = run_bench("bench.brand_links", "--n", "3000")
    for figure in (
        "with the link trigger",
        "relink after an alias change",
        "naive row-by-row",
        "v_share_of_voice",
    ):
        assert figure in out, out
    assert "x faster" in out


def test_archive_bench_prints_its_figures():
    out = run_bench("bench.archive", "--n", "5000")
    for figure in ("Digest render", "Retention", "Forget one author"):
        assert figure in out, out
