"""Reddit search (``search.json``), newest first, paged with ``after``.

Without credentials the public ``www.reddit.com/search.json`` is used (strict rate limits,
10 requests a minute). With ``BRANDPULSE_REDDIT_CLIENT_ID`` / ``BRANDPULSE_REDDIT_CLIENT_SECRET``
set, an application-only OAuth token is fetched and ``oauth.reddit.com`` is queried
(100 requests a minute). Reddit caps every listing at about 1,000 results.
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import urlencode

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, load_json
from crawler.spiders.base import SourceSpider

CLIENT_ID_ENV = "BRANDPULSE_REDDIT_CLIENT_ID"
CLIENT_SECRET_ENV = "BRANDPULSE_REDDIT_CLIENT_SECRET"
PAGE_SIZE = 100


def parse_reddit(data: bytes | str) -> ParsedPage:
    listing = load_json(data)
    if listing.get("kind") != "Listing":
        raise ValueError(f"expected a Listing, got {listing.get('kind')!r}")
    page = ParsedPage()
    for n, child in enumerate(listing["data"]["children"]):
        try:
            d = child["data"]
            if child["kind"] == "t3":
                title, text = d["title"], d.get("selftext") or d["title"]
            elif child["kind"] == "t1":
                title, text = d.get("link_title"), d["body"]
            else:
                continue
            page.items.append(
                {
                    "external_id": d["name"],
                    "url": "https://www.reddit.com" + d["permalink"].split("?")[0],
                    "author": d.get("author"),
                    "title": title,
                    "text": text,
                    "published_at": d["created_utc"],
                    "reach": d.get("score"),
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"child {n}: {type(exc).__name__}: {exc}")
    page.next = listing["data"].get("after")
    return page


class RedditSpider(SourceSpider):
    name = "reddit"
    source_type = "reddit"
    default_base = "https://www.reddit.com"

    token: str | None = None

    @property
    def credentials(self) -> tuple[str, str] | None:
        cid, secret = os.environ.get(CLIENT_ID_ENV), os.environ.get(CLIENT_SECRET_ENV)
        return (cid, secret) if cid and secret else None

    @property
    def api_base(self) -> str:
        if self.source.base_url:
            return self.base
        return "https://oauth.reddit.com" if self.token else self.default_base

    def search_url(self, after: str | None) -> str:
        params = {
            "q": self.ctx.search_terms(),
            "sort": "new",
            "limit": PAGE_SIZE,
            "raw_json": 1,
            "type": "link",
        }
        if after:
            params["after"] = after
        if self.source.subreddit:
            params["restrict_sr"] = "on"
            path = f"/r/{self.source.subreddit}/search"
        else:
            path = "/search"
        return f"{self.api_base}{path}{'' if self.token else '.json'}?{urlencode(params)}"

    def search(self, after: str | None):
        headers = {"Authorization": f"bearer {self.token}"} if self.token else {}
        return self.request(self.search_url(after), self.parse, headers=headers)

    def first_requests(self):
        creds = self.credentials
        if not creds:
            yield from self.start_walk()
            return
        auth = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        yield self.request(
            f"{self.base}/api/v1/access_token",
            self.got_token,
            method="POST",
            body="grant_type=client_credentials",
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/x-www-form-urlencoded"},
        )

    def got_token(self, response):
        try:
            self.token = json.loads(response.body)["access_token"]
        except (ValueError, KeyError) as exc:
            self.ctx.http_error(
                response.url,
                f"no OAuth token in the answer ({exc}); check {CLIENT_ID_ENV}/{CLIENT_SECRET_ENV}",
            )
            return
        yield from self.start_walk()

    def page_request(self, token, walk):
        return self.search(token)

    def parse(self, response):
        items, more, page = self.consume(response, parse_reddit)
        yield from items
        yield from self.follow(response, page, more)
