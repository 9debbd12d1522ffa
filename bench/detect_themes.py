"""Unconfigured themes at realistic sizes: recall, delay and false themes per 30 quiet days.

The issue's case: real customer feedback about a rail operator, ~16 posts a day; on two days
about nine customers complain about broken air conditioning ("Klimaanlage ausgefallen",
"#klimaanlage", "Klimaanlagen kapitulieren"), a term not seen in the 28 days before, and no
topic covers it. This bench builds such streams and replays them with ``run_detect`` and the
real keyness (``nlp.keyness``):

- background: 10-30 mentions a day (per scenario), each a real German review sentence (hotel
  reviews, ``--theme-texts``) with its own label as the mention's sentiment (so about a
  fifth are negative), from a pool of authors; sentences that contain an injected term are
  left out;
- theme incidents: on two consecutive days 5-9 customers a day complain about one new term,
  written the ways people write it — inflected, in compounds, hyphenated, as a hashtag —
  plus a real negative sentence; a fifth of these mentions read neutral to the model (a
  plain description), so only about four fifths are seen as complaints;
- negative controls: one loud author posting the term eight times in a day, with one other
  author once — must not open a theme.

Scored: a theme incident is found when a theme alert on its term (any written form) opens on
one of its days; delay = that day − start. A false theme is a theme alert opened on a quiet
day (no theme incident that day or in the three days after it) or on another term during an
incident. Loud-author days count as quiet days too, and are reported on their own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from monitor.core.archive import Archive
from monitor.core.config import parse_watchlist
from monitor.core.times import day_bounds, iso
from monitor.detect.run import run_detect
from monitor.detect.themes import term_pattern

BERLIN = ZoneInfo("Europe/Berlin")
START = date(2026, 5, 4)
WARMUP_DAYS = 35
COOLDOWN = 3
NEUTRAL_SHARE = 0.2  # complaints the model reads as neutral (a description, no verdict)
DEFAULT_TEXTS = Path(__file__).resolve().parents[2] / "shared/datasets/sentiment/hotel_aspect_train_de.jsonl"

#: term -> how customers write about it (inflections, compounds, hyphens, hashtags)
THEMES: dict[str, list[str]] = {
    "Klimaanlage": [
        "Klimaanlage ausgefallen, 35 Grad im Wagen.",
        "Schon wieder kapitulieren die Klimaanlagen.",
        "Keine Kühlung heute #klimaanlage #hitze",
        "Die Klima-Anlage läuft seit gestern nicht mehr.",
        "Wann wird die Klimaanlage endlich repariert?",
        "Klimaanlagenausfall im ganzen Zug, unzumutbar.",
        "#Klimaanlage kaputt, niemand sagt etwas.",
    ],
    "Abholcode": [
        "Der Abholcode funktioniert nicht.",
        "Kein Abholcode per SMS erhalten.",
        "Abholcodes werden am Automaten nicht akzeptiert.",
        "#abholcode geht wieder nicht",
        "Ohne gültigen Abholcode komme ich nicht an meine Sachen.",
        "Mein Abhol-Code wird als abgelaufen angezeigt.",
    ],
    "Parkschranke": [
        "Die Parkschranke öffnet nicht.",
        "Parkschranken defekt, wir standen eine halbe Stunde.",
        "#parkschranke mal wieder kaputt",
        "An der Park-Schranke ging nichts mehr.",
        "Die Parkschranke schließt nicht, jeder fährt durch.",
    ],
    "Rauchmelder": [
        "Der Rauchmelder piept die ganze Nacht.",
        "Rauchmelder ging um drei Uhr los, ohne Grund.",
        "Die Rauchmelder im Flur spinnen #rauchmelder",
        "Wieder Fehlalarm vom Rauchmelder, keiner kümmert sich.",
    ],
}
LABEL_SENTIMENT = {"negative": "negative", "neutral": "neutral", "positive": "positive", "mixed": "negative"}


@dataclass
class ThemeIncident:
    term: str
    start: date
    authors: list[int]  # complaining authors per day
    loud: bool = False  # negative control: one author posting it eight times

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(len(self.authors))]


def read_texts(path: Path) -> list[tuple[str, str]]:
    """(text, sentiment) of the German sentences in a JSONL file with ``text`` and ``label``."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("lang", "de") == "de" and row.get("label") in LABEL_SENTIMENT:
            out.append((row["text"], LABEL_SENTIMENT[row["label"]]))
    stems = [term_pattern(t) for t in THEMES]
    return [(t, s) for t, s in out if not any(p.search(t.casefold()) for p in stems)]


