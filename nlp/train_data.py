"""The training and evaluation data of the sentiment model, and the scores it is chosen by.

Why apart from the training loop: the benches and nlp.soup score checkpoints on the same
data with the same metrics, without training anything.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

from nlp.labels import LABELS

#: The UMSAB languages the model is scored on.
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
