"""Archive rows for digest tests, written straight into the tables the digest reads.

Why direct inserts: the digest must render whatever the earlier stages wrote, so its tests
set up exactly those rows (mentions, enrichments, mention_topics, alerts, crawl_runs,
survey_responses) without running crawler, model or detection.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from monitor.core.archive import Archive
from monitor.core.config import Watchlist, load_watchlist
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import iso
from tests.helpers import paths
from tests.helpers.watchlists import MINIMAL_WATCHLIST

DAY = date(2026, 11, 21)
TZ = ZoneInfo("Europe/Berlin")
FIXTURES = paths.FIXTURES / "digest"
APPSTORE_KEY = "appstore:app_id=284815942,country=de"
TRUSTPILOT_KEY = "trustpilot:domain=acme.example"


def digest_watchlist(tmp_path: Path, **digest: object) -> Watchlist:
    """MINIMAL_WATCHLIST plus a second source, a competitor and topics the fixtures hit."""
    data = copy.deepcopy(MINIMAL_WATCHLIST)
    brand = data["brands"][0]
    brand["competitors"] = ["Bing", "Zalando"]
    brand["sources"].append({"type": "trustpilot", "domain": "acme.example"})
    data["topics"]["ads"] = {
        "label": {"de": "Werbung", "en": "Ads"},
        "keywords": {"en": ["ads", "advert"], "de": ["Werbung"]},
    }
    data["topics"]["app"] = {
        "label": {"de": "App & Updates", "en": "App & updates"},
        "keywords": {"en": ["update", "app", "crash"], "de": ["App", "Update"]},
    }
    data["digest"] = {"recipients": [{"emails": ["team@example.com"]}], **digest}
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_watchlist(path)


def fixture_reviews() -> list[dict]:
    """The 50 real App Store reviews as plain dicts."""
    feed = json.loads((FIXTURES / "itunes_rss_reviews.json").read_text(encoding="utf-8"))
    out = []
    for e in feed["feed"]["entry"]:
        if "im:rating" not in e:
            continue
        out.append(
            {
                "id": e["id"]["label"],
                "author": e["author"]["name"]["label"],
                "title": e["title"]["label"],
                "text": e["content"]["label"],
                "rating": float(e["im:rating"]["label"]),
                "reach": int(e.get("im:voteSum", {}).get("label") or 0),
            }
        )
    return out


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def sentiment_for(rating: float | None) -> str:
    if rating is None:
        return "neutral"
    return "negative" if rating <= 2 else ("neutral" if rating == 3 else "positive")


def add_mention(
    archive: Archive,
    *,
    text: str,
    published: datetime,
    external_id: str,
    rating: float | None = None,
    sentiment: str | None = "auto",
    topics: dict[str, str | None] | None = None,
    source: str = "appstore",
    source_key: str | None = APPSTORE_KEY,
    url: str | None = None,
    author: str | None = "someone",
    title: str | None = None,
    reach: int | None = None,
    lang: str | None = None,
    brand: str = "Acme",
    replied_at: datetime | None = None,
) -> int:
    """Insert one mention (+ enrichment + topic rows); return its id."""
    m = MentionIn(
        text=text,
        external_id=external_id,
        source=source,
        source_key=source_key,
        url=url,
        author=author,
        title=title,
        rating=rating,
        reach=reach,
        published_at=published,
        lang=lang,
        brand=brand,
        replied_at=replied_at,
    )
    stats = archive.add_mentions([mention_row(m, default_brand=brand)])
    assert stats.new == 1, f"mention {external_id} was not new"
    mid = stats.new_ids[0]
    label = sentiment_for(rating) if sentiment == "auto" else sentiment
    with archive.conn:
        if label:
            probs = {"negative": 0.05, "neutral": 0.05, "positive": 0.05}
            probs[label] = 0.9
            archive.db["enrichments"].insert(
                {
                    "mention_id": mid,
                    "lang": lang or "en",
                    "lang_confidence": 0.99,
                    "sentiment": label,
                    "score": 0.9,
                    "prob_negative": probs["negative"],
                    "prob_neutral": probs["neutral"],
                    "prob_positive": probs["positive"],
                    "mixed": 0,
                    "text_hash": "x",
                    "model_version": "test-1",
                    "taxonomy_version": "t1",
                    "enriched_at": iso(published),
                }
            )
        for topic, aspect in (topics or {}).items():
            archive.db["mention_topics"].insert(
                {
                    "mention_id": mid,
                    "topic": topic,
                    "keyword": topic,
                    "sentence": text[:80],
                    "sentiment": aspect,
                    "score": 0.8,
                    "negated": 0,
                    "taxonomy_version": "t1",
                }
            )
    return mid


def topics_of(text: str) -> dict[str, str | None]:
    low = text.lower()
    found: dict[str, str | None] = {}
    if " ads" in low or "advert" in low:
        found["ads"] = None
    if "update" in low or "crash" in low or " app" in low:
        found["app"] = None
    return found


def day_reviews() -> tuple[list[dict], list[dict]]:
    """The real reviews used on the digest day: four 1-2★ and three 5★ ones."""
    reviews = fixture_reviews()
    return [r for r in reviews if r["rating"] <= 2][:4], [r for r in reviews if r["rating"] == 5][:3]


def add_review(archive: Archive, r: dict, *, published: datetime, external_id: str) -> int:
    """One real App Store review (from ``fixture_reviews``) as a mention with its topics."""
    return add_mention(
        archive,
        text=r["text"],
        title=r["title"],
        rating=r["rating"],
        author=r["author"],
        reach=r["reach"],
        published=published,
        external_id=external_id,
        topics=topics_of(r["text"]),
        url=f"https://apps.apple.com/us/review?id={r['id']}",
    )


def seed_history(archive: Archive, day: date = DAY, per_day: int = 1) -> None:
    """28 days of baseline (``per_day`` real reviews a day) before ``day``.

    Uses reviews not used on the digest day, so none is marked a near-duplicate."""
    negatives, positives = day_reviews()
    used = {r["id"] for r in negatives + positives}
    reviews = [r for r in fixture_reviews() if r["id"] not in used]
    n = 0
    for back in range(28, 0, -1):
        d = day - timedelta(days=back)
        for k in range(per_day):
            r = reviews[n % len(reviews)]
            add_review(archive, r, published=local_time(d, 9 + k), external_id=f"hist-{d}-{k}")
            n += 1


def seed_day(archive: Archive, day: date = DAY) -> dict[str, int]:
    """The digest day: real reviews (negative and positive) plus a German churn review."""
    ids: dict[str, int] = {}
    negatives, positives = day_reviews()
    for i, r in enumerate(negatives + positives):
        ids[r["id"]] = add_review(archive, r, published=local_time(day, 8 + i), external_id=f"day-{r['id']}")
    ids["churn"] = add_mention(
        archive,
        text="Dritte Lieferung in Folge zu spät. Ich kündige mein Konto und bestelle ab jetzt bei Zalando.",
        title="Nie wieder",
        rating=1,
        author="Petra K.",
        reach=3,
        lang="de",
        published=local_time(day, 21, 30),
        external_id="day-churn",
        topics={"delivery": "negative"},
        source="trustpilot",
        source_key=TRUSTPILOT_KEY,
        url="https://de.trustpilot.com/reviews/abc123",
    )
    return ids


def add_alert(archive: Archive, *, day: date = DAY, mention_id: int | None = None, **extra) -> int:
    row = {
        "brand": "Acme",
        "kind": "spike",
        "topic": "delivery",
        "status": "open",
        "opened_at": iso(local_time(day, 23)),
        "updated_at": iso(local_time(day, 23)),
        "first_seen": day.isoformat(),
        "window_start": day.isoformat(),
        "window_end": day.isoformat(),
        "observed": 14,
        "expected": 2.5,
        "ratio": 5.6,
        "p_value": 0.0002,
        "q_value": 0.001,
        "authors": 11,
        "sources": json.dumps(["trustpilot", "appstore"]),
        "languages": json.dumps(["de"]),
        "examples": json.dumps(
            [
                {
                    "mention_id": mention_id,
                    "quote": "Dritte Lieferung in Folge zu spät.",
                    "url": "https://de.trustpilot.com/reviews/abc123",
                    "source": "trustpilot",
                }
            ]
        ),
        "explanation": "{}",
    }
    row.update(extra)
    with archive.conn:
        return archive.db["alerts"].insert(row).last_pk


def add_incident(archive: Archive, lead: int, members: list[int], **extra) -> int:
    """An open delivery incident of Acme led by alert ``lead``, holding ``members``; ``extra``
    overrides columns (brand, headlines, first_seen, ...)."""
    row = {
        "brand": "Acme",
        "status": "open",
        "lead_alert_id": lead,
        "lead_kind": "spike",
        "lead_topic": "delivery",
        "headline_de": "Lieferung: 14 Kunden beschweren sich seit 21.11.",
        "headline_en": "Delivery: 14 customers complain since Nov 21",
        "severity": 8.5,
        "peak_severity": 8.5,
        "authors": 11,
        "first_seen": DAY.isoformat(),
        "last_seen": DAY.isoformat(),
        "opened_at": "2026-11-21T22:00:00Z",
        "updated_at": "2026-11-21T22:00:00Z",
    }
    row.update(extra)
    with archive.conn:
        iid = archive.db["incidents"].insert(row).last_pk
        for a in members:
            archive.conn.execute("UPDATE alerts SET incident_id = ? WHERE id = ?", (iid, a))
    return iid


def add_crawl_run(
    archive: Archive,
    *,
    source_key: str,
    status: str = "ok",
    layout_suspect: int = 0,
    spider: str = "appstore",
    at: datetime | None = None,
    message: str | None = None,
) -> int:
    at = at or local_time(DAY, 6)
    with archive.conn:
        return (
            archive.db["crawl_runs"]
            .insert(
                {
                    "spider": spider,
                    "source_key": source_key,
                    "brand": "Acme",
                    "started_at": iso(at),
                    "finished_at": iso(at + timedelta(seconds=30)),
                    "status": status,
                    "items_new": 0 if layout_suspect else 5,
                    "items_seen": 3,
                    "layout_suspect": layout_suspect,
                    "message": message,
                }
            )
            .last_pk
        )


def add_survey(archive: Archive, day: date = DAY) -> None:
    rows = [
        (10, "Schnelle Lieferung, super Service"),
        (9, None),
        (9, "Top"),
        (3, "Die Lieferung kam zwei Wochen zu spät"),
        (5, "Preis zu hoch für die Qualität"),
        (6, "Lieferung beschädigt"),
        (8, "ok"),
    ]
    with archive.conn:
        for i, (score, comment) in enumerate(rows):
            archive.db["survey_responses"].insert(
                {
                    "brand": "Acme",
                    "score": score,
                    "comment": comment,
                    "responded_at": (day - timedelta(days=i)).isoformat(),
                    "customer_ref": f"c{i}",
                    "content_hash": f"h{i}",
                    "imported_at": iso(local_time(day, 1)),
                }
            )


def seed_full_day(archive: Archive, day: date = DAY) -> dict[str, int]:
    """Everything a digest can show: 28 days of history, the day's reviews and churn review, a
    spike alert quoting it, a healthy and a broken source, survey answers. Returns seed_day's ids."""
    seed_history(archive, day)
    ids = seed_day(archive, day)
    add_alert(archive, day=day, mention_id=ids["churn"])
    add_crawl_run(archive, source_key=APPSTORE_KEY)
    add_crawl_run(
        archive,
        source_key=TRUSTPILOT_KEY,
        spider="trustpilot",
        layout_suspect=1,
        message="0 items parsed from 20 responses",
    )
    add_survey(archive, day)
    return ids
