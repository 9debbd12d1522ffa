"""How long the operator waits: command latency, and the non-model cost of enrichment.

Every figure is measured in this run, the path before the change next to the one after where
the before path can still be run:

- ``brandpulse --help``;
- ``enrich`` with nothing to do: the step as it was (load the model, then find nothing) vs
  now (count the pending mentions first; no model) — as a script each, and the real command;
- ``classify`` of one sentence on stdin: as before (the model loaded through ``transformers``,
  the garbage collector left on during the load: the command run by a script that restores
  both) vs the real command now (plain torch, ``nlp.e5_runtime``); and with the smoke
  prediction on every load (its ``verified.json`` removed first, as before that) vs once per
  build;
- ``detect --as-of`` on a 2,000-mention archive (``bench.archive``'s synthetic one);
- enrichment without the model (a stand-in that answers at once): milliseconds per mention
  with the topic analysis text by text (as before) vs batched (``Taxonomy.analyse_many``).

Commands run as subprocesses of this environment's ``brandpulse`` script with a warm file
cache (one untimed run first); each figure is the median of ``--repeat`` runs. The machine
may be shared: the load average is printed with the figures.

    python -m bench.commands [--repeat 3] [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.archive import BRANDS, END, TOPICS, build

BRANDPULSE = str(Path(sys.executable).with_name("brandpulse"))

ENRICH_SCRIPT = """
import sys
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.pipeline import steps
wl = load_watchlist(sys.argv[1])
model = steps.load_model(wl) if sys.argv[2] == "before" else None
with Archive.open(wl.archive_path) as archive:
    assert steps.enrich(wl, archive, model=model).stats.pending == 0
