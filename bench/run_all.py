"""Run every benchmark in turn and print its figures (`make bench`).

Each bench prints its own table with a naive baseline in the same run; this script only runs
them in sequence with their documented default settings, so one command reproduces every
figure quoted in the docs and model card. Benches may read ../shared (datasets); tests never do.

    python bench/run_all.py [--only sentiment,topics,topic-similarity,detection,archive,brand-links,commands,scale] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BENCHES = {
    # name: (module, full args, quick args)
    "sentiment": ("bench.sentiment", [], ["--n", "300", "--skip-variants"]),
    "topics": ("bench.topics", [], ["--throughput", "100"]),
    "topic-similarity": ("bench.topic_similarity", [], []),
    "detection": ("bench.detection", ["--seeds", "8", "--days", "120"], ["--seeds", "2"]),
    "archive": ("bench.archive", [], ["--n", "100000"]),
    "brand-links": ("bench.brand_links", [], ["--n", "20000"]),
    "commands": ("bench.commands", [], ["--repeat", "1"]),
    "scale": ("bench.scale", [], ["--n", "200", "--batch", "32"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(BENCHES), help="comma-separated bench names")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = ap.parse_args()
    failed = []
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        if name not in BENCHES:
            print(f"unknown bench {name!r}; choose from {', '.join(BENCHES)}", file=sys.stderr)
            return 2
        module, full, quick = BENCHES[name]
        cmd = [sys.executable, "-m", module, *(quick if args.quick else full)]
        print(f"\n===== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=ROOT)
        print(f"===== {name}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
