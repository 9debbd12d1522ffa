"""The detection bench runs end to end and prints its table (a short, fixed-seed scenario)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import paths

pytestmark = pytest.mark.slow


def german_texts(tmp_path):
    """A background for the theme bench from the repository's own real German sentences
    (tests never read ../shared): every third one a complaint."""
    rows = [json.loads(x) for x in (paths.ROOT / "tests/data/churn_sentences.jsonl").read_text().splitlines()]
    labels = ("negative", "neutral", "positive")
    out = tmp_path / "texts.jsonl"
    out.write_text(
        "".join(
            json.dumps({"text": r["text"], "lang": "de", "label": labels[i % 3]}) + "\n"
            for i, r in enumerate(x for x in rows if x["lang"] == "de")
        )
    )
    return out


def test_bench_prints_the_comparison_table(tmp_path, capsys):
    from bench import detection

    out = tmp_path / "summary.json"
    argv = ["--seeds", "1", "--days", "60", "--workdir", str(tmp_path), "--json", str(out)]
    argv += ["--theme-seeds", "1", "--theme-texts", str(german_texts(tmp_path))]
    assert detection.main(argv) == 0
    printed = capsys.readouterr().out
    assert "brandpulse" in printed and "mean+2σ (total volume)" in printed
    assert "median delay" in printed and "FA/brand/30 quiet d" in printed
    assert "brandpulse incidents" in printed and "Unconfigured themes" in printed and "Churn cues" in printed
    summary = json.loads(out.read_text())
    ours, base, grouped = summary["ours"], summary["baseline"], summary["incidents_ours"]
    assert ours["incidents"] == base["incidents"] == grouped["incidents"] > 0
    # Deterministic scenario: the statistical method beats raw volume on both counts.
    assert ours["recall"] > base["recall"]
    assert ours["fa_per_brand_30_quiet_days"] < base["fa_per_brand_30_quiet_days"]
    assert grouped["recall"] >= ours["recall"] - 1e-9
    assert summary["themes"]["theme_incidents"] > 0 and summary["themes"]["recall"] > 0.5
    assert summary["churn_cues"]["ours"]["precision"] >= 0.9
