"""docs/archive.md describes the churn alerts detection writes (they carry a baseline and a
test, like spikes), not the daily lists of an earlier version."""

from __future__ import annotations

import re

from tests.helpers import paths


def alert_rows() -> dict[str, str]:
    text = (paths.ROOT / "docs" / "archive.md").read_text(encoding="utf-8")
    table = text.split("### `alerts`", 1)[1].split("###", 1)[0]
    return {
        m.group(1): m.group(2) for m in re.finditer(r"^\| ([a-z_, ]+) \| [A-Z ]+ \| (.*) \|$", table, re.M)
    }


def test_archive_doc_says_churn_alerts_have_expected_and_p_value():
    rows = alert_rows()
    assert "NULL" not in rows["expected"] and "churn" in rows["expected"]
    assert (
        "churn: NULL" not in rows["p_value, q_value"] and "q_value is its p_value" in rows["p_value, q_value"]
    )
    # what the code writes: the churn finding takes the baseline's expectation and p-value
    source = (paths.ROOT / "monitor" / "detect" / "churn_alerts.py").read_text(encoding="utf-8")
    assert "expected=float(exp.expected)" in source and "p_value=exp.p_value" in source