def plan(rng: np.random.Generator, eval_days: list[date]) -> list[ThemeIncident]:
    terms = list(THEMES)
    rng.shuffle(terms)
    out, i, k = [], int(rng.integers(4, 9)), 0
    while i < len(eval_days) - 4:
        loud = k % 3 == 2
        term = terms[k % len(terms)]
        if loud:
            out.append(ThemeIncident(term, eval_days[i], [1], loud=True))
        else:
            out.append(ThemeIncident(term, eval_days[i], [int(rng.integers(5, 10)) for _ in range(2)]))
        k += 1
        i += int(rng.integers(10, 16))
    return out


def simulate(archive: Archive, texts, incidents, days, per_day: float, rng: np.random.Generator) -> int:
    rows, enrich = [], []
    now = iso(datetime.now(UTC))
    negatives = [t for t, s in texts if s == "negative"]

    def add(day: date, author: str, text: str, sentiment: str) -> None:
        mid = len(rows) + 1
        d0, d1 = day_bounds(day, BERLIN)
        when = d0 + timedelta(seconds=int(rng.integers(0, int((d1 - d0).total_seconds()))))
        rows.append(
            (
                mid,
                "feed",
                "feed:x",
                f"e{mid}",
                f"https://example.test/{mid}",
                author,
                text,
                "de",
                iso(when),
                now,
                "Bahn",
                f"h{mid}",
                None,
            )
        )
        pn = 0.85 if sentiment == "negative" else 0.1
        enrich.append((mid, "de", sentiment, 0.8, pn, "bench", now))

    for day in days:
        for _ in range(rng.poisson(per_day)):
            text, sentiment = texts[int(rng.integers(len(texts)))]
            add(day, f"u{rng.integers(5000)}", text, sentiment)
    for k, inc in enumerate(incidents):
        forms = THEMES[inc.term]
        for day, n in zip(inc.days, inc.authors):
            if inc.loud:
                for j in range(8):
                    add(day, f"loud{k}", f"{forms[j % len(forms)]} ({j + 1}. Meldung)", "negative")
                add(day, f"other{k}", forms[0], "negative")
                continue
            for a in range(n):
                for _ in range(2 if rng.random() < 0.1 else 1):
                    text = f"{forms[int(rng.integers(len(forms)))]} {negatives[int(rng.integers(len(negatives)))]}"
                    add(
                        day,
                        f"t{k}-{day}-{a}",
                        text,
                        "neutral" if rng.random() < NEUTRAL_SHARE else "negative",
                    )
    with archive.conn:
        archive.conn.executemany(
            "INSERT INTO mentions (id, source, source_key, external_id, url, author, text, lang,"
            " published_at, fetched_at, brand, content_hash, rating) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        archive.conn.executemany(
            "INSERT INTO enrichments (mention_id, lang, sentiment, score, prob_negative,"
            " text_hash, model_version, enriched_at) VALUES (?,?,?,?,?,'x',?,?)",
            enrich,
        )
    return len(rows)


def watchlist(path: Path):
    topics = {
        "zimmer": {"keywords": {"de": ["Zimmer", "Bett", "Bad"]}},
        "service": {"keywords": {"de": ["Service", "Personal", "Rezeption"]}},
        "essen": {"keywords": {"de": ["Frühstück", "Essen", "Restaurant"]}},
    }
    return parse_watchlist(
        {
            "archive": str(path),
            "timezone": "Europe/Berlin",
            "brands": [{"name": "Bahn"}],
            "topics": topics,
            "alerts": {"emerging_themes": True, "cooldown_days": COOLDOWN},
        }
    )


