"""Mastodon: an instance's public hashtag timeline and ``/api/v2/search`` for statuses.

The hashtag timeline needs no login; paged with ``max_id`` (40 a page). Full-text status
search needs an access token on most instances: set ``BRANDPULSE_MASTODON_TOKEN`` (any
account's token with the ``read:search`` scope); without it the search part is skipped and
said so in the run record. Default limit: 300 requests per 5 minutes per IP/token.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, html_to_text, load_json
from crawler.spiders.base import SourceSpider

TOKEN_ENV = "BRANDPULSE_MASTODON_TOKEN"
PAGE_SIZE = 40


def status_fields(s: dict) -> dict:
    s = s.get("reblog") or s  # a boost counts as the original post
    text = html_to_text(s["content"])
    if s.get("spoiler_text"):
        text = f"{s['spoiler_text']}\n{text}"
    return {
        "external_id": s["uri"],
        "url": s.get("url") or s["uri"],
        "author": s["account"]["acct"],
        "text": text,
        "lang": s.get("language"),
        "published_at": s["created_at"],
        "reach": (s.get("favourites_count") or 0) + (s.get("reblogs_count") or 0),
    }


def parse_statuses(data: bytes | str) -> ParsedPage:
    """A timeline answer (a JSON list of statuses) or a v2 search answer ({"statuses": [...]})."""
    reply = load_json(data)
    statuses = reply["statuses"] if isinstance(reply, dict) else reply
    page = ParsedPage()
    for n, s in enumerate(statuses):
        try:
            page.items.append(status_fields(s))
        except ITEM_ERRORS as exc:
            page.errors.append(f"status {n}: {type(exc).__name__}: {exc}")
    page.next = statuses[-1].get("id") if statuses and isinstance(statuses[-1], dict) else None
    return page


class MastodonSpider(SourceSpider):
    name = "mastodon"
    source_type = "mastodon"
    default_base = ""

    @property
    def base(self) -> str:
        return (self.source.base_url or f"https://{self.source.instance}").rstrip("/")

    @property
    def token(self) -> str | None:
        return os.environ.get(TOKEN_ENV) or None

    def tag_url(self, max_id: str | None) -> str:
        params = {"limit": PAGE_SIZE}
        if max_id:
            params["max_id"] = max_id
        tag = self.source.hashtag.lstrip("#")
        return f"{self.base}/api/v1/timelines/tag/{quote(tag)}?{urlencode(params)}"

    def search_url(self, offset: int) -> str:
        params = {"q": self.source.query, "type": "statuses", "limit": PAGE_SIZE, "offset": offset}
        return f"{self.base}/api/v2/search?{urlencode(params)}"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def streams(self):
        """The hashtag timeline and the status search page through different lists, so each
        keeps its own resume point."""
        if self.source.hashtag:
            yield "tag"
        if self.source.query:
            if self.token:
                yield "search"
            else:
                self.ctx.counters.notes.append(
                    f"status search skipped: set {TOKEN_ENV} (most instances only search for logged-in users)"
                )

    def page_request(self, token, walk):
        if walk.stream == "tag":
            return self.request(self.tag_url(token), self.parse)
        return self.request(self.search_url(token or 0), self.parse, headers=self.headers())

    def next_token(self, page, token, walk):
        if walk.stream == "tag" or page.next is None:
            return page.next  # max_id: the oldest status on the page
        return (token or 0) + PAGE_SIZE  # search pages by offset

    def parse(self, response):
        items, more, page = self.consume(response, parse_statuses)
        yield from items
        yield from self.follow(response, page, more)
