"""Connecting to the Dask scheduler, and what ``brandpulse status`` shows of the cluster.

Why a module of its own: every cluster stage needs the same address resolution
(``--cluster`` / ``BRANDPULSE_CLUSTER`` over ``cluster.address``), the same error sentences
when the scheduler or the workers are missing, and ``distributed`` imported only here, so
that the base product works without the extra installed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from monitor.core.config import ClusterSettings, Watchlist

#: Overrides ``cluster.address``; ``--cluster`` on enrich, crawl and run sets it.
CLUSTER_ENV = "BRANDPULSE_CLUSTER"
#: Seconds to reach the scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0
#: Seconds to wait for a first worker before giving up (a scheduler alone runs nothing).
WORKER_WAIT_S = 60.0
#: Seconds ``brandpulse status`` waits for the scheduler (status must stay quick).
STATUS_TIMEOUT_S = 3.0

#: Dask settings for workers that run the sentiment model (``dask.config.set`` before a
#: ``LocalCluster``; a YAML file in ``DASK_CONFIG`` for ``dask worker``, docs/scaling.md). Why:
#: Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_`` set, which pins glibc's mmap
#: threshold, so every large tensor of an inference is mapped and unmapped again.
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

INSTALL_HINT = "pip install 'brandpulse[cluster]' (on the archive node and on every worker)"


class ClusterError(RuntimeError):
    """The cluster cannot do what was asked; the message says what to do about it."""


def cluster_address(wl: Watchlist) -> str | None:
    """The scheduler to use: ``BRANDPULSE_CLUSTER`` (set by ``--cluster``), else the
    watchlist's ``cluster.address``; None means everything runs in this process."""
    return os.environ.get(CLUSTER_ENV, "").strip() or wl.cluster.address


def use_cluster(address: str | None) -> None:
    """Make ``address`` the cluster of this process (what ``--cluster ADDRESS`` does); through
    the environment, so that the daemon's jobs see it after a watchlist reload too. Raises
    ClusterError for something that is not a scheduler address."""
    if not address:
        return
    try:
        ClusterSettings(address=address)
    except ValidationError as exc:
        raise ClusterError(f"--cluster: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    os.environ[CLUSTER_ENV] = address.strip()


def distributed_module() -> Any:
    """``distributed``, or a ClusterError that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            f"a cluster address is set but Dask's `distributed` is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


def open_client(address: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> Any:
    """A client of the scheduler at ``address`` (not made the process-wide default)."""
    distributed = distributed_module()
    try:
        return distributed.Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); start it "
            "with `dask scheduler`, or remove cluster.address / --cluster to run in this process"
        ) from None


@contextmanager
def connect(address: str, *, worker_wait_s: float = WORKER_WAIT_S) -> Iterator[Any]:
    """A client with at least one worker connected; closed on exit."""
    client = open_client(address)
    try:
        try:
            client.wait_for_workers(1, timeout=worker_wait_s)
        except TimeoutError:
            raise ClusterError(
                f"no worker is connected to the Dask scheduler at {address} after {worker_wait_s:g} s; "
                f"start one with `dask worker {address}` (docs/scaling.md)"
            ) from None
        with client.as_current():  # Dask's helpers (wait, Queue, Variable) find it
            yield client
    finally:
        client.close()


def total_threads(client: Any) -> int:
    """Task slots of the cluster now (threads over all workers)."""
    return sum(client.nthreads().values())


def cluster_status(address: str, *, timeout_s: float = STATUS_TIMEOUT_S) -> dict[str, Any]:
    """Workers and tasks in flight, as plain data; ``reachable: false`` with the reason
    instead of an exception, so that ``brandpulse status`` always shows the rest."""
    try:
        client = open_client(address, timeout_s=timeout_s)
    except ClusterError as exc:
        return {"address": address, "reachable": False, "error": str(exc), "workers": []}
    try:
        info = client.scheduler_info(n_workers=-1)
        processing = client.processing()
        workers = [
            {
                "address": addr,
                "name": str(w.get("name", addr)),
                "host": w.get("host"),
                "threads": w.get("nthreads", 0),
                "memory_limit": w.get("memory_limit"),
                "tasks_in_flight": len(processing.get(addr, ())),
            }
            for addr, w in sorted(info.get("workers", {}).items())
        ]
        return {
            "address": address,
            "reachable": True,
            "workers": workers,
            "threads": sum(w["threads"] for w in workers),
            "tasks_in_flight": sum(w["tasks_in_flight"] for w in workers),
        }
    except (OSError, TimeoutError) as exc:
        return {
            "address": address,
            "reachable": False,
            "error": f"{type(exc).__name__}: {exc}",
            "workers": [],
        }
    finally:
        client.close()


@contextmanager
def local_cluster(workers: int = 2, *, log_level: int = logging.ERROR) -> Iterator[Any]:
    """A scheduler and ``workers`` worker processes (one thread each, the worker config above)
    on 127.0.0.1 only: a one-machine trial of cluster mode, and what the tests and the bench
    run against."""
    import dask

    distributed = distributed_module()
    with (
        dask.config.set(WORKER_CONFIG),
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=log_level,
        ) as cluster,
    ):
        yield cluster
