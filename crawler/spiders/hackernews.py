"""Hacker News stories and comments through the Algolia ``search_by_date`` API.

No key needed; Algolia allows about 10,000 requests an hour per IP and returns at most
1,000 hits per query (``page`` x ``hitsPerPage``). Incremental runs ask only for items newer
than the cursor with ``numericFilters=created_at_i>…``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, html_to_text, load_json
from crawler.spiders.base import SourceSpider
from monitor.core.times import parse_time

PAGE_SIZE = 100


def parse_hackernews(data: bytes | str) -> ParsedPage:
    reply = load_json(data)
    page = ParsedPage()
    for n, h in enumerate(reply["hits"]):
        try:
            object_id = h["objectID"]
            is_comment = bool(h.get("comment_text"))
            body = h.get("comment_text") if is_comment else (h.get("story_text") or h.get("title"))
            page.items.append(
                {
                    "external_id": object_id,
                    "url": f"https://news.ycombinator.com/item?id={object_id}",
                    "author": h.get("author"),
                    "title": h.get("story_title") if is_comment else h.get("title"),
                    "text": html_to_text(body),
                    "published_at": h.get("created_at_i") or h["created_at"],
                    "reach": h.get("points"),
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"hit {n}: {type(exc).__name__}: {exc}")
    current, pages = reply.get("page", 0), reply.get("nbPages", 0)
    page.next = current + 1 if current + 1 < pages else None
    return page


class HackerNewsSpider(SourceSpider):
    name = "hackernews"
    source_type = "hackernews"
    default_base = "https://hn.algolia.com"

    def page_url(self, n: int, until: str | None = None) -> str:
        params = {
            "query": self.ctx.search_terms(boolean=False),
            "tags": self.source.tags,
            "hitsPerPage": PAGE_SIZE,
            "page": n,
        }
        if until:  # the catch-up and the gaps ask only for what is newer than their lower end
            params["numericFilters"] = f"created_at_i>{int(parse_time(until).timestamp())}"
        return f"{self.base}/api/v1/search_by_date?{urlencode(params)}"

    def first_requests(self):
        # With numericFilters, "nothing new since the last run" is an empty answer, not a
        # layout change; without it the API always returns the newest (old) hits.
        self.ctx.empty_is_normal = not self.ctx.first_run
        yield from super().first_requests()

    def page_request(self, token, walk):
        return self.request(self.page_url(token or 0, walk.until), self.parse)

    def parse(self, response):
        items, more, page = self.consume(response, parse_hackernews)
        yield from items
        yield from self.follow(response, page, more)
