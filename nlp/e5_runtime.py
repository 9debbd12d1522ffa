"""The embedded classifier run in plain torch: load a cached build without ``transformers``.

Why: importing ``transformers`` (it pulls in ``torch._dynamo``, ``torch.distributed`` and
scipy) and its ``from_pretrained`` machinery cost more than the forward pass of a command that
classifies one sentence. The cached build (``nlp.model_store.build_embedded``) is an ordinary
BERT encoder, so this module runs it with the same torch operations, in the same order and
dtype, as ``transformers``' ``BertModel`` with ``sdpa`` attention; the weights are the build's
``model.safetensors`` (memory-mapped, assigned into modules created on the ``meta`` device, so
nothing is initialised twice) and the tokenizer is its ``tokenizer.json`` loaded by
``tokenizers`` directly. ``tests/nlp/test_e5_runtime.py`` checks the probabilities against
the ``transformers`` model on real sentences.

The word-embedding table (most of the weights) stays float32 and memory-mapped; only the rows
a batch looks up are read and cast to the model's dtype. A cast is element-wise, so this
equals casting the whole table first (what ``Module.to(torch.bfloat16)`` does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

#: architectures this module runs; anything else is loaded through transformers
ARCHITECTURES = ("E5MeanPoolClassifier", "BertForSequenceClassification")


@dataclass(frozen=True)
class EncoderConfig:
    """The fields of a BERT ``config.json`` the forward pass needs."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    pad_token_id: int
    num_labels: int
    architecture: str
    model_type: str = "bert"


def read_config(folder: Path) -> EncoderConfig | None:
    """The folder's config, or None when it is not a model this module runs exactly as
    ``transformers`` would (another activation, position embedding type, decoder, ...)."""
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    archs = raw.get("architectures") or []
    if (
        raw.get("model_type") != "bert"
        or len(archs) != 1
        or archs[0] not in ARCHITECTURES
        or raw.get("hidden_act", "gelu") != "gelu"
        or raw.get("position_embedding_type", "absolute") != "absolute"
        or raw.get("is_decoder")
        or raw.get("add_cross_attention")
        or raw.get("chunk_size_feed_forward", 0)
        or raw["hidden_size"] % raw["num_attention_heads"]
    ):
        return None
    return EncoderConfig(
        vocab_size=raw["vocab_size"],
        hidden_size=raw["hidden_size"],
        num_hidden_layers=raw["num_hidden_layers"],
        num_attention_heads=raw["num_attention_heads"],
        intermediate_size=raw["intermediate_size"],
        max_position_embeddings=raw["max_position_embeddings"],
        type_vocab_size=raw["type_vocab_size"],
        layer_norm_eps=raw["layer_norm_eps"],
        pad_token_id=raw.get("pad_token_id") or 0,
        num_labels=len(raw.get("id2label") or {}) or raw.get("num_labels", 2),
        architecture=archs[0],
    )


# ----------------------------------------------------------------------------- modules
# Module and parameter names follow transformers' Bert classes, so the build's state dict
# loads as it is.


class WordEmbedding(nn.Module):
    """An embedding table kept float32 (and memory-mapped when loaded from the build); the
    looked-up rows are cast to ``dtype``, which ``Module.to``/``.float()``/``.half()`` set."""

    def __init__(self, num: int, dim: int):
        super().__init__()
        self.register_buffer("weight", torch.empty(num, dim))
        self.dtype = torch.float32

    def _apply(self, fn, recurse=True):
        probe = fn(torch.empty(0, device=self.weight.device))
        if probe.is_floating_point():
            self.dtype = probe.dtype
        if probe.device != self.weight.device:
            self.weight = self.weight.to(probe.device)
        return self

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(ids, self.weight).to(self.dtype)


class Table(nn.Module):
    """An embedding without ``nn.Embedding``'s random initialisation: on the ``meta`` device
    that runs through torch's Python reference ops and imports ``torch._dynamo``."""

    def __init__(self, num: int, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num, dim))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(ids, self.weight)


