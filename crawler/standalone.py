"""Spiders built by Scrapy's own tools, writing to the watchlist's archive.

    scrapy list
    scrapy crawl appstore -a watchlist=watchlist.yaml -a brand=Acme [-a source=<key>]
    scrapy parse --spider=trustpilot -a watchlist=… -a brand=Acme <url>

``scrapy.cfg`` at the top of the repository points Scrapy at ``crawler.settings``. The spider
arguments name the watchlist (default ``$BRANDPULSE_CONFIG``, else ``./watchlist.yaml``), the
brand (optional with one brand) and, when the brand has several sources of the spider's
type, the source key. The run is recorded in ``crawl_runs`` and takes the source's lock like
``brandpulse crawl``, so the two never crawl one source at once.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy import signals
from scrapy.exceptions import UsageError

from crawler.context import CrawlContext
from crawler.locks import SourceLock
from crawler.run import busy_message, crawl_status, open_run
from crawler.settings import for_watchlist
from monitor.core.archive import Archive
from monitor.core.config import ConfigError, load_watchlist


def pick_source(wl: Any, spidercls: Any, brand_name: str | None, key: str | None) -> tuple[Any, Any]:
    """The (brand, source) the spider arguments name; UsageError listing the choices."""
    if brand_name is None and len(wl.brands) != 1:
        names = ", ".join(b.name for b in wl.brands)
        raise UsageError(f"-a brand=NAME is needed: the watchlist has several brands ({names})")
    try:
        brand = wl.brand(brand_name) if brand_name else wl.brands[0]
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    of_type = [s for s in brand.sources if s.type == spidercls.source_type]
    chosen = [s for s in of_type if key is None or s.key == key]
    if len(chosen) != 1:
        keys = ", ".join(s.key for s in of_type) or "(none)"
        what = "no such" if not chosen else "several"
        raise UsageError(
            f"{what} {spidercls.source_type} source for brand {brand.name!r}; "
            f"pick one with -a source=KEY: {keys}"
        )
    return brand, chosen[0]


def open_context(crawler: Any, spidercls: Any, kwargs: dict) -> CrawlContext:
    """Load the watchlist, take the source's lock, open the run; the spider's close finishes it."""
    path = kwargs.pop("watchlist", None) or os.environ.get("BRANDPULSE_CONFIG") or "watchlist.yaml"
    try:
        wl = load_watchlist(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    brand, source = pick_source(wl, spidercls, kwargs.pop("brand", None), kwargs.pop("source", None))
    reason = spidercls.unavailable_reason(source)
    if reason:
        raise UsageError(reason)
    archive = Archive.open(wl.archive_path)
    lock = SourceLock(archive.path, brand.name, source.key)
    if not lock.acquire():
        archive.close()
        raise UsageError(busy_message(lock))
    run_id = open_run(archive, brand, source, pid=os.getpid())
    ctx = CrawlContext(wl, brand, source, archive, run_id=run_id)
    crawler.settings.setdict(for_watchlist(wl.crawler), priority="spider")

    def closed(spider: Any, reason: str) -> None:
        ctx.flush_all()
        status = "interrupted" if reason == "shutdown" else crawl_status(ctx)
        result = {**ctx.summary(), "status": status}
        if reason not in ("finished", "shutdown"):
            result["message"] = "\n".join(filter(None, [f"closed by Scrapy: {reason}", result["message"]]))
        archive.finish_run("crawl_runs", run_id, **result)
        archive.close()
        lock.release()

    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
    return ctx
