"""nlp.sentiment with a tiny random model (fast), plus one slow test with the real embedded model."""

from __future__ import annotations

import io
import json

import pytest

from nlp import model_store
from nlp import sentiment as S
from nlp.tiny_model import tiny_test_model


@pytest.fixture(scope="module")
def tiny():
    return tiny_test_model(seed=1)


def test_result_shape(tiny):
    (r,) = tiny.predict(["Das ist gut"])
    assert r.label in S.LABELS and set(r.probs) == set(S.LABELS)
    assert abs(sum(r.probs.values()) - 1) < 1e-4
    assert r.score == r.probs[r.label] == max(r.probs.values())
    assert isinstance(r.mixed, bool)
    assert tiny.version.startswith("tiny-test-3")


def test_batching_preserves_order(tiny):
    texts = [("gut " * n + "schlecht " * (20 - n)) for n in range(20)] + ["super!", "", "x" * 3]
    S.clear_cache()
    one_by_one = [tiny.predict([t], batch_size=1)[0] for t in texts]
    S.clear_cache()
    batched = tiny.predict(texts, batch_size=4)
    for b, o in zip(batched, one_by_one):
        assert b.probs == pytest.approx(o.probs, abs=1e-4)
    assert len({r.probs["positive"] for r in batched}) > 5  # really different outputs, not one repeated


def test_head_and_tail_truncation(tiny):
    pre, post = tiny._specials()
    long = "a " * 200 + "b " * 200
    (ids,) = tiny._encode([long])
    assert len(ids) == tiny.max_length
    assert ids[: len(pre)] == pre and ids[len(ids) - len(post) :] == post
    a = tiny.tokenizer("a", add_special_tokens=False)["input_ids"][0]
    b = tiny.tokenizer("b", add_special_tokens=False)["input_ids"][0]
    body = ids[len(pre) : len(ids) - len(post)]
    assert body[0] == a and body[-1] == b  # head kept and tail kept
    assert body.count(a) == (tiny.max_length - len(pre) - len(post)) // 3
    # a very long text (megabytes) is cut before tokenising and still ends with its tail
    (ids2,) = tiny._encode(["a " * 200_000 + "b " * 100])
    assert len(ids2) == tiny.max_length and ids2[len(ids2) - len(post) - 1] == b


def test_cache_never_classifies_twice(monkeypatch):
    m = tiny_test_model(seed=2, version="tiny-cache-test")
    S.clear_cache()
    calls = []
    orig = m._logits
    monkeypatch.setattr(m, "_logits", lambda batch: calls.append(len(batch)) or orig(batch))
    first = m.predict(["eins", "zwei", "eins"])
    assert sum(calls) == 2  # duplicates inside one call classified once
    again = m.predict(["zwei", "eins", "drei"])
    assert sum(calls) == 3  # only the new text
    assert again[0] == first[1] and again[1] == first[0]
    # another model version never shares cache entries
    other = tiny_test_model(seed=3, version="tiny-cache-test-2")
    assert other.predict(["eins"])[0].probs != first[0].probs


def test_progress_counts_every_text(tiny):
    seen = []
    S.clear_cache()
    tiny.predict(["a", "b", "c", "a", "d"], batch_size=2, progress=seen.append)
    assert sum(seen) == 5
    seen.clear()
    tiny.predict(["a", "b"], progress=seen.append)
    assert sum(seen) == 2


