"""Archive figures for analysts (issue 9): ingestion, full-text search, views, digest render.

Builds a synthetic archive (default 1,000,000 mentions over 2 years, 5 brands, 20 topics, in
German and English, every mention enriched, ~1.4 topics each, alerts and survey responses) and
prints, each with the size of the file:

- ingestion rate through ``Archive.add_mentions`` (batches of 20,000 by default, ``--batch``
  to change; FTS and near-duplicate marking included) vs a naive row-by-row
  loop, one transaction per row; wall-clock and per CPU second, with the load average,
  since the bench machine is shared;
- p50/p95 of a two-word FTS query vs the same question as a LIKE scan;
- each analyst view's latency for a 28-day window of one brand;
- the digest render time for one day (``reports.pipeline`` when it exists);
- retention (redact mentions older than 700 days) and forget (one author, bytes purged).

Run:  .venv/bin/python bench/archive.py [--n 1000000] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.core.archive import Archive  # noqa: E402
from monitor.core.rows import content_hash  # noqa: E402
from monitor.core.times import iso  # noqa: E402

BRANDS = ["Acme", "Bolt", "Cirrus", "Dorado", "Eiger"]
SOURCES = ["appstore", "google_play", "trustpilot", "reddit", "mastodon", "feed"]
RATED = {"appstore", "google_play", "trustpilot"}
TOPICS = {
    "delivery": ("Lieferung", "delivery"),
    "price": ("Preis", "price"),
    "service": ("Kundenservice", "customer service"),
    "app": ("App", "app"),
    "login": ("Anmeldung", "login"),
    "refund": ("Erstattung", "refund"),
    "invoice": ("Rechnung", "invoice"),
    "quality": ("Qualität", "quality"),
    "packaging": ("Verpackung", "packaging"),
    "returns": ("Rücksendung", "returns"),
    "payment": ("Zahlung", "payment"),
    "contract": ("Vertrag", "contract"),
    "hotline": ("Hotline", "hotline"),
    "website": ("Webseite", "website"),
    "stock": ("Lagerbestand", "stock"),
    "tracking": ("Sendungsverfolgung", "tracking"),
    "voucher": ("Gutschein", "voucher"),
    "account": ("Kundenkonto", "account"),
    "speed": ("Geschwindigkeit", "speed"),
    "privacy": ("Datenschutz", "privacy"),
}
DE_OPEN = ["Leider", "Ehrlich gesagt", "Wieder einmal", "Seit Wochen", "Heute", "Zum ersten Mal"]
DE_BAD = [
    "ist eine Katastrophe",
    "dauert ewig",
    "funktioniert nicht",
    "war eine Frechheit",
    "hat mich enttäuscht",
    "kam beschädigt an",
]
DE_GOOD = [
    "war super schnell",
    "ist top",
    "hat perfekt geklappt",
    "war freundlich",
    "überzeugt mich",
    "ist günstig",
]
DE_FILL = ["bei", "mit", "und", "die", "der", "aber", "auch", "noch", "sehr", "wirklich"]
EN_OPEN = ["Sadly", "Honestly", "Once again", "For weeks", "Today", "For the first time"]
EN_BAD = ["is a disaster", "takes forever", "does not work", "was rude", "let me down", "arrived damaged"]
EN_GOOD = ["was super fast", "is great", "worked perfectly", "was friendly", "convinced me", "is cheap"]
EN_FILL = ["with", "and", "the", "but", "also", "still", "very", "really", "my", "their"]
COMPOUNDS = [
    "Lieferverzögerung",
    "Paketzustellung",
    "Kundenservicehotline",
    "Preiserhöhung",
    "Rechnungsadresse",
    "Rücksendeetikett",
    "Gutscheincode",
    "Zahlungsart",
]

DAYS = 730
END = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
START = END - timedelta(days=DAYS)


def human(n: float) -> str:
    return f"{n:,.0f}"


def size(path: Path) -> str:
    total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return f"{total / 2**20:,.1f} MiB (db+wal)"


class Synth:
    """Deterministic synthetic mentions; one random stream so runs are comparable."""

    def __init__(self, n: int, seed: int = 7):
        self.r = random.Random(seed)
        self.step = (DAYS * 86400 - 6 * 3600) / max(n, 1)
        self.authors = [f"user{i:06d}" for i in range(60_000)]
        self.topics = list(TOPICS)

    def text(self, lang: str, topics: list[str], negative: bool) -> str:
        r = self.r
        parts = []
        for t in topics:
            de, en = TOPICS[t]
            if lang == "de":
                verdict = r.choice(DE_BAD if negative else DE_GOOD)
                parts.append(f"{r.choice(DE_OPEN)} {de} {r.choice(DE_FILL)} {verdict}")
            else:
                verdict = r.choice(EN_BAD if negative else EN_GOOD)
                parts.append(f"{r.choice(EN_OPEN)} the {en} {r.choice(EN_FILL)} {verdict}")
        if lang == "de" and r.random() < 0.3:
            parts.append(f"Die {r.choice(COMPOUNDS)} {r.choice(DE_BAD)}")
        fill = DE_FILL if lang == "de" else EN_FILL
        parts.append(" ".join(r.choice(fill) for _ in range(r.randint(4, 14))))
        return ". ".join(parts) + "."

    def mention(self, i: int) -> tuple[dict, list[str], str]:
        r = self.r
        brand = BRANDS[i % 5]
        source = r.choice(SOURCES)
        lang = "de" if r.random() < 0.7 else "en"
        topics = r.sample(self.topics, r.choice((0, 1, 1, 1, 2, 2, 3)))
        negative = r.random() < 0.35
        text = self.text(lang, topics, negative)
        if r.random() < 0.01 and i > 10:  # a near-identical repost
            text = text.upper()
        # An archive fills roughly in time order (crawls fetch what is new), with jitter.
        published = START + timedelta(seconds=i * self.step + r.randrange(6 * 3600))
        rating = None
        if source in RATED:
            rating = float(r.choice((1, 2)) if negative else r.choice((3, 4, 5, 5)))
        sentiment = "negative" if negative else r.choice(("positive", "positive", "neutral"))
        row = {
            "source": source,
            "source_key": f"{source}:bench",
            "external_id": f"{source}-{i}",
            "url": f"https://example.org/{source}/{i}",
            "author": r.choice(self.authors),
            "title": None,
            "text": text,
            "lang": lang,
            "rating": rating,
            "reach": r.randrange(50),
            "published_at": iso(published),
            "fetched_at": iso(published + timedelta(hours=1)),
            "brand": brand,
            "content_hash": content_hash(text),
            "raw_ref": None,
        }
        return row, topics, sentiment


def build(path: Path, n: int, cache_mib: int | None = None, batch_size: int = 20_000) -> dict:
    """Create the archive; return timing figures of the ingestion."""
    synth = Synth(n)
    arc = Archive.open(path)
    if cache_mib:
        arc.conn.execute(f"PRAGMA cache_size = -{cache_mib * 1024}")
    ingest_s = 0.0
    ingest_cpu = 0.0
    derived: list[tuple] = []
    topic_rows: list[tuple] = []
    next_id = 1
    for start in range(0, n, batch_size):
        rows = []
        meta = []
        for i in range(start, min(n, start + batch_size)):
            row, topics, sentiment = synth.mention(i)
            rows.append(row)
            meta.append((topics, sentiment, row["text"]))
        t0, c0 = time.perf_counter(), time.process_time()
        stats = arc.add_mentions(rows)
        ingest_s += time.perf_counter() - t0
        ingest_cpu += time.process_time() - c0
        assert stats.new == len(rows), "bench ids must be new"
        for mid, (topics, sentiment, text) in zip(stats.new_ids, meta):
            p = {"negative": 0.1, "neutral": 0.1, "positive": 0.1}
            p[sentiment] = 0.8
            derived.append(
                (
                    mid,
                    sentiment,
                    0.8,
                    p["negative"],
                    p["neutral"],
                    p["positive"],
                    text[:32],
                    "bench-1",
                    "tax-1",
                    "2026-11-22T00:00:00Z",
                )
            )
            for t in topics:
                topic_rows.append((mid, t, TOPICS[t][0], sentiment, "tax-1"))
        next_id = max(stats.new_ids) + 1 if stats.new_ids else next_id
        if len(derived) >= 50_000 or start + batch_size >= n:
            with arc.conn:
                arc.conn.executemany(
                    "INSERT INTO enrichments (mention_id, sentiment, score, prob_negative,"
                    " prob_neutral, prob_positive, text_hash, model_version, taxonomy_version,"
                    " enriched_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    derived,
                )
                arc.conn.executemany(
                    "INSERT INTO mention_topics (mention_id, topic, keyword, sentiment,"
                    " taxonomy_version) VALUES (?,?,?,?,?)",
                    topic_rows,
                )
            derived.clear()
            topic_rows.clear()
        done = min(n, start + batch_size)
        if done % 100_000 == 0:
            print(f"  … {human(done)} mentions, {human(done / ingest_s)}/s", flush=True)
    _add_alerts_and_surveys(arc, synth)
    arc.conn.execute("ANALYZE")
    arc.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    arc.close()
    return {"ingest_s": ingest_s, "ingest_cpu": ingest_cpu, "n": n}


def _add_alerts_and_surveys(arc: Archive, synth: Synth) -> None:
    import json

    r = synth.r
    alerts = []
    for k in range(200):
        brand = BRANDS[k % 5]
        day = (END - timedelta(days=r.randrange(DAYS))).date()
        ids = [r.randrange(1, 1000) for _ in range(3)]
        ex = [{"mention_id": i, "quote": "…", "url": None, "source": "reddit"} for i in ids]
        alerts.append(
            (
                brand,
                "spike",
                r.choice(list(TOPICS)),
                r.choice(("open", "resolved")),
                iso(END),
                iso(END),
                day.isoformat(),
                day.isoformat(),
                12,
                3,
                4,
                1e-4,
                5,
                json.dumps(ex),
            )
        )
    with arc.conn:
        arc.conn.executemany(
            "INSERT INTO alerts (brand, kind, topic, status, opened_at, updated_at, window_start,"
            " window_end, observed, expected, ratio, p_value, authors, examples)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            alerts,
        )
    surveys = []
    for k in range(50_000):
        day = (END - timedelta(days=r.randrange(DAYS))).date().isoformat()
        score = r.randrange(11)
        surveys.append(
            {
                "brand": BRANDS[k % 5],
                "score": score,
                "comment": "Lieferung zu spät",
                "responded_at": day,
                "customer_ref": f"c{k}",
                "content_hash": f"h{k}",
                "imported_at": iso(END),
            }
        )
    arc.add_survey_responses(surveys)
    with arc.conn:
        arc.conn.execute(
            "INSERT INTO survey_topics (response_id, topic, keyword, taxonomy_version)"
            " SELECT id, 'delivery', 'Lieferung', 'tax-1' FROM survey_responses WHERE score <= 6"
        )


def naive_ingest_rate(n: int = 3000) -> float:
    """Row-by-row inserts, one commit each: what a straightforward pipeline would do."""
    synth = Synth(n, seed=99)
    with tempfile.TemporaryDirectory() as d:
        arc = Archive.open(Path(d) / "naive.db")
        rows = [synth.mention(i)[0] for i in range(n)]
        t0 = time.perf_counter()
        for row in rows:
            arc.add_mentions([row])
        rate = n / (time.perf_counter() - t0)
        arc.close()
    return rate


def timed(conn, sql: str, params=(), repeat: int = 15) -> tuple[float, float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(conn.execute(sql, params).fetchall())
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], rows


def queries(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    brand = "Acme"
    until = END.date()
    since = until - timedelta(days=27)
    d0, d1 = since.isoformat(), until.isoformat()
    print(f"\nFull-text search ({size(path)})")
    words = [
        "lieferung katastrophe",
        "refund disaster",
        "hotline frechheit",
        "verpackung beschädigt",
        "tracking forever",
    ]
    fts = []
    for w in words:
        fts.append(
            timed(
                conn,
                "SELECT m.id, m.brand, m.published_at FROM mentions_fts f"
                " JOIN mentions m ON m.id = f.rowid WHERE mentions_fts MATCH ?"
                " ORDER BY f.rank LIMIT 50",
                (w,),
                repeat=9,
            )
        )
    p50 = statistics.median(t[0] for t in fts)
    p95 = max(t[1] for t in fts)
    print(f"  two-word query, top 50 by rank: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p50 < 50 ms)")
    a, b = "lieferung", "katastrophe"
    t_like = timed(
        conn,
        "SELECT count(*) FROM mentions WHERE text LIKE ? AND text LIKE ?",
        (f"%{a}%", f"%{b}%"),
        repeat=3,
    )[0]
    t_fts = timed(
        conn, "SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH ?", (f"{a} {b}",), repeat=5
    )[0]
    print(f"  count of all matches: FTS {t_fts:.1f} ms vs LIKE scan {t_like:.0f} ms ({t_like / t_fts:,.0f}x)")
    t_pre = timed(
        conn, "SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH ?", ("liefer*",), repeat=5
    )[0]
    print(f"  prefix query 'liefer*' (compounds), count: {t_pre:.1f} ms")

    print(f"\nViews, brand {brand}, 28 days {d0}..{d1} ({size(path)})")
    view_sql = {
        "v_daily_sentiment": (
            "SELECT * FROM v_daily_sentiment WHERE brand = ? AND day BETWEEN ? AND ?",
            (brand, d0, d1),
        ),
        "v_topic_daily": (
            "SELECT * FROM v_topic_daily WHERE brand = ? AND day BETWEEN ? AND ?",
            (brand, d0, d1),
        ),
        "v_open_alerts": (
            "SELECT * FROM v_open_alerts WHERE brand = ? AND window_end BETWEEN ? AND ?",
            (brand, d0, d1),
        ),
        "v_alert_evidence": ("SELECT * FROM v_alert_evidence WHERE brand = ?", (brand,)),
        "v_review_nps_monthly": (
            "SELECT * FROM v_review_nps_monthly WHERE brand = ? AND month BETWEEN ? AND ?",
            (brand, d0[:7], d1[:7]),
        ),
        "v_survey_nps_monthly": (
            "SELECT * FROM v_survey_nps_monthly WHERE brand = ? AND month BETWEEN ? AND ?",
            (brand, d0[:7], d1[:7]),
        ),
    }
    for name, (sql, params) in view_sql.items():
        p50v, p95v, rows = timed(conn, sql, params, repeat=7)
        flag = "ok" if p50v < 200 else "SLOW"
        print(f"  {name:<22} p50 {p50v:7.1f} ms  p95 {p95v:7.1f} ms  {rows:5d} rows  [{flag}]")
    conn.close()


def digest(path: Path) -> None:
    try:
        from reports.pipeline import run_digest  # noqa: F401
    except ImportError:
        print("\nDigest render: reports.pipeline is not available yet — not measured")
        return
    import yaml

    from monitor.core.config import load_watchlist

    with tempfile.TemporaryDirectory() as d:
        wl_path = Path(d) / "watchlist.yaml"
        wl_path.write_text(
            yaml.safe_dump(
                {
                    "archive": str(path),
                    "brands": [{"name": b} for b in BRANDS],
                    "topics": {t: {"keywords": {"de": [de], "en": [en]}} for t, (de, en) in TOPICS.items()},
                    "digest": {"recipients": [{"emails": ["team@example.com"]}], "output_dir": d},
                }
            ),
            encoding="utf-8",
        )
        wl = load_watchlist(wl_path)
        arc = Archive.open(path)
        try:
            t0 = time.perf_counter()
            results = run_digest(wl, arc, period=END.date(), send=False, out=Path(d) / "d.html")
            took = time.perf_counter() - t0
        finally:
            arc.close()
    print(
        f"\nDigest render for {END.date()}: {took:.2f} s for {len(results)} digest(s) "
        f"(target < 2 s) ({size(path)})"
    )


def privacy_figures(path: Path) -> None:
    """Retention and forget on the big archive (they change it: run last)."""
    from monitor.privacy.erasure import apply_retention, forget

    arc = Archive.open(path)
    try:
        t0 = time.perf_counter()
        rep = apply_retention(arc, 700, now=END)
        took = time.perf_counter() - t0
        print(
            f"\nRetention (700 days): {human(rep.mentions)} mentions redacted in {took:.1f} s, "
            f"FTS optimize + WAL truncate included ({size(path)})"
        )
        author = arc.conn.execute(
            "SELECT author FROM mentions WHERE source = 'reddit' AND author IS NOT NULL"
            " GROUP BY author ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        t0 = time.perf_counter()
        rep = forget(arc, author, "reddit")
        took = time.perf_counter() - t0
        print(
            f"Forget one author ({rep.mentions} mentions, {rep.mention_topics} topic rows, "
            f"{rep.sentiment_cache} cache rows): {took:.1f} s incl. FTS optimize and VACUUM; "
            f"purged={rep.purged} ({size(path)})"
        )
    finally:
        arc.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, help="reuse/keep the archive here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary archive")
    ap.add_argument(
        "--cache-mib",
        type=int,
        help="SQLite page cache for the ingestion (default: the one Archive.open sets, 64 MiB)",
    )
    ap.add_argument(
        "--batch", type=int, default=20_000, help="mentions per add_mentions call (one transaction each)"
    )
    ap.add_argument(
        "--ingest-only",
        action="store_true",
        help="stop after the ingestion figures (no queries, digest, privacy)",
    )
    ap.add_argument(
        "--no-privacy", action="store_true", help="skip retention/forget figures (they change the archive)"
    )
    args = ap.parse_args()
    tmp = None
    if args.db:
        path = args.db
    else:
        tmp = tempfile.mkdtemp(prefix="bp-bench-")
        path = Path(tmp) / "bench.db"
    if not path.exists():
        print(
            f"Building {human(args.n)} mentions, {DAYS} days, {len(BRANDS)} brands, "
            f"{len(TOPICS)} topics into {path}"
        )
        fig = build(path, args.n, args.cache_mib, args.batch)
        rate = fig["n"] / fig["ingest_s"]
        cpu_rate = fig["n"] / fig["ingest_cpu"]
        cache = f", page cache {args.cache_mib} MiB" if args.cache_mib else ""
        print(
            f"\nIngestion via Archive.add_mentions (batches of {human(args.batch)}, FTS + repost "
            f"marking included{cache}): {human(rate)} mentions/s wall-clock, {human(cpu_rate)}/s per CPU "
            f"second of this process ({fig['ingest_s']:.1f} s for {human(fig['n'])}; "
            f"target >= 20,000/s; load average now {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores) ({size(path)})"
        )
        naive = naive_ingest_rate()
        print(
            f"  naive row-by-row (one transaction per mention): {human(naive)}/s "
            f"-> batching is {rate / naive:,.1f}x faster"
        )
    else:
        print(f"Reusing {path} ({size(path)})")
    if not args.ingest_only:
        queries(path)
        digest(path)
        if not args.no_privacy:
            privacy_figures(path)
    if tmp and not args.keep:
        for p in Path(tmp).glob("*"):
            p.unlink()
        os.rmdir(tmp)
    elif tmp:
        print(f"\nkept {path}")


if __name__ == "__main__":
    main()
