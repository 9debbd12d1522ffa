"""The sentiment model on each worker, loaded once per worker process.

Why a worker plugin: Dask runs its ``setup`` on every worker there is and on every worker
that joins later, so a batch never waits for a model load, and registration fails loudly when
a worker cannot load the model (a missing model folder, a broken cache) instead of each batch
failing on it. Why a process-wide cache behind it: registering again (every enrich run does)
replaces the plugin; the cache makes that cost nothing, and a worker whose load failed tries
again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from monitor.core.config import Watchlist
from monitor.enrich.run import load_configured_model

log = logging.getLogger(__name__)
_models: dict[str, Any] = {}
_models_mu = threading.Lock()


def model_key(wl: Watchlist) -> str:
    """The model a watchlist configures, as a short key (its ``sentiment`` settings)."""
    return hashlib.sha256(wl.sentiment.model_dump_json().encode()).hexdigest()[:12]


def plugin_name(wl: Watchlist) -> str:
    return f"brandpulse-model-{model_key(wl)}"


def _load(wl: Watchlist) -> Any:
    key = model_key(wl)
    with _models_mu:
        if key not in _models:
            _models.clear()  # one model per worker process: a changed config replaces it
            _models[key] = load_configured_model(wl)
        return _models[key]


class ModelPlugin(WorkerPlugin):
    """Holds the watchlist's sentiment model on a worker (``.model``)."""

    def __init__(self, wl: Watchlist):
        self.wl = wl
        self.name = plugin_name(wl)
        self.model: Any = None

    async def setup(self, worker: Any) -> None:
        if os.environ.get("MALLOC_TRIM_THRESHOLD_"):
            log.warning(
                "worker %s runs with MALLOC_TRIM_THRESHOLD_ set (Dask's default for nannies): the "
                "sentiment model runs markedly slower; unset it as docs/scaling.md shows",
                worker.address,
            )
        # In a thread: the worker's event loop (heartbeats) keeps running while it loads.
        self.model = await asyncio.to_thread(_load, self.wl)


def worker_model(name: str) -> Any:
    """The model of plugin ``name`` on the worker running the calling task."""
    plugin = get_worker().plugins.get(name)
    model = getattr(plugin, "model", None)
    if model is None:
        raise RuntimeError(f"worker {get_worker().address} has no sentiment model loaded ({name})")
    return model


def worker_model_version(name: str, dask_worker: Any = None) -> str | None:
    """For ``Client.run`` (which passes ``dask_worker``): the worker's model version, None
    when it has none."""
    plugin = dask_worker.plugins.get(name)
    model = getattr(plugin, "model", None)
    return None if model is None else model.version


def install_model(client: Any, wl: Watchlist) -> str:
    """Load the watchlist's model on every worker; the model version they all run.

    Raises ClusterError when a worker cannot load it or when workers disagree on the
    version (different model files on different machines would give different labels)."""
    from monitor.cluster.client import ClusterError

    plugin = ModelPlugin(wl)
    try:
        client.register_plugin(plugin)
    except Exception as exc:  # the worker's own exception, e.g. ModelNotAvailable
        raise ClusterError(
            f"a worker could not load the sentiment model {wl.sentiment.model!r}: {type(exc).__name__}: {exc} "
            "— every worker needs the same brandpulse version as this machine and the same model "
            "(`embedded`, or a folder at the same absolute path; docs/scaling.md)"
        ) from None
    versions = client.run(worker_model_version, plugin.name)
    found = set(versions.values())
    if None in found or len(found) != 1:
        listing = ", ".join(f"{w}: {v}" for w, v in sorted(versions.items(), key=lambda kv: str(kv[0])))
        raise ClusterError(
            f"the workers do not all run one model version ({listing}); give every worker the same "
            "model files and sentiment settings"
        )
    return found.pop()
