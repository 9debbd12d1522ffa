"""Routes and a watchlist that put every spider through a FixtureServer on 127.0.0.1.

The real saved responses are split into two pages each (paging is exercised with real
payloads), one App Store entry is broken (an item-level parse error), one schema.org page is
malformed (a page-level parse error), the first App Store request gets a 429 with
Retry-After, and robots.txt forbids one schema.org URL.
"""

from __future__ import annotations

import json

import yaml

from crawler.localserver import Hit, Route
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler"
RETRY_AFTER_S = 1
BLUESKY_JWT = "test-jwt-not-a-secret"
MASTODON_TOKEN = "test-mastodon-token"
REDDIT_TOKEN = "test-reddit-token"


def _read(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


def _json(obj: object) -> Route:
    return Route(body=json.dumps(obj), content_type="application/json; charset=utf-8")


def _cassette(rel: str, uri_part: str) -> str:
    raw = _read(rel)
    data = yaml.safe_load(raw) if rel.endswith(".yaml") else json.loads(raw)
    for i in data["interactions"]:
        if uri_part in i["request"]["uri"]:
            return i["response"]["body"]["string"]
    raise LookupError(uri_part)


def appstore_routes() -> dict:
    feed = json.loads(_read("appstore/itunes_rss_reviews.json"))
    entries = feed["feed"]["entry"]
    page1 = {"feed": {**feed["feed"], "entry": entries[:25]}}
    page2_entries = [dict(e) for e in entries[25:]]
    del page2_entries[3]["content"]  # one broken review: one parse error, the rest kept
    page2 = {"feed": {**feed["feed"], "entry": page2_entries}}
    empty = {"feed": {k: v for k, v in feed["feed"].items() if k != "entry"}}
    base = "/us/rss/customerreviews/page={}/id=284815942/sortby=mostrecent/json"
    return {
        base.format(1): [Route.too_many(RETRY_AFTER_S), _json(page1)],
        base.format(2): _json(page2),
        base.format(3): _json(empty),
    }


#: one app in three storefronts (``countries: [de, at, ch]``), see storefront_routes
STOREFRONT_APP = "284815942"


def storefront_routes() -> dict:
    """One app's reviews in three storefronts, all from real saved feeds.

    de pages through the real JSON feed's reviews 0–39 (2 pages, then an empty one); at shows
    reviews 30–49, ten of them the same Apple review ids de shows; ch answers with Apple's real
    undated JSON (jp storefront, 2015), so the spider reads ch as XML: the real XML feed, then
    the real empty one."""
    feed = json.loads(_read("appstore/itunes_rss_reviews.json"))
    entries = feed["feed"]["entry"]
    head = {k: v for k, v in feed["feed"].items() if k != "entry"}

    def page(part: list) -> Route:
        return _json({"feed": {**head, "entry": part}} if part else {"feed": head})

    path = "/{}/rss/customerreviews/page={}/id=" + STOREFRONT_APP + "/sortby=mostrecent/{}"
    xml = "application/xml; charset=utf-8"
    return {
        path.format("de", 1, "json"): page(entries[:25]),
        path.format("de", 2, "json"): page(entries[25:40]),
        path.format("de", 3, "json"): page([]),
        path.format("at", 1, "json"): page(entries[30:50]),
        path.format("at", 2, "json"): page([]),
        path.format("ch", 1, "json"): Route(
            file=FIX / "appstore/jp_340368403_reviews_undated.json", content_type="application/json"
        ),
        path.format("ch", 1, "xml"): Route(
            file=FIX / "appstore/itunes_rss_reviews_mock_data.xml", content_type=xml
        ),
        path.format("ch", 2, "xml"): Route(
            file=FIX / "appstore/empty_itunes_rss_reviews.xml", content_type=xml
        ),
    }


def google_play_routes() -> dict:
    raw = _read("google_play/review_relevant.batchexecute").decode()
    outer, _ = json.JSONDecoder().raw_decode(raw[4:].lstrip())
    inner = json.loads(outer[0][2])

    def answer(reviews: list, token: str | None) -> Route:
        envelope = [
            [
                "wrb.fr",
                "UsvDTd",
                json.dumps([reviews, [None, token] if token else None]),
                None,
                None,
                None,
                "generic",
            ],
            ["di", 90],
            ["af.httprm", 90, "-1", 12],
        ]
        return Route(body=")]}'\n\n" + json.dumps(envelope), content_type="application/json; charset=utf-8")

    def route(hit: Hit) -> Route:
        if hit.method != "POST":
            return Route(status=405, body="POST only")
        if b"TOKEN-PAGE-2" in hit.body:
            return answer(inner[0][20:], None)
        return answer(inner[0][:20], "TOKEN-PAGE-2")

    return {"/_/PlayStoreUi/data/batchexecute": route}


def trustpilot_routes() -> dict:
    return {
        "/review/acme-versand.de?sort=recency": Route(file=FIX / "trustpilot/acme-versand.de.page1.html"),
        "/review/acme-versand.de?sort=recency&page=2": Route(
            file=FIX / "trustpilot/acme-versand.de.page2.html"
        ),
    }


def schemaorg_routes() -> dict:
    return {
        "/robots.txt": Route(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/acme-versand/": Route(file=FIX / "schemaorg/provenexpert_jsonld.html"),
        "/p/paketbox-xl": Route(file=FIX / "schemaorg/shop_microdata.html"),
        "/acme-versand-test": Route(file=FIX / "schemaorg/blog_rdfa.html"),
        "/p/paketbox-s": Route(file=FIX / "schemaorg/malformed_jsonld.html"),
        "/private/reviews": Route(file=FIX / "schemaorg/provenexpert_jsonld.html"),
    }


def feed_routes() -> dict:
    return {
        "/alerts/feeds/081234/123456": Route(
            file=FIX / "feed/google_alerts.atom", content_type="application/atom+xml"
        )
    }


def reddit_routes() -> dict:
    listing = json.loads(_cassette("reddit/TestSubreddit.test_search.json", "/search/"))
    children = listing["data"]["children"]
    page1 = {**listing, "data": {**listing["data"], "children": children[:3], "after": "t3_page2"}}
    page2 = {**listing, "data": {**listing["data"], "children": children[3:], "after": None}}

    def public(hit: Hit) -> Route:
        return _json(page2 if hit.query.get("after") == "t3_page2" else page1)

    def oauth(hit: Hit) -> Route:  # oauth.reddit.com/search (no .json) with a bearer token
        if hit.headers.get("Authorization") != f"bearer {REDDIT_TOKEN}":
            return Route(status=401, body='{"message": "Unauthorized", "error": 401}')
        return public(hit)

    def token(hit: Hit) -> Route:
        if hit.method != "POST" or not hit.headers.get("Authorization", "").startswith("Basic "):
            return Route(status=401, body='{"message": "Unauthorized", "error": 401}')
        return _json(
            {"access_token": REDDIT_TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    return {"/search.json": public, "/search": oauth, "/api/v1/access_token": token}


def hackernews_routes() -> dict:
    replies = {r["url"]: r["reply"] for r in json.loads(_read("hackernews/search_by_date_apple.json"))}
    stories = replies["/api/v1/search_by_date?query=apple&tags=story"]
    comments = {**replies["/api/v1/search_by_date?query=apple&tags=comment"], "page": 1, "nbPages": 2}
    return {
        "/api/v1/search_by_date": lambda hit: _json(comments if hit.query.get("page") == "1" else stories)
    }


def mastodon_routes() -> dict:
    tag = _cassette("mastodon/test_hashtag_tl.yaml", "timelines/tag/hoot")
    public = _cassette("mastodon/test_public_tl_anonymous.yaml", "timelines/public")
    search = _cassette("mastodon/test_search.yaml", "api/v2/search")
    last_tag_id = json.loads(tag)[-1]["id"]
    last_public_id = json.loads(public)[-1]["id"]

    def timeline(hit: Hit) -> Route:
        max_id = hit.query.get("max_id")
        if max_id is None:
            return Route(body=tag, content_type="application/json")
        if max_id == last_tag_id:
            return Route(body=public, content_type="application/json")
        assert max_id == last_public_id
        return _json([])

    def search_route(hit: Hit) -> Route:
        if hit.headers.get("Authorization") != f"Bearer {MASTODON_TOKEN}":
            return _json({"accounts": [], "statuses": [], "hashtags": []})  # what instances answer
        return Route(body=search, content_type="application/json")

    return {"/api/v1/timelines/tag/hoot": timeline, "/api/v2/search": search_route}


def bluesky_routes() -> dict:
    data = json.loads(_read("bluesky/searchPosts.json"))

    def search(hit: Hit) -> Route:
        if hit.headers.get("Authorization") != f"Bearer {BLUESKY_JWT}":
            return Route(status=401, body='{"error":"AuthMissing"}', content_type="application/json")
        if hit.query.get("cursor") == "page2":
            return _json({"posts": data["posts"][12:], "hitsTotal": data["hitsTotal"]})
        return _json({"posts": data["posts"][:12], "cursor": "page2", "hitsTotal": data["hitsTotal"]})

    def login(hit: Hit) -> Route:
        creds = json.loads(hit.body or b"{}")
        if not creds.get("identifier") or not creds.get("password"):
            return Route(status=401, body='{"error":"AuthenticationRequired"}')
        return _json(
            {
                "accessJwt": BLUESKY_JWT,
                "refreshJwt": "r",
                "handle": creds["identifier"],
                "did": "did:plc:test",
            }
        )

    return {"/xrpc/com.atproto.server.createSession": login, "/xrpc/app.bsky.feed.searchPosts": search}


def all_routes() -> dict:
    routes: dict = {}
    for part in (
        appstore_routes,
        google_play_routes,
        trustpilot_routes,
        schemaorg_routes,
        feed_routes,
        reddit_routes,
        hackernews_routes,
        mastodon_routes,
        bluesky_routes,
    ):
        routes.update(part())
    return routes


def e2e_watchlist(base_url: str) -> dict:
    """Several brands, because each real fixture talks about something else."""
    src = {"base_url": base_url}
    return {
        "archive": "archive.db",
        "timezone": "Europe/Berlin",
        "crawler": {"download_delay": 0, "contact_url": "https://example.org/brandpulse-test"},
        "brands": [
            {
                "name": "Acme",
                "aliases": ["Acme Versand"],
                "exclude": ["Acme Corp Looney"],
                "sources": [
                    {"type": "appstore", "app_id": "284815942", "country": "us", **src},
                    {
                        "type": "google_play",
                        "app_id": "com.twitter.android",
                        "country": "us",
                        "language": "en",
                        **src,
                    },
                    {"type": "trustpilot", "domain": "acme-versand.de", **src},
                    {
                        "type": "schemaorg",
                        **src,
                        "urls": [
                            "https://www.provenexpert.com/acme-versand/",
                            "https://shop.example.de/p/paketbox-xl",
                            "https://blog.example.de/acme-versand-test",
                            "https://shop.example.de/p/paketbox-s",
                            "https://shop.example.de/private/reviews",
                        ],
                    },
                    {"type": "feed", "url": "https://www.google.com/alerts/feeds/081234/123456", **src},
                ],
            },
            {"name": "PRAW", "exclude": ["FakeSubreddit"], "sources": [{"type": "reddit", **src}]},
            {
                "name": "Apple",
                "exclude": ["apple pie"],
                "sources": [{"type": "hackernews", "query": "apple", **src}],
            },
            {
                "name": "Toot",
                "aliases": ["hoot"],
                "sources": [
                    {
                        "type": "mastodon",
                        "instance": "mastodon.example",
                        "hashtag": "hoot",
                        "query": "toot",
                        **src,
                    }
                ],
            },
            {"name": "Redistricting", "sources": [{"type": "bluesky", **src}]},
        ],
    }
