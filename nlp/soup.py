"""Average fine-tuned checkpoints into one model ("model soup", Wortsman et al. 2022).

    python -m nlp.soup runs/a/epoch2.safetensors runs/b/epoch2.safetensors runs/b/epoch3.safetensors \\
        --out nlp/models/bp-sentiment-e5s-v3

Why: on a 2-core CPU a bigger model or a longer run is out of reach, but checkpoints fine-tuned from the
same initialisation (``nlp.train --seed S`` with another ``--data-seed`` or hyper-parameters) lie in one
basin, and their element-wise mean is usually better than each of them — at no cost at inference.

Greedy recipe (the paper's): score every checkpoint on validation, sort by (umsab avg + hotel) / 2, start
from the best and add each next one only if the mean of the kept ones scores at least as well. ``--mode
uniform`` averages them all. The result is written exactly like ``nlp.train``'s output (fp16 trained part,
manifest with checksum, temperature fitted on validation, model card with a soup section).
Each checkpoint's ``.json`` sidecar (written by ``nlp.train --checkpoints``) says how it was trained.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from nlp.model_card import finalize, write_model_card
from nlp.train import predict_logits
from nlp.train_data import LABELS, evaluate_logits, log, read_jsonl


def read_sidecar(ckpt: Path) -> dict:
    side = ckpt.with_suffix(".json")
    if side.exists():
        return json.loads(side.read_text(encoding="utf-8"))
    manifest = ckpt.parent / "manifest.json"  # a shipped model directory (nlp/models/<name>/)
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        t = m["training"]
        return {
            "command": t["command"],
            "hyper_parameters": t["hyper_parameters"],
            "data": t["data"],
            "torch": t.get("torch"),
            "epoch": t.get("best_epoch"),
            "validation": m["validation"],
            "train_minutes": t.get("train_minutes"),
        }
    raise SystemExit(
        f"{ckpt}: no {side.name} (written by nlp.train --checkpoints) and no manifest.json beside it"
    )


def average(state_dicts: list[dict]) -> dict:
    """Element-wise fp32 mean of state dicts with identical keys."""
    keys = state_dicts[0].keys()
    for sd in state_dicts[1:]:
        if sd.keys() != keys:
            raise SystemExit(
                "checkpoints have different tensors; only runs of one architecture can be averaged"
            )
    return {k: sum(sd[k].float() for sd in state_dicts) / len(state_dicts) for k in keys}


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m nlp.soup", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("checkpoints", nargs="+", type=Path, help="fp16 trained-part safetensors files")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--name", default=None)
    ap.add_argument("--data-dir", default="../shared/datasets/sentiment", type=Path)
    ap.add_argument("--mode", choices=("greedy", "uniform"), default="greedy")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-limit", type=int, default=0, help="use only N validation texts (smoke test)")
    args = ap.parse_args(argv)

    import torch
    from safetensors.torch import load_file

    from nlp import e5 as e5mod
    from nlp.e5_tokenizer import build_tokenizer

    torch.set_num_threads(args.threads)
    um_val = read_jsonl(args.data_dir / "umsab_val.jsonl")
    hotel_dev = read_jsonl(args.data_dir / "hotel_aspect_dev_de.jsonl")
    if args.eval_limit:
        um_val = um_val[:: max(1, len(um_val) // args.eval_limit)]
        hotel_dev = hotel_dev[: args.eval_limit]
    ef = e5mod.read_e5s1()
    tok = build_tokenizer(ef)
    sides = [read_sidecar(c) for c in args.checkpoints]
    arch = (
        "E5MeanPoolClassifier"
        if sides[0]["hyper_parameters"].get("pooling", "mean") == "mean"
        else "BertForSequenceClassification"
    )
    max_length = sides[0]["hyper_parameters"].get("max_length", 128)
    model = e5mod.build_classifier(ef, 3, dict(enumerate(LABELS)), architecture=arch)

    def score(sd: dict) -> tuple[dict, list, list]:
        missing, unexpected = model.load_state_dict(sd, strict=False)
        if unexpected or set(missing) - set(e5mod.wheel_embeddings_only_keys()):
            raise SystemExit(
                f"checkpoint does not fit {arch}: missing {missing[:3]}, unexpected {unexpected[:3]}"
            )
        um = predict_logits(model, tok, [r["text"] for r in um_val], max_length)
        ho = predict_logits(model, tok, [r["text"] for r in hotel_dev], max_length)
        res = evaluate_logits(um_val, um, hotel_dev, ho)
        res["select"] = (res["umsab_avg"] + res["hotel_dev_de"]) / 2
        return res, um, ho

    sds = [load_file(str(c)) for c in args.checkpoints]
    scored = []  # (validation, umsab logits, hotel logits) of each checkpoint alone
    for c, sd in zip(args.checkpoints, sds):
        scored.append(score(sd))
        res = scored[-1][0]
        log(
            f"{c}: umsab avg {res['umsab_avg']:.4f} de {res['umsab_de']:.4f} hotel {res['hotel_dev_de']:.4f} "
            f"select {res['select']:.4f}"
        )
    single = [s[0] for s in scored]
    order = sorted(range(len(sds)), key=lambda i: -single[i]["select"])
    if args.mode == "greedy":
        kept = [order[0]]
        soup = average([sds[order[0]]])
        best = scored[order[0]]  # the best checkpoint alone: already scored
        for i in order[1:]:
            candidate = average([sds[j] for j in kept + [i]])
            trial = score(candidate)
            r = trial[0]
            log(
                f"+ {args.checkpoints[i]}: umsab avg {r['umsab_avg']:.4f} de {r['umsab_de']:.4f} "
                f"hotel {r['hotel_dev_de']:.4f} select {r['select']:.4f} (kept soup {best[0]['select']:.4f})"
            )
            if r["select"] >= best[0]["select"]:
                kept.append(i)
                best, soup = trial, candidate
    else:
        kept = list(order)
        soup = average([sds[i] for i in kept])
        best = score(soup)
    res, um, ho = dict(best[0]), best[1], best[2]
    res["epoch"] = "soup"
    log(
        f"soup of {len(kept)}: umsab avg {res['umsab_avg']:.4f} de {res['umsab_de']:.4f} "
        f"hotel {res['hotel_dev_de']:.4f}",
        json.dumps({k: round(v, 4) for k, v in res.items() if k != "epoch"}),
    )

    soup_sd = {k: v.half().contiguous() for k, v in soup.items()}
    first = sides[order[0]]
    hparams = first["hyper_parameters"]
    ingredients = [
        {
            "checkpoint": str(c),
            "sha256": e5mod.file_sha256(c),
            "command": s.get("command"),
            "epoch": s.get("epoch"),
            "validation": {k: round(v, 4) for k, v in r.items() if k != "epoch"},
            "used": i in kept,
        }
        for i, (c, s, r) in enumerate(zip(args.checkpoints, sides, single))
    ]
    history = [
        dict(r, epoch=f"{Path(c).parent.name}/{Path(c).stem}") for c, r in zip(args.checkpoints, single)
    ]
    history.append(res)
    command = "python -m nlp.soup " + " ".join(argv if argv is not None else sys.argv[1:])
    ns = SimpleNamespace(pooling="mean" if arch == "E5MeanPoolClassifier" else "cls", max_length=max_length)
    t0 = time.time()
    manifest = finalize(
        ns,
        None,
        args.name or args.out.name,
        args.out,
        ef,
        e5mod,
        (res, soup_sd, um, ho),
        um_val,
        hotel_dev,
        hparams,
        first["data"],
        history,
        0.0,
        done=True,
        extra={"soup": {"mode": args.mode, "command": command, "ingredients": ingredients}},
    )
    manifest["training"]["command"] = first["command"]  # the best ingredient's; the soup section lists all
    manifest["training"]["train_minutes"] = None  # per run, see the ingredients' sidecars
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    write_model_card(args.out, manifest)
    log(f"wrote {args.out} in {time.time() - t0:.0f}s")
    return manifest


if __name__ == "__main__":
    main()
