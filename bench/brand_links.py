"""What counting through ``mention_brands`` costs (issue 18), against the old one-brand column.

Builds a synthetic archive (default 200,000 social mentions over one year, 4 own brands and
2 competitors; one mention in ten names a second brand) and prints:

- storing: ``Archive.add_mentions`` throughput with the link trigger and without it;
- linking: ``link_brands`` on the whole archive (first run, and a relink after a brand's
  aliases changed) vs a naive loop (one SELECT and one INSERT per mention and brand);
- a brand's 28-day period counted through the link (the digest's ``period_stats``) vs the
  same count on ``mentions.brand`` (the pre-migration query), and detection's
  ``load_events`` for one brand, 12 weeks;
- ``v_share_of_voice`` for 28 days.

Run:  .venv/bin/python bench/brand_links.py [--n 200000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.core.archive import Archive  # noqa: E402
from monitor.core.config import parse_watchlist  # noqa: E402
from monitor.core.rows import content_hash  # noqa: E402
from monitor.core.times import days_window, iso  # noqa: E402
from monitor.detect.counts import load_events  # noqa: E402
from monitor.enrich.brand_links import link_brands  # noqa: E402
from nlp.brands import compile_brand  # noqa: E402
from reports.queries.period import period_stats  # noqa: E402

OWN = ["Paketwerk", "Acme Versand", "Nordkauf", "Bolt Shop"]
RIVALS = ["Warenblitz", "KaufNest"]
SOURCES = ["reddit", "mastodon", "feed", "hackernews"]
DAYS = 365
END = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")
PHRASES = [
    "Lieferung kam wieder zu spät",
    "super schneller Versand",
    "der Kundenservice antwortet nicht",
    "Preis ist in Ordnung",
    "Paket beschädigt angekommen",
    "App stürzt beim Bezahlen ab",
]


def watchlist():
    brands = [{"name": n, "competitors": RIVALS} for n in OWN]
    brands += [{"name": n, "competitor": True} for n in RIVALS]
    return parse_watchlist({"brands": brands})


def rows(n: int, seed: int = 7) -> list[dict]:
    r = random.Random(seed)
    names = OWN + RIVALS
    step = DAYS * 86400 / n
    out = []
    for i in range(n):
        brand = r.choice(names)
        other = r.choice([b for b in names if b != brand]) if r.random() < 0.1 else None
        text = f"{brand}: {r.choice(PHRASES)} (#{i})" + (f", bei {other} besser" if other else "")
        when = iso(END - timedelta(seconds=i * step))
        out.append(
            {
                "source": r.choice(SOURCES),
                "external_id": f"b{i}",
                "text": text,
                "published_at": when,
                "fetched_at": when,
                "brand": brand,
                "author": f"user{r.randrange(50_000)}",
                "content_hash": content_hash(text),
            }
        )
    return out


def p50(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    args = ap.parse_args()
    wl = watchlist()
    data = rows(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.open(Path(tmp) / "bench.db")
        t = time.perf_counter()
        for i in range(0, len(data), 20_000):
            archive.add_mentions(data[i : i + 20_000])
        store = time.perf_counter() - t
        bare = Archive.open(Path(tmp) / "bare.db")
        bare.conn.execute("DROP TRIGGER mention_brands_on_insert")
        t = time.perf_counter()
        for i in range(0, len(data), 20_000):
            bare.add_mentions(data[i : i + 20_000])
        without = time.perf_counter() - t
        bare.close()
        print(
            f"store    {args.n:,} mentions: {args.n / store:,.0f}/s with the link trigger, "
            f"{args.n / without:,.0f}/s without (cost {store / without - 1:+.0%})"
        )

        t = time.perf_counter()
        stats = link_brands(archive, wl)
        first = time.perf_counter() - t
        print(
            f"link     first run: {stats.linked:,} text links in {first:.2f}s ({stats.scanned / first:,.0f} mentions/s)"
        )
        wl2 = parse_watchlist(
            {
                "brands": [
                    *({"name": b.name, "competitors": RIVALS} for b in wl.own_brands),
                    {"name": "Warenblitz", "competitor": True, "aliases": ["WB"]},
                    {"name": "KaufNest", "competitor": True},
                ]
            }
        )
        t = time.perf_counter()
        again = link_brands(archive, wl2)
        relink = time.perf_counter() - t
        print(f"link     relink after an alias change: {relink:.2f}s (relinked_all={again.relinked_all})")
        t = time.perf_counter()
        nothing = link_brands(archive, wl2)
        idle = time.perf_counter() - t
        print(f"link     nothing new: {idle * 1000:.1f} ms ({nothing.scanned} scanned)")
        with archive.conn:
            archive.conn.execute("DELETE FROM mention_brands WHERE via = 'text'")
        sample = min(args.n, 20_000)
        with archive.conn:
            archive.conn.execute(
                "CREATE TEMP TABLE keep AS SELECT id FROM mentions ORDER BY id LIMIT ?", (sample,)
            )
        t = time.perf_counter()
        naive_link_sample(archive, wl, sample)
        naive = (time.perf_counter() - t) / sample
        ours = first / max(stats.scanned, 1)
        print(
            f"link     naive row-by-row: {1 / naive:,.0f} mentions/s on {sample:,}; ours is {naive / ours:.1f}x faster"
        )

        end = END
        win = days_window(end.date(), TZ, 28)
        conn = archive.conn
        via_link = p50(lambda: period_stats(conn, "Paketwerk", win))
        old_sql = (
            "SELECT count(*), count(e.mention_id), coalesce(sum(e.sentiment = 'negative'), 0) "
            "FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id "
            "WHERE m.brand = ? AND m.published_at >= ? AND m.published_at < ? AND m.duplicate_of IS NULL"
        )
        via_column = p50(lambda: conn.execute(old_sql, ("Paketwerk", win.start_iso, win.end_iso)).fetchone())
        print(
            f"period   28 days of one brand: {via_link * 1000:.1f} ms through mention_brands, "
            f"{via_column * 1000:.1f} ms on mentions.brand (ratio {via_link / via_column:.2f})"
        )
        events = p50(lambda: load_events(conn, ["Paketwerk"], end - timedelta(weeks=12), end, TZ), repeat=3)
        print(f"detect   load_events, one brand, 12 weeks: {events * 1000:.0f} ms")
        sov = p50(
            lambda: conn.execute(
                "SELECT * FROM v_share_of_voice WHERE day BETWEEN ? AND ?",
                ((end - timedelta(days=28)).date().isoformat(), end.date().isoformat()),
            ).fetchall()
        )
        print(f"views    v_share_of_voice, 28 days, all brands: {sov * 1000:.1f} ms")
        archive.close()


def naive_link_sample(archive: Archive, wl, sample: int) -> int:
    matchers = [(b.name, compile_brand(b.name, b.aliases, b.exclude, query=b.query)) for b in wl.brands]
    linked = 0
    for (mid,) in archive.conn.execute("SELECT id FROM temp.keep").fetchall():
        own, published, body = archive.conn.execute(
            "SELECT brand, published_at, coalesce(title, '') || char(10) || coalesce(text, '')"
            " FROM mentions WHERE id = ?",
            (mid,),
        ).fetchone()
        for name, matcher in matchers:
            if name != own and matcher.matches(body):
                with archive.conn:
                    archive.conn.execute(
                        "INSERT OR IGNORE INTO mention_brands (mention_id, brand, published_at, via)"
                        " VALUES (?, ?, ?, 'text')",
                        (mid, name, published),
                    )
                linked += 1
    return linked


if __name__ == "__main__":
    main()
