"""Topic and aspect-sentiment figures per language, and enrich throughput.

    .venv/bin/python -m bench.topics                 # hotel dev (de) + app reviews, report halves (en)
    .venv/bin/python -m bench.topics --split train   # the German split used to refine keywords
    .venv/bin/python -m bench.topics --errors 20     # also print misses and false hits
    .venv/bin/python -m bench.topics --lang en --en-split tune   # the English half used to refine

English has no published train split, so each hand-labelled set (``--en-set``: gp = 181 Google
Play sentences of the Twitter app, as = 491 App Store sentences of the Google app; tests/data/) is
split deterministically by review (sha1 of ``review_id``, even → "tune", odd → "report"; sentences
of one review never straddle the halves, so the report half is text the watchlist never saw).
sha1 was chosen among the stdlib hashes for the balanced sizes, before any figure was looked at.

German: ../shared/datasets/sentiment/hotel_aspect_{train,dev}_de.jsonl (bench may read shared/),
topics from bench/hotel_watchlist.yaml. English: tests/data/en_*_sentences.jsonl, topics
from bench/app_watchlist.yaml. Topic detection is scored as micro-F1 over (sentence, topic)
pairs; aspect sentiment as accuracy over gold aspects that were also detected (nlp.aspects:
mean of clause and sentence probabilities, star-rating prior, negated-complaint and request rules). The sentiment model is the real
embedded one when it loads, else the bench says so and skips aspect accuracy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets" / "sentiment"

EN_SETS = {  # hand-labelled English review sentences (tests/data/README.md)
    "gp": "tests/data/en_review_sentences.jsonl",
    "as": "tests/data/en_appstore_sentences.jsonl",
}

HOTEL_CATEGORIES = {
    "hotel": "HOTEL",
    "zimmer": "ZIMMER",
    "lage": "LAGE",
    "service": "SERVICE",
    "essen_trinken": "ESSEN&TRINKEN",
}


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def en_half(row: dict) -> str:
    """ "tune" or "report": a stable split by review, so one review's sentences stay together."""
    key = row.get("review_id") or row["text"]
    return "tune" if int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "report"


def en_rows(rows: list[dict], split: str) -> list[dict]:
    """The English sentences of ``split`` ("tune", "report" or "all")."""
    return rows if split == "all" else [r for r in rows if en_half(r) == split]


def taxonomy_from(path: Path):
    from monitor.core.config import load_watchlist
    from nlp.topics import Taxonomy

    wl = load_watchlist(path)
    return wl, Taxonomy(wl.topics)


def evaluate(rows, taxonomy, lang, category_of, model=None, errors=0):
    """Return a dict of figures; rows have text + aspects [{category, polarity}]."""
    from nlp.aspects import aspect_label, aspect_texts

    tp = fp = fn = 0
    per_cat: dict[str, Counter] = {}
    aspect_total = aspect_right = 0
    shown = 0
    pending = []  # (gold polarity, hit, stars) for aspect scoring
    for row in rows:
        gold = {a["category"]: a["polarity"] for a in row["aspects"]}
        hits = taxonomy.analyse(row["text"], lang)
        found: dict[str, object] = {}
        for h in hits:
            found.setdefault(category_of(h.topic), h)
        for cat in set(gold) | set(found):
            c = per_cat.setdefault(cat, Counter())
            if cat in gold and cat in found:
                tp += 1
                c["tp"] += 1
                pending.append((gold[cat], found[cat], row.get("stars")))
            elif cat in found:
                fp += 1
                c["fp"] += 1
            else:
                fn += 1
                c["fn"] += 1
        if errors and shown < errors and set(gold) != set(found):
            shown += 1
            print(f"  gold={sorted(gold)} found={sorted(found)} :: {row['text']}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {"sentences": len(rows), "topic_precision": precision, "topic_recall": recall, "topic_micro_f1": f1}
    out["per_topic_f1"] = {
        cat: round(2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]), 3) for cat, c in sorted(per_cat.items())
    }
    if model is not None and pending:
        texts = sorted({t for _, h, _ in pending for t in aspect_texts(h)})
        results = dict(zip(texts, model.predict(texts)))
        for gold_polarity, hit, stars in pending:
            label, _ = aspect_label(results[hit.clause], hit, results[hit.sentence], lang, stars)
            aspect_total += 1
            aspect_right += label == gold_polarity
        out["aspect_accuracy"] = aspect_right / aspect_total
        out["aspects_scored"] = aspect_total
    return out


