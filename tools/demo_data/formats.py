"""Serialise demo reviews into each source's real response format.

Why byte-level care: the demo is crawled by the real spiders, whose parsers were written
against saved real responses (tests/fixtures/crawler/). The snapshots therefore use the same
keys, nesting, time formats and quirks as those responses, so that any parser that reads
the real thing reads these — and nothing in the demo needs a special code path.

Each writer takes plain dicts (built by ``generate.py``) and returns ``bytes`` or ``str``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")  # Apple's RSS stamps reviews in Cupertino time


# --------------------------------------------------------------------------- App Store RSS


def _label(value: Any) -> dict:
    return {"label": str(value)}


def appstore_entry(r: dict, *, country: str, app_id: str) -> dict:
    """One ``feed.entry[]`` element as in Apple's customerreviews JSON."""
    return {
        "author": {
            "uri": _label(f"https://itunes.apple.com/{country}/reviews/id{r['author_id']}"),
            "name": _label(r["author"]),
            "label": "",
        },
        "updated": _label(r["published"].astimezone(PACIFIC).isoformat()),
        "im:rating": _label(r["rating"]),
        "im:version": _label(r["app_version"]),
        "id": _label(r["external_id"]),
        "title": _label(r["title"]),
        "content": {"label": r["text"], "attributes": {"type": "text"}},
        "link": {
            "attributes": {
                "rel": "related",
                "href": f"https://itunes.apple.com/{country}/review?id={app_id}&type=Purple%20Software",
            }
        },
        "im:voteSum": _label(r.get("votes", 0)),
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": _label(r.get("votes", 0)),
    }