@pytest.mark.parametrize(
    "names,expected",
    [
        (["negative", "positive"], [[1, 0, 0], [0, 0, 1]]),
        (["NEG", "NEU", "POS"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        (["LABEL_0", "LABEL_1", "LABEL_2"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        (
            ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"],
            [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]],
        ),
    ],
)
def test_label_matrix(names, expected):
    assert S.label_matrix(names) == expected


def test_label_matrix_rejects_unknown():
    with pytest.raises(ValueError):
        S.label_matrix(["joy", "anger", "fear", "love"])


@pytest.mark.parametrize("n", [2, 3, 5])
def test_local_model_folder_with_label_maps(tmp_path, n):
    tiny_test_model(n, save_to=tmp_path / f"m{n}")
    m = S.load_model(str(tmp_path / f"m{n}"), max_length=32)
    (r,) = m.predict(["gut"])
    assert set(r.probs) == set(S.LABELS) and abs(sum(r.probs.values()) - 1) < 1e-4
    if n == 2:
        assert r.probs["neutral"] == 0.0
    # an explicit mapping overrides id2label
    names = {
        2: ["positive", "negative"],
        3: ["positive", "neutral", "negative"],
        5: ["5", "4", "3", "2", "1"],
    }[n]
    flipped = S.load_model(str(tmp_path / f"m{n}"), max_length=32, label_map=names).predict(["gut"])[0]
    assert flipped.probs["negative"] == pytest.approx(r.probs["positive"], abs=1e-5)
    with pytest.raises(ValueError):
        S.load_model(str(tmp_path / f"m{n}"), label_map=["negative"] * (n + 1))


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(S.ModelNotAvailable) as exc:
        S.load_model("someorg/no-such-sentiment-model")
    msg = str(exc.value)
    assert "someorg/no-such-sentiment-model" in msg and "embedded" in msg and "download" in msg


def test_embedded_checksum_and_missing_files(tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "MODELS_DIR", tmp_path / "models")
    with pytest.raises(S.ModelNotAvailable, match="manifest.json"):
        S.load_model("embedded", cache_dir=tmp_path / "cache")
    d = tmp_path / "models" / S.DEFAULT_MODEL_NAME
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(
        json.dumps(
            {
                "name": S.DEFAULT_MODEL_NAME,
                "version": S.DEFAULT_MODEL_NAME + "+sha256:00000000",
                "labels": list(S.LABELS),
                "weights": {"file": "model.safetensors", "sha256": "0" * 64},
                "base": {},
                "calibration": {"temperature": 1.0},
                "mixed": {"threshold": 0.25},
            }
        )
    )
    with pytest.raises(S.ModelNotAvailable, match="model.safetensors"):
        S.load_model("embedded", cache_dir=tmp_path / "cache")
    (d / "model.safetensors").write_bytes(b"not the trained weights")
    with pytest.raises(S.ModelVerificationError, match="sha256"):
        S.load_model("embedded", cache_dir=tmp_path / "cache")


def test_own_trained_part_by_path_is_verified_like_the_embedded_one(tmp_path):
    # a folder written by `nlp.train --out DIR` (brandpulse manifest + fp16 weights) is loaded by
    # path through the same rebuild-and-verify path as the embedded model, not the HF loader
    d = tmp_path / "my-finetune"
    d.mkdir()
    (d / "manifest.json").write_text(
        json.dumps(
            {
                "name": "my-finetune",
                "version": "my-finetune+sha256:00000000",
                "labels": list(S.LABELS),
                "weights": {"file": "model.safetensors", "sha256": "0" * 64},
                "base": {},
                "calibration": {"temperature": 1.0},
                "mixed": {"threshold": 0.25},
            }
        )
    )
    (d / "model.safetensors").write_bytes(b"not the trained weights")
    with pytest.raises(S.ModelVerificationError, match="sha256"):
        S.load_model(str(d), cache_dir=tmp_path / "cache")
    assert not model_store.is_trained_part(tmp_path)  # no manifest: a Hugging Face folder, not ours
    assert S.trained_part_dir(str(d)) == d and S.trained_part_dir(str(tmp_path)) is None
    assert S.trained_part_dir("embedded") == S.embedded_dir()
    assert S.trained_part_dir("someorg/no-such-model") is None


def test_quantize_keeps_working(tmp_path):
    tiny_test_model(3, save_to=tmp_path / "q")
    m = S.load_model(str(tmp_path / "q"), quantize=True, max_length=32)
    assert m.quantized and not m.autocast
    assert m.predict(["gut", "schlecht"])[1].label in S.LABELS


def test_nlp_imports_no_other_package():
    import ast
    import pathlib

    root = pathlib.Path(S.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for mod in mods:
                assert mod.split(".")[0] not in ("crawler", "monitor", "reports"), (path, mod)


# --------------------------------------------------------------------------- classify CLI


def _lines(n):
    for i in range(n):
        yield (
            json.dumps(
                {
                    "id": i,
                    "text": f"text {i % 7} gut" if i % 3 else f"schlecht {i}",
                    **({"lang": "de"} if i % 2 else {}),
                }
            )
            + "\n"
        )


def test_classify_stream_gives_blank_texts_no_sentiment(tiny):
    from monitor.enrich.classify import classify_stream

    out = io.StringIO()
    seen: list[int] = []
    lines = [json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(["gut", "", "   ", "schlecht"])]
    assert classify_stream(lines, out, tiny, progress=seen.append) == (4, 0)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2, 3]
    assert [r["label"] is None for r in rows] == [False, True, True, False]
    assert rows[1]["score"] is None and rows[0]["label"] in S.LABELS
    assert sum(seen) == 4  # the progress bar still reaches the end


def test_classify_stream_keeps_order_and_streams(tiny):
    from monitor.enrich.classify import classify_stream

    consumed = []

    def src():
        for i, line in enumerate(_lines(250)):
            consumed.append(i)
            yield line

    class Out(io.StringIO):
        def __init__(self):
            super().__init__()
            self.max_lag = 0

        def write(self, s):
            self.max_lag = max(self.max_lag, len(consumed) - (self.getvalue().count("\n") + 1))
            return super().write(s)

    out = Out()
    written, bad = classify_stream(src(), out, tiny, chunk_size=40, detect_lang=lambda ts: ["xx"] * len(ts))
    assert (written, bad) == (250, 0)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == list(range(250))
    assert all(r["label"] in S.LABELS and 0 <= r["score"] <= 1 for r in rows)
    assert [r["lang"] for r in rows[:2]] == ["xx", "de"]
    assert out.max_lag < 40  # never more than one chunk held


def test_classify_command(tmp_path, monkeypatch, tiny):
    from typer.testing import CliRunner

    import monitor.cli.classify as cl
    import nlp.sentiment
    from monitor.cli.app import app

    monkeypatch.setattr(nlp.sentiment, "load_model", lambda *a, **k: tiny)
    monkeypatch.setattr(cl, "language_detector", lambda langs: lambda texts: ["en"] * len(texts))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRANDPULSE_CONFIG", raising=False)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(_lines(30)) + "not json\n" + '{"no_text": 1}\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["classify", str(src), "-o", str(tmp_path / "out.jsonl"), "--no-progress"])
    assert res.exit_code == 1, res.output  # the object without "text" is reported
    assert "in.jsonl:32" in res.stderr and "in.jsonl:31" not in res.stderr
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r.get("id") for r in rows] == [*range(30), None]
    assert rows[30]["text"] == "not json"  # a line that is not a JSON object is the text
    assert all({"label", "score", "lang"} <= set(r) for r in rows)
    assert [r["lang"] for r in rows[:2]] == ["en", "de"]
    res = CliRunner().invoke(app, ["classify", "-"], input="".join(_lines(5)))
    assert res.exit_code == 0
    assert [json.loads(x)["id"] for x in res.stdout.splitlines() if x.startswith("{")] == list(range(5))


# --------------------------------------------------------------------------- the real model


@pytest.mark.slow
def test_embedded_model_on_clear_sentences():
    m = S.load_model("embedded", threads=2)
    assert m.version.startswith(S.DEFAULT_MODEL_NAME + "+sha256:")
    texts = {
        "Der Kundenservice war super freundlich und hat sofort geholfen. Sehr zu empfehlen!": "positive",
        "Die Lieferung kam zwei Wochen zu spät und das Paket war kaputt. Nie wieder!": "negative",
        "Absolutely love this app, it works perfectly and saves me hours every week.": "positive",
        "Worst customer service ever. They ignored my emails and kept my money.": "negative",
        "Das Zimmer war sauber, das Frühstück lecker und das Personal sehr nett.": "positive",
        "The package will be delivered on Tuesday.": "neutral",
    }
    got = m.predict(list(texts))
    assert [r.label for r in got] == list(texts.values())
    assert all(r.score > 0.5 for r in got)


@pytest.mark.slow
def test_trained_part_folder_loads_by_path(tmp_path):
    import shutil

    own = tmp_path / "copy-of-embedded"
    shutil.copytree(S.embedded_dir(), own)
    m = S.load_model(str(own), threads=2)
    assert m.version == S.read_manifest(S.embedded_dir())["version"]
    assert m.predict(["Nie wieder, das Paket kam kaputt an."])[0].label == "negative"
