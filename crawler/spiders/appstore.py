"""Apple App Store customer reviews from the public RSS feed (JSON, and the XML (Atom) one).

The feed serves 50 reviews a page, newest first with ``sortby=mostrecent``, and stops after
page 10 (500 reviews) — per storefront: each country's store keeps its own review list, so a
source can read several (``countries``), each paged and resumed as a stream of its own. Review
ids are Apple-wide, so a review two storefronts show is one mention (``(source,
external_id)`` is unique); it keeps the storefront whose page brought it first.

The JSON flavour is read first; it has served storefronts whose entries have no date at all
(app-store-scraper issues #13, #120), while every ``<entry>`` of the XML flavour carries
``<updated>``. A JSON page without dates is fetched again as XML instead of being lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from parsel import Selector

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, load_json
from crawler.resume import MAIN, Walk
from crawler.spiders.base import SourceSpider
from crawler.storefronts import STOREFRONTS, unknown_storefront_note

MAX_PAGES = 10
ATOM = "http://www.w3.org/2005/Atom"
ITUNES = "http://itunes.apple.com/rss"
#: "&" not starting an entity: proxies and saved copies sometimes hand on unescaped ones, and
#: lxml's recovery would silently drop them together with the text around them
_BARE_AMP = re.compile(rb"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


class UndatedFeed(ValueError):
    """A JSON feed whose reviews carry no date: storing them would invent their time."""


def review_url(country: str, app_id: str, review_id: str) -> str:
    return f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews#review-{review_id}"


# ---------------------------------------------------------------------------------- JSON


def _label(node: Any) -> Any:
    return node.get("label") if isinstance(node, dict) else node


def _json_entries(data: bytes | str) -> list[dict]:
    entries = load_json(data)["feed"].get("entry") or []
    return [entries] if isinstance(entries, dict) else entries  # a feed with one entry is not a list


def _is_app_entry(e: dict) -> bool:
    return "im:name" in e and "im:rating" not in e  # the app's own entry that older feeds put first


def json_feed_undated(data: bytes | str) -> bool:
    """True when a JSON page holds reviews and none of them has ``updated``.

    False for anything unreadable, so that the parser gets to report it as a parse error."""
    try:
        reviews = [e for e in _json_entries(data) if not _is_app_entry(e)]
    except (*ITEM_ERRORS, UnicodeDecodeError):
        return False
    return bool(reviews) and not any("updated" in e for e in reviews)


def parse_appstore(data: bytes | str, *, country: str, app_id: str) -> ParsedPage:
    """One page of the JSON feed; raises ``UndatedFeed`` when no review on it has a date."""
    if json_feed_undated(data):
        raise UndatedFeed("JSON feed entries have no 'updated' date: read the XML feed (…/xml) instead")
    entries = _json_entries(data)
    page = ParsedPage()
    for n, e in enumerate(entries):
        if _is_app_entry(e):
            continue
        try:
            review_id = _label(e["id"])
            page.items.append(
                {
                    "external_id": review_id,
                    "url": review_url(country, app_id, review_id),
                    "author": _label(e.get("author", {}).get("name")),
                    "title": _label(e.get("title")),
                    "text": _label(e["content"]),
                    "rating": float(_label(e["im:rating"])),
                    "published_at": _label(e["updated"]),
                    "reach": int(_label(e.get("im:voteSum")) or 0),
                    "storefront": country,
                }
            )
        except ITEM_ERRORS as exc:
            page.errors.append(f"entry {n}: {type(exc).__name__}: {exc}")
    page.next = True if entries else None
    return page


# ----------------------------------------------------------------------------------- XML


def _atom_feed(data: bytes | str) -> Selector:
    """The ``<feed>`` root of an Atom document (ValueError for anything else, e.g. an HTML page)."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    sel = Selector(body=_BARE_AMP.sub(b"&amp;", body), type="xml")
    sel.register_namespace("a", ATOM)
    sel.register_namespace("im", ITUNES)
    if not sel.xpath("/a:feed"):
        raise ValueError("not an Atom feed")
    return sel


def _text(entry: Selector, path: str) -> str | None:
    value = entry.xpath(path).get()
    return value.strip() if value is not None else None


def _required(entry: Selector, path: str, name: str) -> str:
    value = _text(entry, path)
    if not value:
        raise KeyError(name)
    return value


def xml_review(entry: Selector, *, country: str, app_id: str) -> dict:
    """One ``<entry>`` -> item fields (KeyError naming the element a review cannot lack)."""
    review_id = _required(entry, "a:id/text()", "id")
    return {
        "external_id": review_id,
        "url": review_url(country, app_id, review_id),
        "author": _text(entry, "a:author/a:name/text()"),
        "title": _text(entry, "a:title/text()"),
        "text": _required(entry, "string(a:content[@type='text'])", "content"),
        "rating": float(_required(entry, "im:rating/text()", "im:rating")),
        "published_at": _required(entry, "a:updated/text()", "updated"),
        "reach": int(_text(entry, "im:voteSum/text()") or 0),
        "storefront": country,
    }


