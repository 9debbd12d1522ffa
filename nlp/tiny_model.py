"""A tiny, randomly initialised sentiment model for tests: same code path, no download.

Why it exists: tests of enrichment, the daemon and the CLI need a real ``SentimentModel`` that
loads in milliseconds; its labels are meaningless, its behaviour (batching, caching) is real.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlp.labels import default_names
from nlp.sentiment import SentimentModel

_TINY_CHARS = "abcdefghijklmnopqrstuvwxyzäöüß0123456789.,!?'-:;()"


def tiny_tokenizer():
    """A small character-level XLM-R-style tokenizer (fast to build; for tests only)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(c, -3.0) for c in _TINY_CHARS] + [("▁" + c, -2.5) for c in _TINY_CHARS]
    vocab += [(w, -1.0) for w in ("▁gut", "▁good", "▁bad", "▁schlecht", "▁super", "▁nicht")]
    vocab.append(("<mask>", 0.0))
    tok = Tokenizer(Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )


def tiny_test_model(
    num_labels: int = 3,
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    max_length: int = 64,
    batch_size: int = 8,
    save_to: str | Path | None = None,
    version: str | None = None,
) -> SentimentModel:
    """A tiny randomly initialised classifier (2 layers, hidden 32) with the real fast path.

    For unit tests: deterministic for a given ``seed``, builds in milliseconds. ``save_to``
    also writes it as a Hugging Face folder (to test ``load_model(path)``)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tok = tiny_tokenizer()
    names = (
        list(labels)
        if labels
        else default_names(num_labels)
        if num_labels != 5
        else [f"{i} star{'s' if i > 1 else ''}" for i in range(1, 6)]
    )
    cfg = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        pad_token_id=tok.pad_token_id,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        initializer_range=0.3,
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(cfg).eval()
    if save_to is not None:
        model.save_pretrained(save_to)
        tok.save_pretrained(save_to)
    return SentimentModel(
        model,
        tok,
        version=version or f"tiny-test-{len(names)}+seed{seed}",
        output_labels=names,
        batch_size=batch_size,
        max_length=max_length,
        autocast=False,
        threads=None,
    )
