"""Run one spider for one configured source, in this process, and record the run.

    python -m crawler.run --config watchlist.yaml --brand Acme --source-key appstore:app_id=1,country=de

Why a process per source: Scrapy's Twisted reactor can run once per process, and a hung site
must be killable without losing the other sources (``crawler.launch`` does the killing).
The ``crawl_runs`` row is created here unless ``--run-id`` names one the parent created (the
parent then also holds the source's lock, see ``crawler.locks``). With ``--deadline`` the run
stops itself in time (``crawler.stopping``); with ``--parent-pid`` it dies with its parent.
Exit status: 0 ok, 1 the run failed or was stopped, 2 bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from typing import Any

from monitor.core.archive import Archive
from monitor.core.config import ConfigError, load_watchlist

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def find_source(wl: Any, brand_name: str, source_key: str) -> tuple[Any, Any]:
    """The (brand, source) pair a key names; KeyError with the choices when there is none."""
    brand = wl.brand(brand_name)
    for source in brand.sources:
        if source.key == source_key:
            return brand, source
    keys = ", ".join(s.key for s in brand.sources) or "(none)"
    raise KeyError(f"brand {brand.name!r} has no source {source_key!r}; its sources: {keys}")


def crawl_status(ctx: Any) -> str:
    """ok unless nothing could be fetched at all (every request failed), or the run was stopped."""
    if ctx.stopping:
        return ctx.stopping
    c = ctx.counters
    if c.responses == 0 and c.http_errors > 0:
        return "failed"
    return "ok"


def busy_message(lock: Any) -> str:
    who = lock.holder()
    return (
        f"another crawl of this source is still running{f' (pid {who})' if who else ''}; "
        "skipped so that the two do not interleave"
    )


def open_run(archive: Archive, brand: Any, source: Any, **extra: Any) -> int:
    """A new ``crawl_runs`` row for a run that starts now (call it holding the source lock)."""
    from crawler.recovery import mention_floor, sweep

    sweep(archive, brand=brand.name, source_key=source.key, locked=True)  # a dead earlier run first
    return archive.start_run(
        "crawl_runs",
        spider=source.type,
        source_key=source.key,
        brand=brand.name,
        mention_id_floor=mention_floor(archive),
        **extra,
    )


def _failed_result(run_id: int, message: str) -> dict:
    return {
        "id": run_id,
        "status": "failed",
        "message": message,
        "duration_s": 0.0,
        "items_new": 0,
        "items_seen": 0,
        "items_irrelevant": 0,
        "parse_errors": 0,
        "http_errors": 0,
    }


def run_source(
    wl: Any,
    brand: Any,
    source: Any,
    archive: Archive,
    *,
    run_id: int | None = None,
    settings: dict | None = None,
    deadline: float | None = None,
    timeout_s: float | None = None,
) -> dict:
    """Crawl one source with the real Scrapy engine; returns the finished crawl_runs values."""
    from crawler.locks import SourceLock

    lock = None
    if run_id is None:  # started on its own: this process is the launcher
        lock = SourceLock(archive.path, brand.name, source.key)
        if not lock.acquire():
            run_id = archive.start_run(
                "crawl_runs", spider=source.type, source_key=source.key, brand=brand.name
            )
            result = {"status": "skipped", "message": busy_message(lock), "duration_s": 0.0}
            archive.finish_run("crawl_runs", run_id, **result)
            return {**_failed_result(run_id, ""), **result}
        run_id = open_run(archive, brand, source, pid=os.getpid())
    try:
        return _crawl(wl, brand, source, archive, run_id, settings, deadline, timeout_s)
    finally:
        if lock is not None:
            lock.release()


def _crawl(wl, brand, source, archive, run_id, settings, deadline, timeout_s) -> dict:
    from scrapy.crawler import CrawlerProcess

    from crawler.context import CrawlContext
    from crawler.settings import for_watchlist
    from crawler.spiders import SPIDERS
    from crawler.stopping import Stopper
    from monitor.core.pseudonyms import MissingKey

    try:
        ctx = CrawlContext(wl, brand, source, archive, run_id=run_id)
    except (MissingKey, ValueError) as exc:  # no pseudonym key; a malformed brand query
        result = _failed_result(run_id, f"{type(exc).__name__}: {exc}")
        archive.finish_run("crawl_runs", run_id, **{k: v for k, v in result.items() if k != "id"})
        return result

    def record() -> dict:
        result = {**ctx.summary(), "status": crawl_status(ctx)}
        archive.finish_run("crawl_runs", run_id, **result)
        return result

    values = {**for_watchlist(wl.crawler, timeout_s=timeout_s), **(settings or {})}
    stopper = None
    try:
        process = CrawlerProcess(values)
        process.crawl(SPIDERS[source.type], ctx=ctx)
        stopper = Stopper(process, ctx, record, deadline=deadline, timeout_s=timeout_s)
        stopper.install()
        process.start(install_signal_handlers=False)
        ctx.flush_all()
        result = record()
    except Exception as exc:  # noqa: BLE001 - the run record must say what went wrong
        logging.getLogger(__name__).exception("crawl of %s failed", source.key)
        ctx.flush_all()
        result = {
            **ctx.summary(),
            "status": "failed",
            "message": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        }
        archive.finish_run("crawl_runs", run_id, **result)
    finally:
        if stopper is not None:
            stopper.close()
    return {"id": run_id, **result}


def main(argv: list[str] | None = None) -> int:
    from crawler.stopping import die_with_parent

    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the watchlist YAML")
    parser.add_argument("--brand", required=True)
    parser.add_argument("--source-key", required=True, help="the source's key (see `brandpulse status`)")
    parser.add_argument("--run-id", type=int, help="crawl_runs row created by the caller")
    parser.add_argument("--deadline", type=float, help="stop by this time (seconds since the epoch)")
    parser.add_argument(
        "--timeout-s", type=float, help="the timeout the deadline stands for (for the record)"
    )
    parser.add_argument("--parent-pid", type=int, help="stop when this process (the launcher) ends")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    parent_alive = die_with_parent(args.parent_pid)
    if args.timeout_s and args.deadline is None:
        args.deadline = time.time() + args.timeout_s
    try:
        wl = load_watchlist(args.config)
        brand, source = find_source(wl, args.brand, args.source_key)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    archive = Archive.open(wl.archive_path)
    try:
        if not parent_alive:  # its launcher died before it got going: nothing to supervise it
            if args.run_id is not None:
                archive.finish_run(
                    "crawl_runs",
                    args.run_id,
                    status="interrupted",
                    message="the launcher had ended before the start",
                )
            return EXIT_FAILED
        result = run_source(
            wl,
            brand,
            source,
            archive,
            run_id=args.run_id,
            settings={"LOG_LEVEL": args.log_level},
            deadline=args.deadline,
            timeout_s=args.timeout_s,
        )
    finally:
        archive.close()
    print(
        f"{source.key}: {result['status']} new={result['items_new']} seen={result['items_seen']} "
        f"irrelevant={result['items_irrelevant']} parse_errors={result['parse_errors']} "
        f"http_errors={result['http_errors']}",
        file=sys.stderr,
    )
    return EXIT_OK if result["status"] in ("ok", "skipped") else EXIT_FAILED


if __name__ == "__main__":
    code = main()
    # Everything is stored and recorded: skip the interpreter's teardown (Twisted's thread
    # pool, the asyncio loop), which can take longer than the margin left before the deadline.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
