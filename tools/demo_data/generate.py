"""Build the demo's snapshot files: 8 weeks of Paketwerk mentions ending 2026-11-21.

Run ``python -m tools.demo_data.generate`` to rewrite ``monitor/demo/snapshots/``. The output
is committed; the generator is seeded, so running it again produces identical bytes.

What the data holds (all local days in Europe/Berlin):
- 2026-09-27 .. 2026-11-21, about 15-40 mentions a day, more on Mondays (weekend
  deliveries) and fewer on Sundays, mostly German, some English;
- App Store (newest 500 at most, as Apple's feed), Google Play, Trustpilot, a forum feed
  (RSS 2.0) and a Google Alerts feed (Atom);
- from 2026-11-19 an incident: parcels stuck at the Kassel distribution centre (many
  authors, all sources, German and English), a new complaint theme no topic covers
  (pickup locker codes), churn signals naming competitors, one forum user repeating the
  same complaint nine times, and praise that still makes good highlights.

``manifest.json`` records which file answers which request and the counts the tests check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tools.demo_data import formats, texts

SEED = 20261121
TZ = ZoneInfo("Europe/Berlin")
END = date(2026, 11, 21)
DAYS = 56
START = END - timedelta(days=DAYS - 1)
INCIDENT_START = date(2026, 11, 19)
SNAPSHOTS = Path(__file__).resolve().parents[2] / "monitor" / "demo" / "snapshots"

# The demo watchlist's source parameters (monitor/demo/watchlist.yaml uses the same values).
APP_ID = "6451938207"
COUNTRY = "de"
PLAY_APP = "example.paketwerk.shop"
TP_DOMAIN = "paketwerk.example"
FORUM_SITE = "forum.verbraucherecke.example"
FORUM_PATH = "/c/onlineshops-paketdienste/12.rss"
ALERTS_PATH = "/alerts/feeds/07318427159126458132/11546018923441172374"

APPSTORE_PAGE, APPSTORE_MAX_PAGES = 50, 10
PLAY_PAGE = 100
TP_PAGE = 20

SOURCE_SHARE = {"appstore": 0.31, "google_play": 0.30, "trustpilot": 0.29, "forum": 0.10}
ENGLISH_SHARE = {"appstore": 0.12, "google_play": 0.0, "trustpilot": 0.25, "forum": 0.0}
# Monday .. Sunday: Monday brings the weekend's delivery trouble, Sunday is quiet.
WEEKDAY = (1.3, 1.12, 1.0, 0.97, 0.92, 0.82, 0.72)
HOURS = (
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.4,
    1.2,
    2.5,
    3.5,
    3.8,
    3.6,
    3.5,
    4.2,
    4.0,
    3.4,
    3.3,
    3.6,
    4.2,
    5.0,
    5.8,
    6.2,
    5.5,
    4.0,
    2.2,
)
TOPICS = (
    "delivery",
    "customer_service",
    "price",
    "quality",
    "refunds",
    "app_website",
    "waiting_time",
    "billing",
    "cancellation",
    "staff_friendliness",
)
TOPIC_WEIGHT = (22, 13, 10, 12, 8, 11, 6, 6, 4, 8)
TONE = {"pos": 0.47, "neu": 0.15, "neg": 0.30, "mixed": 0.08}

# Extra mentions per incident day: (stuck parcels, locker codes, churn-only, praise).
# The locker-code trouble starts small and takes off on the last day (the code SMS broke).
INCIDENT = {
    date(2026, 11, 19): (10, 1, 1, 2),
    date(2026, 11, 20): (22, 3, 2, 2),
    date(2026, 11, 21): (19, 12, 2, 2),
}


@dataclass
class Mention:
    source: str  # appstore | google_play | trustpilot | forum | alerts
    published: datetime
    lang: str
    kind: str  # regular | hub | locker | churn | repeat | highlight | offbrand | news
    text: str
    author: str = ""
    title: str | None = None
    rating: int | None = None
    extra: dict = field(default_factory=dict)


class Generator:
    """Draws the mentions from a seeded RNG; every choice goes through ``self.rng``."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.texts_used: set[str] = set()
        self.authors_used: set[str] = set()
        self.mentions: list[Mention] = []

    # ------------------------------------------------------------------ small draws
    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def when(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), weights=HOURS)[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), TZ)
        return local.astimezone(ZoneInfo("UTC"))

    def source(self) -> str:
        return self.rng.choices(list(SOURCE_SHARE), weights=list(SOURCE_SHARE.values()))[0]

    def lang(self, source: str) -> str:
        return "en" if self.rng.random() < ENGLISH_SHARE[source] else "de"

    def author(self, source: str, lang: str) -> str:
        for _ in range(200):
            name = self._author_name(source, lang)
            if name not in self.authors_used:
                self.authors_used.add(name)
                return name
        raise RuntimeError("ran out of author names")

    def _author_name(self, source: str, lang: str) -> str:
        r = self.rng
        first = self.pick(texts.FIRST_NAMES_EN if lang == "en" else texts.FIRST_NAMES_DE)
        last = self.pick(texts.LAST_NAMES_EN if lang == "en" else texts.LAST_NAMES_DE)
        if source == "google_play":
            style = r.choices(["full", "first", "joined"], weights=[8, 1, 1])[0]
            return {
                "full": f"{first} {last}",
                "first": f"{first} {last[0]}.",
                "joined": f"{first.lower()}{last.lower()}{r.randrange(10, 99)}",
            }[style]
        if source == "trustpilot":
            style = r.choices(["full", "initial", "abbrev", "upper"], weights=[6, 3, 2, 1])[0]
            return {
                "full": f"{first} {last}",
                "initial": f"{first} {last[0]}.",
                "abbrev": f"{first[0]}. {last}",
                "upper": f"{first.upper()} {last.upper()}",
            }[style]
        if source == "forum":
            word = self.pick(texts.NICK_WORDS_DE)
            style = r.choices(["nick", "city", "short"], weights=[4, 3, 3])[0]
            return {
                "nick": f"{word}{r.randrange(1, 999)}",
                "city": f"{first.lower()}_{self.pick(texts.CITIES_DE).lower()}",
                "short": f"{first[:4].lower()}{last[0].lower()}{r.randrange(70, 100)}",
            }[style]
        style = r.choices(["nickyear", "nick", "name", "city"], weights=[3, 3, 3, 2])[0]
        return {
            "nickyear": f"{first}{r.randrange(70, 100) if r.random() < 0.5 else r.randrange(1, 30)}",
            "nick": f"{self.pick(texts.NICK_WORDS_DE) if lang == 'de' else first + 'y'}{r.randrange(1, 9999)}",
            "name": f"{first} {last[0]}.",
            "city": f"{first} aus {self.pick(texts.CITIES_DE)}"
            if lang == "de"
            else f"{first} in {self.pick(texts.CITIES_DE)}",
        }[style]

    def rating(self, tone: str) -> int:
        weights = {
            "pos": [0, 0, 0, 35, 65],
            "neu": [0, 10, 70, 20, 0],
            "neg": [65, 35, 0, 0, 0],
            "mixed": [0, 20, 60, 20, 0],
        }[tone]
        return self.rng.choices([1, 2, 3, 4, 5], weights=weights)[0]

    # ------------------------------------------------------------------ texts
    def sentence(self, topic: str, lang: str, tone: str) -> str:
        return self.pick(texts.SENTENCES[topic][lang][tone])

    def other_topic(self, *taken: str) -> str:
        while True:
            t = self.rng.choices(TOPICS, weights=TOPIC_WEIGHT)[0]
            if t not in taken:
                return t

    def unique(self, build) -> str:
        """A text no other author wrote (identical reviews would be marked as reposts).

        ``build(attempt)`` gets the attempt number so that it can grow the text when the
        short combinations of a rare topic/tone/language are used up."""
        for attempt in range(80):
            text = build(attempt)
            if text not in self.texts_used:
                self.texts_used.add(text)
                return text
        raise RuntimeError("could not draw a distinct review text; add sentences to texts.py")

    def compose(
        self, lang: str, tone: str, topic: str, *, max_chars: int | None = None, wordy: bool = False
    ) -> str:
        """A review of 1 to 7 sentences; ``wordy`` sources (Trustpilot) get more long ones."""
        r = self.rng
        sizes = ["short", "medium", "long"]
        weights = [4, 6, 0] if max_chars else ([2, 4, 4] if wordy else [3, 5, 2])
        size = r.choices(sizes, weights=weights)[0]

        def build(attempt: int) -> str:
            grown = sizes[min(sizes.index(size) + attempt // 10, 1 if max_chars else 2)]
            parts: list[str] = []
            if grown != "short" and r.random() < 0.45:
                bucket = "any" if tone in ("neu", "mixed") or r.random() < 0.6 else tone
                parts.append(self.pick(texts.OPENERS[lang][bucket]))
            if tone == "mixed":
                parts.append(self._mixed(lang, topic))
            else:
                parts.append(self.sentence(topic, lang, tone))
            extra = {"short": 0, "medium": r.choice([0, 1, 1]), "long": r.choice([2, 3, 3, 4])}[grown]
            used = [topic]
            for _ in range(extra):
                t = self.other_topic(*used)
                used.append(t)
                side = tone if tone in ("pos", "neg") and r.random() < 0.75 else "neu"
                parts.append(self.sentence(t, lang, side))
            if r.random() < (0.25 if grown == "short" else 0.5):
                parts.append(self.pick(texts.CLOSERS[lang]["neu" if tone == "mixed" else tone]))
            if grown == "long" and len(parts) >= 4:
                cut = r.randrange(2, len(parts) - 1)
                text = " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])
            else:
                text = " ".join(parts)
            if max_chars and len(text) > max_chars:
                return text[: max_chars - 2].rsplit(" ", 1)[0] + " …"
            return text

        return self.unique(build)

    def _mixed(self, lang: str, topic: str) -> str:
        if self.rng.random() < 0.5:
            return self.pick(texts.MIXED[lang])
        good = self.sentence(topic, lang, "pos")
        bad = self.sentence(self.other_topic(topic), lang, "neg")
        but = self.pick(texts.BUT[lang])
        if lang == "en" and not bad.startswith(("I ", "I'", "Paketwerk")):
            return f"{good} {but} {bad[0].lower()}{bad[1:]}"
        if lang == "de" and bad.startswith(("Die ", "Der ", "Das ", "Mein ", "Meine ")) and but == "Aber":
            return f"{good} Aber {bad[0].lower()}{bad[1:]}"
        return f"{good} {bad}"

    def title(self, lang: str, tone: str, text: str, source: str) -> str:
        """Short stock titles; on Trustpilot often the first sentence, as people write there."""
        bucket = "neu" if tone == "mixed" else tone
        first = text.split("\n")[0].split(". ")[0].rstrip(".!:")
        if (
            source == "trustpilot"
            and self.rng.random() < 0.4
            and len(first) <= 60
            and not first.endswith("?")
        ):
            return first
        return self.pick(texts.TITLES[lang][bucket])

    # ------------------------------------------------------------------ mentions
    def add(self, m: Mention) -> Mention:
        if not m.author:
            m.author = self.author(m.source, m.lang)
        self.mentions.append(m)
        return m

    def regular(self, day: date) -> None:
        src = self.source()
        lang = self.lang(src)
        tone = self.rng.choices(list(TONE), weights=list(TONE.values()))[0]
        weights = list(TOPIC_WEIGHT)
        if src in ("appstore", "google_play"):
            weights[TOPICS.index("app_website")] *= 2.5
        if src == "forum" and tone == "pos":
            tone = self.rng.choice(["neu", "neg", "pos"])
        topic = self.rng.choices(TOPICS, weights=weights)[0]
        text = self.compose(
            lang, tone, topic, max_chars=500 if src == "google_play" else None, wordy=src == "trustpilot"
        )
        m = Mention(src, self.when(day), lang, "regular", text, rating=self.rating(tone))
        m.extra["tone"] = tone
        if src == "forum":
            m.rating = None
            m.title = self.pick(texts.FORUM_TITLES[lang]["neu" if tone == "mixed" else tone])
            if texts.BRAND not in m.text and texts.BRAND not in m.title:
                m.title = f"{texts.BRAND}: {m.title}"
        else:
            m.title = self.title(lang, tone, text, src)
        self.add(m)

    def incident_mention(self, day: date, kind: str) -> None:
        r = self.rng
        src = r.choices(["appstore", "google_play", "trustpilot", "forum"], weights=[3, 2.5, 3.5, 1])[0]
        lang = "en" if r.random() < (0.22 if src in ("appstore", "trustpilot") else 0.0) else "de"
        pool = {"hub": texts.HUB_JAM, "locker": texts.LOCKER_CODE}.get(kind)

        def build(attempt: int) -> str:
            parts = []
            if r.random() < 0.35 or attempt > 20:
                parts.append(self.pick(texts.OPENERS[lang]["neg" if r.random() < 0.5 else "any"]))
            if kind == "churn":
                parts.append(
                    self.sentence(r.choice(["customer_service", "delivery", "waiting_time"]), lang, "neg")
                )
            elif kind == "highlight":
                parts.append(self.pick(texts.HIGHLIGHTS[lang]))
            else:
                first = self.pick(pool[lang])
                parts.append(first)
                if r.random() < 0.25:
                    parts.append(self.pick([s for s in pool[lang] if s != first]))
                if kind == "hub" and r.random() < 0.3:  # what it is like to ask about it
                    parts.append(
                        self.pick(
                            texts.SENTENCES["customer_service"][lang]["neg"]
                            + texts.SENTENCES["waiting_time"][lang]["neg"][:2]
                        )
                    )
            if kind == "churn" or (kind == "hub" and r.random() < 0.15):
                parts.append(self.pick(texts.CHURN[lang]))
            if kind == "highlight":
                parts.append(self.pick(texts.CLOSERS[lang]["pos"]))
            elif r.random() < 0.35:
                parts.append(self.pick(texts.CLOSERS[lang]["neg"]))
            return " ".join(parts)

        text = self.unique(build)
        if src == "google_play" and len(text) > 500:
            text = text[:497].rsplit(" ", 1)[0] + " …"
        tone = "pos" if kind == "highlight" else "neg"
        m = Mention(src, self.when(day), lang, kind, text, rating=self.rating(tone))
        m.extra["tone"] = tone
        titles = {"hub": texts.HUB_TITLES, "locker": texts.LOCKER_TITLES}.get(kind)
        m.title = self.pick(titles[lang]) if titles else self.title(lang, tone, text, src)
        if src == "forum":
            m.rating = None
            if texts.BRAND not in m.text:
                m.title = f"{texts.BRAND}: {m.title}"
        self.add(m)

    def repeat_poster(self) -> None:
        spec = texts.REPEAT_POSTER
        slots = [
            (date(2026, 11, 19), 20),
            (date(2026, 11, 19), 22),
            (date(2026, 11, 20), 7),
            (date(2026, 11, 20), 12),
            (date(2026, 11, 20), 18),
            (date(2026, 11, 20), 23),
            (date(2026, 11, 21), 8),
            (date(2026, 11, 21), 13),
            (date(2026, 11, 21), 21),
        ]
        self.authors_used.add(spec["author"])
        for (day, hour), text in zip(slots, spec["texts"]):
            local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), TZ)
            m = Mention(
                "forum",
                local.astimezone(ZoneInfo("UTC")),
                spec["lang"],
                "repeat",
                text,
                author=spec["author"],
                title=spec["title"],
            )
            m.extra["tone"] = "neg"
            self.mentions.append(m)

    def forum_off_brand(self) -> None:
        for n, (title, text) in enumerate(texts.OFF_BRAND_FORUM_POSTS):
            day = START + timedelta(days=4 + n * 7)
            m = Mention("forum", self.when(day), "de", "offbrand", text, title=title)
            self.add(m)

    def news(self) -> None:
        for day, lang, site, title, snippet in texts.NEWS:
            m = Mention(
                "alerts", self.when(date.fromisoformat(day)), lang, "news", snippet, title=title, author=""
            )
            m.extra["site"] = site
            self.mentions.append(m)

    def build(self) -> list[Mention]:
        for offset in range(DAYS):
            day = START + timedelta(days=offset)
            growth = 1 + 0.2 * offset / DAYS  # the run-up to Christmas
            lam = 22.5 * WEEKDAY[day.weekday()] * growth
            for _ in range(_poisson(self.rng, lam)):
                self.regular(day)
            if offset in (9, 23, 37):  # the odd stuck parcel long before the incident
                self.incident_mention(day, "hub")
            hub, locker, churn, praise = INCIDENT.get(day, (0, 0, 0, 0))
            for kind, n in (("hub", hub), ("locker", locker), ("churn", churn), ("highlight", praise)):
                for _ in range(n):
                    self.incident_mention(day, kind)
        self.repeat_poster()
        self.forum_off_brand()
        self.news()
        self.mentions.sort(key=lambda m: m.published)
        return self.mentions


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the small rates here and stable across Python versions."""
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --------------------------------------------------------------------------- identifiers


def _token(rng: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(n)).decode().rstrip("=")


def _object_id(dt: datetime, rng: random.Random) -> str:
    """A MongoDB ObjectId as Trustpilot uses: 4 bytes of creation time, then random bytes."""
    return f"{int(dt.timestamp()):08x}" + rng.randbytes(8).hex()


def assign_ids(mentions: list[Mention], rng: random.Random) -> None:
    apple_id = 13_118_000_000
    forum_topic = 48_210
    for m in mentions:  # sorted oldest first: ids grow with time, as they do at the sources
        e = m.extra
        if m.source == "appstore":
            apple_id += rng.randrange(4_000, 40_000)
            e.update(
                external_id=str(apple_id),
                author_id=str(rng.randrange(10**8, 2 * 10**9)),
                app_version=_app_version(m.published),
                votes=rng.choice([0, 0, 0, 0, 1, 2, 5]),
            )
        elif m.source == "google_play":
            e.update(
                external_id="gp:AOqpTO" + _token(rng, 60),
                author_id=str(rng.randrange(10**20, 10**21)),
                avatar=_token(rng, 30),
                banner=_token(rng, 45),
                nanos=rng.randrange(1000) * 10**6,
                app_version=_app_version(m.published),
                votes=rng.choice([0, 0, 0, 1, 3, 12]),
            )
            if m.extra.get("tone") in ("neg", "pos") and rng.random() < 0.18:
                pool = texts.DEVELOPER_REPLIES["de"]
                text = pool[2] if m.extra["tone"] == "pos" else rng.choice(pool[:2])
                at = m.published + timedelta(hours=rng.randrange(3, 40))
                e["reply"] = {"text": text, "at": at, "nanos": rng.randrange(1000) * 10**6}
        elif m.source == "trustpilot":
            e.update(
                external_id=_object_id(m.published, rng),
                author_id=rng.randbytes(12).hex(),
                verified=rng.random() < 0.4,
                votes=rng.choice([0, 0, 0, 1, 2]),
                author_reviews=rng.choice([1, 1, 1, 2, 3, 4, 7, 12]),
                country=("GB" if m.lang == "en" else rng.choice(["DE"] * 8 + ["AT", "CH"])),
            )
        elif m.source == "forum":
            forum_topic += rng.randrange(3, 40)
            slug = _slug(m.title or "")
            e.update(external_id=str(forum_topic), slug=slug)
        elif m.source == "alerts":
            e.update(
                external_id=str(rng.randrange(10**18, 10**19)),
                slug=_slug(m.title or "") + ".html",
                cd="CAIyH" + _token(rng, 15),
                usg="AOvVaw" + _token(rng, 18),
            )


def _app_version(dt: datetime) -> str:
    """The app ships a release every two weeks or so."""
    weeks = (dt.date() - date(2026, 1, 5)).days // 14
    return f"5.{weeks}.{weeks % 3}"


def _slug(title: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    words = "".join(c if c.isalnum() else " " for c in title.translate(table).lower()).split()
    return "-".join(words[:10]) or "thema"


# --------------------------------------------------------------------------- writing


def _fields(m: Mention) -> dict:
    return {
        "author": m.author,
        "title": m.title or "",
        "text": m.text,
        "rating": m.rating,
        "published": m.published,
        "lang": m.lang,
        **m.extra,
    }


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


#: Trustpilot's names for the star counts, one to five.
STAR_WORDS = ("one", "two", "three", "four", "five")


def crawled_at_time() -> datetime:
    """When the snapshots were "crawled": the morning after the demo day."""
    return datetime.combine(END + timedelta(days=1), time(6, 30), TZ)


def write_snapshots(mentions: list[Mention], out: Path, rng: random.Random) -> dict:
    """Write every source's files under ``out`` and return the manifest."""
    if out.exists():
        shutil.rmtree(out)
    crawled_at = crawled_at_time()
    newest_first = sorted(mentions, key=lambda m: m.published, reverse=True)
    by_source = {
        s: [m for m in newest_first if m.source == s]
        for s in ("appstore", "google_play", "trustpilot", "forum", "alerts")
    }
    # Apple's feed stops after 10 pages: older App Store reviews are out of reach, as in life.
    by_source["appstore"] = by_source["appstore"][: APPSTORE_PAGE * APPSTORE_MAX_PAGES]
    served = [m for s in by_source.values() for m in s]
    routes: dict[str, dict] = {}

    def put(rel: str, content: str) -> str:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return rel

    # App Store: 50 a page, newest 500 only; the page after the last one has no entries.
    routes["appstore"] = {
        "pages": appstore_files(
            put, by_source["appstore"], "appstore/customerreviews-page-{:02d}.json", app_id=APP_ID
        )
    }

    # Google Play: 100 a page, each page names the token of the next one.
    play = _chunks(by_source["google_play"], PLAY_PAGE)
    tokens = ["CsEBCr4BKpcBCm" + _token(rng, 96) for _ in play]
    play_files = {}
    for n, page in enumerate(play):
        nxt = tokens[n] if n + 1 < len(play) else None
        rel = put(
            f"google_play/batchexecute-page-{n + 1}.txt",
            formats.play_page([_fields(m) for m in page], next_token=nxt),
        )
        play_files["" if n == 0 else tokens[n - 1]] = rel
    routes["google_play"] = {"by_token": play_files}

    # Trustpilot: 20 a page, sorted by recency.
    routes["trustpilot"] = {
        "pages": trustpilot_files(
            put,
            by_source["trustpilot"],
            "trustpilot/review-page-{:02d}.html",
            domain=TP_DOMAIN,
            name="Paketwerk",
        )
    }

    routes["feeds"] = [
        {
            "path": FORUM_PATH,
            "file": put(
                "feeds/forum-onlineshops.rss",
                formats.forum_rss(
                    [_fields(m) for m in by_source["forum"]],
                    site=FORUM_SITE,
                    category="Onlineshops & Paketdienste",
                    category_path=FORUM_PATH[:-4],
                    built=crawled_at,
                ),
            ),
        },
        {
            "path": ALERTS_PATH,
            "file": put(
                "feeds/google-alert-paketwerk.atom",
                formats.google_alerts_atom(
                    [_fields(m) for m in by_source["alerts"]],
                    term=texts.BRAND,
                    feed_path=ALERTS_PATH,
                    updated=crawled_at,
                ),
            ),
        },
    ]

    from tools.demo_data import competitor  # it builds on this module's pieces

    routes["competitor"] = competitor.write(out)
    manifest = {
        "generator": "tools/demo_data/generate.py",
        "seed": SEED,
        "timezone": str(TZ),
        "first_day": START.isoformat(),
        "last_day": END.isoformat(),
        "incident_start": INCIDENT_START.isoformat(),
        "routes": routes,
        "counts": summary(served),
    }
    put("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return manifest


def appstore_files(put, reviews: list[Mention], pattern: str, *, app_id: str) -> list[str]:
    """Apple's JSON feed pages of ``reviews`` (newest first), 50 a page, and the empty page
    after the last one (unless Apple's 10-page limit is reached); returns the files written."""
    pages = _chunks(reviews, APPSTORE_PAGE)
    last = len(pages)
    if last < APPSTORE_MAX_PAGES:
        pages.append([])
    return [
        put(
            pattern.format(n),
            formats.appstore_page(
                [_fields(m) for m in page],
                page=n,
                last_page=last,
                country=COUNTRY,
                app_id=app_id,
                updated=crawled_at_time(),
            ),
        )
        for n, page in enumerate(pages, 1)
    ]


def trustpilot_files(put, reviews: list[Mention], pattern: str, *, domain: str, name: str) -> list[str]:
    """Trustpilot's review pages of ``reviews`` (newest first), 20 a page; returns the files."""
    pages = _chunks(reviews, TP_PAGE)
    stars = Counter(m.rating for m in reviews)
    business = trustpilot_business(len(reviews), stars, domain=domain, name=name)
    stats = {
        "hasMultipleLanguages": True,
        "reviewLanguages": [
            {"isoCode": lang, "reviewCount": sum(m.lang == lang for m in reviews), "displayName": label}
            for lang, label in (("de", "Deutsch"), ("en", "Englisch"))
        ],
        "ratings": {"total": len(reviews), **{w: stars[i] for i, w in enumerate(STAR_WORDS, 1)}},
    }
    return [
        put(
            pattern.format(n),
            formats.trustpilot_page(
                [_fields(m) for m in page],
                page=n,
                total_pages=len(pages),
                total=len(reviews),
                domain=domain,
                business=business,
                stats=stats,
            ),
        )
        for n, page in enumerate(pages, 1)
    ]


def trustpilot_business(total: int, stars: Counter, *, domain: str, name: str) -> dict:
    mean = sum(k * v for k, v in stars.items()) / max(1, total)
    return {
        "id": hashlib.sha1(domain.encode()).hexdigest()[:24],
        "displayName": name,
        "identifyingName": domain,
        "numberOfReviews": total,
        "trustScore": round(mean, 1),
        "websiteUrl": f"https://www.{domain}",
        "websiteTitle": domain,
        "profileImageUrl": "",
        "stars": round(mean * 2) / 2,
        "categories": [
            {
                "id": "online_marketplace",
                "name": "Online-Marktplatz",
                "rank": "12",
                "cardinality": "412",
                "isPrimary": True,
            }
        ],
        "isClaimed": True,
        "isClosed": False,
        "isTemporarilyClosed": False,
        "locationsCount": 0,
        "isCollectingReviews": True,
        "verification": {
            "verifiedByGoogle": False,
            "verifiedPaymentMethod": True,
            "verifiedUserIdentity": True,
        },
        "hasCollectedIncentivisedReviews": False,
        "consumerAlert": None,
        "consumerAlerts": [],
        "isMerged": False,
    }


def summary(mentions: list[Mention]) -> dict:
    """Counts the tests compare the parsed snapshots against."""
    per_day = Counter(
        m.published.astimezone(TZ).date().isoformat() for m in mentions if m.kind not in ("offbrand",)
    )
    return {
        "total": len(mentions),
        "by_source": dict(sorted(Counter(m.source for m in mentions).items())),
        "by_kind": dict(sorted(Counter(m.kind for m in mentions).items())),
        "by_lang": dict(sorted(Counter(m.lang for m in mentions).items())),
        "per_day": dict(sorted(per_day.items())),
        "incident_authors": len(
            {
                m.author
                for m in mentions
                if m.kind == "hub" and m.published.astimezone(TZ).date() >= INCIDENT_START
            }
        ),
    }


def main(out: Path = SNAPSHOTS) -> dict:
    gen = Generator()
    mentions = gen.build()
    assign_ids(mentions, gen.rng)
    return write_snapshots(mentions, out, gen.rng)


if __name__ == "__main__":
    manifest = main()
    print(json.dumps(manifest["counts"]["by_source"]), json.dumps(manifest["counts"]["by_kind"]))
