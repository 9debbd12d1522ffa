"""Downloader middlewares: retries with back-off that honour ``Retry-After``; robots.txt;
redirects that leave the site asked for.

Why not Scrapy's RetryMiddleware: it retries a 429 or 503 at once, which is exactly what gets
a crawler blocked. Here the wait is the server's ``Retry-After`` (seconds or an HTTP date),
or exponential back-off when it gives none; the wait does not block other requests.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent/invalid."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Retry 429/5xx after ``Retry-After`` or exponential back-off (capped by RETRY_AFTER_MAX)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    def delay_for(self, request, response) -> float | None:
        """Seconds to wait before retrying; None means the server asks for too long a wait."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            return asked if asked <= self.retry_after_max else None
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_base * (2**attempt), self.retry_after_max)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self.delay_for(request, response)
        if delay is None:
            log.warning(
                "%s asks to wait longer than RETRY_AFTER_MAX; giving up on %s", response.status, request.url
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if delay > 0:
            log.info("HTTP %s on %s: retrying in %.1fs", response.status, request.url, delay)
            await asyncio.sleep(delay)
        return retry


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with one fix: every request waits for the same parser.

    In Scrapy 2.19 the requests that arrive while robots.txt is still downloading all await
    one shared Deferred; only the first gets the parser, the others get None and are let
    through unchecked. Here they share an asyncio task instead, which hands everyone the result.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._loading: dict[str, asyncio.Future] = {}

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        task = self._loading.get(netloc)
        if task is None:
            task = asyncio.ensure_future(super().robot_parser(request))
            self._loading[netloc] = task
        return await asyncio.shield(task)


class SiteRedirectMiddleware:
    """Refuse a redirect that leaves the site of the URL the spider asked for.

    Why: a source's URL that now answers with another site (a sold domain, a consent or login
    wall on another domain, a feed moved elsewhere) is not the source any more. Followed, its
    page would parse as "no reviews" and look like a layout change; refused here, the request's
    errback counts it as an error that names both sites and the fix. Scrapy's own
    OffsiteMiddleware needs ``allowed_domains`` and drops silently at scheduling. A site is the
    registrable domain (``www.shop.de`` and ``shop.de`` are one site), from the Public Suffix
    List snapshot tldextract ships (read offline). ``meta["allow_offsite"]`` lets a request go.
    """

    def __init__(self) -> None:
        from tldextract import TLDExtract

        self._split = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

    def site(self, host: str) -> str:
        return self._split(host).top_domain_under_public_suffix or host

    def process_request(self, request, spider=None):
        chain = request.meta.get("redirect_urls")
        if not chain or request.meta.get("allow_offsite"):
            return None
        asked = urlsplit(chain[0]).hostname or ""
        landed = urlparse_cached(request).hostname or ""
        if self.site(asked) != self.site(landed):
            raise IgnoreRequest(
                f"redirected to another site ({landed}, asked {asked}): if {request.url} is the "
                "source's new address, put it in the watchlist"
            )
        return None