def appstore_page(
    entries: Sequence[dict], *, page: int, last_page: int, country: str, app_id: str, updated: datetime
) -> str:
    """One page of the feed; a page past the last one has no ``entry`` key (as Apple's)."""

    def link(rel: str, n: int) -> dict:
        return {
            "attributes": {
                "rel": rel,
                "href": (
                    f"https://itunes.apple.com/{country}/rss/customerreviews/page={n}/id={app_id}"
                    f"/sortby=mostrecent/xml?urlDesc=/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
                ),
            }
        }

    self_url = f"https://mzstoreservices-int.dslb.apple.com/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
    feed: dict[str, Any] = {
        "author": {"name": _label("iTunes Store"), "uri": _label("http://www.apple.com/itunes/")},
    }
    if entries:
        feed["entry"] = [appstore_entry(e, country=country, app_id=app_id) for e in entries]
    feed.update(
        {
            "updated": _label(updated.astimezone(PACIFIC).replace(microsecond=0).isoformat()),
            "rights": _label("Copyright 2008 Apple Inc."),
            "title": _label("iTunes Store: Customer Reviews"),
            "icon": _label("http://itunes.apple.com/favicon.ico"),
            "link": [
                {
                    "attributes": {
                        "rel": "alternate",
                        "type": "text/html",
                        "href": f"https://apps.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc={country}&id=1",
                    }
                },
                {"attributes": {"rel": "self", "href": self_url}},
                link("first", 1),
                link("last", last_page),
                link("previous", max(1, page - 1)),
                link("next", min(last_page, page + 1)),
            ],
            "id": _label(self_url),
        }
    )
    return json.dumps({"feed": feed}, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- Google Play


_GOOGLE_ESCAPES = {"&": "\\u0026", "<": "\\u003c", ">": "\\u003e", "=": "\\u003d"}


def play_json(value: Any) -> str:
    """Google's batchexecute JSON: compact, a newline after every closing bracket, and
    ``& < > =`` inside strings written as \\u escapes (non-ASCII letters stay as they are)."""
    if isinstance(value, list):
        return "[" + ",".join(play_json(v) for v in value) + "]\n"
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        for char, escaped in _GOOGLE_ESCAPES.items():
            text = text.replace(char, escaped)
    return text


def _play_avatar(seed: str) -> list:
    return [None, 2, None, [None, None, f"https://play-lh.googleusercontent.com/a-/ALV-Uj{seed}"]]


def play_review(r: dict) -> list:
    """One review array (indices as the real RPC: 0 id, 1 author, 2 stars, 4 text, 5 time,
    6 thumbs-up, 7 developer reply, 9 author profile, 10 app version)."""
    seconds = int(r["published"].timestamp())
    reply = None
    if r.get("reply"):
        reply = [None, r["reply"]["text"], [int(r["reply"]["at"].timestamp()), r["reply"]["nanos"]]]
    return [
        r["external_id"],
        [r["author"], _play_avatar(r["avatar"])],
        r["rating"],
        None,
        r["text"],
        [seconds, r["nanos"]],
        r.get("votes", 0),
        reply,
        None,
        [
            r["author_id"],
            r["author"],
            None,
            [_play_avatar(r["avatar"]), True],
            [None, 2, None, [None, None, "https://play-lh.googleusercontent.com/" + r["banner"]]],
        ],
        r["app_version"],
        None,
        None,
    ]


def play_page(reviews: Sequence[dict], *, next_token: str | None) -> str:
    """A whole batchexecute answer for rpc UsvDTd: ``)]}'`` prefix, envelope, inner JSON string."""
    inner: list[Any] = [[play_review(r) for r in reviews]]
    inner.append([None, next_token] if next_token else None)
    body = ",\n".join(
        [
            json.dumps("wrb.fr"),
            json.dumps("UsvDTd"),
            json.dumps(play_json(inner), ensure_ascii=False),
            "null",
            "null",
            "null",
            json.dumps("generic"),
        ]
    )
    return (
        ")]}'[\n[\n"
        + body
        + '\n],\n[\n"di",\n'
        + str(40 + len(reviews) // 2)
        + '\n],\n[\n"af.httprm",\n'
        + str(39 + len(reviews) // 2)
        + ',\n"-4582930115370482957",\n1\n]\n]'
    )


# --------------------------------------------------------------------------- Trustpilot


def _tp_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def trustpilot_review(r: dict) -> dict:
    """One ``props.pageProps.reviews[]`` element as Trustpilot's Next.js page embeds it."""
    experienced = r["published"].astimezone(UTC).replace(hour=0, minute=0, second=0)
    return {
        "id": r["external_id"],
        "filtered": False,
        "pending": False,
        "text": r["text"],
        "rating": r["rating"],
        "labels": {
            "merged": None,
            "verification": {
                "isVerified": r["verified"],
                "createdDateTime": _tp_time(r["published"]),
                "reviewSourceName": "InvitationLinkApi" if r["verified"] else "Organic",
                "verificationSource": "invitation" if r["verified"] else "",
                "verificationLevel": "invited" if r["verified"] else "not-verified",
                "hasDachExclusion": False,
            },
        },
        "title": r["title"],
        "likes": r.get("votes", 0),
        "source": "InvitationLinkApi" if r["verified"] else "Organic",
        "dates": {
            "experiencedDate": _tp_time(experienced),
            "publishedDate": _tp_time(r["published"]),
            "updatedDate": None,
            "submittedDate": None,
        },
        "report": None,
        "hasUnhandledReports": False,
        "consumer": {
            "id": r["author_id"],
            "displayName": r["author"],
            "imageUrl": "",
            "numberOfReviews": r["author_reviews"],
            "countryCode": r["country"],
            "hasImage": False,
            "isVerified": False,
        },
        "reply": None,
        "consumersReviewCountOnSameDomain": 1,
        "consumersReviewCountOnSameLocation": None,
        "productReviews": [],
        "language": r["lang"],
        "location": None,
    }


def _next_data_json(data: dict) -> str:
    """JSON as Next.js inlines it: ``<``, ``>`` and ``&`` escaped so the script cannot end early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def trustpilot_page(
    reviews: Sequence[dict],
    *,
    page: int,
    total_pages: int,
    total: int,
    domain: str,
    business: dict,
    stats: dict,
) -> str:
    """A review page: a little rendered markup plus the ``__NEXT_DATA__`` script."""
    page_props = {
        "domain": domain,
        "pageUrl": f"https://de.trustpilot.com/review/{domain}" + (f"?page={page}" if page > 1 else ""),
        "businessUnit": business,
        "reviews": [trustpilot_review(r) for r in reviews],
        "products": None,
        "filters": {
            "hasActiveFilters": False,
            "totalNumberOfReviews": total,
            "totalNumberOfFilteredReviews": total,
            "pagination": {
                "currentPage": page,
                "perPage": 20,
                "totalCount": total,
                "totalPages": total_pages,
            },
            "selected": {
                "languages": "all",
                "date": None,
                "stars": None,
                "aspects": None,
                "topics": None,
                "search": None,
                "locationId": None,
                "sort": "recency",
                "verified": False,
                "replies": False,
            },
            "reviewStatistics": stats,
        },
        "seoData": {
            "locale": "de-DE",
            "canonicalUrl": f"https://de.trustpilot.com/review/{domain}",
            "languages": [],
            "domain": "de.trustpilot.com",
        },
        "showAdvertisement": False,
        "showProductReviews": False,
        "noIndex": False,
    }
    next_data = {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": "/review/[businessUnit]",
        "query": {"businessUnit": domain, "page": str(page)} if page > 1 else {"businessUnit": domain},
        "buildId": "businessunitprofile-consumersite-2.4012.0",
        "isFallback": False,
        "gssp": True,
        "locale": "de-DE",
        "locales": ["da-DK", "de-AT", "de-CH", "de-DE", "en-AU", "en-GB", "en-US", "fr-FR", "it-IT", "nl-NL"],
        "defaultLocale": "en-US",
        "scriptLoader": [],
    }
    cards = "\n".join(
        f'<article class="styles_reviewCard__hcAvl" data-service-review-card-paper="true">'
        f'<span data-consumer-name-typography="true">{escape(r["author"])}</span>'
        f'<div class="star-rating_starRating__4rrcf" data-service-review-rating="{r["rating"]}"></div>'
        f'<time datetime="{_tp_time(r["published"])}"></time>'
        f'<h2 data-service-review-title-typography="true">{escape(r["title"])}</h2>'
        f'<p data-service-review-text-typography="true">{escape(r["text"]).replace(chr(10), "<br/>")}</p>'
        f"</article>"
        for r in reviews
    )
    name = escape(business["displayName"])
    return (
        '<!DOCTYPE html><html lang="de-DE"><head><meta charSet="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{name} Bewertungen | Lesen Sie Kundenbewertungen zu {escape(domain)}</title>"
        f'<link rel="canonical" href="https://de.trustpilot.com/review/{escape(domain)}"/></head>'
        f'<body><div id="__next"><main><h1>{name}</h1>'
        f'<section class="styles_reviewsContainer__3_GQw">\n{cards}\n</section></main></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{_next_data_json(next_data)}</script>'
        "</body></html>\n"
    )


# --------------------------------------------------------------------------- feeds


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))


def forum_rss(items: Sequence[dict], *, site: str, category: str, category_path: str, built: datetime) -> str:
    """A Discourse category feed (RSS 2.0 with dc:creator and discourse: flags)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        '<rss version="2.0" xmlns:discourse="http://www.discourse.org/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "  <channel>",
        f"    <title>{escape(category)} - Verbraucherecke</title>",
        f"    <link>https://{site}{category_path}</link>",
        f"    <description>Themen in der Kategorie {escape(category)}</description>",
        "    <language>de</language>",
        f'    <atom:link href="https://{site}{category_path}.rss" rel="self" type="application/rss+xml" />',
        f"    <lastBuildDate>{format_datetime(built.astimezone(UTC))}</lastBuildDate>",
    ]
    for it in items:
        link = f"https://{site}/t/{it['slug']}/{it['external_id']}"
        out += [
            "      <item>",
            f"        <title>{escape(it['title'])}</title>",
            f"        <dc:creator>{_cdata(it['author'])}</dc:creator>",
            f"        <category>{escape(category)}</category>",
            f"        <description>{_cdata(_paragraphs(it['text']))}</description>",
            f"        <link>{link}</link>",
            f"        <pubDate>{format_datetime(it['published'].astimezone(UTC))}</pubDate>",
            "        <discourse:topicPinned>No</discourse:topicPinned>",
            "        <discourse:topicClosed>No</discourse:topicClosed>",
            "        <discourse:topicArchived>No</discourse:topicArchived>",
            f'        <guid isPermaLink="false">{site}-topic-{it["external_id"]}</guid>',
            f'        <source url="{link}.rss">{escape(it["title"])}</source>',
            "      </item>",
        ]
    out += ["  </channel>", "</rss>", ""]
    return "\n".join(out)


def _atom_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bold(text: str, term: str) -> str:
    """Google Alerts bolds the alert term in titles and snippets (HTML inside the Atom text)."""
    return escape(text).replace(term, f"<b>{term}</b>")


def google_alerts_atom(items: Sequence[dict], *, term: str, feed_path: str, updated: datetime) -> str:
    """A Google Alerts Atom feed: redirect links, HTML titles and snippets, empty authors."""
    user, alert = feed_path.rstrip("/").split("/")[-2:]
    out = [
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">'
        f"<id>tag:google.com,2005:reference:feed:{user}/{alert}</id>"
        f"<title>Google Alert - {escape(term)}</title>"
        f'<link href="https://www.google.com{feed_path}" rel="self"></link>'
        f"<updated>{_atom_time(updated)}</updated>"
    ]
    for it in items:
        target = f"https://{it['site']}/{it['slug']}"
        link = (
            f"https://www.google.com/url?rct=j&amp;sa=t&amp;url={escape(target)}&amp;ct=ga"
            f"&amp;cd={it['cd']}&amp;usg={it['usg']}"
        )
        out.append(
            f"<entry><id>tag:google.com,2013:googlealerts/feed:{it['external_id']}</id>"
            f'<title type="html">{escape(_bold(it["title"], term))}</title>'
            f'<link href="{link}"></link>'
            f"<published>{_atom_time(it['published'])}</published>"
            f"<updated>{_atom_time(it['published'])}</updated>"
            f'<content type="html">{escape(_bold(it["text"], term))}</content>'
            "<author><name></name></author></entry>"
        )
    out.append("</feed>")
    return "".join(out)
