"""Mapping any classifier's output labels onto negative / neutral / positive.

Why: a Hugging Face model may say "LABEL_0", "NEG", "1 star" or "positive"; the rest of
brandpulse only knows three labels, so each output is mapped (or spread, for star models).
"""

from __future__ import annotations

from collections.abc import Sequence

LABELS = ("negative", "neutral", "positive")

_ALIASES = {
    "negative": "negative",
    "neg": "negative",
    "bad": "negative",
    "label_neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "none": "neutral",
    "mixed": "neutral",
    "positive": "positive",
    "pos": "positive",
    "good": "positive",
}


def _canon(name: str, index: int, n: int) -> str:
    s = str(name).strip().lower()
    if s in _ALIASES:
        return _ALIASES[s]
    digits = "".join(ch for ch in s if ch.isdigit())
    if ("star" in s or s.isdigit()) and digits and n == 5:
        stars = int(digits)
        return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    if s.startswith("label_") or s.isdigit():  # generic names: go by position
        return default_names(n)[index]
    raise ValueError(
        f"cannot map model label {name!r} to negative/neutral/positive; set sentiment.labels in the config"
    )


def default_names(n: int) -> list[str]:
    if n == 2:
        return ["negative", "positive"]
    if n == 3:
        return list(LABELS)
    if n == 5:
        return ["negative", "negative", "neutral", "positive", "positive"]
    raise ValueError(f"a {n}-class model needs an explicit label mapping (sentiment.labels)")


def label_matrix(names: Sequence[str]) -> list[list[float]]:
    """n_outputs x 3 matrix that sums each model output's probability into LABELS.

    ``names`` are the model's output labels: negative/neutral/positive (or neg/neu/pos),
    ``"1 star" .. "5 stars"`` (1-2 negative, 3 neutral, 4-5 positive) or ``LABEL_i``."""
    n = len(names)
    if n < 2:
        raise ValueError("a sentiment model needs at least 2 outputs")
    rows = []
    for i, name in enumerate(names):
        c = _canon(name, i, n)
        rows.append([1.0 if c == lab else 0.0 for lab in LABELS])
    return rows
