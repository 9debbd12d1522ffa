"""A small real archive for the analyst and privacy tests: 49 App Store reviews (real
authors and texts, see tests/fixtures/analyst/README.md) plus enrichments, topic hits, an
open alert quoting them and survey responses, written the way the stages write them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row, text_hash
from monitor.core.times import iso
from tests.helpers import paths

FIXTURE = paths.FIXTURES / "analyst" / "itunes_rss_reviews.json"
#: Shift the 2021 reviews so that they end on the demo's last day.
SHIFT_TO = datetime.fromisoformat("2026-11-21T12:00:00+00:00")


def appstore_rows(brand: str = "Acme") -> list[dict]:
    entries = json.loads(FIXTURE.read_text(encoding="utf-8"))["feed"]["entry"][1:]
    newest = max(datetime.fromisoformat(e["updated"]["label"]) for e in entries)
    shift = SHIFT_TO - newest
    rows = []
    for e in entries:
        m = MentionIn(
            id=e["id"]["label"],
            source="appstore",
            source_key="appstore:app_id=284815942",
            url=e["author"]["uri"]["label"],
            author=e["author"]["name"]["label"],
            title=e["title"]["label"],
            text=e["content"]["label"],
            lang="en",
            rating=float(e["im:rating"]["label"]),
            published_at=datetime.fromisoformat(e["updated"]["label"]) + shift,
            brand=brand,
        )
        rows.append(mention_row(m, default_brand=brand, fetched_at=SHIFT_TO))
    return rows


def seed(archive: Archive) -> dict:
    """Fill the archive; return {author: [mention ids]} and the alert id."""
    stats = archive.add_mentions(appstore_rows())
    conn = archive.conn
    ids_by_author: dict[str, list[int]] = {}
    rows = conn.execute("SELECT id, author, text, rating FROM mentions ORDER BY id").fetchall()
    with conn:
        for mid, author, text, rating in rows:
            ids_by_author.setdefault(author, []).append(mid)
            label = "negative" if rating <= 2 else "positive" if rating >= 4 else "neutral"
            h = text_hash(text)
            conn.execute(
                "INSERT INTO enrichments (mention_id, lang, sentiment, score, text_hash,"
                " model_version, taxonomy_version, enriched_at) VALUES (?,?,?,?,?,?,?,?)",
                (mid, "en", label, 0.9, h, "test-1", "tax-1", iso(SHIFT_TO)),
            )
            conn.execute(
                "INSERT OR IGNORE INTO sentiment_cache (text_hash, model_version, sentiment,"
                " score) VALUES (?,?,?,?)",
                (h, "test-1", label, 0.9),
            )
            first = text.split(".")[0][:200]
            topic = "search" if "search" in text.lower() else "app"
            conn.execute(
                "INSERT INTO mention_topics (mention_id, topic, keyword, matched_text, sentence,"
                " sentiment, taxonomy_version) VALUES (?,?,?,?,?,?,?)",
                (mid, topic, topic, topic, first, label, "tax-1"),
            )
        negative = [r for r in rows if r[3] <= 2][:4]
        examples = [
            {"mention_id": r[0], "quote": r[2][:120], "url": None, "source": "appstore"} for r in negative
        ]
        alert_id = conn.execute(
            "INSERT INTO alerts (brand, kind, topic, status, opened_at, updated_at, first_seen,"
            " window_start, window_end, observed, expected, ratio, p_value, authors, examples,"
            " explanation) VALUES ('Acme','spike','app','open',?,?,?,?,?,12,3,4,0.001,4,?,?)",
            (
                iso(SHIFT_TO),
                iso(SHIFT_TO),
                "2026-11-20",
                "2026-11-20",
                "2026-11-21",
                json.dumps(examples),
                json.dumps({"test": "poisson", "mention_ids": [r[0] for r in negative]}),
            ),
        ).lastrowid
    day = SHIFT_TO.date()
    archive.add_survey_responses(
        [
            {
                "brand": "Acme",
                "score": s,
                "comment": c,
                "responded_at": (day - timedelta(days=k)).isoformat(),
                "customer_ref": ref,
                "content_hash": f"h{k}",
                "imported_at": iso(SHIFT_TO),
            }
            for k, (s, c, ref) in enumerate(
                [
                    (10, "Super", "K-1"),
                    (9, None, "K-2"),
                    (8, "ok", "K-3"),
                    (3, "Lieferung zu spät", "K-4"),
                    (0, "Nie wieder", "K-5"),
                ]
            )
        ]
    )
    with conn:
        conn.execute(
            "INSERT INTO survey_topics (response_id, topic, keyword, taxonomy_version)"
            " SELECT id, 'delivery', 'Lieferung', 'tax-1' FROM survey_responses"
            " WHERE customer_ref = 'K-4'"
        )
    assert stats.new == len(rows)
    return {"authors": ids_by_author, "alert_id": alert_id, "negative": [r[0] for r in negative]}
