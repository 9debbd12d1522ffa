"""Run one spider for one configured source, in this process, and record the run.

    python -m crawler.run --config watchlist.yaml --brand Acme --source-key appstore:app_id=1,country=de

Why a process per source: Scrapy's Twisted reactor can run once per process, and a hung site
must be killable without losing the other sources (``crawler.launch`` does the killing).
The ``crawl_runs`` row is created here unless ``--run-id`` names one the parent created.
Exit status: 0 ok, 1 the run failed, 2 bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys
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
    """ok unless nothing could be fetched at all (every request failed)."""
    c = ctx.counters
    if c.responses == 0 and c.http_errors > 0:
        return "failed"
    return "ok"


def run_source(
    wl: Any,
    brand: Any,
    source: Any,
    archive: Archive,
    *,
    run_id: int | None = None,
    settings: dict | None = None,
) -> dict:
    """Crawl one source with the real Scrapy engine; returns the finished crawl_runs values."""
    from scrapy.crawler import CrawlerProcess

    from crawler.context import CrawlContext
    from crawler.settings import for_watchlist
    from crawler.spiders import SPIDERS
    from monitor.core.pseudonyms import MissingKey

    if run_id is None:
        run_id = archive.start_run("crawl_runs", spider=source.type, source_key=source.key, brand=brand.name)
    try:
        ctx = CrawlContext(wl, brand, source, archive)
    except (MissingKey, ValueError) as exc:  # no pseudonym key; a malformed brand query
        result = {"status": "failed", "message": f"{type(exc).__name__}: {exc}", "duration_s": 0.0}
        archive.finish_run("crawl_runs", run_id, **result)
        return {
            "id": run_id,
            "items_new": 0,
            "items_seen": 0,
            "items_irrelevant": 0,
            "parse_errors": 0,
            "http_errors": 0,
            **result,
        }
    values = {**for_watchlist(wl.crawler), **(settings or {})}
    try:
        process = CrawlerProcess(values)
        process.crawl(SPIDERS[source.type], ctx=ctx)
        process.start()
        result = {**ctx.summary(), "status": crawl_status(ctx)}
    except Exception as exc:  # noqa: BLE001 - the run record must say what went wrong
        logging.getLogger(__name__).exception("crawl of %s failed", source.key)
        result = {
            **ctx.summary(),
            "status": "failed",
            "message": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        }
    archive.finish_run("crawl_runs", run_id, **result)
    return {"id": run_id, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the watchlist YAML")
    parser.add_argument("--brand", required=True)
    parser.add_argument("--source-key", required=True, help="the source's key (see `brandpulse status`)")
    parser.add_argument("--run-id", type=int, help="crawl_runs row created by the caller")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
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
        result = run_source(
            wl, brand, source, archive, run_id=args.run_id, settings={"LOG_LEVEL": args.log_level}
        )
    finally:
        archive.close()
    print(
        f"{source.key}: {result['status']} new={result['items_new']} seen={result['items_seen']} "
        f"irrelevant={result['items_irrelevant']} parse_errors={result['parse_errors']} "
        f"http_errors={result['http_errors']}",
        file=sys.stderr,
    )
    return EXIT_OK if result["status"] == "ok" else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
