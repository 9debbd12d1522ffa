"""Trustpilot business reviews from the page's ``__NEXT_DATA__`` JSON (Next.js).

The review page embeds everything it renders in ``<script id="__NEXT_DATA__">``:
``props.pageProps.reviews`` (20 a page) and ``props.pageProps.filters.pagination``.
Pages are sorted by recency with ``sort=recency``; robots.txt applies (HTML pages).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from parsel import Selector

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS
from crawler.spiders.base import SourceSpider


def parse_trustpilot(data: bytes | str, *, domain: str) -> ParsedPage:
    html = data.decode("utf-8") if isinstance(data, bytes) else data
    script = Selector(text=html).css("script#__NEXT_DATA__::text").get()
    if not script:
        raise ValueError("no __NEXT_DATA__ script on the page")
    props = json.loads(script)["props"]["pageProps"]
    page = ParsedPage()
    for n, r in enumerate(props["reviews"]):
        try:
            consumer = r.get("consumer") or {}
            reply = r.get("reply") or {}  # the company's answer: {message, publishedDate, …}
            page.items.append(
                {
                    "external_id": r["id"],
                    "url": f"https://www.trustpilot.com/reviews/{r['id']}",
                    "author": consumer.get("displayName"),
                    "title": r.get("title"),
                    "text": r["text"],
                    "lang": r.get("language"),
                    "rating": float(r["rating"]),
                    "published_at": r["dates"]["publishedDate"],
                    "reach": r.get("likes"),
                    "replied_at": reply.get("publishedDate") if reply.get("message") else None,
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"review {n}: {type(exc).__name__}: {exc}")
    pagination = (props.get("filters") or {}).get("pagination") or {}
    current, total = pagination.get("currentPage") or 1, pagination.get("totalPages") or 1
    page.next = current + 1 if current < total else None
    return page


class TrustpilotSpider(SourceSpider):
    name = "trustpilot"
    source_type = "trustpilot"
    default_base = "https://www.trustpilot.com"
    api_endpoint = False

    def page_url(self, n: int) -> str:
        params = {"sort": "recency"}
        if self.source.language:
            params["languages"] = self.source.language
        if n > 1:
            params["page"] = str(n)
        return f"{self.base}/review/{self.source.domain}?{urlencode(params)}"

    def page_request(self, token, walk):
        return self.request(self.page_url(token or 1), self.parse)

    def parse(self, response):
        items, more, page = self.consume(response, parse_trustpilot, domain=self.source.domain, as_text=True)
        yield from items
        yield from self.follow(response, page, more)
