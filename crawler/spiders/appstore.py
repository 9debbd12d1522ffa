"""Apple App Store customer reviews from the public RSS JSON feed.

The feed serves 50 reviews a page, newest first with ``sortby=mostrecent``, and stops after
page 10 (500 reviews): older reviews are out of reach, so run it at least daily for busy apps.
"""

from __future__ import annotations

from typing import Any

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, load_json
from crawler.spiders.base import SourceSpider

MAX_PAGES = 10


def _label(node: Any) -> Any:
    return node.get("label") if isinstance(node, dict) else node


def parse_appstore(data: bytes | str, *, country: str, app_id: str) -> ParsedPage:
    feed = load_json(data)["feed"]
    entries = feed.get("entry") or []
    if isinstance(entries, dict):  # a feed with one entry is not a list
        entries = [entries]
    page = ParsedPage()
    for n, e in enumerate(entries):
        if "im:name" in e and "im:rating" not in e:
            continue  # the app's own metadata entry that older feeds put first
        try:
            review_id = _label(e["id"])
            page.items.append({
                "external_id": review_id,
                "url": f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews#review-{review_id}",
                "author": _label(e.get("author", {}).get("name")),
                "title": _label(e.get("title")),
                "text": _label(e["content"]),
                "rating": float(_label(e["im:rating"])),
                "published_at": _label(e["updated"]),
                "reach": int(_label(e.get("im:voteSum")) or 0),
            })
        except ITEM_ERRORS as exc:
            page.errors.append(f"entry {n}: {type(exc).__name__}: {exc}")
    page.next = True if entries else None
    return page


class AppStoreSpider(SourceSpider):
    name = "appstore"
    source_type = "appstore"
    default_base = "https://itunes.apple.com"

    def page_url(self, n: int) -> str:
        s = self.source
        return f"{self.base}/{s.country}/rss/customerreviews/page={n}/id={s.app_id}/sortby=mostrecent/json"

    def first_requests(self):
        yield self.request(self.page_url(1), self.parse, cb_kwargs={"n": 1})

    def parse(self, response, n: int):
        items, more, _ = self.consume(response, parse_appstore, country=self.source.country,
                                      app_id=self.source.app_id)
        yield from items
        if more and n < MAX_PAGES:
            yield self.request(self.page_url(n + 1), self.parse, cb_kwargs={"n": n + 1})
