"""Numeric precision of inference on CPU: bf16 where the CPU has it, int8 when asked.

Why: on a 2-core CPU the sentiment model is compute-bound, and precision is the main lever.
"""

from __future__ import annotations

from nlp.model_store import ModelError


def bf16_supported() -> bool:
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported()) or bool(torch.cpu._is_amx_tile_supported())
    except Exception:  # pragma: no cover - older/newer torch
        return False


def quantize_int8(model):
    """int8 dynamic quantisation of the Linear layers (per-channel weights)."""
    import torch

    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    except ImportError as exc:  # pragma: no cover
        raise ModelError(f"int8 quantisation is not available in torch {torch.__version__}") from exc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
