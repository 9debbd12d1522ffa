"""Scrapy settings shared by every spider.

Politeness is not optional: AutoThrottle, a per-domain concurrency cap, a descriptive
User-Agent with the operator's contact URL, robots.txt (API endpoints opt out per request,
see docs/sources.md) and retries that honour ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

BOT_NAME = "brandpulse"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30  # crawler.request_timeout_seconds
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port per crawl
LOG_INSTALL_ROOT_HANDLER = True
LOG_LEVEL = "INFO"

RETRY_ENABLED = True
RETRY_TIMES = 3
#: A redirect chain longer than this is a loop: the request fails with a counted error.
REDIRECT_MAX_TIMES = 10
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
#: Exponential back-off without Retry-After: base * 2**attempt seconds.
RETRY_BACKOFF_BASE = 2.0
#: Longest wait we accept from a server's Retry-After before giving up on the request.
RETRY_AFTER_MAX = 300.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    "crawler.middlewares.SiteRedirectMiddleware": 90,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}


def user_agent(contact_url: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("brandpulse")
    except PackageNotFoundError:  # running from a source tree
        v = "dev"
    return f"brandpulse/{v} (+{contact_url}; sentiment monitor, polite crawler)"


def download_timeout(request_timeout_s: float, run_timeout_s: float | None) -> float:
    """Per-attempt timeout: the configured one, but never over a quarter of the run's timeout,
    so that one slow URL leaves the run time for its other pages (a stop stores what was
    parsed anyway, see crawler.stopping)."""
    if run_timeout_s is None:
        return request_timeout_s
    return max(1.0, min(request_timeout_s, run_timeout_s / 4))


def for_watchlist(crawler_cfg: Any, *, timeout_s: float | None = None) -> dict[str, Any]:
    """Settings for one run, from the watchlist's ``crawler`` section (and the run's timeout)."""
    values = {k: v for k, v in globals().items() if k.isupper()}
    values.update(
        USER_AGENT=user_agent(crawler_cfg.contact_url),
        ROBOTSTXT_OBEY=crawler_cfg.obey_robots,
        CONCURRENT_REQUESTS_PER_DOMAIN=crawler_cfg.concurrency_per_domain,
        DOWNLOAD_DELAY=crawler_cfg.download_delay,
        AUTOTHROTTLE_START_DELAY=max(crawler_cfg.download_delay, 0.1),
        DOWNLOAD_TIMEOUT=download_timeout(crawler_cfg.request_timeout_seconds, timeout_s),
        RETRY_TIMES=crawler_cfg.retries,
    )
    return values
