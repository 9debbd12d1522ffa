"""Weight averaging (nlp.soup) and the training helpers it relies on; no model is trained here."""

import json

import pytest
import torch

from nlp.model_card import soup_section
from nlp.soup import average, read_sidecar
from nlp.train_data import macro_f1


def test_average_is_elementwise_mean_in_fp32():
    a = {"w": torch.tensor([1.0, 2.0], dtype=torch.float16), "b": torch.tensor([0.0])}
    b = {"w": torch.tensor([3.0, 5.0], dtype=torch.float16), "b": torch.tensor([1.0])}
    out = average([a, b])
    assert out["w"].dtype == torch.float32
    assert out["w"].tolist() == [2.0, 3.5]
    assert out["b"].tolist() == [0.5]


def test_average_refuses_checkpoints_of_other_shapes():
    with pytest.raises(SystemExit, match="different tensors"):
        average([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])


def test_read_sidecar_prefers_json_then_shipped_manifest(tmp_path):
    ckpt = tmp_path / "run" / "epoch2.safetensors"
    ckpt.parent.mkdir()
    ckpt.write_bytes(b"")
    with pytest.raises(SystemExit, match="no epoch2.json"):
        read_sidecar(ckpt)
    (ckpt.parent / "manifest.json").write_text(
        json.dumps(
            {
                "training": {
                    "command": "python -m nlp.train --seed 13",
                    "hyper_parameters": {"seed": 13},
                    "data": {},
                    "best_epoch": 2,
                    "train_minutes": 25.4,
                },
                "validation": {"umsab_avg": 0.6},
            }
        )
    )
    assert read_sidecar(ckpt)["command"] == "python -m nlp.train --seed 13"
    (ckpt.with_suffix(".json")).write_text(json.dumps({"command": "python -m nlp.train --data-seed 29"}))
    assert read_sidecar(ckpt)["command"] == "python -m nlp.train --data-seed 29"


def test_soup_section_lists_ingredients_and_commands():
    assert soup_section({}) == ""
    m = {
        "soup": {
            "mode": "greedy",
            "command": "python -m nlp.soup a b --out x",
            "ingredients": [
                {
                    "checkpoint": "a",
                    "sha256": "ab" * 32,
                    "command": "python -m nlp.train --seed 13",
                    "validation": {"umsab_avg": 0.63, "hotel_dev_de": 0.78},
                    "used": True,
                },
                {
                    "checkpoint": "b",
                    "sha256": "cd" * 32,
                    "command": "python -m nlp.train --seed 13",
                    "validation": {"umsab_avg": 0.61, "hotel_dev_de": 0.74},
                    "used": False,
                },
            ],
        }
    }
    text = soup_section(m)
    assert "| `a` | `abababababab` | 0.630 | 0.780 | yes |" in text
    assert "| `b` | `cdcdcdcdcdcd` | 0.610 | 0.740 | no |" in text
    assert text.count("python -m nlp.train --seed 13") == 1  # one line per distinct command
    assert "python -m nlp.soup a b --out x" in text


def test_macro_f1_counts_every_class():
    assert macro_f1([0, 1, 2], [0, 1, 2]) == 1.0
    assert macro_f1([0, 0, 1, 2], [0, 0, 0, 0]) == pytest.approx((2 * 2 / (2 * 2 + 2)) / 3)


def test_layer_wise_learning_rates_shrink_towards_the_embeddings():
    from nlp.tiny_model import tiny_test_model
    from nlp.train import encoder_groups

    model = tiny_test_model().model  # 2 BERT layers
    groups = encoder_groups(model, 1e-4, 0.01, layer_decay=0.5)
    trainable = [n for n, p in model.named_parameters() if n.startswith("bert.")]
    assert sum(len(g["params"]) for g in groups) == len(trainable)  # every encoder tensor, once
    lrs = sorted({g["lr"] for g in groups}, reverse=True)
    assert lrs == pytest.approx([1e-4, 5e-5, 2.5e-5])  # top layer, layer 0, embeddings
    assert all(g["weight_decay"] == (0.01 if g["params"][0].ndim >= 2 else 0.0) for g in groups)
    pooler = next(p for n, p in model.named_parameters() if n.startswith("bert.pooler."))
    assert any(g["lr"] == 1e-4 and any(p is pooler for p in g["params"]) for g in groups)
    assert {g["lr"] for g in encoder_groups(model, 1e-4, 0.01)} == {1e-4}  # default: no decay