def keyword_stats(rows, taxonomy, lang, category_of) -> None:
    """Print each keyword's hits and precision (the tool used to refine a watchlist on train)."""
    stats: dict[tuple[str, str], Counter] = {}
    for row in rows:
        gold = {a["category"] for a in row["aspects"]}
        for h in taxonomy.analyse(row["text"], lang):
            c = stats.setdefault((h.topic, h.keyword), Counter())
            c["right" if category_of(h.topic) in gold else "wrong"] += 1
    print(f"{'topic':<14} {'keyword':<22} hits precision")
    for (topic, kw), c in sorted(stats.items(), key=lambda kv: kv[1]["right"] / (sum(kv[1].values()))):
        n = sum(c.values())
        print(f"{topic:<14} {kw:<22} {n:>4} {c['right'] / n:.2f}")


def load_sentiment(name: str):
    try:
        from nlp.sentiment import load_model

        return load_model(name)
    except Exception as exc:  # the bench reports without aspect figures rather than dying
        print(f"(sentiment model {name!r} not available: {exc}; aspect accuracy skipped)")
        return None


def throughput(model, taxonomy_path: Path, rows: list[dict], n: int) -> float:
    """Mentions/second of run_enrich over ``n`` mentions built from the rows' texts, after a
    20-mention warm-up (one-time loads are not throughput); includes the model's time."""
    from monitor.core.archive import Archive
    from monitor.core.config import load_watchlist
    from monitor.enrich.run import run_enrich

    wl = load_watchlist(taxonomy_path)
    with tempfile.TemporaryDirectory() as tmp:
        arc = Archive.open(Path(tmp) / "bench.db")
        now = "2026-11-20T10:00:00+00:00"
        arc.add_mentions(
            {
                "source": "bench",
                "external_id": str(i),
                "text": rows[i % len(rows)]["text"] + f" ({i})",
                "published_at": now,
                "fetched_at": now,
                "brand": wl.brands[0].name,
                "content_hash": f"h{i}",
            }
            for i in range(n)
        )
        run_enrich(wl, arc, model=model, limit=20)  # warm-up: lexicon, lingua, spaCy load once
        start = time.perf_counter()
        stats = run_enrich(wl, arc, model=model)
        elapsed = time.perf_counter() - start
        arc.close()
    return stats.enriched / elapsed if elapsed else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev"], help="German split")
    ap.add_argument(
        "--en-split",
        default="report",
        choices=["tune", "report", "all"],
        help="English half (by review hash; default: report, the held-out figure); "
        "refine app_watchlist.yaml on tune only",
    )
    ap.add_argument(
        "--en-set",
        default="all",
        choices=sorted(EN_SETS) + ["all"],
        help="English sentence file: gp (Google Play, Twitter app), as (App Store, Google app)",
    )
    ap.add_argument("--lang", default="both", choices=["de", "en", "both"])
    ap.add_argument("--model", default="embedded")
    ap.add_argument("--no-model", action="store_true", help="topics only")
    ap.add_argument("--errors", type=int, default=0)
    ap.add_argument("--keyword-stats", action="store_true", help="precision of each keyword")
    ap.add_argument("--throughput", type=int, default=500, help="mentions for the enrich timing (0: skip)")
    args = ap.parse_args(argv)
    model = None if args.no_model else load_sentiment(args.model)
    report = {}

    hotel_path = ROOT / "bench" / "hotel_watchlist.yaml"
    rows = read_jsonl(SHARED / f"hotel_aspect_{args.split}_de.jsonl")
    if args.lang in ("de", "both"):
        _, tax = taxonomy_from(hotel_path)
        print(f"de: hotel_aspect_{args.split}_de ({len(rows)} sentences)")
        if args.keyword_stats:
            keyword_stats(rows, tax, "de", lambda t: HOTEL_CATEGORIES.get(t, t))
        report["de"] = evaluate(rows, tax, "de", lambda t: HOTEL_CATEGORIES.get(t, t), model, args.errors)

    app_path = ROOT / "bench" / "app_watchlist.yaml"
    if args.lang in ("en", "both"):
        _, tax_en = taxonomy_from(app_path)
        names = sorted(EN_SETS) if args.en_set == "all" else [args.en_set]
        en = [r for n in names for r in en_rows(read_jsonl(ROOT / EN_SETS[n]), args.en_split)]
        print(f"en: {', '.join(EN_SETS[n] for n in names)} [{args.en_split}] ({len(en)} sentences)")
        if args.keyword_stats:
            keyword_stats(en, tax_en, "en", lambda t: t)
        report["en"] = evaluate(en, tax_en, "en", lambda t: t, model, args.errors)

    if model is not None and args.throughput and args.lang != "en":
        report["enrich_mentions_per_s"] = round(throughput(model, hotel_path, rows, args.throughput), 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
