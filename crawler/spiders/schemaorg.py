"""Reviews from any page carrying schema.org ``Review`` markup (JSON-LD, microdata, RDFa).

Covers shops and review sites (ProvenExpert, product pages, ...). Reviews may sit at the top
level or inside a ``Product`` / ``LocalBusiness`` / ``Organization`` ``review`` property.
``AggregateRating`` alone is not a mention: it is noted in the run record. HTML pages, so
robots.txt applies. Each configured URL is fetched once per run (no paging).

Real pages are messy, so one flaw costs only what it touches: a broken JSON-LD block is one
parse error while the page's other blocks still count; a review without a readable date is
stored with the crawl time (and noted); a rating without text is a mention without text (its
stars count in the star figures), not an error.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

import extruct
from parsel import Selector

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, html_to_text, iso_utc, rating_1_to_5
from crawler.spiders.base import SourceSpider
from monitor.core.times import iso, utcnow

#: JSON-LD is read block by block here; extruct reads the markup syntaxes.
MARKUP_SYNTAXES = ["microdata", "rdfa"]
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")
#: what CMS templates wrap JSON-LD in: HTML comments, CDATA, ``//`` comment lines
_JSONLD_WRAPPERS = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>|^\s*//.*$", re.MULTILINE)


def _strip(name: str) -> str:
    for p in _SCHEMA_PREFIXES:
        if name.startswith(p):
            return name[len(p) :]
    return name


def _plain_rdfa(node: Any) -> Any:
    """extruct's RDFa output (expanded JSON-LD) -> the compact shape JSON-LD pages use."""
    if isinstance(node, list):
        values = [_plain_rdfa(v) for v in node]
        return values[0] if len(values) == 1 else values
    if not isinstance(node, dict):
        return node
    if "@value" in node:
        return node["@value"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@type":
            types = [_strip(t) for t in (value if isinstance(value, list) else [value])]
            out["@type"] = types[0] if len(types) == 1 else types
        elif key == "@id":
            out["@id"] = value
        else:
            out[_strip(key)] = _plain_rdfa(value)
    return out


def _resolve_rdfa(nodes: list[dict]) -> list[dict]:
    """RDFa comes as a flat graph whose nested objects are ``{"@id": "_:N…"}`` references:
    put the referenced nodes back in place (one level deep is all a review needs)."""
    plain = [_plain_rdfa(n) for n in nodes]
    by_id = {n["@id"]: n for n in plain if isinstance(n, dict) and "@id" in n}

    def fill(value: Any, depth: int) -> Any:
        if isinstance(value, list):
            return [fill(v, depth) for v in value]
        if isinstance(value, dict):
            if set(value) == {"@id"} and value["@id"] in by_id and depth < 3:
                return fill(by_id[value["@id"]], depth + 1)
            return {k: fill(v, depth) for k, v in value.items()}
        return value

    return [fill(n, 0) for n in plain]


def _types(node: dict) -> set[str]:
    t = node.get("@type") or []
    return {_strip(x) for x in (t if isinstance(t, list) else [t])}


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, list):
        for x in node:
            yield from _walk(x)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "@context":
                yield from _walk(value)


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name") or value.get("alternateName")
    return value


