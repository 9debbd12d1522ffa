"""RSS and Atom feeds (Google Alerts, news, blogs, forums) parsed with feedparser.

Google Alerts wraps every link in a ``google.com/url?...&url=<target>`` redirect; the target
is stored. A feed is one request per run; it is a public file, but robots.txt still applies.
"""

from __future__ import annotations

import calendar
from urllib.parse import parse_qs, urlsplit

import feedparser

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, html_to_text
from crawler.spiders.base import SourceSpider


def unwrap_redirect(link: str | None) -> str | None:
    """``https://www.google.com/url?...&url=https://x`` -> ``https://x``."""
    if not link:
        return link
    parts = urlsplit(link)
    if parts.netloc.endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target:
            return target[0]
    return link


def _one_line(html: str | None) -> str:
    """A title as one line: feeds made from print layouts break titles where the column did."""
    return " ".join(html_to_text(html).split())


def parse_feed(data: bytes | str, *, url: str) -> ParsedPage:
    """Entries of an RSS 0.9x/1.0 (RDF)/2.0 or Atom feed; feedparser reads the encoding the
    document declares (ISO-8859-1 included). Entries without a date (RSS 1.0 makes
    ``dc:date`` optional) are kept with the crawl time, and the run record says how many."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a readable feed: {parsed.get('bozo_exception')}")
    feed_lang = (parsed.feed.get("language") or "")[:2] or None
    page = ParsedPage()
    undated = 0
    for n, e in enumerate(parsed.entries):
        try:
            stamp = e.get("published_parsed") or e.get("updated_parsed")
            content = e.get("content")
            body = content[0]["value"] if content else e.get("summary", "")
            link = unwrap_redirect(e.get("link"))
            title = _one_line(e.get("title"))
            page.items.append(
                {
                    "external_id": e.get("id") or link,
                    "url": link,
                    "author": e.get("author"),
                    "title": title,
                    "text": html_to_text(body) or title,
                    "lang": (e.get("language") or feed_lang),
                    "published_at": calendar.timegm(stamp) if stamp else None,
                }
            )
            undated += stamp is None
        except ITEM_ERRORS as exc:
            page.errors.append(f"entry {n}: {type(exc).__name__}: {exc}")
    if undated:
        page.notes.append(f"{url}: {undated} entries without a date stored with the crawl time")
    return page


class FeedSpider(SourceSpider):
    name = "feed"
    source_type = "feed"
    default_base = ""
    api_endpoint = False

    def feed_url(self) -> str:
        if not self.source.base_url:
            return self.source.url
        parts = urlsplit(self.source.url)
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def first_requests(self):
        yield self.request(self.feed_url(), self.parse)

    def parse(self, response):
        items, _, _ = self.consume(response, parse_feed, url=self.source.url)
        yield from items
