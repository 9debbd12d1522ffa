"""Write mentions with their enrichment and topic rows straight into an archive, so that
detection can be tested without the crawler or the NLP models."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import iso

BERLIN = ZoneInfo("Europe/Berlin")
_ids = itertools.count(1)

# Real review wording (German App Store / Trustpilot style), varied per mention so that the
# near-duplicate marking does not merge different customers' posts.
COMPLAINTS = [
    "Die Lieferung kam wieder zu spät, das Paket lag drei Tage im Depot.",
    "Paket nie angekommen, Sendungsverfolgung zeigt seit Tagen nichts.",
    "Lieferung beschädigt, der Karton war komplett eingedrückt.",
    "Zustellung am falschen Ort, der Fahrer hat nicht mal geklingelt.",
]
NEUTRAL = ["Bestellung ist angekommen.", "Alles wie immer, nichts Besonderes."]


@dataclass
class Mention:
    when: datetime
    author: str | None
    text: str
    sentiment: str = "negative"
    topics: tuple[str, ...] = ("delivery",)
    brand: str = "Acme"
    source: str = "appstore"
    lang: str = "de"
    url: str | None = None
    aspect: str | None = "same"  # aspect sentiment; "same" = mention sentiment, None = unknown


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


def add(archive: Archive, mentions: list[Mention]) -> list[int]:
    """Insert mentions + enrichments + mention_topics; returns the mention ids."""
    rows = []
    for m in mentions:
        n = next(_ids)
        rows.append(
            mention_row(
                MentionIn(
                    text=f"{m.text} (Nr. {n})",
                    id=f"x{n}",
                    source=m.source,
                    author=m.author,
                    url=m.url or f"https://reviews.example/{n}",
                    lang=m.lang,
                    published_at=m.when,
                    brand=m.brand,
                ),
                default_brand=m.brand,
            )
        )
    stats = archive.add_mentions(rows)
    ids = stats.new_ids
    now = iso(datetime.now(UTC))
    probs = {"negative": (0.9, 0.07, 0.03), "neutral": (0.1, 0.8, 0.1), "positive": (0.03, 0.07, 0.9)}
    with archive.conn:
        for mid, m in zip(ids, mentions):
            pn, pu, pp = probs[m.sentiment]
            archive.conn.execute(
                "INSERT INTO enrichments (mention_id, lang, lang_confidence, sentiment, score, "
                "prob_negative, prob_neutral, prob_positive, mixed, text_hash, model_version, "
                "taxonomy_version, enriched_at) VALUES (?,?,?,?,?,?,?,?,0,'h','test','t1',?)",
                (mid, m.lang, 0.99, m.sentiment, max(pn, pu, pp), pn, pu, pp, now),
            )
            aspect = m.sentiment if m.aspect == "same" else m.aspect
            for topic in m.topics:
                archive.conn.execute(
                    "INSERT INTO mention_topics (mention_id, topic, keyword, matched_text, sentence,"
                    " sentiment, score, negated, taxonomy_version) VALUES (?,?,?,?,?,?,?,0,'t1')",
                    (mid, topic, topic, topic, m.text, aspect, 0.9),
                )
    return ids


def background(
    archive: Archive,
    first: date,
    last: date,
    *,
    per_day: float = 2.0,
    brand: str = "Acme",
    topic: str = "delivery",
    seed: int = 7,
    weekly: tuple[float, ...] = (1.3, 1.1, 1.0, 1.0, 0.9, 0.7, 1.0),
    neutral_per_day: float = 4.0,
) -> None:
    """A quiet normal stream: Poisson negatives (distinct authors) with a weekly rhythm, and
    some neutral chatter."""
    rng = np.random.default_rng(seed)
    out: list[Mention] = []
    day = first
    while day <= last:
        k = rng.poisson(per_day * weekly[day.weekday()])
        for i in range(k):
            out.append(
                Mention(
                    local(day, 8 + i % 12, (7 * i) % 60),
                    f"bg-{day}-{i}",
                    COMPLAINTS[i % len(COMPLAINTS)],
                    brand=brand,
                    topics=(topic,),
                )
            )
        for i in range(rng.poisson(neutral_per_day)):
            out.append(
                Mention(
                    local(day, 9 + i % 10),
                    f"n-{day}-{i}",
                    NEUTRAL[i % 2],
                    sentiment="neutral",
                    brand=brand,
                    topics=(),
                )
            )
        day += timedelta(days=1)
    add(archive, out)


def burst(
    day: date,
    n: int,
    *,
    authors: int | None = None,
    topic: str = "delivery",
    brand: str = "Acme",
    source: str = "appstore",
    text: str | None = None,
    who: str = "angry",
) -> list[Mention]:
    """``n`` negative mentions on one local day from ``authors`` distinct authors (default n)."""
    authors = authors or n
    return [
        Mention(
            local(day, 7 + (i % 15), (11 * i) % 60),
            f"{who}-{day}-{i % authors}",
            text or COMPLAINTS[i % len(COMPLAINTS)],
            topics=(topic,),
            brand=brand,
            source=source,
        )
        for i in range(n)
    ]
