"""nlp.e5_runtime runs a cached build in plain torch with the probabilities transformers gives.

The fast tests compare against transformers on small random BERTs of both architectures; the
slow ones on the embedded model itself, on real German and English sentences, and check that
loading it imports neither transformers nor the other heavy packages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nlp import e5_runtime
from nlp import sentiment as S
from nlp.tiny_model import tiny_tokenizer

DATA = Path(__file__).resolve().parents[1] / "data"
TEXTS = [
    "gut",
    "nicht gut, schlecht!",
    "super super super",
    "a",
    "the good, the bad and the ugly; nicht schlecht.",
    "ß ä ö ü - 123 ?! " * 9,
]


def _real_sentences() -> list[str]:
    rows = [json.loads(line) for line in (DATA / "churn_sentences.jsonl").read_text("utf-8").splitlines()]
    texts = [r["text"] for r in rows]
    assert {r["lang"] for r in rows} >= {"de", "en"}
    # plus a few long ones: several sentences joined, cut to head + tail by the model
    return texts + [" ".join(texts[i : i + 25]) for i in range(0, 100, 25)]


def _tiny_hf_folder(folder: Path, architecture: str) -> Path:
    from transformers import BertConfig, BertForSequenceClassification

    from nlp import e5

    tok = tiny_tokenizer()
    cfg = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=96,
        pad_token_id=tok.pad_token_id,
        num_labels=3,
        id2label=dict(enumerate(S.LABELS)),
        label2id={n: i for i, n in enumerate(S.LABELS)},
        initializer_range=0.3,
        architectures=[architecture],
    )
    torch.manual_seed(7)
    cls = e5.mean_pool_class() if architecture == "E5MeanPoolClassifier" else BertForSequenceClassification
    model = cls(cfg).eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _pair(folder: Path, bf16: bool) -> tuple[S.SentimentModel, S.SentimentModel]:
    from transformers import AutoTokenizer

    from nlp import e5

    arch = json.loads((folder / "config.json").read_text())["architectures"][0]
    hf = e5.classifier_class(arch).from_pretrained(str(folder))
    ours = e5_runtime.load_classifier(folder)
    kw = dict(version=f"{folder.name}-{bf16}", output_labels=S.LABELS, temperature=1.3, autocast=bf16)
    return (
        S.SentimentModel(hf, AutoTokenizer.from_pretrained(str(folder)), **kw),
        S.SentimentModel(
            ours, e5_runtime.FastTokenizer.from_folder(folder), **{**kw, "version": kw["version"] + "/t"}
        ),
    )


def _assert_same(
    reference: S.SentimentModel, ours: S.SentimentModel, texts: list[str], batch_size: int
) -> None:
    S.clear_cache()
    want = reference.predict(texts, batch_size=batch_size)
    got = ours.predict(texts, batch_size=batch_size)
    assert [r.label for r in got] == [r.label for r in want]
    worst = max(abs(g.probs[k] - w.probs[k]) for g, w in zip(got, want) for k in S.LABELS)
    assert worst <= 1e-5, worst
    assert len({r.probs["positive"] for r in want}) > len(texts) // 2  # really different outputs


@pytest.mark.parametrize("architecture", ["E5MeanPoolClassifier", "BertForSequenceClassification"])
@pytest.mark.parametrize("bf16", [False, True])
def test_plain_torch_forward_equals_transformers(tmp_path, architecture, bf16):
    folder = _tiny_hf_folder(tmp_path / architecture, architecture)
    reference, ours = _pair(folder, bf16)
    assert isinstance(ours.model, e5_runtime.Classifier) and ours.autocast == bf16
    assert ours._encode(TEXTS) == reference._encode(TEXTS)  # the tokenizer, loaded without transformers
    _assert_same(reference, ours, TEXTS, batch_size=4)  # padded batches (the attention mask)
    _assert_same(reference, ours, TEXTS, batch_size=1)  # no padding


def test_word_embeddings_stay_float32_until_looked_up(tmp_path):
    folder = _tiny_hf_folder(tmp_path / "m", "E5MeanPoolClassifier")
    model = e5_runtime.load_classifier(folder).to(torch.bfloat16)
    emb = model.bert.embeddings.word_embeddings
    assert emb.weight.dtype == torch.float32 and emb.dtype == torch.bfloat16
    assert model.classifier.weight.dtype == torch.bfloat16
    ids = torch.tensor([[0, 5, 9, 2]])
    assert torch.equal(emb(ids), torch.nn.functional.embedding(ids, emb.weight.to(torch.bfloat16)))
    assert model.float().bert.embeddings.word_embeddings(ids).dtype == torch.float32


def test_unsupported_configs_are_left_to_transformers(tmp_path):
    folder = _tiny_hf_folder(tmp_path / "m", "E5MeanPoolClassifier")
    assert e5_runtime.read_config(folder).architecture == "E5MeanPoolClassifier"
    cfg = json.loads((folder / "config.json").read_text())
    for change in (
        {"hidden_act": "gelu_new"},
        {"position_embedding_type": "relative_key"},
        {"model_type": "xlm-roberta"},
    ):
        (folder / "config.json").write_text(json.dumps({**cfg, **change}))
        assert e5_runtime.read_config(folder) is None, change
    (folder / "config.json").write_text(json.dumps({**cfg, "num_hidden_layers": 3}))  # weights of 2 layers
    with pytest.raises(ValueError, match="Missing key"):
        e5_runtime.load_classifier(folder)


def test_fast_tokenizer_call(tmp_path):
    folder = _tiny_hf_folder(tmp_path / "m", "E5MeanPoolClassifier")
    tok = e5_runtime.FastTokenizer.from_folder(folder)
    hf = tiny_tokenizer()
    assert tok.pad_token_id == hf.pad_token_id and len(tok) == len(hf)
    assert tok("gut")["input_ids"] == hf("gut")["input_ids"]
    assert (
        tok(["gut", "a"], add_special_tokens=False)["input_ids"]
        == hf(["gut", "a"], add_special_tokens=False)["input_ids"]
    )
    pt = tok(["gut", "nicht gut"], padding=True, return_tensors="pt")
    want = hf(["gut", "nicht gut"], padding=True, return_tensors="pt")
    assert torch.equal(pt["input_ids"], want["input_ids"]) and torch.equal(
        pt["attention_mask"], want["attention_mask"]
    )


# --------------------------------------------------------------------------- the embedded model


@pytest.mark.slow
@pytest.mark.parametrize("kw", [{"bf16": True}, {"bf16": False}, {"quantize": True}], ids=str)
def test_embedded_model_same_probabilities_as_transformers(kw):
    texts = _real_sentences()
    reference = S.load_model("embedded", runtime="transformers", **kw)
    ours = S.load_model("embedded", **kw)
    assert type(reference.model).__name__ == "E5MeanPoolClassifier"  # transformers' class
    assert isinstance(ours.model, e5_runtime.Classifier)
    assert reference.autocast == kw.get("bf16", False)
    assert (ours.autocast, ours.quantized) == (reference.autocast, reference.quantized)
    assert ours._encode(texts) == reference._encode(texts)
    _assert_same(reference, ours, texts, batch_size=32)
    # the same operations in the same order and dtype: the logits agree too, not only the
    # rounded probabilities (a reordered sum in bf16 shows here)
    batch = sorted(ours._encode(texts[:64]), key=len)[-16:]
    with torch.inference_mode():
        diff = (ours._logits(batch) - reference._logits(batch)).abs().max().item()
    assert diff <= 1e-5, diff


@pytest.mark.slow
def test_loading_the_embedded_model_imports_no_heavy_package():
    S.load_model("embedded")  # builds the cache when missing
    code = (
        "import sys\n"
        "from nlp.sentiment import load_model\n"
        "r = load_model('embedded').predict(['Das Paket kam nie an'])[0]\n"
        "heavy = ('transformers', 'scipy', 'pandas', 'spacy', 'sympy', 'torch._dynamo', 'sklearn')\n"
        "print(r.label, sorted(m for m in sys.modules if m in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["negative", "[]"], out