def parse_appstore_xml(data: bytes | str, *, country: str, app_id: str) -> ParsedPage:
    """One page of the Atom XML feed (``…/customerreviews/page=N/id=…/sortby=mostrecent/xml``)."""
    entries = _atom_feed(data).xpath("/a:feed/a:entry")
    page = ParsedPage()
    for n, entry in enumerate(entries):
        if entry.xpath("im:name") and not entry.xpath("im:rating"):
            continue  # the app's own metadata entry
        try:
            page.items.append(xml_review(entry, country=country, app_id=app_id))
        except ITEM_ERRORS as exc:
            page.errors.append(f"entry {n}: {type(exc).__name__}: {exc}")
    page.next = True if entries else None
    return page


# -------------------------------------------------------------------------------- spider


class AppStoreSpider(SourceSpider):
    """One app's reviews in one storefront (``country``) or several (``countries``).

    Each storefront is its own list on Apple's side, so each is a stream of its own: it pages,
    resumes and is capped on its own (``crawler.resume``). With ``country`` the one storefront
    is the main stream, as before storefront lists, so existing resume points go on."""

    name = "appstore"
    source_type = "appstore"
    default_base = "https://itunes.apple.com"
    #: The JSON feed first (what the demo snapshots and most mirrors serve); a page whose
    #: entries carry no dates is fetched again as XML, which always dates its entries.
    feed_format: ClassVar[str] = "json"

    def __init__(self, ctx, **kwargs):
        super().__init__(ctx, **kwargs)
        ctx.pages_per_stream = self.source.countries is not None
        #: storefronts whose JSON came without dates: read as XML for the rest of the run
        self.xml_storefronts: set[str] = set()

    def format_for(self, country: str) -> str:
        return "xml" if country in self.xml_storefronts else self.feed_format

    def storefronts(self) -> list[str]:
        """The storefronts this source reads, in the order they are started."""
        countries = self.source.countries
        if countries is None:
            return [self.source.country]
        return list(STOREFRONTS) if countries == "all" else list(countries)

    def streams(self) -> Iterable[str]:
        if self.source.countries is None:
            yield MAIN
            return
        for code in self.storefronts():
            note = unknown_storefront_note(code)
            if note:  # still asked: Apple may have opened it since the list was written
                self.ctx.note(f"{note}; fetching it anyway")
            yield code

    def country_of(self, stream: str | None) -> str:
        return self.source.country if stream in (None, MAIN) else stream

    def page_url(self, n: int, fmt: str | None = None, country: str | None = None) -> str:
        s = self.source
        country = country or s.country
        return (
            f"{self.base}/{country}/rss/customerreviews/page={n}/id={s.app_id}"
            f"/sortby=mostrecent/{fmt or self.format_for(country)}"
        )

    def page_request(
        self, token: int | None, walk: Walk | None = None, fmt: str | None = None, country: str | None = None
    ):
        country = country or self.country_of(walk.stream if walk is not None else None)
        n, fmt = token or 1, fmt or self.format_for(country)
        return self.request(
            self.page_url(n, fmt, country),
            self.parse,
            cb_kwargs={"n": n, "fmt": fmt, "country": country},
        )

    def next_token(self, page, token, walk):
        n = token or 1
        if not page.next:
            return None
        if n >= MAX_PAGES:  # Apple's end, not ours: say so when the backfill gets there
            if walk.until is None:
                self.ctx.note(
                    f"the App Store feed ends at page {MAX_PAGES} ({MAX_PAGES * 50} reviews a "
                    "storefront): older reviews are out of reach"
                )
            return None
        return n + 1

    def parse(self, response, n: int = 1, fmt: str | None = None, country: str | None = None):
        # `scrapy parse <feed url>` calls back without arguments: the URL tells them
        fmt = fmt or ("json" if response.url.rstrip("/").endswith("/json") else "xml")
        country = country or _url_country(response.url) or self.source.country
        if fmt == "json" and json_feed_undated(response.body):
            self.ctx.note(f"storefront {country}: JSON entries carry no dates, reading the XML feed")
            self.xml_storefronts.add(country)  # the rest of this run too
            walk, token = self.walk_of(response)
            if walk is None:
                yield self.page_request(n, fmt="xml", country=country)
            else:
                yield self.walk_request(walk, token, fmt="xml")
            return
        parser = parse_appstore if fmt == "json" else parse_appstore_xml
        items, more, page = self.consume(response, parser, country=country, app_id=self.source.app_id)
        yield from items
        yield from self.follow(response, page, more)


_FEED_COUNTRY = re.compile(r"/([A-Za-z]{2})/rss/customerreviews/")


def _url_country(url: str) -> str | None:
    """The storefront in a feed URL (``scrapy parse <url>`` calls back without arguments)."""
    match = _FEED_COUNTRY.search(url)
    return match.group(1) if match else None
