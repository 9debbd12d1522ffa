"""Churn cues on hand-labelled real sentences (tests/data/churn_sentences.jsonl)."""

from __future__ import annotations

import json

from monitor.detect.churn import ChurnMatcher
from tests.helpers import paths

DATA = paths.ROOT / "tests" / "data" / "churn_sentences.jsonl"


def load():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_labelled_set_holds_both_kinds_negations_and_both_languages():
    rows = load()
    assert len(rows) >= 200 and len({r["text"] for r in rows}) == len(rows)
    assert {r["label"] for r in rows} == {"leave", "order", "other"}
    assert {r["lang"] for r in rows} == {"de", "en"}
    assert {"negated", "third_party", "troubleshooting"} <= {r["tag"] for r in rows}
    assert all(r["source"] for r in rows)


def test_leaving_is_told_from_order_actions_with_precision_at_least_0_9():
    matcher = ChurnMatcher([])
    rows = load()
    predicted = [matcher.reason(r["text"]) is not None for r in rows]
    gold = [r["label"] == "leave" for r in rows]
    tp = sum(p and g for p, g in zip(predicted, gold))
    assert tp / max(1, sum(predicted)) >= 0.9
    assert tp / sum(gold) >= 0.8
    # no order action is ever a lead, and the screen never drops one
    assert not any(p for p, r in zip(predicted, rows) if r["label"] == "order")
    assert all(matcher.screen.search(r["text"].casefold()) for p, r in zip(predicted, rows) if p)
