"""Enrichment throughput in this process versus 1 and 2 Dask workers (docs/scaling.md).

In one run, on copies of one synthetic archive (``bench.archive``'s generator: German and
English mentions, 20 topics), with the model loaded and warmed up before each timing:

- **local, 1 thread**: ``monitor.enrich.run.run_enrich`` with one torch thread — the baseline
  per core; measured first and again last;
- **local, all cores**: the same with one torch thread per core (what one machine does);
- **cluster, N workers** (``--workers 1,2``): ``monitor.cluster.enrich.enrich_on_cluster`` on
  a ``LocalCluster`` of N worker processes with one thread each (the deployment docs/scaling.md
  recommends: a worker per core), Dask's worker settings from ``WORKER_CONFIG``.

Each run is reported wall-clock *and* per CPU second: the mentions per CPU second of the
process that ran the model (this one, or the workers summed) is what one fully used core
does, whatever else the machine runs; the CPU this process (archive node and scheduler) spends
per batch in a cluster run is the cluster's overhead. Also: the round trip of an empty batch,
the implied mentions/day per core, and the load average.

Run:  .venv/bin/python -m bench.scale [--n 1200] [--batch 64] [--workers 1,2] [--join 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.archive import BRANDS, TOPICS, Synth  # noqa: E402
from monitor.core.archive import Archive  # noqa: E402
from monitor.core.config import Watchlist, parse_watchlist  # noqa: E402
from monitor.core.rows import content_hash  # noqa: E402

DAY_S = 86_400


def watchlist(archive: Path, model: str, threads: int) -> Watchlist:
    topics = {t: {"keywords": {"de": [de], "en": [en]}} for t, (de, en) in TOPICS.items()}
    data = {
        "archive": str(archive),
        "brands": [{"name": b} for b in BRANDS],
        "topics": topics,
        "sentiment": {"model": model, "threads": threads},
    }
    return parse_watchlist(data)


def build(path: Path, n: int, join: int) -> float:
    """``n`` mentions of ``join`` synthetic texts each; returns their mean length in chars."""
    synth = Synth(n * join)
    rows = []
    for i in range(n):
        parts = [synth.mention(i * join + j)[0] for j in range(join)]
        row = dict(parts[0])
        row["text"] = " ".join(p["text"] for p in parts)
        row["content_hash"] = content_hash(row["text"])
        rows.append(row)
    with Archive.open(path) as arc:
        arc.add_mentions(rows)
    return statistics.mean(len(r["text"]) for r in rows)


def fresh_copy(template: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.db"
    shutil.copy(template, target)
    return target


@dataclass
class Run:
    """One timed enrichment: wall-clock, and CPU seconds of the model's processes and of this one."""

    label: str
    n: int
    wall_s: float
    model_cpu_s: float
    node_cpu_s: float
    batches: int
    node_idle_cpu_per_s: float = 0.0  # this process's housekeeping while nothing runs

    @property
    def node_cpu_per_mention(self) -> float:
        """CPU seconds this process spent per mention beyond its idle housekeeping."""
        return max(0.0, self.node_cpu_s - self.node_idle_cpu_per_s * self.wall_s) / self.n

    @property
    def rate(self) -> float:
        return self.n / self.wall_s

    @property
    def cpu_rate(self) -> float:
        """Mentions per CPU second of the processes that ran the model."""
        return self.n / self.model_cpu_s

    def line(self, base: Run | None = None) -> str:
        ratio = f"  {self.rate / base.rate:4.2f}x" if base else "       "
        return (
            f"  {self.label:<34} {self.rate:6.1f}/s wall {ratio}   {self.cpu_rate:6.1f}/CPU-s "
            f"= {self.cpu_rate * DAY_S / 1e6:5.2f} M/day per core"
        )


def run_local(template: Path, folder: Path, model: str, threads: int, batch: int, label: str) -> Run:
    from monitor.enrich.run import load_configured_model, run_enrich
    from nlp.sentiment import clear_cache

    warm = watchlist(fresh_copy(template, folder, f"{label}-warm"), model, threads)
    sm = load_configured_model(warm)
    with Archive.open(warm.archive_path) as arc:
        run_enrich(warm, arc, model=sm, batch_size=batch, limit=2 * batch)  # spaCy, lingua, torch
    clear_cache()
    wl = watchlist(fresh_copy(template, folder, label), model, threads)
    with Archive.open(wl.archive_path) as arc:
        cpu0 = time.process_time()
        stats = run_enrich(wl, arc, model=sm, batch_size=batch)
        cpu = time.process_time() - cpu0
    return Run(label, stats.enriched, stats.elapsed_s, cpu, cpu, stats.batches)


def _cpu(pids: dict) -> float:
    import psutil

    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids.values())