def run_seed(seed: int, n_days: int, workdir: Path, texts) -> dict:
    rng = np.random.default_rng(5000 + seed)
    days = [START + timedelta(days=i) for i in range(WARMUP_DAYS + n_days)]
    eval_days = days[WARMUP_DAYS:]
    incidents = plan(rng, eval_days)
    per_day = float(rng.integers(10, 31))
    path = workdir / f"bench-themes-{seed}.db"
    path.unlink(missing_ok=True)
    wl = watchlist(path)
    archive = Archive.open(path)
    mentions = simulate(archive, texts, incidents, days, per_day, rng)
    opened: list[tuple[date, str]] = []
    t0 = time.perf_counter()
    for day in eval_days:
        now = day_bounds(day, BERLIN)[1] + timedelta(hours=1)
        opened += [
            (day, c.topic)
            for c in run_detect(wl, archive, as_of=day, now=now)
            if c.kind == "theme" and c.change == "opened"
        ]
    replay = time.perf_counter() - t0
    archive.close()
    return {
        "seed": seed,
        "incidents": incidents,
        "opened": opened,
        "days": eval_days,
        "per_day": per_day,
        "mentions": mentions,
        "replay_s": replay,
    }


def _is(term: str, found: str) -> bool:
    return bool(term_pattern(term).search(found.casefold()) or term_pattern(found).search(term.casefold()))


def score(runs: list[dict]) -> dict:
    found, n, delays, false, loud_alarms, quiet = 0, 0, [], 0, 0, 0
    misses = []
    for r in runs:
        real = [i for i in r["incidents"] if not i.loud]
        busy = {i.start + timedelta(days=d) for i in real for d in range(len(i.authors) + COOLDOWN + 1)}
        quiet += sum(d not in busy for d in r["days"])
        for inc in real:
            n += 1
            hit = [
                (d - inc.start).days
                for d, t in r["opened"]
                if inc.start <= d <= inc.days[-1] and _is(inc.term, t)
            ]
            if hit:
                found += 1
                delays.append(min(hit))
            else:
                misses.append(f"seed {r['seed']} {inc.start} {inc.term} {inc.authors}")
        for d, t in r["opened"]:
            during = [i for i in real if i.start <= d <= i.days[-1]]
            if any(_is(i.term, t) for i in during):
                continue
            loud = [i for i in r["incidents"] if i.loud and i.start == d and _is(i.term, t)]
            if loud:
                loud_alarms += 1
            elif d not in busy or during:
                false += 1
                misses.append(f"false theme seed {r['seed']} {d} {t}")
    return {
        "theme_incidents": n,
        "recall": found / n if n else float("nan"),
        "median_delay_days": float(np.median(delays)) if delays else None,
        "false_themes": false,
        "false_themes_per_30_quiet_days": 30 * false / quiet if quiet else float("nan"),
        "quiet_days": quiet,
        "loud_author_alarms": loud_alarms,
        "loud_author_days": sum(i.loud for r in runs for i in r["incidents"]),
        "background_per_day": [r["per_day"] for r in runs],
        "replay_s_per_day": sum(r["replay_s"] for r in runs) / sum(len(r["days"]) for r in runs),
        "notes": misses,
    }


def run(seeds: int, n_days: int, workdir: Path, texts_path: Path, *, first_seed: int = 0) -> dict:
    texts = read_texts(texts_path)
    if len(texts) < 50:
        raise SystemExit(f"{texts_path}: too few German sentences for a background ({len(texts)})")
    runs = [run_seed(s, n_days, workdir, texts) for s in range(first_seed, first_seed + seeds)]
    out = score(runs)
    out["texts"] = str(texts_path)
    return out


def print_summary(s: dict, *, verbose: bool = False) -> None:
    delay = "-" if s["median_delay_days"] is None else f"{s['median_delay_days']:.1f} d"
    print(
        f"\nUnconfigured themes (5-9 complaining authors a day, background "
        f"{min(s['background_per_day']):g}-{max(s['background_per_day']):g} mentions a day): "
        f"recall {s['recall']:.2f} of {s['theme_incidents']}, median delay {delay}, "
        f"{s['false_themes_per_30_quiet_days']:.2f} false themes per 30 quiet days "
        f"({s['false_themes']} in {s['quiet_days']} days), loud author opened "
        f"{s['loud_author_alarms']}/{s['loud_author_days']}; {s['replay_s_per_day']:.2f} s per day"
    )
    if verbose:
        for note in s["notes"]:
            print("  " + note)
