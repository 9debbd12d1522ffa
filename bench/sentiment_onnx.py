"""Would ONNX Runtime beat brandpulse's torch path? Same model, same texts, same batching.

    pip install onnxruntime onnx          # not project dependencies: only this bench needs them
    python -m bench.sentiment_onnx [--data-dir ../shared/datasets/sentiment] [--n 2000]

The embedded model is exported once (``torch.onnx.export``, dynamic batch and length, opset 17)
and run by ONNX Runtime in fp32 and as a dynamically quantised int8 graph (per-channel weights).
Only the forward pass is swapped: each variant is a copy of the loaded ``SentimentModel`` whose
``model`` is the ONNX session, so tokenisation, head+tail truncation, length sorting,
dynamic padding, calibration and the text cache are brandpulse's own in every row.

Prints macro-F1 on umsab_val (avg, German) and hotel dev sentences, and texts/second on the
2,000 mixed-length texts of bench.sentiment, next to the shipped torch bf16 path and torch fp32.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

from bench.sentiment import mixed_texts, scores, variant
from nlp import sentiment as S
from nlp.train_data import read_jsonl


def export(model: S.SentimentModel, path: Path) -> None:
    import torch

    class Logits(torch.nn.Module):  # ONNX wants a tensor out, not a ModelOutput
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    enc = model.tokenizer(["hallo welt", "ein etwas längerer text"], return_tensors="pt", padding=True)
    dims = {0: "batch", 1: "tokens"}
    # a copy: tracing for export leaves the module changed (slower, other predictions afterwards)
    module = Logits(copy.deepcopy(model.model).float().eval())
    torch.onnx.export(
        module,
        (enc["input_ids"], enc["attention_mask"]),
        str(path),
        dynamo=False,
        opset_version=17,
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={"input_ids": dims, "attention_mask": dims, "logits": {0: "batch"}},
    )


def onnx_variant(base: S.SentimentModel, path: Path, threads: int, tag: str) -> S.SentimentModel:
    """A copy of ``base`` whose model is an ONNX Runtime session (own cache key via version);
    ``SentimentModel._logits`` still pads the batch and calls ``model(input_ids=, attention_mask=)``."""
    from types import SimpleNamespace

    import onnxruntime as ort
    import torch

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def forward(input_ids, attention_mask):
        feeds = {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}
        return SimpleNamespace(logits=torch.from_numpy(session.run(["logits"], feeds)[0]))

    variant = copy.copy(base)
    variant.model = forward
    variant.version = base.version + "/" + tag
    return variant


def throughput(model: S.SentimentModel, texts: list[str]) -> float:
    S.clear_cache()
    start = time.perf_counter()
    model.predict(texts)
    return len(texts) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/datasets/sentiment"
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=2000, help="mixed texts for the throughput")
    args = ap.parse_args(argv)
    try:
        import onnxruntime  # noqa: F401
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        print("needs onnxruntime and onnx: pip install onnxruntime onnx")
        return 2
    import torch

    torch.set_num_threads(args.threads)
    um_val = read_jsonl(args.data_dir / "umsab_val.jsonl")
    hotel_dev = read_jsonl(args.data_dir / "hotel_aspect_dev_de.jsonl")
    texts = mixed_texts(args.data_dir, args.n)
    shipped = S.load_model("embedded", threads=args.threads)
    fp32 = variant("embedded", threads=args.threads, bf16=False)
    with tempfile.TemporaryDirectory() as tmp:
        plain, int8 = Path(tmp) / "model.onnx", Path(tmp) / "model.int8.onnx"
        export(fp32, plain)
        quantize_dynamic(str(plain), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        rows = [
            ("torch bf16 (shipped)", shipped),
            ("torch fp32", fp32),
            ("onnxruntime fp32", onnx_variant(fp32, plain, args.threads, "onnx")),
            ("onnxruntime int8", onnx_variant(fp32, int8, args.threads, "onnx-int8")),
        ]
        print(f"{'path':<22} {'umsab avg':>9} {'de':>6} {'hotel':>6} {'texts/s':>8}")
        base_tps = None
        for name, model in rows:
            f = scores(model, um_val, hotel_dev)
            tps = throughput(model, texts)
            base_tps = base_tps or tps
            print(
                f"{name:<22} {f['avg']:>9.3f} {f['de']:>6.3f} {f['hotel_de']:>6.3f} {tps:>8.1f}"
                f"  ({tps / base_tps:.2f}x the shipped path)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
