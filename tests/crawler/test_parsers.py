"""Parser tests on real saved responses (tests/fixtures/crawler/README.md lists their origin).

Parsers are pure functions, so these run without Scrapy's engine. Each test also breaks one
item of a real response and checks that it costs exactly one counted error and no other item.
"""

from __future__ import annotations

import json

import pytest
import yaml

from crawler.spiders.appstore import parse_appstore
from crawler.spiders.bluesky import parse_bluesky, post_url
from crawler.spiders.feed import parse_feed, unwrap_redirect
from crawler.spiders.google_play import parse_google_play, request_body
from crawler.spiders.hackernews import parse_hackernews
from crawler.spiders.mastodon import parse_statuses
from crawler.spiders.reddit import parse_reddit
from crawler.spiders.schemaorg import parse_schemaorg
from crawler.spiders.trustpilot import parse_trustpilot
from monitor.core.rows import MentionIn
from monitor.core.times import parse_time
from tests.helpers import paths

FIX = paths.FIXTURES / "crawler"


def read(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


def cassette_body(rel: str, uri_part: str) -> str:
    """The response body of the first VCR interaction whose URI contains ``uri_part``."""
    data = yaml.safe_load(read(rel))
    for i in data["interactions"]:
        if uri_part in i["request"]["uri"]:
            return i["response"]["body"]["string"]
    raise LookupError(uri_part)


def hn_reply(url: str) -> dict:
    return next(
        r["reply"] for r in json.loads(read("hackernews/search_by_date_apple.json")) if r["url"] == url
    )


def assert_valid(items: list[dict]) -> None:
    """Every parsed item must validate as an archive mention."""
    for fields in items:
        MentionIn.model_validate({**fields, "source": "test"})


# ---------------------------------------------------------------------------- App Store


def test_appstore_real_feed():
    page = parse_appstore(read("appstore/itunes_rss_reviews.json"), country="us", app_id="284815942")
    assert len(page.items) == 50 and page.errors == []
    first = page.items[0]
    assert first["external_id"] == "8044879566"
    assert first["author"] == "Lantana, FL"
    assert first["rating"] == 4.0 and first["reach"] == 263
    assert first["title"] == "Usually interesting reading but"
    assert parse_time(first["published_at"]).isoformat() == "2021-11-20T17:25:34+00:00"
    assert {i["rating"] for i in page.items} <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert page.next is True
    assert_valid(page.items)


def test_appstore_broken_entry_costs_one_error():
    data = json.loads(read("appstore/itunes_rss_reviews.json"))
    del data["feed"]["entry"][7]["content"]
    data["feed"]["entry"].insert(0, {"im:name": {"label": "Google"}, "id": {"label": "app"}})  # app metadata
    page = parse_appstore(json.dumps(data), country="us", app_id="284815942")
    assert len(page.items) == 49 and len(page.errors) == 1 and "content" in page.errors[0]


def test_appstore_empty_feed_ends_paging():
    page = parse_appstore('{"feed": {"author": {}, "id": {"label": "x"}}}', country="de", app_id="1")
    assert page.items == [] and page.next is None


# ---------------------------------------------------------------------------- Google Play


def test_google_play_real_batchexecute():
    page = parse_google_play(
        read("google_play/review_relevant.batchexecute"), app_id="com.twitter.android", lang="en"
    )
    assert len(page.items) == 40 and page.errors == []
    first = page.items[0]
    assert first["external_id"].startswith("gp:AOqpTOEG141w8NXyoj4")
    assert first["author"] == "hayzel rose ilagan" and first["rating"] == 5.0
    assert first["text"].startswith("I see that a lot here rate the app")
    assert first["published_at"] == 1611106445 and first["reach"] == 1114
    assert "reviewId=gp%3A" in first["url"] or "reviewId=gp:" in first["url"]
    assert page.next.startswith("CsIBCr8B")
    assert_valid(page.items)


def test_google_play_broken_review_costs_one_error():
    raw = read("google_play/review_relevant.batchexecute").decode()
    outer, _ = json.JSONDecoder().raw_decode(raw[4:].lstrip())
    inner = json.loads(outer[0][2])
    inner[0][3] = inner[0][3][:2]  # truncated review record
    outer[0][2] = json.dumps(inner)
    page = parse_google_play(")]}'\n" + json.dumps(outer), app_id="x")
    assert len(page.items) == 39 and len(page.errors) == 1


def test_google_play_stars_without_text_are_a_rating_only_review():
    raw = read("google_play/review_relevant.batchexecute").decode()
    outer, _ = json.JSONDecoder().raw_decode(raw[4:].lstrip())
    inner = json.loads(outer[0][2])
    inner[0][2][4] = None  # the real record, its text taken away
    inner[0][5][4] = ""
    outer[0][2] = json.dumps(inner)
    page = parse_google_play(")]}'\n" + json.dumps(outer), app_id="x")
    assert len(page.items) == 40 and page.errors == []
    assert [page.items[i]["text"] for i in (2, 5)] == [None, None]
    assert page.items[2]["rating"] == float(inner[0][2][2])
    assert_valid(page.items)  # stored: stars, no text


def test_google_play_request_body_carries_token():
    body = request_body("com.acme.app", "TOKEN123")
    assert "UsvDTd" in body and "TOKEN123" in body and "com.acme.app" in body


# ---------------------------------------------------------------------------- Trustpilot


def test_trustpilot_next_data_and_paging():
    p1 = parse_trustpilot(read("trustpilot/acme-versand.de.page1.html"), domain="acme-versand.de")
    p2 = parse_trustpilot(read("trustpilot/acme-versand.de.page2.html"), domain="acme-versand.de")
    assert [len(p1.items), len(p2.items)] == [3, 2] and p1.errors == p2.errors == []
    assert p1.next == 2 and p2.next is None
    r = p1.items[0]
    assert r["rating"] == 1.0 and r["lang"] == "de" and r["author"] == "Jana K."
    assert r["title"] == "Paket nie angekommen"
    assert p2.items[1]["lang"] == "en"
    assert_valid(p1.items + p2.items)


def test_trustpilot_page_without_next_data_is_an_error():
    with pytest.raises(ValueError, match="__NEXT_DATA__"):
        parse_trustpilot(b"<html><body>Access denied</body></html>", domain="x")


# ---------------------------------------------------------------------------- schema.org


def test_schemaorg_json_ld_with_aggregate():
    page = parse_schemaorg(
        read("schemaorg/provenexpert_jsonld.html"), url="https://www.provenexpert.com/acme-versand/"
    )
    assert [i["rating"] for i in page.items] == [3.0, 5.0]
    assert page.items[1]["text"] == "Alles wunderbar, schnell und unkompliziert."  # tags stripped
    assert page.items[0]["author"] == "Petra L." and page.items[0]["lang"] is None  # detected later
    assert any("aggregate rating 4.2 from 137" in n for n in page.notes)
    assert_valid(page.items)


def test_schemaorg_microdata_rescales_ratings():
    page = parse_schemaorg(read("schemaorg/shop_microdata.html"), url="https://shop.example.de/p/1")
    assert [i["author"] for i in page.items] == ["Kai R.", "Lena"]
    assert page.items[0]["rating"] == pytest.approx(1 + 5 * 4 / 9, abs=1e-3)  # 6 on 1..10
    assert page.items[1]["rating"] == 5.0
    assert page.items[0]["title"] == "Stabil, aber teuer"


def test_schemaorg_rdfa_resolves_nested_nodes():
    page = parse_schemaorg(read("schemaorg/blog_rdfa.html"), url="https://blog.example.de/acme-versand-test")
    (item,) = page.items
    assert item["author"] == "Miriam H." and item["rating"] == 2.0
    assert parse_time(item["published_at"]).isoformat() == "2026-11-14T07:30:00+00:00"
    assert item["external_id"] == "https://blog.example.de/acme-versand-test#review"


# ---------------------------------------------------------------------------- feeds


def test_google_alerts_atom():
    page = parse_feed(read("feed/google_alerts.atom"), url="https://www.google.com/alerts/feeds/1/2")
    assert len(page.items) == 3 and page.errors == []
    first = page.items[0]
    assert first["url"] == "https://www.lvz-beispiel.de/wirtschaft/acme-versand-streik-leipzig.html"
    assert first["title"] == "Acme Versand: Zusteller streiken in Leipzig"  # <b> removed
    assert "<b>" not in first["text"]
    assert parse_time(first["published_at"]).isoformat() == "2026-11-21T07:45:00+00:00"


def test_rss_feed_language_and_content():
    page = parse_feed(read("feed/news.rss"), url="https://logistik-blog.example.de/feed/")
    assert [i["lang"] for i in page.items] == ["de", "de"]
    assert page.items[0]["text"].startswith("In unserem Test brauchte Acme Versand")
    assert page.items[0]["external_id"] == "https://logistik-blog.example.de/?p=4711"
    assert parse_time(page.items[0]["published_at"]).isoformat() == "2026-11-20T13:05:00+00:00"


def test_feed_garbage_raises_and_redirects_unwrap():
    with pytest.raises(ValueError, match="not a readable feed"):
        parse_feed(b"<html><body>Oops</body>", url="x")
    assert unwrap_redirect("https://www.google.com/url?rct=j&url=https://a.de/x&ct=ga") == "https://a.de/x"
    assert unwrap_redirect("https://a.de/y") == "https://a.de/y"


# ---------------------------------------------------------------------------- Reddit


def test_reddit_real_listing():
    page = parse_reddit(cassette_body_json("reddit/TestSubreddit.test_search.json", "/search/"))
    assert len(page.items) == 6 and page.errors == []
    first = page.items[0]
    assert first["external_id"] == "t3_3gpbiu" and first["author"] == "dClauzel"
    assert (
        first["url"]
        == "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"
    )
    assert first["text"].startswith("# solved")
    assert first["published_at"] == 1439370514.0
    assert page.next is None
    assert_valid(page.items)


def cassette_body_json(rel: str, uri_part: str) -> str:
    data = json.loads(read(rel))
    for i in data["interactions"]:
        if uri_part in i["request"]["uri"]:
            return i["response"]["body"]["string"]
    raise LookupError(uri_part)


def test_reddit_broken_child_costs_one_error():
    listing = json.loads(cassette_body_json("reddit/TestSubreddit.test_search.json", "/search/"))
    del listing["data"]["children"][2]["data"]["permalink"]
    page = parse_reddit(json.dumps(listing))
    assert len(page.items) == 5 and len(page.errors) == 1 and "permalink" in page.errors[0]


# ---------------------------------------------------------------------------- Hacker News


def test_hackernews_stories_and_comments():
    stories = parse_hackernews(json.dumps(hn_reply("/api/v1/search_by_date?query=apple&tags=story")))
    assert len(stories.items) == 20 and stories.errors == [] and stories.next == 1
    comments = parse_hackernews(json.dumps(hn_reply("/api/v1/search_by_date?query=apple&tags=comment")))
    assert len(comments.items) == 20
    c = comments.items[0]
    assert c["url"].startswith("https://news.ycombinator.com/item?id=")
    assert "<p>" not in c["text"] and "&quot;" not in c["text"]
    assert c["title"]  # the story a comment belongs to
    assert_valid(stories.items + comments.items)


def test_hackernews_last_page_ends_paging():
    reply = hn_reply("/api/v1/search_by_date?query=apple&tags=story")
    reply = {**reply, "page": reply["nbPages"] - 1}
    assert parse_hackernews(json.dumps(reply)).next is None


# ---------------------------------------------------------------------------- Mastodon


def test_mastodon_hashtag_timeline():
    page = parse_statuses(cassette_body("mastodon/test_hashtag_tl.yaml", "timelines/tag/hoot"))
    (item,) = page.items
    assert item["text"] == "#hoot (hashtag toot)"
    assert item["lang"] == "ja" and item["author"] == "mastodonpy_test_2"
    assert item["external_id"].endswith("/statuses/117020593741189701")
    assert page.next == "117020593741189701"


def test_mastodon_public_timeline_and_search_shapes():
    public = parse_statuses(cassette_body("mastodon/test_public_tl_anonymous.yaml", "timelines/public"))
    assert len(public.items) >= 5 and public.errors == []
    assert_valid(public.items)
    search = parse_statuses(cassette_body("mastodon/test_search.yaml", "api/v2/search"))
    assert search.items == [] and search.next is None  # that recorded search found accounts only


# ---------------------------------------------------------------------------- Bluesky


def test_bluesky_search_posts():
    page = parse_bluesky(read("bluesky/searchPosts.json"))
    assert len(page.items) == 23 and page.errors == [] and page.next == "25"
    first = page.items[0]
    assert first["author"] == "planetcarnival.bsky.social" and first["lang"] == "en"
    assert first["url"] == "https://bsky.app/profile/planetcarnival.bsky.social/post/3kghpycppiw2n"
    assert first["text"].startswith("I was upset last year when redistricting")
    assert post_url("at://did:plc:x/app.bsky.feed.post/abc", "h.bsky.social").endswith("/post/abc")
    assert_valid(page.items)


def test_bluesky_broken_post_costs_one_error():
    data = json.loads(read("bluesky/searchPosts.json"))
    data["posts"][5]["record"] = None
    page = parse_bluesky(json.dumps(data))
    assert len(page.items) == 22 and len(page.errors) == 1