"""

# `brandpulse ARGS...` as classify loaded its model before: through transformers, with the
# garbage collector on (python -c BEFORE_CLASSIFY ARGS...)
BEFORE_CLASSIFY = """
import functools, gc
import nlp.sentiment as S
S.load_model = functools.partial(S.load_model, runtime="transformers")
gc.disable = gc.freeze = lambda: None
from monitor.cli.app import app
app()
"""


def timed(argv: list[str], repeat: int, *, stdin: str = "", before=None) -> float:
    """Median seconds of ``argv`` (after one untimed warm-up run); ``before()`` runs
    untimed before each run."""
    runs = []
    for i in range(repeat + 1):
        if before:
            before()
        t0 = time.perf_counter()
        res = subprocess.run(argv, input=stdin, capture_output=True, text=True)
        took = time.perf_counter() - t0
        if res.returncode:
            raise SystemExit(f"{' '.join(argv)} failed ({res.returncode}):\n{res.stderr[-2000:]}")
        if i:
            runs.append(took)
    return statistics.median(runs)


def timed_pair(before: list[str], after: list[str], repeat: int, *, stdin: str = "", setup=None):
    """Medians of ``before`` and ``after``, run in turns (a load that changes during the bench
    then weighs on both alike); ``setup()`` runs untimed before each ``before`` run."""
    old, new = [], []
    for _ in range(repeat):
        old.append(timed(before, 1, stdin=stdin, before=setup))
        new.append(timed(after, 1, stdin=stdin))
    return statistics.median(old), statistics.median(new)


def make_archive(folder: Path, n: int) -> Path:
    """The synthetic archive of ``n`` mentions and a watchlist naming its brands and topics;
    every mention marked enriched by the configured model and taxonomy (nothing to do)."""
    from monitor.core.archive import Archive
    from monitor.core.config import load_watchlist
    from monitor.enrich.run import watchlist_taxonomy
    from nlp.model_store import model_version

    db = folder / "archive.db"
    build(db, n)
    wl_path = folder / "watchlist.yaml"
    wl_path.write_text(
        yaml.safe_dump(
            {
                "archive": str(db),
                "brands": [{"name": b} for b in BRANDS],
                "topics": {t: {"keywords": {"de": [de], "en": [en]}} for t, (de, en) in TOPICS.items()},
                "digest": {"recipients": [{"emails": ["team@example.com"]}], "output_dir": str(folder)},
            }
        ),
        encoding="utf-8",
    )
    wl = load_watchlist(wl_path)
    with Archive.open(db) as arc, arc.conn:
        arc.conn.execute(
            "UPDATE enrichments SET model_version = ?, taxonomy_version = ?",
            (model_version(wl.sentiment.model), watchlist_taxonomy(wl).version),
        )
    return wl_path


def verified_marker() -> Path:
    from nlp.model_store import cache_root, model_version

    return cache_root() / "models" / model_version("embedded").replace("+sha256:", "-") / "verified.json"


class NullModel:
    """Answers every text at once: what is left of an enrichment run is its non-model cost."""

    version = "bench-null"

    def predict(self, texts, **_):
        from nlp.sentiment import SentimentResult

        r = SentimentResult("neutral", 0.9, {"negative": 0.05, "neutral": 0.9, "positive": 0.05}, False)
        return [r] * len(texts)


def non_model_ms(wl_path: Path, batched: bool) -> tuple[float, int]:
    """Milliseconds per mention of ``run_enrich`` with :class:`NullModel` on a fresh copy."""
    import shutil

    from monitor.core.archive import Archive
    from monitor.core.config import load_watchlist
    from monitor.enrich import run
    from nlp.topics import Taxonomy

    class TextByText(Taxonomy):
        """The topic analysis as it ran before: one spaCy call per text."""

        def analyse_many(self, items, **_):
            return [self.analyse(text, lang) for text, lang in items]

    wl = load_watchlist(wl_path)
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / "copy.db"
        shutil.copy(wl.archive_path, copy)
        wl = wl.model_copy(update={"archive": str(copy)})
        original = run.watchlist_taxonomy
        if not batched:
            run.watchlist_taxonomy = lambda w: TextByText(w.topics, brands=run.brand_terms(w))
        try:
            with Archive.open(copy) as arc:
                stats = run.run_enrich(wl, arc, model=NullModel())
        finally:
            run.watchlist_taxonomy = original
    return stats.elapsed_s / max(stats.enriched, 1) * 1000, stats.enriched


def fresh_process_ms(wl_path: Path, *, batched: bool) -> float:
    """:func:`non_model_ms` in a new process: no cache of one run helps the next."""
    code = f"from bench.commands import non_model_ms; print(non_model_ms({str(wl_path)!r}, {batched})[0])"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per figure (median)")
    ap.add_argument("--n", type=int, default=2000, help="mentions in the archive")
    args = ap.parse_args(argv)
    env_cfg = os.environ.pop("BRANDPULSE_CONFIG", None)
    rows: list[tuple[str, str, str]] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        wl = make_archive(Path(d), args.n)
        cfg = ["--config", str(wl)]
        r = args.repeat
        rows.append(("brandpulse --help", "", f"{timed([BRANDPULSE, '--help'], r):.2f} s"))
        script = [sys.executable, "-c", ENRICH_SCRIPT, str(wl)]
        before, after = timed_pair([*script, "before"], [*script, "after"], r)
        rows.append(("enrich, nothing to do (step)", f"{before:.2f} s", f"{after:.2f} s"))
        rows.append(
            ("brandpulse enrich, nothing to do", "", f"{timed([BRANDPULSE, *cfg, 'enrich'], r):.2f} s")
        )
        marker = verified_marker()
        one = '{"text": "Die Lieferung kam viel zu spät."}\n'
        classify = [BRANDPULSE, *cfg, "classify"]
        old_load, new_load = timed_pair(
            [sys.executable, "-c", BEFORE_CLASSIFY, *cfg, "classify"], classify, r, stdin=one
        )
        rows.append(("brandpulse classify, one sentence", f"{old_load:.2f} s", f"{new_load:.2f} s"))
        smoke_each_load, smoke_once = timed_pair(
            classify, classify, r, stdin=one, setup=lambda: marker.unlink(missing_ok=True)
        )
        rows.append(("  … smoke on every load vs once", f"{smoke_each_load:.2f} s", f"{smoke_once:.2f} s"))
        plain = "Die Lieferung kam viel zu spät.\n"
        rows.append(
            ("  … as a plain text line", "", f"{timed([BRANDPULSE, *cfg, 'classify'], r, stdin=plain):.2f} s")
        )
        detect = [BRANDPULSE, *cfg, "detect", "--as-of", END.date().isoformat()]
        rows.append((f"brandpulse detect, {args.n:,} mentions", "", f"{timed(detect, r):.2f} s"))
        runs = [(fresh_process_ms(wl, batched=False), fresh_process_ms(wl, batched=True)) for _ in range(r)]
        text_by_text = statistics.median(a for a, _ in runs)
        batched = statistics.median(b for _, b in runs)
        rows.append(
            (
                f"enrich without the model, per mention ({args.n:,})",
                f"{text_by_text:.2f} ms",
                f"{batched:.2f} ms",
            )
        )
    if env_cfg is not None:
        os.environ["BRANDPULSE_CONFIG"] = env_cfg
    width = max(len(r[0]) for r in rows)
    print(
        f"\nload average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on "
        f"{os.cpu_count()} CPUs; median of {args.repeat} run(s)"
    )
    print(f"{'':{width}}  {'before':>10}  {'now':>10}")
    for what, old, new in rows:
        print(f"{what:{width}}  {old or '—':>10}  {new:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
