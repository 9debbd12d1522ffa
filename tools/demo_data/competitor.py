"""The demo's tracked competitor: Warenblitz's own App Store and Trustpilot reviews.

Why a second, separately seeded generator: Paketwerk's snapshots stay byte-identical, and
the comparison has a story of its own. Warenblitz delivers well (few delivery complaints,
no Kassel incident) but is dearer (more price complaints), so the digest's comparison shows
delivery as the topic where Paketwerk is worse and price as the one where it is better. The
forum posts that name both brands ("Paketwerk oder Warenblitz?") are already in Paketwerk's
forum feed; brandpulse links them to both brands.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from tools.demo_data import generate
from tools.demo_data.generate import DAYS, START, TOPICS, WEEKDAY, Generator, Mention

NAME = "Warenblitz"
APP_ID = "6452017734"
TP_DOMAIN = "warenblitz.example"
SEED = generate.SEED + 1
PER_DAY = 5.0
SOURCES = {"appstore": 0.5, "trustpilot": 0.5}
# Same topics as Paketwerk's, other weights: reliable delivery, higher prices.
TOPIC_WEIGHT = (8, 12, 24, 10, 8, 12, 4, 6, 3, 9)
TONE = {"pos": 0.62, "neu": 0.14, "neg": 0.17, "mixed": 0.07}
# A complaint about delivery is rarer still: most Warenblitz reviews about it are praise.
DELIVERY_TONE = {"pos": 0.8, "neu": 0.12, "neg": 0.05, "mixed": 0.03}


class CompetitorGenerator(Generator):
    """Draws Warenblitz's reviews with Paketwerk's sentence pools, renamed."""

    def __init__(self) -> None:
        super().__init__(SEED)

    def review(self, day) -> None:
        src = self.rng.choices(list(SOURCES), weights=list(SOURCES.values()))[0]
        lang = self.lang(src)
        topic = self.rng.choices(TOPICS, weights=TOPIC_WEIGHT)[0]
        tones = DELIVERY_TONE if topic == "delivery" else TONE
        tone = self.rng.choices(list(tones), weights=list(tones.values()))[0]
        text = _renamed(self.compose(lang, tone, topic, wordy=src == "trustpilot"))
        m = Mention(src, self.when(day), lang, "regular", text, rating=self.rating(tone))
        m.extra["tone"] = tone
        m.title = _renamed(self.title(lang, tone, text, src))
        self.add(m)

    def build(self) -> list[Mention]:
        for offset in range(DAYS):
            day = START + timedelta(days=offset)
            for _ in range(generate._poisson(self.rng, PER_DAY * WEEKDAY[day.weekday()])):
                self.review(day)
        self.mentions.sort(key=lambda m: m.published)
        return self.mentions


def _renamed(text: str) -> str:
    return text.replace("Paketwerk Plus", "Warenblitz Prime").replace("Paketwerk", NAME)


def write(out: Path) -> dict:
    """Write Warenblitz's snapshot files under ``out``; return its manifest routes."""
    gen = CompetitorGenerator()
    mentions = gen.build()
    generate.assign_ids(mentions, gen.rng)
    newest = sorted(mentions, key=lambda m: m.published, reverse=True)
    apple = [m for m in newest if m.source == "appstore"]
    tp = [m for m in newest if m.source == "trustpilot"]

    def put(rel: str, content: str) -> str:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return rel

    apple_files = generate.appstore_files(put, apple, "competitor/appstore-page-{:02d}.json", app_id=APP_ID)
    tp_files = generate.trustpilot_files(
        put, tp, "competitor/trustpilot-page-{:02d}.html", domain=TP_DOMAIN, name=NAME
    )
    return {
        "brand": NAME,
        "appstore": {APP_ID: apple_files},
        "trustpilot": {TP_DOMAIN: tp_files},
        "counts": {"by_source": dict(sorted(Counter(m.source for m in mentions).items()))},
    }
