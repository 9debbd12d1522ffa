"""Sentiment figures: accuracy on the validation files, throughput, memory, first-use build time.

    python -m bench.sentiment [--data-dir ../shared/datasets/sentiment] [--threads 2] [--write-card]
    python -m bench.sentiment --model /tmp/my-run/model   # a folder written by nlp.train / nlp.soup

Prints (not asserts):
* macro-F1 per language and averaged on umsab_val.jsonl; sentence macro-F1 on
  hotel_aspect_dev_de.jsonl (negative/neutral/positive; `mixed` sentences reported separately);
* texts/second on 2,000 mixed-length texts (tweets + multi-paragraph reviews built from hotel
  review sentences): the naive ``pipeline("text-classification")`` with batch size 1 vs
  brandpulse's path (same model, same run), and the ratio; label agreement between the two;
* macro-F1 of the fast path (bf16 / int8) vs the fp32 path on umsab_val;
* first-use build time (fresh cache), cached load time, peak memory (RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import model_store  # noqa: E402
from nlp import sentiment as S  # noqa: E402
from nlp.model_card import write_model_card  # noqa: E402
from nlp.train_data import LABELS, LANGS, macro_f1, read_jsonl  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def variant(name: str, *, threads: int, batch_size: int = 32, max_length: int = 256, **kw):
    """Another copy of the benched model (own weights, so precisions never mix), from the user cache;
    its version (the text-cache key) is tagged /fp32 or /int8."""
    model = S.load_model(name, threads=threads, batch_size=batch_size, max_length=max_length, **kw)
    model.version += "/fp32" if kw.get("bf16") is False else "/int8" if kw.get("quantize") else ""
    return model


def app_review_sentences() -> list[tuple[str, str]]:
    """(text, label) of the hand-labelled English app-review sentences whose aspects all share one
    polarity: review-domain text that no training run or model selection ever saw."""
    rows = []
    from bench.topics import EN_SETS

    for name in sorted(EN_SETS):
        for row in read_jsonl(ROOT / EN_SETS[name]):
            polarities = {a["polarity"] for a in row["aspects"]}
            if len(polarities) == 1:
                rows.append((row["text"], polarities.pop()))
    return rows


def scores(model, um_val, hotel_dev, app=()) -> dict:
    S.clear_cache()
    um = model.predict([r["text"] for r in um_val])
    ho = model.predict([r["text"] for r in hotel_dev])
    res = {}
    if app:
        pred = [LABELS.index(r.label) for r in model.predict([t for t, _ in app])]
        gold = [LABELS.index(lab) for _, lab in app]
        res["app_en"] = macro_f1(gold, pred)
        res["app_en_accuracy"] = sum(p == g for p, g in zip(pred, gold)) / len(gold)
    for lang in LANGS:
        idx = [i for i, r in enumerate(um_val) if r["lang"] == lang]
        res[lang] = macro_f1(
            [LABELS.index(um_val[i]["label"]) for i in idx], [LABELS.index(um[i].label) for i in idx]
        )
    res["avg"] = sum(res[lang] for lang in LANGS) / len(LANGS)
    idx = [i for i, r in enumerate(hotel_dev) if r["label"] in LABELS]
    res["hotel_de"] = macro_f1(
        [LABELS.index(hotel_dev[i]["label"]) for i in idx], [LABELS.index(ho[i].label) for i in idx]
    )
    mixed = [r["label"] == "mixed" for r in hotel_dev]
    flag = [r.mixed for r in ho]
    tp = sum(a and b for a, b in zip(mixed, flag))
    res["mixed_precision"] = tp / max(1, sum(flag))
    res["mixed_recall"] = tp / max(1, sum(mixed))
    return res


def mixed_texts(data_dir: Path, n: int = 2000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    tweets = [r["text"] for r in read_jsonl(data_dir / "umsab_val.jsonl")]
    sents = [r["text"] for r in read_jsonl(data_dir / "hotel_aspect_train_de.jsonl")]
    rng.shuffle(tweets)
    out = tweets[: n // 2]
    while len(out) < n:
        paras = []
        for _ in range(rng.randint(1, 4)):
            paras.append(" ".join(rng.sample(sents, rng.randint(2, 9))))
        out.append("\n\n".join(paras))
    rng.shuffle(out)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared/datasets/sentiment")
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=2000, help="texts for the throughput test")
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument(
        "--limit", type=int, default=0, help="use every k-th validation text, about N in all (debugging)"
    )
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-variants", action="store_true", help="skip the fp32 and int8 accuracy runs")
    ap.add_argument(
        "--models-dir", default=None, help="folder holding the embedded model (default nlp/models)"
    )
    ap.add_argument(
        "--model",
        default="embedded",
        help="embedded (default) or a trained-part folder written by nlp.train / nlp.soup",
    )
    ap.add_argument("--write-card", action="store_true", help="put the figures into the model card")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    if args.models_dir:
        model_store.MODELS_DIR = Path(args.models_dir)
    data = Path(args.data_dir)
    um_val = read_jsonl(data / "umsab_val.jsonl")
    hotel_dev = read_jsonl(data / "hotel_aspect_dev_de.jsonl")
    if args.limit:
        um_val = um_val[:: max(1, len(um_val) // args.limit)]
        hotel_dev = hotel_dev[:: max(1, len(hotel_dev) // args.limit)]
    fig: dict = {"threads": args.threads, "torch": torch.__version__, "cpu_count": os.cpu_count()}

    # first use: build from the wheel + committed weights into a fresh cache
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        S.load_model(args.model, cache_dir=tmp, threads=args.threads)
        fig["build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        model = S.load_model(
            args.model,
            cache_dir=tmp,
            threads=args.threads,
            batch_size=args.batch_size,
            max_length=args.max_length,
        )
        fig["cached_load_s"] = time.perf_counter() - t0
        fig["rss_after_load_mb"] = rss_mb()
    print(
        f"model {model.version}: first-use build {fig['build_s']:.1f}s (incl. checksum + smoke), "
        f"cached load {fig['cached_load_s']:.1f}s, RSS {fig['rss_after_load_mb']:.0f} MB, bf16 {model.autocast}"
    )

    app = app_review_sentences()
    fast = scores(model, um_val, hotel_dev, app)
    fig["fast"] = fast
    print(
        "umsab_val macro-F1: " + " ".join(f"{k} {fast[k]:.3f}" for k in LANGS) + f" | avg {fast['avg']:.3f}"
    )
    print(
        f"hotel_aspect_dev_de sentence macro-F1 {fast['hotel_de']:.3f}; "
        f"mixed flag precision {fast['mixed_precision']:.2f} recall {fast['mixed_recall']:.2f}"
    )
    if app:
        counts = {lab: sum(1 for _, g in app if g == lab) for lab in LABELS}
        print(
            f"English app-review sentences (held out from training and selection; {len(app)}: "
            f"{counts}) macro-F1 {fast['app_en']:.3f}, accuracy {fast['app_en_accuracy']:.3f}"
        )

    sizes = dict(threads=args.threads, batch_size=args.batch_size, max_length=args.max_length)
    if not args.skip_variants:
        fp32 = variant(args.model, bf16=False, **sizes)
        fig["fp32"] = scores(fp32, um_val, hotel_dev, app)
        print(
            f"fp32 path: avg {fig['fp32']['avg']:.3f} de {fig['fp32']['de']:.3f} hotel {fig['fp32']['hotel_de']:.3f}"
        )
        del fp32

        q = variant(args.model, quantize=True, **sizes)
        fig["int8"] = scores(q, um_val, hotel_dev, app)
        print(
            f"int8 path: avg {fig['int8']['avg']:.3f} de {fig['int8']['de']:.3f} hotel {fig['int8']['hotel_de']:.3f}"
        )

    texts = mixed_texts(data, args.n)
    chars = sum(map(len, texts)) / len(texts)
    S.clear_cache()
    t0 = time.perf_counter()
    fast_res = model.predict(texts)
    fig["fast_tps"] = len(texts) / (time.perf_counter() - t0)
    print(
        f"throughput on {len(texts)} mixed texts (mean {chars:.0f} chars): brandpulse {fig['fast_tps']:.1f} texts/s"
    )
    if not args.skip_naive:
        from transformers import pipeline

        # the naive baseline runs the fp32 model as transformers loads it
        naive_sm = variant(args.model, bf16=False, runtime="transformers", **sizes)
        plain = naive_sm.model
        pipe = pipeline("text-classification", model=plain, tokenizer=naive_sm.tokenizer, device=-1)
        t0 = time.perf_counter()
        naive = pipe(texts, batch_size=1, truncation=True, max_length=args.max_length)
        fig["naive_tps"] = len(texts) / (time.perf_counter() - t0)
        id2 = {v: k for k, v in plain.config.label2id.items()}
        naive_labels = [
            n["label"] if n["label"] in LABELS else id2.get(n["label"], n["label"]) for n in naive
        ]
        fig["agreement"] = sum(a == b.label for a, b in zip(naive_labels, fast_res)) / len(texts)
        fig["ratio"] = fig["fast_tps"] / fig["naive_tps"]
        print(
            f"naive pipeline (batch 1) {fig['naive_tps']:.1f} texts/s -> ratio {fig['ratio']:.2f}x; "
            f"label agreement {fig['agreement'] * 100:.1f} %"
        )
    fig["peak_rss_mb"] = peak_mb()
    print(f"peak RSS {fig['peak_rss_mb']:.0f} MB")

    if args.write_card:
        mdir = S.trained_part_dir(args.model)
        if mdir is None:
            raise SystemExit(f"--write-card: {args.model!r} is not a brandpulse model folder with a card")
        manifest = json.loads((mdir / "manifest.json").read_text())
        write_model_card(mdir, manifest, bench=card_text(fig, args, chars))
        print("updated", mdir / "MODEL_CARD.md")
    return fig


def card_text(fig: dict, args, chars: float) -> str:
    lines = [
        f"Measured by `python -m bench.sentiment --write-card` ({args.threads} threads, torch {fig['torch']}, "
        f"{fig['cpu_count']}-core machine shared with other work, so absolute rates vary):",
        "",
    ]
    lines.append("| path | umsab avg | de | hotel de | app reviews en (held out) |")
    lines.append("|---|---|---|---|---|")
    for key, name in (
        ("fp32", "fp32"),
        ("fast", "bf16 weights (default where supported)"),
        ("int8", "int8 dynamic (`quantize: true`)"),
    ):
        if key in fig:
            f = fig[key]
            app = f"{f['app_en']:.3f}" if "app_en" in f else "-"
            lines.append(f"| {name} | {f['avg']:.3f} | {f['de']:.3f} | {f['hotel_de']:.3f} | {app} |")
    lines.append("")
    lines.append(
        f"- Throughput on {args.n} mixed texts (half tweets, half multi-paragraph reviews; mean {chars:.0f} "
        f"characters), max_length {args.max_length}, batch {args.batch_size}: brandpulse **{fig['fast_tps']:.1f} texts/s**"
        + (
            f' vs naive `pipeline("text-classification")` batch 1 {fig["naive_tps"]:.1f} texts/s = '
            f"**{fig['ratio']:.1f}x** (same labels for {fig['agreement'] * 100:.1f} %)"
            if "ratio" in fig
            else ""
        )
        + "."
    )
    lines.append(
        f"- First-use build (wheel + committed weights -> cache, with checksum and smoke prediction): "
        f"{fig['build_s']:.1f} s; later loads from the cache: {fig['cached_load_s']:.1f} s."
    )
    lines.append(
        f"- Memory: RSS {fig['rss_after_load_mb']:.0f} MB after loading; peak {fig['peak_rss_mb']:.0f} MB for the "
        "whole bench (two model copies and the naive pipeline included)."
    )
    f = fig["fast"]
    lines.append(
        f"- `mixed` flag on hotel_aspect_dev_de: precision {f['mixed_precision']:.2f}, recall {f['mixed_recall']:.2f}."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
