"""One spider per source type; ``SPIDERS`` maps the watchlist ``type`` to its class."""

from __future__ import annotations

from crawler.spiders.appstore import AppStoreSpider
from crawler.spiders.bluesky import BlueskySpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.google_play import GooglePlaySpider
from crawler.spiders.hackernews import HackerNewsSpider
from crawler.spiders.mastodon import MastodonSpider
from crawler.spiders.reddit import RedditSpider
from crawler.spiders.schemaorg import SchemaOrgSpider
from crawler.spiders.trustpilot import TrustpilotSpider

SPIDERS = {
    cls.source_type: cls
    for cls in (
        AppStoreSpider,
        GooglePlaySpider,
        TrustpilotSpider,
        SchemaOrgSpider,
        FeedSpider,
        RedditSpider,
        HackerNewsSpider,
        MastodonSpider,
        BlueskySpider,
    )
}

__all__ = ["SPIDERS"]
