"""The hand-labelled English review sentences the topic bench measures with stay well-formed:
every category is a topic of bench/app_watchlist.yaml, polarities are the model's labels, and
each row names its real origin (tests/data/README.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.topics import EN_SETS, en_half, read_jsonl
from monitor.core.config import load_watchlist
from tests.helpers import paths

ROOT = paths.ROOT
TOPICS = set(load_watchlist(ROOT / "bench" / "app_watchlist.yaml").topics)


@pytest.mark.parametrize("name", sorted(EN_SETS))
def test_labelled_sentences_are_well_formed(name):
    rows = read_jsonl(ROOT / EN_SETS[name])
    assert len(rows) >= 150
    for row in rows:
        assert row["text"].strip() and row["lang"] == "en"
        assert row["source"].count("@") == 1 and row["path"] and row["review_id"]
        assert 1 <= row["stars"] <= 5
        cats = [a["category"] for a in row["aspects"]]
        assert len(cats) == len(set(cats)), row["text"]
        assert set(cats) <= TOPICS, row["text"]
        assert {a["polarity"] for a in row["aspects"]} <= {"negative", "neutral", "positive"}
    halves = Counter(en_half(r) for r in rows)
    assert min(halves.values()) > 0.3 * len(rows)  # the review split keeps both halves substantial
    # one review's sentences are never on both sides of the split
    assert all(
        len({en_half(r) for r in rows if r["review_id"] == rid}) == 1
        for rid in {r["review_id"] for r in rows}
    )