def run_cluster(template: Path, folder: Path, model: str, workers: int, batch: int) -> tuple[Run, float]:
    """A run on ``workers`` 1-thread workers, and the median round trip of an empty batch (ms)."""
    from distributed import Client

    from monitor.cluster.client import local_cluster
    from monitor.cluster.enrich import analyse_on_worker, enrich_on_cluster
    from monitor.cluster.plugin import plugin_name
    from nlp.sentiment import clear_cache

    with local_cluster(workers) as cluster:
        address = cluster.scheduler_address
        warm = watchlist(fresh_copy(template, folder, f"w{workers}-warm"), model, 1)
        with Archive.open(warm.archive_path) as arc:  # model, spaCy and lingua on every worker
            enrich_on_cluster(warm, arc, address, batch_size=batch, limit=2 * batch * workers)
        with Client(address, set_as_default=False) as client:
            client.run(clear_cache)
            pids = client.run(os.getpid)
            trips = []
            for _ in range(20):
                t0 = time.perf_counter()
                client.submit(analyse_on_worker, plugin_name(warm), warm, [], {}, pure=False).result()
                trips.append((time.perf_counter() - t0) * 1000)
            idle0 = time.process_time()
            time.sleep(3)  # what the scheduler and the client cost here while nothing runs
            idle = (time.process_time() - idle0) / 3
            wl = watchlist(fresh_copy(template, folder, f"w{workers}"), model, 1)
            with Archive.open(wl.archive_path) as arc:
                worker0, node0 = _cpu(pids), time.process_time()
                stats = enrich_on_cluster(wl, arc, address, batch_size=batch)
                worker_cpu, node_cpu = _cpu(pids) - worker0, time.process_time() - node0
    label = f"cluster, {workers} worker(s) x 1 thread"
    run = Run(label, stats.enriched, stats.elapsed_s, worker_cpu, node_cpu, stats.batches, idle)
    return run, statistics.median(trips)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1200, help="mentions to enrich per run")
    ap.add_argument("--batch", type=int, default=64, help="mentions per batch (one task each)")
    ap.add_argument("--workers", default="1,2", help="cluster sizes to measure, comma-separated")
    ap.add_argument("--join", type=int, default=1, help="synthetic texts per mention (longer mentions)")
    ap.add_argument("--model", default="embedded", help="sentiment.model (default: the embedded model)")
    ap.add_argument(
        "--cores", type=int, default=os.cpu_count() or 1, help="torch threads of the all-cores run"
    )
    args = ap.parse_args()
    sizes = [int(w) for w in args.workers.split(",") if w.strip()]
    folder = Path(tempfile.mkdtemp(prefix="bp-scale-"))
    try:
        template = folder / "template.db"
        chars = build(template, args.n, args.join)
        print(
            f"{args.n} mentions (mean {chars:.0f} chars), batches of {args.batch}, model {args.model}; "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the runs\n"
        )
        base = run_local(template, folder, args.model, 1, args.batch, "local, 1 thread")
        print(base.line())
        if args.cores > 1:
            print(
                run_local(
                    template, folder, args.model, args.cores, args.batch, f"local, {args.cores} threads"
                ).line(base)
            )
        cluster_runs: dict[int, tuple[Run, float]] = {}
        for w in sizes:
            cluster_runs[w] = run_cluster(template, folder, args.model, w, args.batch)
            print(cluster_runs[w][0].line(base))
        again = run_local(template, folder, args.model, 1, args.batch, "local, 1 thread (again)")
        print(again.line(base))
        print(f"\n  load average after the runs: {os.getloadavg()[0]:.1f}")
        if 1 in cluster_runs:
            local_s = args.batch / ((base.rate + again.rate) / 2)
            overhead = args.batch / cluster_runs[1][0].rate - local_s
            print(
                f"  overhead per batch of {args.batch}: {overhead * 1000:.0f} ms wall on top of {local_s * 1000:.0f} ms "
                "(1 worker vs the mean of the two 1-thread local runs)"
            )
        for w, (run, trip) in cluster_runs.items():
            print(
                f"  {w} worker(s): archive node + scheduler {run.node_cpu_per_mention * 1000:.2f} ms CPU per "
                f"mention (+ {run.node_idle_cpu_per_s * 1000:.0f} ms per second idle housekeeping); "
                f"empty-batch round trip {trip:.1f} ms (median of 20); worker CPU per mention "
                f"{run.model_cpu_s / run.n * 1000:.1f} ms vs {base.model_cpu_s / base.n * 1000:.1f} ms local"
            )
        if cluster_runs:
            run = cluster_runs[max(cluster_runs)][0]
            keep_up = 1 / run.node_cpu_per_mention if run.node_cpu_per_mention else float("inf")
            print(
                f"  one worker core adds {run.cpu_rate:.1f} mentions/s = {run.cpu_rate * DAY_S / 1e6:.2f} M "
                f"mentions/day; one archive-node core keeps up with {keep_up:,.0f} mentions/s "
                f"= {keep_up / run.cpu_rate:,.0f} worker cores"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
