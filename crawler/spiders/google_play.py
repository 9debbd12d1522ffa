"""Google Play reviews through the Play Store web app's ``batchexecute`` RPC (id UsvDTd).

Unofficial: it is what play.google.com itself calls. Sorted newest first, 100 per request,
paged with the token the previous answer returns.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS
from crawler.spiders.base import SourceSpider

RPC_ID = "UsvDTd"
SORT_NEWEST = 2
PAGE_SIZE = 100


def request_body(app_id: str, token: str | None = None, count: int = PAGE_SIZE) -> str:
    """The form body play.google.com posts for one page of reviews."""
    paging = [count, None, token] if token else [count, None, None]
    inner = json.dumps([None, None, [2, SORT_NEWEST, paging, None, []], [app_id, 7]], separators=(",", ":"))
    return urlencode({"f.req": json.dumps([[[RPC_ID, inner, None, "generic"]]], separators=(",", ":"))})


def _reply_time(r: list) -> int | None:
    """Epoch seconds of the developer's reply: ``[name, text, [seconds, nanos]]`` at index 7."""
    reply = r[7] if len(r) > 7 else None
    if isinstance(reply, list) and len(reply) > 2 and reply[1] and isinstance(reply[2], list):
        return reply[2][0]
    return None


def parse_google_play(data: bytes | str, *, app_id: str, lang: str | None = None) -> ParsedPage:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    text = text.lstrip()
    if text.startswith(")]}'"):
        text = text[4:].lstrip()
    outer, _ = json.JSONDecoder().raw_decode(text)
    envelope = next((x for x in outer if isinstance(x, list) and len(x) > 2 and x[1] == RPC_ID), None)
    if envelope is None:
        raise ValueError(f"no {RPC_ID} answer in the batchexecute response")
    if envelope[2] is None:  # the app has no (more) reviews
        return ParsedPage()
    inner = json.loads(envelope[2])
    page = ParsedPage()
    for n, r in enumerate(inner[0] or []):
        try:
            review_id = r[0]
            page.items.append(
                {
                    "external_id": review_id,
                    "url": f"https://play.google.com/store/apps/details?id={app_id}&reviewId={review_id}",
                    "author": r[1][0],
                    "text": r[4] or None,  # stars without text: a rating-only review
                    "lang": lang,
                    "rating": float(r[2]),
                    "published_at": r[5][0],
                    "reach": r[6],
                    "replied_at": _reply_time(r),
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"review {n}: {type(exc).__name__}: {exc}")
    try:
        page.next = inner[1][1] if inner[0] else None
    except (IndexError, TypeError):
        page.next = None
    return page


class GooglePlaySpider(SourceSpider):
    name = "google_play"
    source_type = "google_play"
    default_base = "https://play.google.com"

    def page_request(self, token: str | None, walk=None):
        s = self.source
        url = f"{self.base}/_/PlayStoreUi/data/batchexecute?" + urlencode(
            {"rpcids": RPC_ID, "hl": s.language, "gl": s.country}
        )
        return self.request(
            url,
            self.parse,
            method="POST",
            body=request_body(s.app_id, token),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            dont_filter=True,
        )

    def parse(self, response):
        items, more, page = self.consume(
            response, parse_google_play, app_id=self.source.app_id, lang=self.source.language[:2]
        )
        yield from items
        yield from self.follow(response, page, more)