class Embeddings(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.word_embeddings = WordEmbedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = Table(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = Table(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        batch, length = input_ids.shape
        positions = torch.arange(length, device=input_ids.device).unsqueeze(0)
        types = torch.zeros_like(input_ids)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(types)
        x = x + self.position_embeddings(positions)
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.heads = c.num_attention_heads
        self.head_size = c.hidden_size // c.num_attention_heads
        self.scaling = self.head_size**-0.5
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        shape = (*h.shape[:-1], -1, self.head_size)
        q = self.query(h).view(shape).transpose(1, 2)
        k = self.key(h).view(shape).transpose(1, 2)
        v = self.value(h).view(shape).transpose(1, 2)
        out = nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=0.0, scale=self.scaling, is_causal=False
        )
        out = out.transpose(1, 2).contiguous()
        return out.reshape(*h.shape[:-1], -1).contiguous()


class DenseNorm(nn.Module):
    """``LayerNorm(dense(x) + residual)``: BertSelfOutput and BertOutput."""

    def __init__(self, n_in: int, c: EncoderConfig):
        super().__init__()
        self.dense = nn.Linear(n_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c.hidden_size, c)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.self(h, mask), h)


class Intermediate(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c.intermediate_size, c)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        a = self.attention(h, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))


class Pooler(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(h[:, 0]))


class Bert(nn.Module):
    def __init__(self, c: EncoderConfig, pooler: bool):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        if pooler:
            self.pooler = Pooler(c)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.embeddings(input_ids)
        # as transformers' bidirectional sdpa mask: none without padding, else a boolean
        # (batch, 1, query, key) mask of the keys to attend to
        mask = None
        if not bool(attention_mask.all()):
            b, n = attention_mask.shape
            mask = attention_mask.bool()[:, None, None, :].expand(b, 1, n, n).contiguous()
        for layer in self.encoder.layer:
            h = layer(h, mask)
        return h


@dataclass
class ClassifierOutput:
    logits: torch.Tensor


class Classifier(nn.Module):
    """``E5MeanPoolClassifier`` (masked mean of the token states -> linear) or
    ``BertForSequenceClassification`` (first token -> pooler -> linear); dropout is a no-op in
    inference and left out."""

    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.config = c
        self.mean_pool = c.architecture == "E5MeanPoolClassifier"
        self.bert = Bert(c, pooler=not self.mean_pool)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> ClassifierOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        h = self.bert(input_ids, attention_mask)
        if self.mean_pool:
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        else:
            pooled = self.bert.pooler(h)
        return ClassifierOutput(self.classifier(pooled))


def load_classifier(folder: Path, config: EncoderConfig | None = None) -> Classifier:
    """The classifier of a cached build, its weights memory-mapped from ``model.safetensors``.

    Raises ValueError when the folder is not a model this module runs (see :func:`read_config`)
    or its weights do not match the modules exactly."""
    from safetensors.torch import load_file

    config = config or read_config(folder)
    if config is None:
        raise ValueError(f"{folder}: not a BERT classifier the plain-torch runtime runs")
    with torch.device("meta"):
        model = Classifier(config)
    state = load_file(str(folder / "model.safetensors"))
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines())
        raise ValueError(f"{folder}: {detail[:500]}") from None
    return model.eval()


# ----------------------------------------------------------------------------- tokenizer


class FastTokenizer:
    """The build's ``tokenizer.json`` in ``tokenizers``, with the few parts of the
    ``transformers`` tokenizer API that brandpulse calls (``backend_tokenizer``,
    ``pad_token_id``, calling it on a text or a list of texts)."""

    def __init__(self, backend, pad_token: str):
        self.backend_tokenizer = backend
        self.pad_token = pad_token
        self.pad_token_id = backend.token_to_id(pad_token)

    @classmethod
    def from_folder(cls, folder: Path) -> FastTokenizer:
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        pad = cfg.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), pad or "<pad>")

    def __len__(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=True)

    def __call__(
        self,
        text: str | list[str],
        *,
        add_special_tokens: bool = True,
        padding: bool = False,
        truncation: bool = False,
        return_tensors: str | None = None,
    ) -> dict[str, Any]:
        if truncation:
            raise ValueError("FastTokenizer does not truncate (nlp.sentiment cuts long texts itself)")
        one = isinstance(text, str)
        tok = self.backend_tokenizer
        tok.no_truncation()
        tok.no_padding()
        ids = [
            e.ids
            for e in tok.encode_batch([text] if one else list(text), add_special_tokens=add_special_tokens)
        ]
        mask = [[1] * len(x) for x in ids]
        if padding:
            n = max((len(x) for x in ids), default=0)
            ids = [x + [self.pad_token_id] * (n - len(x)) for x in ids]
            mask = [m + [0] * (n - len(m)) for m in mask]
        if return_tensors == "pt":
            return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
        if return_tensors is not None:
            raise ValueError(f"return_tensors={return_tensors!r} is not supported")
        return {"input_ids": ids[0] if one else ids, "attention_mask": mask[0] if one else mask}
