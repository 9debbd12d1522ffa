"""Loading the sentiment model fast: the smoke prediction runs once per build, and the model's
version is known without loading it."""

from __future__ import annotations

import os

from nlp.model_store import model_version, read_manifest, trained_part_dir, verify_once


def test_smoke_prediction_runs_once_per_build(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    runs = []
    for _ in range(3):
        verify_once(tmp_path, "m-1", lambda: runs.append(1))
    assert len(runs) == 1
    verify_once(tmp_path, "m-2", lambda: runs.append(2))  # another version: verified again
    os.utime(weights, ns=(1, 1))  # the file changed since: verified again
    verify_once(tmp_path, "m-2", lambda: runs.append(3))
    verify_once(tmp_path, "m-2", lambda: runs.append(4))
    assert runs == [1, 2, 3]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_each_runtime_is_verified_once(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    runs = []
    for runtime in ("torch", "transformers", "torch", "transformers"):
        verify_once(tmp_path, "m-1", lambda r=runtime: runs.append(r), runtime=runtime)
    assert runs == ["torch", "transformers"]  # switching runtimes does not verify again
    # a marker of the single-stamp format before runtimes: verified again, then remembered
    (tmp_path / "verified.json").write_text('{"version": "m-1", "model": [1, 2]}')
    verify_once(tmp_path, "m-1", lambda: runs.append("old"), runtime="torch")
    verify_once(tmp_path, "m-1", lambda: runs.append("again"), runtime="torch")
    assert runs[2:] == ["old"]


def test_a_failed_smoke_is_not_remembered(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"w")

    def broken():
        raise RuntimeError("smoke prediction failed")

    for _ in range(2):
        try:
            verify_once(tmp_path, "m", broken)
        except RuntimeError:
            pass
    assert not (tmp_path / "verified.json").exists()


def test_model_version_without_loading(tmp_path):
    embedded = read_manifest(trained_part_dir("embedded"))["version"]
    assert model_version("embedded") == model_version(None) == embedded
    hf_folder = tmp_path / "my-model"
    hf_folder.mkdir()
    (hf_folder / "config.json").write_text("{}")
    assert model_version(str(hf_folder)).startswith("my-model+sha256:")
    assert model_version("someone/some-hub-model") is None  # only a load can tell
