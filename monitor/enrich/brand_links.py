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
    stale: int = 0  # enriched mentions whose links changed: the next enrich redoes them


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
    """Add the ``text`` links of mentions not yet linked; all of them if the brands changed.

    An enriched mention whose links changed is marked ``enrichments.brands_stale``: its
    per-brand labels and topic brands were made for other brands, so the next enrich redoes it."""
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
        before = set(
            archive.conn.execute(
                "SELECT mention_id, brand FROM mention_brands WHERE via = 'text' AND mention_id > ?", (upto,)
            )
        )
        redo_all = upto == 0
        found: set[tuple[int, str]] = set()
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
            found.update((mid, name) for mid, name, _, _ in links)
            stats.scanned += len(batch)
            stats.linked += len(links)
            upto = batch[-1][0]
        if redo_all:  # links no brand makes any more go; the others keep their labels
            gone = sorted(before - found)
            archive.conn.executemany(
                "DELETE FROM mention_brands WHERE mention_id = ? AND brand = ? AND via = 'text'", gone
            )
            changed = before ^ found
        else:  # new mentions only: links already there (an analyst's own) stay
            changed = found - before
        stats.stale = _mark_stale(archive, {mid for mid, _ in changed})
        archive.conn.execute(
            "INSERT OR REPLACE INTO brand_link_state (id, version, upto_id) VALUES (1, ?, ?)",
            (version, upto),
        )
    return stats


def _mark_stale(archive: Archive, changed: set[int]) -> int:
    """Mark the enriched ones of ``changed`` for re-enrichment; how many were marked."""
    marked = 0
    ids = sorted(changed)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        marked += archive.conn.execute(
            f"UPDATE enrichments SET brands_stale = 1 WHERE mention_id IN ({marks})", chunk
        ).rowcount
    return marked
