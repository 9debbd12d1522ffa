"""Reviews from any page carrying schema.org ``Review`` markup (JSON-LD, microdata, RDFa).

Covers shops and review sites (ProvenExpert, product pages, ...). Reviews may sit at the top
level or inside a ``Product`` / ``LocalBusiness`` / ``Organization`` ``review`` property.
``AggregateRating`` alone is not a mention: it is noted in the run record. HTML pages, so
robots.txt applies. Each configured URL is fetched once per run (no paging).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import extruct
from parsel import Selector

from crawler.context import ParsedPage
from crawler.parsing import ITEM_ERRORS, html_to_text, rating_1_to_5
from crawler.spiders.base import SourceSpider

SYNTAXES = ["json-ld", "microdata", "rdfa"]
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")


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


def review_fields(node: dict, page_url: str) -> dict:
    """One schema.org Review node -> item fields (KeyError when it has no text)."""
    rating = node.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    stars = (
        rating_1_to_5(
            rating.get("ratingValue"), rating.get("bestRating") or 5, rating.get("worstRating") or 1
        )
        if isinstance(rating, dict)
        else None
    )
    body = node.get("reviewBody") or node.get("description") or node.get("text")
    if not body:
        raise KeyError("reviewBody")
    return {
        "external_id": node.get("@id")
        if isinstance(node.get("@id"), str) and not node["@id"].startswith("_:")
        else None,
        "url": node.get("url") or page_url,
        "author": _name(node.get("author")),
        "title": _name(node.get("name")) if isinstance(node.get("name"), (str, list)) else None,
        "text": html_to_text(body),
        "lang": node.get("inLanguage") if isinstance(node.get("inLanguage"), str) else None,
        "rating": stars,
        "published_at": node.get("datePublished") or node.get("dateCreated"),
    }


def parse_schemaorg(data: bytes | str, *, url: str) -> ParsedPage:
    html = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    found = extruct.extract(html, base_url=url, syntaxes=SYNTAXES, uniform=True, errors="strict")
    nodes = list(_walk(found.get("json-ld", []))) + list(_walk(found.get("microdata", [])))
    nodes += list(_walk(_resolve_rdfa(found.get("rdfa", []))))
    page_lang = Selector(text=html).xpath("/html/@lang").get()
    page = ParsedPage()
    seen: set[tuple] = set()
    for n, node in enumerate(nodes):
        types = _types(node)
        if "AggregateRating" in types:
            page.notes.append(
                f"{url}: aggregate rating {node.get('ratingValue')} "
                f"from {node.get('reviewCount') or node.get('ratingCount')} ratings"
            )
        if "Review" not in types and "UserReview" not in types:
            continue
        try:
            fields = review_fields(node, url)
            fields["lang"] = fields["lang"] or (page_lang or "")[:2] or None
        except ITEM_ERRORS as exc:
            page.errors.append(f"review {n}: {type(exc).__name__}: {exc}")
            continue
        key = (fields["author"], fields["published_at"], fields["text"])
        if key not in seen:  # the same review marked up twice (JSON-LD and microdata)
            seen.add(key)
            page.items.append(fields)
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
