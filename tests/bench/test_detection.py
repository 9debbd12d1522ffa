"""The detection bench runs end to end and prints its table (a short, fixed-seed scenario)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_bench_prints_the_comparison_table(tmp_path, capsys):
    from bench import detection

    out = tmp_path / "summary.json"
    assert (
        detection.main(["--seeds", "1", "--days", "60", "--workdir", str(tmp_path), "--json", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "brandpulse" in printed and "mean+2σ (total volume)" in printed
    assert "median delay" in printed and "FA/brand/30 quiet d" in printed
    summary = json.loads(out.read_text())
    ours, base = summary["ours"], summary["baseline"]
    assert ours["incidents"] == base["incidents"] > 0
    # Deterministic scenario: the statistical method beats raw volume on both counts.
    assert ours["recall"] > base["recall"]
    assert ours["fa_per_brand_30_quiet_days"] < base["fa_per_brand_30_quiet_days"]
