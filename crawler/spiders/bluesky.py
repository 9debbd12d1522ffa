"""Bluesky posts through ``app.bsky.feed.searchPosts`` (sort=latest, cursor paging).

Search needs a logged-in session: set ``BRANDPULSE_BLUESKY_HANDLE`` and
``BRANDPULSE_BLUESKY_APP_PASSWORD`` (an *app password* from Settings → App passwords, never
the account password). Without them the source is recorded as skipped. 100 posts a page;
the service limits an account to about 3,000 requests per 5 minutes.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, load_json
from crawler.spiders.base import SourceSpider

HANDLE_ENV = "BRANDPULSE_BLUESKY_HANDLE"
PASSWORD_ENV = "BRANDPULSE_BLUESKY_APP_PASSWORD"
PAGE_SIZE = 100


def credentials() -> tuple[str, str] | None:
    handle, password = os.environ.get(HANDLE_ENV), os.environ.get(PASSWORD_ENV)
    return (handle, password) if handle and password else None


def missing_credentials_message() -> str:
    return (
        f"Bluesky search needs a login: set {HANDLE_ENV} and {PASSWORD_ENV} "
        "(an app password from Bluesky Settings → App passwords)"
    )


def post_url(uri: str, handle: str) -> str:
    """``at://did/app.bsky.feed.post/<rkey>`` -> the bsky.app web address."""
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


def parse_bluesky(data: bytes | str) -> ParsedPage:
    reply = load_json(data)
    page = ParsedPage()
    for n, p in enumerate(reply["posts"]):
        try:
            record, author = p["record"], p["author"]
            langs = record.get("langs") or []
            page.items.append(
                {
                    "external_id": p["uri"],
                    "url": post_url(p["uri"], author["handle"]),
                    "author": author["handle"],
                    "text": record["text"],
                    "lang": langs[0] if langs else None,
                    "published_at": record.get("createdAt") or p["indexedAt"],
                    "reach": (p.get("likeCount") or 0) + (p.get("repostCount") or 0),
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"post {n}: {type(exc).__name__}: {exc}")
    page.next = reply.get("cursor") if reply["posts"] else None
    return page


class BlueskySpider(SourceSpider):
    name = "bluesky"
    source_type = "bluesky"
    default_base = "https://bsky.social"

    jwt: str | None = None

    @classmethod
    def unavailable_reason(cls, source: Any) -> str | None:
        return missing_credentials_message() if credentials() is None else None

    def search(self, cursor: str | None):
        params = {"q": self.ctx.search_terms(boolean=False), "sort": "latest", "limit": PAGE_SIZE}
        if self.source.lang:
            params["lang"] = self.source.lang
        if cursor:
            params["cursor"] = cursor
        return self.request(
            f"{self.base}/xrpc/app.bsky.feed.searchPosts?{urlencode(params)}",
            self.parse,
            headers={"Authorization": f"Bearer {self.jwt}"},
        )

    def first_requests(self):
        creds = credentials()
        if not creds:  # crawler.launch records the run as skipped before getting here
            self.ctx.counters.notes.append(missing_credentials_message())
            return
        body = json.dumps({"identifier": creds[0], "password": creds[1]})
        yield self.request(
            f"{self.base}/xrpc/com.atproto.server.createSession",
            self.logged_in,
            method="POST",
            body=body,
            headers={"Content-Type": "application/json"},
        )

    def logged_in(self, response):
        try:
            self.jwt = json.loads(response.body)["accessJwt"]
        except (ValueError, KeyError) as exc:
            self.ctx.http_error(response.url, f"Bluesky login answer without a token ({exc})")
            return
        yield from self.start_walk()

    def page_request(self, token, walk):
        return self.search(token)

    def parse(self, response):
        items, more, page = self.consume(response, parse_bluesky)
        yield from items
        yield from self.follow(response, page, more)
