"""A schema.org review page with rating-only reviews, read and stored as a crawl stores it.

``schemaorg/rating_only.html`` holds three reviews of one shop: Tom 5★ and Sina 2★ without
text, and an unnamed 5★ "Top!". The crawler, enrichment, digest and detection tests of
rating-only reviews all start from the same stored rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from crawler.context import CrawlContext
from crawler.spiders.schemaorg import parse_schemaorg
from monitor.core.archive import Archive
from monitor.core.config import Watchlist, load_watchlist
from nlp.tiny_model import tiny_test_model
from tests.helpers import paths
from tests.helpers.watchlists import MINIMAL_WATCHLIST

PAGE = paths.FIXTURES / "crawler" / "schemaorg" / "rating_only.html"
PAGE_URL = "https://shop.example.de/acme-versand/bewertungen"
CRAWL_TIME = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
#: the page's reviews as (author, stars, text)
REVIEWS = [("Tom", 5.0, None), ("Sina", 2.0, None), (None, 5.0, "Top!")]


def schemaorg_watchlist(tmp_path: Path) -> Watchlist:
    """The minimal watchlist with the page as its brand's one (schema.org) source."""
    brand = {**MINIMAL_WATCHLIST["brands"][0], "sources": [{"type": "schemaorg", "urls": [PAGE_URL]}]}
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump({**MINIMAL_WATCHLIST, "brands": [brand]}, allow_unicode=True))
    return load_watchlist(path)


def crawl_page(
    wl: Watchlist, archive: Archive, html: bytes | None = None, url: str = PAGE_URL
) -> CrawlContext:
    """Parse the page, accept it and store its rows, as one run of the spider does."""
    brand = wl.brands[0]
    ctx = CrawlContext(wl, brand, brand.sources[0], archive)
    rows, _ = ctx.accept(parse_schemaorg(html or PAGE.read_bytes(), url=url, now=CRAWL_TIME), url)
    ctx.store(rows)
    return ctx


class RecordingModel:
    """The tiny real model, recording every text it is asked to classify."""

    version = "tiny-v1"

    def __init__(self):
        self.inner = tiny_test_model()
        self.texts: list[str] = []

    def predict(self, texts, **kw):
        self.texts.extend(texts)
        return self.inner.predict(texts)
