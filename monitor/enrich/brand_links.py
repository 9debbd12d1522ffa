"""Link each mention to every brand it names (``mention_brands``, via ``text``).

Why here and not in the crawler: a post found by one brand's query often names a second
brand ("Paketwerk war schneller als Zalando"), and the second brand's own query may never
fetch it (the key ``(source, external_id)`` stores it once). Linking after storage sees every
writer — crawl, import, the cluster — and redoes the whole archive when the brands' names or
queries change, so a competitor added today gets its history at once. Review sources stay
bound to the brand whose page they were read from. Matching needs no model: it is cheap
enough to run before enrichment and detection.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core.config_sources import REVIEW_SOURCES
from monitor.core.times import iso, utcnow
from nlp.brands import BrandMatcher, PreparedText, compile_brand

if TYPE_CHECKING:
    from monitor.core.archive import Archive
    from monitor.core.config import Brand, Watchlist

_BATCH = 5000


@dataclass
class LinkStats:
    scanned: int = 0
    linked: int = 0
    relinked_all: bool = False  # the brands' definitions changed: every text link was redone


def link_version(wl: Watchlist) -> str:
    """Changes when any brand's matching changes (names, aliases, query, excludes, case)."""
    spec = [
        (b.name, b.aliases, b.exclude, b.query, b.case_sensitive)
        for b in sorted(wl.brands, key=lambda b: b.name)
    ]
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def register_brands(archive: Archive, wl: Watchlist) -> None:
    """Write the watchlist's brands to ``brands`` (the competitor flag the views read)."""
    now = iso(utcnow())
    rows = [
        {
            "name": b.name,
            "competitor": int(b.competitor),
            "compared_with": json.dumps([c.name for c in wl.compared_with(b)], ensure_ascii=False),
            "updated_at": now,
        }
        for b in wl.brands
    ]
    with archive.conn:
        archive.db["brands"].upsert_all(rows, pk="name")


def _matchers(wl: Watchlist) -> list[tuple[str, BrandMatcher]]:
    return [(b.name, brand_matcher(b)) for b in wl.brands]


def brand_matcher(b: Brand) -> BrandMatcher:
    return compile_brand(b.name, b.aliases, b.exclude, query=b.query, case_sensitive=b.case_sensitive)


def link_brands(archive: Archive, wl: Watchlist) -> LinkStats:
    """Add the ``text`` links of mentions not yet linked; all of them if the brands changed."""
    register_brands(archive, wl)
    stats = LinkStats()
    version = link_version(wl)
    state = archive.conn.execute("SELECT version, upto_id FROM brand_link_state").fetchone()
    upto = 0
    if state is not None and state[0] == version:
        upto = state[1]
    elif state is not None:
        stats.relinked_all = True
    matchers = _matchers(wl)
    with archive.conn:
        if upto == 0:
            archive.conn.execute("DELETE FROM mention_brands WHERE via = 'text'")
        while True:
            batch = archive.conn.execute(
                "SELECT id, brand, published_at, source, coalesce(title, '') || char(10) || "
                f"coalesce(text, '') FROM mentions WHERE id > ? ORDER BY id LIMIT {_BATCH}",
                (upto,),
            ).fetchall()
            if not batch:
                break
            links = [
                (mid, name, published, "text")
                for mid, own, published, source, body in batch
                if source not in REVIEW_SOURCES and body.strip()
                for prepared in (PreparedText.of(body),)  # tokenised once for every brand
                for name, matcher in matchers
                if name != own and matcher.matches(prepared)
            ]
            archive.conn.executemany(
                "INSERT OR IGNORE INTO mention_brands (mention_id, brand, published_at, via) "
                "VALUES (?, ?, ?, ?)",
                links,
            )
            stats.scanned += len(batch)
            stats.linked += len(links)
            upto = batch[-1][0]
        archive.conn.execute(
            "INSERT OR REPLACE INTO brand_link_state (id, version, upto_id) VALUES (1, ?, ?)",
            (version, upto),
        )
    return stats
