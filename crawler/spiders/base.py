"""What every brandpulse spider shares: the context, polite requests, paging, error accounting.

A paging spider supplies ``page_request(token, walk)`` (the request for one page; token None
is the first page) and a callback that hands a parser's ``ParsedPage`` to ``self.consume`` and
yields ``self.follow(...)``: the context decides whether the walk goes on (see
``crawler.resume``), and when it ends the next walk of the stream (a gap a cut-short run left)
starts. Parsers are pure functions (bytes in, fields out) so that they can be tested on saved
responses without an engine.

Spiders are built by ``crawler.run`` with a ready ``CrawlContext``, or by Scrapy's own tools
(``scrapy crawl appstore -a watchlist=… -a brand=…``), which ``crawler.standalone`` serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.context import CrawlContext, ParsedPage
from crawler.items import MentionItem
from crawler.resume import MAIN, Walk

ROBOTS_REFUSAL = "Forbidden by robots.txt"


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

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        if "ctx" not in kwargs:  # scrapy crawl/parse/shell: -a watchlist=… -a brand=… [-a source=…]
            from crawler.standalone import open_context

            kwargs["ctx"] = open_context(crawler, cls, kwargs)
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

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
        """Paging spiders start the walks of their streams; others override this."""
        for stream in self.streams():
            yield from self.start_walk(stream)

    def streams(self) -> Iterable[str]:
        return (MAIN,)

    def page_request(self, token: Any, walk: Walk, **kwargs: Any) -> scrapy.Request:
        raise NotImplementedError

    def next_token(self, page: ParsedPage, token: Any, walk: Walk) -> Any:
        """The token of the page after ``token`` (None: the source ends here)."""
        return page.next

    def start_walk(self, stream: str = MAIN) -> Iterator[scrapy.Request]:
        walk = self.ctx.next_walk(stream)
        if walk is not None:
            # A gap may start at a page this run already fetched in its catch-up.
            yield self.walk_request(walk, walk.token).replace(dont_filter=True)

    def walk_request(self, walk: Walk, token: Any, **kwargs: Any) -> scrapy.Request:
        request = self.page_request(token, walk, **kwargs)
        request.meta.update(bp_walk=walk, bp_token=token)
        return request

    @staticmethod
    def walk_of(response: Response) -> tuple[Walk | None, Any]:
        """The walk a response belongs to and its page token ((None, None) outside walks)."""
        request = getattr(response, "request", None)
        meta = request.meta if request is not None else {}
        return meta.get("bp_walk"), meta.get("bp_token")

    def follow(self, response: Response, page: ParsedPage | None, more: bool) -> Iterator[scrapy.Request]:
        """The walk's next page, or the stream's next walk once this one ended normally."""
        walk, _ = self.walk_of(response)
        if walk is None or page is None:
            return
        if more:
            yield self.walk_request(walk, page.next)
        elif walk.ended in ("end", "connected", "limit"):
            yield from self.start_walk(walk.stream)

    def request(self, url: str, callback: Callable, **kwargs: Any) -> scrapy.Request:
        meta = dict(kwargs.pop("meta", {}) or {})
        if self.api_endpoint:
            meta["dont_obey_robotstxt"] = True
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)

    def on_error(self, failure: Any) -> None:
        """A request that brought no page: counted with its reason. Its walk stops there and the
        resume point keeps it, so the next run asks again."""
        url = failure.request.url if getattr(failure, "request", None) else "?"
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            reason = failure.getErrorMessage()
            if reason == ROBOTS_REFUSAL:  # the site's wish, not an error
                self.logger.warning("not fetched (%s): %s", reason, url)
                self.ctx.counters.notes.append(f"{url}: not fetched ({reason})")
                return
            # max redirections (a redirect loop), an offsite redirect, ...
            self.ctx.http_error(url, f"not fetched: {reason}")
            return
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.ctx.http_error(url, reason)

    def request_dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        """Scrapy's scheduler refused a request it had seen: a redirect loop, or paging that
        points back at a page already fetched. Silent in Scrapy; an error here."""
        self.ctx.http_error(
            request.url,
            "request dropped as a duplicate of one already made (a redirect loop, or paging that loops)",
        )

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
        walk, token = self.walk_of(response)
        try:
            body = response.text if as_text else response.body
            page = parser(body, *args, **kwargs)
            if walk is not None:
                page.next = self.next_token(page, token, walk)
        except Exception as exc:  # noqa: BLE001 - any parser failure is a page-level parse error
            self.ctx.unreadable(response.url, f"{type(exc).__name__}: {exc}")
            return [], False, None
        rows, more = self.ctx.accept(page, response.url, walk, token)
        return [MentionItem(r) for r in rows], more, page