def _stars(rating: Any) -> float | None:
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if not isinstance(rating, dict):
        return None
    return rating_1_to_5(rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating"))


def anonymous_review_id(
    page_url: str,
    author: str | None,
    date: Any,
    text: str,
    *,
    rating: float | None = None,
    title: str | None = None,
) -> str:
    """The id of a review that has no ``@id`` of its own: a short sha256 of the page URL
    (without fragment), author, date as written, and text — for a rating-only review (no
    text) also its stars and title.

    The page URL is part of it because the archive's fallback id hashes normalised text, and
    that normalisation drops URLs: identical anonymous reviews ("Top!", no name) on two product
    pages would otherwise collide and one of them be lost. The date is hashed as the site wrote
    it, so an undated review keeps its id although it is stored with each crawl's time. Stars
    and title only join when there is no text: two unnamed star ratings of one day differ in
    nothing else, and the ids of reviews with text stay what they were."""
    parts = [urldefrag(page_url).url, author or "", "" if date is None else str(date), text]
    if not text:
        parts += [title or "", "" if rating is None else repr(rating)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def review_fields(node: dict, page_url: str) -> dict:
    """One schema.org Review node -> item fields.

    ``text`` is "" for a rating-only review (stored without text) and ``published_at`` None
    when no date could be read (the caller decides); KeyError when the node has neither text
    nor a rating, i.e. is no review at all."""
    stars = _stars(node.get("reviewRating"))
    body = node.get("reviewBody") or node.get("description") or node.get("text")
    if not body and stars is None:
        raise KeyError("reviewBody")
    text = html_to_text(body) if body else ""
    author = _name(node.get("author"))
    date = node.get("datePublished") or node.get("dateCreated")
    own_id = node.get("@id")
    has_own_id = isinstance(own_id, str) and not own_id.startswith("_:")
    title = _name(node.get("name")) if isinstance(node.get("name"), (str, list)) else None
    if not has_own_id:
        own_id = anonymous_review_id(page_url, author, date, text, rating=stars, title=title)
    return {
        "external_id": own_id,
        "url": node.get("url") or page_url,
        "author": author,
        "title": title,
        "text": text,
        "lang": node.get("inLanguage") if isinstance(node.get("inLanguage"), str) else None,
        "rating": stars,
        "published_at": iso_utc(date),
    }


def _load_jsonld(text: str) -> Any:
    """A JSON-LD block, forgiving control characters and comment wrappers as extruct does."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return json.loads(_JSONLD_WRAPPERS.sub("", text), strict=False)


def _jsonld_nodes(sel: Selector, page: ParsedPage) -> list[dict]:
    """Nodes of every readable JSON-LD block; a broken block is one entry in ``page.errors``."""
    nodes: list[dict] = []
    for n, block in enumerate(sel.xpath('//script[@type="application/ld+json"]/text()').getall()):
        if not block.strip():
            continue
        try:
            nodes.extend(_walk(_load_jsonld(block)))
        except ValueError as exc:
            page.errors.append(f"JSON-LD block {n}: {type(exc).__name__}: {exc}")
    return nodes


def _markup_nodes(html: str, url: str, page: ParsedPage) -> list[dict]:
    """Microdata and RDFa nodes (via extruct); if extruct fails, that is one parse error."""
    try:
        found = extruct.extract(html, base_url=url, syntaxes=MARKUP_SYNTAXES, uniform=True, errors="strict")
    except Exception as exc:  # noqa: BLE001 - extruct raises whatever its parsers raise
        page.errors.append(f"microdata/RDFa: {type(exc).__name__}: {exc}")
        return []
    return list(_walk(found.get("microdata", []))) + list(_walk(_resolve_rdfa(found.get("rdfa", []))))


def _aggregate_note(node: dict, url: str) -> str:
    return (
        f"{url}: aggregate rating {node.get('ratingValue')} "
        f"from {node.get('reviewCount') or node.get('ratingCount')} ratings"
    )


def parse_schemaorg(data: bytes | str, *, url: str, now: datetime | None = None) -> ParsedPage:
    """Reviews on one page; ``now`` (the crawl time) dates the reviews that carry no date."""
    html = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    sel = Selector(text=html)
    page = ParsedPage()
    nodes = _jsonld_nodes(sel, page) + _markup_nodes(html, url, page)
    crawl_time = iso(now or utcnow())
    seen: set[tuple] = set()
    undated = 0
    for n, node in enumerate(nodes):
        types = _types(node)
        if "AggregateRating" in types:
            page.notes.append(_aggregate_note(node, url))
        if "Review" not in types and "UserReview" not in types:
            continue
        try:
            fields = review_fields(node, url)
        except ITEM_ERRORS as exc:
            page.errors.append(f"review {n}: {type(exc).__name__}: {exc}")
            continue
        key = (fields["author"], fields["published_at"], fields["text"], fields["rating"])
        if key in seen:  # the same review marked up twice (JSON-LD and microdata)
            continue
        seen.add(key)
        # No fallback to <html lang>: that is the shop's interface language, and a shop's
        # Spanish storefront shows English reviews; enrichment detects what is not stated.
        if fields["published_at"] is None:
            fields["published_at"] = crawl_time
            undated += 1
        page.items.append(fields)
    if undated:
        page.notes.append(f"{url}: {undated} reviews without a readable date stored with the crawl time")
    return page


class SchemaOrgSpider(SourceSpider):
    name = "schemaorg"
    source_type = "schemaorg"
    default_base = ""
    api_endpoint = False

    def page_url(self, url: str) -> str:
        """With ``base_url`` set, only the path and query of each URL are kept (tests, mirrors)."""
        if not self.source.base_url:
            return url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def first_requests(self):
        for url in self.source.urls:
            yield self.request(self.page_url(url), self.parse)

    def parse(self, response):
        items, _, _ = self.consume(response, parse_schemaorg, url=response.url, as_text=True)
        yield from items
