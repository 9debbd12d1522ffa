"""Churn-cue precision and recall on hand-labelled real review sentences.

``tests/data/churn_sentences.jsonl`` (see tests/data/README.md): German and English sentences
from real reviews and posts, labelled ``leave`` (the author ends or threatens to end being a
customer), ``order`` (an action on one order or booking) or ``other``. A sentence is a
predicted lead when ``monitor.detect.churn.ChurnMatcher`` gives it a reason; precision and
recall are for the ``leave`` label. The naive baseline in the same run: any churn-looking word
at all (the stems the built-in cues start from, without their context rules).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from monitor.detect.churn import ChurnMatcher

DATA = Path(__file__).resolve().parents[1] / "tests/data/churn_sentences.jsonl"
#: The naive rule: a churn-looking word anywhere.
NAIVE = re.compile(
    r"k[üu]ndig|storn|vertrag|\babo\b|wechs|nie wieder|cancel|unsubscrib|contract|subscription|"
    r"switch|uninstall|never again|delete",
)


def _scores(pred: list[bool], gold: list[bool]) -> dict:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    return {
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def run(path: Path = DATA) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    matcher = ChurnMatcher([])
    gold = [r["label"] == "leave" for r in rows]
    ours = [matcher.reason(r["text"]) is not None for r in rows]
    naive = [bool(NAIVE.search(r["text"].casefold())) for r in rows]
    out = {
        "sentences": len(rows),
        "leave": sum(gold),
        "order": sum(r["label"] == "order" for r in rows),
        "ours": _scores(ours, gold),
        "naive": _scores(naive, gold),
        "order_flagged": sum(p for p, r in zip(ours, rows) if r["label"] == "order"),
        "by_lang": {
            lang: _scores(
                [p for p, r in zip(ours, rows) if r["lang"] == lang],
                [g for g, r in zip(gold, rows) if r["lang"] == lang],
            )
            for lang in sorted({r["lang"] for r in rows})
        },
    }
    return out


def print_summary(s: dict) -> None:
    o, n = s["ours"], s["naive"]
    print(
        f"\nChurn cues on {s['sentences']} hand-labelled real sentences ({s['leave']} leaving, "
        f"{s['order']} order actions): precision {o['precision']:.2f}, recall {o['recall']:.2f} "
        f"({o['tp']} found, {o['fp']} false, {o['fn']} missed; order actions flagged "
        f"{s['order_flagged']}) — any churn-looking word: precision {n['precision']:.2f}, "
        f"recall {n['recall']:.2f}"
    )
