"""What every brandpulse spider shares: the context, polite requests, error accounting.

A spider subclass supplies ``first_requests()`` and callbacks that hand a parser's
``ParsedPage`` to ``self.emit``; parsers are pure functions (bytes in, fields out) so that
they can be tested on saved responses without an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.context import CrawlContext, ParsedPage
from crawler.items import MentionItem


class SourceSpider(scrapy.Spider):
    #: the watchlist source ``type`` this spider serves
    source_type: ClassVar[str]
    #: default API or site root; a source's ``base_url`` replaces it (tests, mirrors)
    default_base: ClassVar[str]
    #: documented API endpoints are exempt from robots.txt (see docs/sources.md)
    api_endpoint: ClassVar[bool] = True

    @classmethod
    def unavailable_reason(cls, source: Any) -> str | None:
        """Why this source cannot be crawled here (e.g. missing credentials), or None. The
        launcher records the run as 'skipped' with this sentence instead of starting Scrapy."""
        return None

    def __init__(self, ctx: CrawlContext, **kwargs: Any):
        super().__init__(name=self.name, **kwargs)
        self.ctx = ctx

    @property
    def source(self) -> Any:
        return self.ctx.source

    @property
    def base(self) -> str:
        return (self.source.base_url or self.default_base).rstrip("/")

    # ------------------------------------------------------------------ requests
    async def start(self):  # Scrapy >= 2.13
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    def request(self, url: str, callback: Callable, **kwargs: Any) -> scrapy.Request:
        meta = dict(kwargs.pop("meta", {}) or {})
        if self.api_endpoint:
            meta["dont_obey_robotstxt"] = True
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)

    def on_error(self, failure: Any) -> None:
        url = failure.request.url if getattr(failure, "request", None) else "?"
        if failure.check(IgnoreRequest) and not failure.check(HttpError):  # robots.txt said no
            self.logger.warning("not fetched (%s): %s", failure.getErrorMessage(), url)
            self.ctx.counters.notes.append(f"{url}: not fetched ({failure.getErrorMessage()})")
            return
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.ctx.http_error(url, reason)

    # ------------------------------------------------------------------ parsing
    def consume(
        self,
        response: Response,
        parser: Callable[..., ParsedPage],
        *args: Any,
        as_text: bool = False,
        **kwargs: Any,
    ) -> tuple[list[MentionItem], bool, ParsedPage | None]:
        """Run a parser on a response; an unreadable response is one counted parse error.

        ``as_text`` hands HTML parsers the body decoded with the page's declared charset
        (many German sites still serve ISO-8859-1)."""
        try:
            body = response.text if as_text else response.body
            page = parser(body, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any parser failure is a page-level parse error
            self.ctx.unreadable(response.url, f"{type(exc).__name__}: {exc}")
            return [], False, None
        rows, more = self.ctx.accept(page, response.url)
        return [MentionItem(r) for r in rows], more, page

    def closed(self, reason: str) -> None:
        self.ctx.save_cursor()
