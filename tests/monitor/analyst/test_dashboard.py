"""The brandpulse dashboard of `brandpulse serve`: a real Datasette with datasette-dashboards over
an archive of two own brands and a competitor, real incidents from real detection.

The chart data is fetched exactly as the plugin's JavaScript fetches it (the chart queries are
read back from the rendered page) and compared with counts computed here in Python. The browser
test drives headless Chromium over the DevTools protocol (``--remote-debugging-pipe``: no
WebSocket library needed): every chart must draw, the console must stay free of errors, and no
request may leave 127.0.0.1 — a control request proves the capture would see one.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from monitor.analyst import serve as serve_mod
from monitor.analyst.dashboard import DEFAULT_DAYS, FILTERS, SLUG, Charts
from monitor.analyst.local_days import clock_for
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.core.times import day_bounds, iso, local_day
from monitor.detect.run import run_detect
from monitor.enrich.brand_links import link_brands
from reports.links import Links
from tests.helpers.detect import Mention, add, background, burst, local
from tests.helpers.serve import start_serve, stop_serve
from tests.helpers.watchlists import MINIMAL_WATCHLIST

DAY = date(2026, 10, 14)  # a Wednesday
HISTORY = DAY - timedelta(weeks=8)
LAST = DAY + timedelta(days=2)
BERLIN = ZoneInfo("Europe/Berlin")
PUBLIC = "pulse.example.com"
CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)


# --------------------------------------------------------------------------- the archive


def write_watchlist(folder: Path, archive: str = "archive.db"):
    """Acme and Bravo are ours; Zeta is a competitor Acme is compared with (Bravo is not)."""
    spec = {
        **MINIMAL_WATCHLIST,
        "archive": archive,
        "brands": [
            {**MINIMAL_WATCHLIST["brands"][0], "competitors": ["Zeta"]},
            {"name": "Bravo", "sources": [{"type": "appstore", "app_id": "1", "country": "de"}]},
            {
                "name": "Zeta",
                "competitor": True,
                "sources": [{"type": "appstore", "app_id": "2", "country": "de"}],
            },
        ],
        "serve": {"public_url": f"https://{PUBLIC}"},
    }
    path = folder / "watchlist.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return load_watchlist(path)


HOSTILE = '<img src="https://evil.example/x.png" onerror="document.title=\'pwned\'"> Lieferung kaputt'


def seed_brands(wl, archive: Archive) -> dict:
    """Quiet weeks for all three brands, then a delivery problem at Acme and a price problem at
    Bravo on DAY; ratings, answers, a redacted post, a repost, posts naming the competitor."""
    background(archive, HISTORY, LAST, brand="Acme")
    background(archive, HISTORY, LAST, brand="Acme", topic="price", per_day=1.0, seed=11)
    background(archive, HISTORY, LAST, brand="Bravo", topic="price", per_day=1.5, seed=5)
    background(archive, HISTORY, LAST, brand="Zeta", per_day=1.0, seed=9)
    acme = add(archive, burst(DAY, 20, who="p", brand="Acme"))
    bravo = add(
        archive,
        burst(DAY, 12, who="q", topic="price", brand="Bravo", text="Der Preis wurde doppelt abgebucht."),
    )
    naming = add(
        archive,
        [
            Mention(
                local(DAY - timedelta(days=k), 10),
                f"r{k}",
                "Zeta liefert schneller als Acme, ehrlich gesagt.",
                sentiment="neutral",
                topics=(),
                source="reddit",
            )
            for k in range(5)
        ],
    )
    english = add(
        archive,
        [
            Mention(local(DAY - timedelta(days=k), 15), f"en{k}", "The delivery was late again.", lang="en")
            for k in range(4)
        ],
    )
    # the edge of the default window (DEFAULT_DAYS local days up to the newest mention's day)
    edge = add(
        archive,
        [
            Mention(
                local(LAST - timedelta(days=k), 0, 30),
                f"old{k}",
                "Alles gut.",
                sentiment="neutral",
                topics=(),
            )
            for k in (DEFAULT_DAYS - 1, DEFAULT_DAYS)
        ],
    )
    hostile = add(
        archive,
        [
            Mention(
                local(DAY + timedelta(days=1), 9), "<script>x</script>", HOSTILE, url="javascript:alert(1)"
            )
        ],
    )
    conn = archive.conn
    with conn:
        # Stars on the App Store reviews: complaints 1-2, the rest 3-5.
        conn.execute(
            "UPDATE mentions SET rating = CASE WHEN (SELECT sentiment FROM enrichments e"
            " WHERE e.mention_id = mentions.id) = 'negative' THEN 1 + id % 2 ELSE 3 + id % 3 END"
            " WHERE source = 'appstore'"
        )
        critics = [
            r[0]
            for r in conn.execute(
                "SELECT m.id FROM mentions m JOIN enrichments e ON e.mention_id = m.id WHERE m.brand = 'Acme'"
                " AND e.sentiment = 'negative' AND m.published_at >= ? ORDER BY m.id",
                (iso(local(DAY + timedelta(days=1), 0)),),
            )
        ]
        replied, redacted, repost = critics[:3]
        conn.execute("UPDATE mentions SET replied_at = published_at WHERE id = ?", (replied,))
        conn.execute(
            "UPDATE mentions SET redacted_at = published_at, text = NULL, author = NULL WHERE id = ?",
            (redacted,),
        )
        conn.execute("UPDATE mentions SET duplicate_of = ? WHERE id = ?", (critics[3], repost))
    link_brands(archive, wl)
    found = run_detect(
        wl, archive, as_of=DAY, now=local(DAY + timedelta(days=1), 6), emerging=lambda *a, **k: []
    )
    assert {i.brand for i in found.incidents} == {"Acme", "Bravo"}, found.records()
    return {
        "acme": acme,
        "bravo": bravo,
        "naming": naming,
        "english": english,
        "hostile": hostile[0],
        "edge": edge,
        "replied": replied,
        "redacted": redacted,
        "repost": repost,
    }


def mention_rows(path: Path) -> list[dict]:
    """Every (mention, brand) with what the charts need, read the plain way."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT m.id, mb.brand, m.source, coalesce(e.lang, m.lang) AS lang, m.published_at, m.rating,"
        " e.sentiment, m.replied_at, m.redacted_at, m.duplicate_of, m.url FROM mention_brands mb"
        " JOIN mentions m ON m.id = mb.mention_id LEFT JOIN enrichments e ON e.mention_id = m.id"
    ).fetchall()
    conn.close()
    out = []
    for r in rows:
        if r["duplicate_of"] is None:
            out.append({**dict(r), "day": local_day(r["published_at"], BERLIN).isoformat()})
    return out


# --------------------------------------------------------------------------- a live serve


def http(url: str, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    pytest.importorskip("datasette")
    pytest.importorskip("datasette_dashboards")
    folder = tmp_path_factory.mktemp("dashboard")
    wl = write_watchlist(folder)
    archive = Archive.open(wl.archive_path)
    info = seed_brands(wl, archive)
    archive.close()
    proc, base = start_serve(wl, folder)
    yield {"wl": wl, "base": base, "info": info, "db": serve_mod.database_name(wl.archive_path)}
    stop_serve(proc)


_RENDER = re.compile(
    r"renderChart\('(?P<slug>[^']+)', (?P<chart>\{.*?\}), '(?P<qs>[^']*)', '(?P<base>[^']*)'\)"
)


def dashboard(base: str, headers: dict | None = None, **filters: str) -> tuple[str, dict[str, tuple]]:
    """The dashboard page and, per chart, (chart, query string, base URL) as the page's
    script passes them to the plugin's renderChart()."""
    status, page = http(f"{base}/-/dashboards/{SLUG}?{urllib.parse.urlencode(filters)}", headers)
    assert status == 200, page[:500]
    found = {m["slug"]: (json.loads(m["chart"]), m["qs"], m["base"]) for m in _RENDER.finditer(page)}
    return page, found


def chart_rows(base: str, **filters: str) -> dict[str, list[dict]]:
    """Every chart's rows, fetched as dashboards.js fetches them."""
    _, charts = dashboard(base, **filters)
    out = {}
    for slug, (chart, qs, absolute) in charts.items():
        assert absolute == base + "/"
        sql = urllib.parse.quote(chart["query"], safe="-_.!~*'()")
        status, body = http(f"{absolute}{chart['db']}.json?sql={sql}&{qs}&_shape=objects")
        assert status == 200, (slug, body[:1000])
        data = json.loads(body)
        assert not data.get("truncated"), slug
        out[slug] = data["rows"]
    return out


# --------------------------------------------------------------------------- local days


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/Santiago", "America/St_Johns", "Asia/Kathmandu", "UTC"]
)
def test_local_days_in_sql_match_the_archive_rules_across_dst(zone):
    """The SQL clock gives the same local day and day start as monitor.core.times, also on DST
    days, where local midnight is skipped (Santiago) and at half- and quarter-hour offsets."""
    tz = ZoneInfo(zone)
    clock = clock_for(tz, "2025-06-01T00:00:00Z", "2026-12-01T00:00:00Z", today=date(2026, 1, 1))
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (at TEXT, d TEXT)")
    stamps = [datetime(2025, 12, 31, tzinfo=UTC) + timedelta(minutes=30 * k) for k in range(2 * 24 * 366)]
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(365)]
    conn.executemany("INSERT INTO t VALUES (?, NULL)", [(iso(s),) for s in stamps])
    conn.executemany("INSERT INTO t VALUES (NULL, ?)", [(d.isoformat(),) for d in days])
    got = conn.execute(f"WITH {clock.tables()} SELECT at, {clock.day('at')} FROM t WHERE at IS NOT NULL")
    want = {iso(s): local_day(s, tz).isoformat() for s in stamps}
    assert dict(got.fetchall()) == want
    got = conn.execute(
        f"WITH {clock.tables()} SELECT d, {clock.start('d')}, {clock.end('d')} FROM t WHERE d IS NOT NULL"
    )
    want = {d.isoformat(): tuple(iso(b) for b in day_bounds(d, tz)) for d in days}
    assert {d: (s, e) for d, s, e in got.fetchall()} == want
    if zone != "UTC":
        assert len(clock.transitions()) > 1 or zone in ("Asia/Kathmandu",)


def test_a_junk_date_does_not_stretch_the_clock():
    clock = clock_for(BERLIN, "1970-01-01T00:00:00Z", "2099-01-01T00:00:00Z", today=date(2026, 5, 1))
    assert clock.first_year >= 2015 and clock.last_year <= 2030


def test_chart_data_urls_stay_short_for_a_decade_of_archive():
    """The plugin sends each chart's SQL in the URL: it must fit a proxy's 8 KB request line."""
    clock = clock_for(BERLIN, "2016-01-01T00:00:00Z", "2026-01-01T00:00:00Z", today=date(2026, 1, 1))
    charts = Charts(clock, "brandpulse")
    for name in (
        "mentions_per_day",
        "negative_share",
        "rating_trend",
        "share_of_voice",
        "complaints_per_topic",
        "open_incidents",
        "answer_today",
    ):
        sql = getattr(charts, name)()
        url = "/brandpulse.json?sql=" + urllib.parse.quote(sql, safe="-_.!~*'()")
        qs = "&brand=Acme&source=appstore&language=de&date_start=2026-01-01&date_end=2026-01-31"
        assert len(url + qs) < 8000, (name, len(url))


# --------------------------------------------------------------------------- the charts


def test_dashboard_page_has_the_filters_and_charts_and_only_local_assets(live):
    page, charts = dashboard(live["base"])
    for name in FILTERS:
        assert f'name="{name}"' in page
    assert set(charts) == {
        "open-incidents",
        "mentions-per-day",
        "negative-share",
        "share-of-voice",
        "rating-trend",
        "complaints-per-topic",
        "answer-today",
    }
    # the brand select lists own brands and the competitor
    assert all(f'<option value="{b}"' in page for b in ("Acme", "Bravo", "Zeta"))
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for path in (
        "/-/dashboards",
        f"/-/dashboards/{SLUG}/open-incidents",
        f"/-/dashboards/{SLUG}/share-of-voice",
    ):
        assert http(live["base"] + path)[0] == 200, path
    for chart, _, _ in charts.values():
        if chart["library"] == "vega-lite":
            assert chart["display"]["usermeta"]["embedOptions"]["actions"] is False


def test_trend_charts_count_through_mention_brands_in_local_days(live):
    rows = mention_rows(live["wl"].archive_path)
    first, last = DAY - timedelta(days=6), DAY
    got = chart_rows(live["base"], brand="Acme", date_start=first.isoformat(), date_end=last.isoformat())
    mine = [r for r in rows if r["brand"] == "Acme" and first.isoformat() <= r["day"] <= last.isoformat()]
    assert {(r["day"], r["mentions"]) for r in got["mentions-per-day"]} == set(
        Counter(r["day"] for r in mine).items()
    )
    assert {r["brand"] for r in got["mentions-per-day"]} == {"Acme"}
    # the posts of Acme's reddit query that name Zeta count for Zeta too
    naming_days = {local_day(iso(local(DAY - timedelta(days=k), 10)), BERLIN).isoformat() for k in range(5)}
    zeta = chart_rows(live["base"], brand="Zeta", date_start=first.isoformat(), date_end=last.isoformat())
    zeta_rows = [
        r for r in rows if r["brand"] == "Zeta" and first.isoformat() <= r["day"] <= last.isoformat()
    ]
    assert sum(r["mentions"] for r in zeta["mentions-per-day"]) == len(zeta_rows)
    assert {r["id"] for r in zeta_rows} >= set(live["info"]["naming"]) and naming_days
    neg = defaultdict(lambda: [0, 0])
    for r in mine:
        if r["sentiment"]:
            neg[r["day"]][0] += r["sentiment"] == "negative"
            neg[r["day"]][1] += 1
    assert {r["day"]: r["negative_share"] for r in got["negative-share"]} == {
        d: round(n / k, 4) for d, (n, k) in neg.items()
    }
    stars = defaultdict(list)
    for r in mine:
        if r["rating"] is not None:
            d = date.fromisoformat(r["day"])
            stars[(d - timedelta(days=d.weekday())).isoformat()].append(r["rating"])
    assert {r["week"]: r["avg_rating"] for r in got["rating-trend"]} == {
        w: round(sum(v) / len(v), 2) for w, v in stars.items()
    }
    complaints = got["complaints-per-topic"]
    # Topics are named by the watchlist's label in the digest language; price has none.
    assert {(r["topic"], r["brand"]) for r in complaints} >= {("Lieferung", "Acme")}
    assert "delivery" not in {r["topic"] for r in complaints}
    delivery = next(r["complaints"] for r in complaints if r["topic"] == "Lieferung")
    assert delivery >= 20  # the burst


def test_source_language_and_default_window_filters(live):
    rows = mention_rows(live["wl"].archive_path)
    got = chart_rows(live["base"], source="reddit", date_start=HISTORY.isoformat(), date_end=LAST.isoformat())
    reddit = Counter((r["day"], r["brand"]) for r in rows if r["source"] == "reddit")
    assert {(r["day"], r["brand"]): r["mentions"] for r in got["mentions-per-day"]} == dict(reddit)
    got = chart_rows(live["base"], language="en", date_start=HISTORY.isoformat(), date_end=LAST.isoformat())
    assert sum(r["mentions"] for r in got["mentions-per-day"]) == sum(r["lang"] == "en" for r in rows) == 4
    # no start date: the DEFAULT_DAYS local days up to date_end, or up to the newest mention's
    # day (LAST); a mention at 00:30 local is in its local day, not in the UTC day before
    for end in ({"date_end": LAST.isoformat()}, {}):
        got = chart_rows(live["base"], brand="Acme", **end)
        days = sorted(r["day"] for r in got["mentions-per-day"])
        assert (
            days[0] == (LAST - timedelta(days=DEFAULT_DAYS - 1)).isoformat() and days[-1] == LAST.isoformat()
        )
    end = DAY - timedelta(days=20)
    got = chart_rows(live["base"], brand="Acme", date_end=end.isoformat())
    assert max(r["day"] for r in got["mentions-per-day"]) == end.isoformat()


@pytest.mark.parametrize(
    "brand, shown",
    [
        ("Acme", {"Acme", "Zeta"}),
        ("Zeta", {"Zeta", "Acme"}),
        ("Bravo", {"Bravo"}),
        ("", {"Acme", "Bravo", "Zeta"}),
    ],
)
def test_share_of_voice_keeps_the_competitors_of_the_chosen_brand(live, brand, shown):
    got = chart_rows(
        live["base"], brand=brand, date_start=(DAY - timedelta(days=3)).isoformat(), date_end=DAY.isoformat()
    )
    sov = got["share-of-voice"]
    assert {r["brand"] for r in sov} == shown
    per_day = defaultdict(float)
    for r in sov:
        per_day[r["day"]] += r["share"]
        assert r["competitor"] == (r["brand"] == "Zeta")
    assert all(abs(s - 1) < 0.01 for s in per_day.values())


def test_open_incidents_link_to_their_mentions(live):
    db = live["db"]
    got = chart_rows(live["base"], brand="Acme", date_start=DAY.isoformat(), date_end=DAY.isoformat())
    conn = sqlite3.connect(live["wl"].archive_path)
    acme = conn.execute(
        "SELECT id, headline_en FROM incidents WHERE brand = 'Acme' AND status = 'open'"
    ).fetchall()
    conn.close()
    assert len(got["open-incidents"]) == len(acme) >= 1
    for row in got["open-incidents"]:
        assert row["Brand"] == "Acme" and row["Status"] == "open"
    hrefs = {re.search(r'href="([^"]+)"', r["Incident"]).group(1) for r in got["open-incidents"]}
    assert hrefs == {f"/{db}/incident_mentions?incident={i}" for i, _ in acme}
    # a window before the incident: the table says there is none (the plugin needs one row)
    early = chart_rows(live["base"], brand="Acme", date_end=(DAY - timedelta(days=5)).isoformat())
    assert [r["Incident"] for r in early["open-incidents"]] == ["No open incident"]


def test_incident_mentions_lists_the_complaints_behind_the_incident(live):
    db, info = live["db"], live["info"]
    conn = sqlite3.connect(live["wl"].archive_path)
    inc_id, lead = conn.execute(
        "SELECT id, lead_alert_id FROM incidents WHERE brand = 'Acme' AND lead_topic = 'delivery'"
    ).fetchone()
    quoted = {
        e["mention_id"]
        for (ex,) in conn.execute("SELECT examples FROM alerts WHERE incident_id = ?", (inc_id,))
        for e in json.loads(ex or "[]")
    }
    conn.close()
    status, body = http(f"{live['base']}/{db}/incident_mentions.json?incident={inc_id}&_shape=array")
    assert status == 200, body[:500]
    rows = json.loads(body)
    ids = [r["id"] for r in rows]
    assert set(info["acme"]) <= set(ids)  # every complaint of the burst
    assert quoted <= set(ids) and lead
    assert not set(info["bravo"]) & set(ids)  # another brand's problem
    assert info["repost"] not in ids
    assert [r["published"] for r in rows] == sorted((r["published"] for r in rows), reverse=True)
    assert all(r["why"] for r in rows)
    # nothing else: every row is a complaint of Acme on the incident's days (or quoted)
    mb = mention_rows(live["wl"].archive_path)
    acme = {r["id"] for r in mb if r["brand"] == "Acme"}
    assert set(ids) <= acme
    # the page of the canned query renders them, and asks for nothing but the incident
    status, page = http(f"{live['base']}/{db}/incident_mentions?incident={inc_id}")
    assert status == 200 and all(f">{i}<" in page for i in info["acme"][:3])
    assert re.findall(r'<input[^>]+name="([^"]+)"', page) == ["incident"]


def test_answer_today_lists_unanswered_critics_safely(live):
    info = live["info"]
    got = chart_rows(live["base"], date_start=DAY.isoformat(), date_end=LAST.isoformat())
    rows = got["answer-today"]
    assert rows and all("Zeta" not in r["Brand"] for r in rows)  # competitors get no answers from us
    published = [r["Published"] for r in rows]
    assert published == sorted(published, reverse=True)
    texts = " ".join(r["Mention"] for r in rows)
    assert "<img" not in texts and '&lt;img src="https://evil.example/x.png"' in texts
    hostile = next(r for r in rows if "evil.example" in r["Mention"])
    assert hostile["Link"] == "" and hostile["Author"] == "&lt;script>x&lt;/script>"
    assert all(r["Link"].startswith('<a href="https://reviews.example/') for r in rows if r is not hostile)
    # answered, redacted and reposted critics are not listed
    conn = sqlite3.connect(live["wl"].archive_path)
    gone = {
        u
        for (u,) in conn.execute(
            "SELECT url FROM mentions WHERE id IN (?, ?, ?)",
            (info["replied"], info["redacted"], info["repost"]),
        )
    }
    conn.close()
    assert not any(u in r["Link"] for u in gone for r in rows)
    quiet = chart_rows(live["base"], brand="Zeta", date_start=DAY.isoformat(), date_end=DAY.isoformat())
    assert [r["Published"] for r in quiet["answer-today"]] == ["Nothing to answer"]


def test_canned_share_of_voice_and_table_docs(live):
    db = live["db"]
    status, body = http(f"{live['base']}/{db}/share_of_voice.json?brand=Acme&since=&until=&_shape=array")
    assert status == 200, body[:500]
    assert {r["brand"] for r in json.loads(body)} == {"Acme", "Zeta"}
    status, body = http(f"{live['base']}/-/metadata.json")
    tables = json.loads(body)["databases"][db]["tables"]
    for name in ("mention_brands", "brands", "v_share_of_voice"):
        assert tables[name]["description"]
    assert tables["mention_brands"]["columns"]["via"].startswith("source")


def test_an_archive_named_with_spaces_and_dots_serves_every_chart_and_link(tmp_path):
    """The plugin puts the database name into chart data URLs unencoded: serve names the
    archive ``Acme_archive_2026`` (through a link to the file), and the digest links say so."""
    pytest.importorskip("datasette")
    pytest.importorskip("datasette_dashboards")
    wl = write_watchlist(tmp_path, archive="Acme archive.2026.db")
    with Archive.open(wl.archive_path) as archive:
        seed_brands(wl, archive)
    proc, base = start_serve(wl, tmp_path)
    try:
        db = serve_mod.database_name(wl.archive_path)
        assert db == "Acme_archive_2026"
        got = chart_rows(base, brand="Acme", date_start=DAY.isoformat(), date_end=DAY.isoformat())
        assert all(got.values()), {k: v for k, v in got.items() if not v}  # every chart answered
        href = re.search(r'href="([^"]+)"', got["open-incidents"][0]["Incident"]).group(1)
        status, page = http(base + href)
        assert status == 200 and "Lieferung" in page
        assert Links.of(wl).incident(int(href.rsplit("=", 1)[1])) == f"https://{PUBLIC}{href}"

        def count() -> int:
            status, body = http(f"{base}/{db}.json?sql=select+count(*)+as+n+from+mentions&_shape=array")
            assert status == 200, body[:300]
            return json.loads(body)[0]["n"]

        before = count()
        with Archive.open(wl.archive_path) as archive:  # the live archive, in WAL mode
            add(archive, burst(DAY, 1, who="late", brand="Acme"))
        assert count() == before + 1  # the link reads the real file and its WAL
    finally:
        stop_serve(proc)


def test_behind_a_proxy_the_public_host_is_served_and_charts_load_from_it(live):
    """serve.public_url's host is allowed; the plugin builds the charts' data URLs from the
    forwarded Host and scheme, so they load through the proxy; other names are refused."""
    _, charts = dashboard(live["base"], {"Host": PUBLIC, "X-Forwarded-Proto": "https"})
    assert {c[2] for c in charts.values()} == {f"https://{PUBLIC}/"}
    status, _ = http(f"{live['base']}/-/dashboards/{SLUG}", {"Host": "evil.example"})
    assert status == 400


# --------------------------------------------------------------------------- the browser


class DevTools:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out, NUL
    separated JSON): commands, and every event of the attached page kept in ``events``."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 1000):
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()
        args = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            # a page may resolve nothing but 127.0.0.1: a CDN fetch fails, and is still logged
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--remote-debugging-pipe",
            "about:blank",
        ]

        def pipe_fds() -> None:  # in the child: the pipes become fds 3 and 4, kept over exec
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 5) for fd in (cmd_r, out_w)]  # either may be 3 or 4
            for fd, target in zip(high, (3, 4)):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        # Python's own fds are close-on-exec, so close_fds=False hands over only 0-4.
        self.proc = subprocess.Popen(
            args,
            preexec_fn=pipe_fds,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(out_w)
        self.events: list[dict] = []
        self._replies: dict[int, dict] = {}
        self._lock = threading.Condition()
        self._next = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.width, self.height = width, height

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self._out_r, 1 << 16)
            if not chunk:
                break
            buf += chunk
            *messages, buf = buf.split(b"\0")
            with self._lock:
                for raw in messages:
                    msg = json.loads(raw)
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                self._lock.notify_all()

    def call(self, method: str, session: str | None = None, timeout: float = 30, **params):
        with self._lock:
            self._next += 1
            n = self._next
        msg = {"id": n, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        with self._lock:
            if not self._lock.wait_for(lambda: n in self._replies, timeout):
                raise TimeoutError(method)
            reply = self._replies.pop(n)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def open_page(self) -> str:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        sid = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=sid)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=sid,
            width=self.width,
            height=self.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        return sid

    def evaluate(self, sid: str, expression: str):
        res = self.call(
            "Runtime.evaluate", session=sid, expression=expression, returnByValue=True, awaitPromise=True
        )
        return res["result"].get("value")

    def navigate(self, sid: str, url: str) -> None:
        self.call("Page.navigate", session=sid, url=url)
        self.wait(sid, "document.readyState === 'complete'")

    def wait(self, sid: str, condition: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(sid, f"!!({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(condition)
            time.sleep(0.2)

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append(json.dumps(p["args"])[:500])
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"{p['entry']['text']} {p['entry'].get('url', '')}")
        return out

    def screenshot(self, sid: str, path: Path, max_height: int = 20000) -> None:
        height = min(max_height, int(self.evaluate(sid, "document.documentElement.scrollHeight")))
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=sid,
            width=self.width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(0.5)  # the charts re-fit to the new viewport
        data = self.call("Page.captureScreenshot", session=sid, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (TimeoutError, RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        self._reader.join(timeout=5)
        os.close(self._out_r)


#: True once every chart card holds what it draws: a Vega svg, or a table.
CHARTS_DRAWN = """
[...document.querySelectorAll('.dashboard-card-chart')].length === 7 &&
[...document.querySelectorAll('.dashboard-card-chart')].every(el => el.querySelector('svg.marks, table'))
"""


def render_dashboard(devtools: DevTools, url: str) -> str:
    sid = devtools.open_page()
    devtools.navigate(sid, url)
    devtools.wait(sid, CHARTS_DRAWN)
    time.sleep(0.5)  # late console errors of the last chart
    return sid


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install -y chromium)")
def test_browser_renders_every_chart_offline_without_errors(live, tmp_path):
    base, db = live["base"], live["db"]
    devtools = DevTools(tmp_path / "profile")
    try:
        q = urllib.parse.urlencode(
            {"brand": "Acme", "date_start": "2026-09-15", "date_end": LAST.isoformat()}
        )
        sid = render_dashboard(devtools, f"{base}/-/dashboards/{SLUG}?{q}")
        drawn = devtools.evaluate(
            sid,
            "Object.fromEntries([...document.querySelectorAll('.dashboard-card-chart')].map(el => "
            "[el.id, el.querySelector('svg.marks') ? 'svg' : el.querySelector('table') ? 'table' : null]))",
        )
        vega = (
            "mentions-per-day",
            "negative-share",
            "share-of-voice",
            "rating-trend",
            "complaints-per-topic",
        )
        assert drawn == {
            "chart-open-incidents": "table",
            "chart-answer-today": "table",
            **{f"chart-{s}": "svg" for s in vega},
        }
        # each Vega chart drew data marks (lines, points, areas, bars), not just its axes,
        # at the card's width (a failed embed is 0 px wide)
        marks = devtools.evaluate(
            sid,
            "Object.fromEntries([...document.querySelectorAll('.dashboard-card-chart svg.marks')].map(s => "
            "[s.closest('.dashboard-card-chart').id, [s.querySelectorAll('g.role-mark path').length, "
            "+s.getAttribute('width')]]))",
        )
        assert set(marks) == {f"chart-{s}" for s in vega}
        assert all(n > 0 and width > 200 for n, width in marks.values()), marks
        assert devtools.evaluate(sid, "document.title") != "pwned"
        assert not devtools.errors(), devtools.errors()
        requests = devtools.requests()
        assert any("/-/static-plugins/datasette_dashboards/vega-lite.min.js" in u for u in requests), requests
        assert sum(f"/{db}.json?sql=" in u for u in requests) == 7
        # data: URLs (an inline icon) never reach the network; everything else is this server
        assert [u for u in requests if not u.startswith((base + "/", "data:", "blob:"))] == []
        # the incident link leads to a page listing its mentions
        hrefs = devtools.evaluate(
            sid, "[...document.querySelectorAll('#chart-open-incidents a')].map(a => a.href)"
        )
        assert hrefs and all(h.startswith(f"{base}/{db}/incident_mentions?incident=") for h in hrefs)
        devtools.navigate(sid, hrefs[0])
        listed = devtools.evaluate(
            sid, "[...document.querySelectorAll('table.rows-and-columns td.col-id')].map(td => +td.innerText)"
        )
        incident = int(hrefs[0].rsplit("=", 1)[1])
        conn = sqlite3.connect(live["wl"].archive_path)
        (topic,) = conn.execute("SELECT lead_topic FROM incidents WHERE id = ?", (incident,)).fetchone()
        conn.close()
        assert topic == "delivery" and set(live["info"]["acme"]) <= set(listed)
        # the controls: a request to another host is seen (and fails: nothing resolves), and
        # so is an error thrown on the page
        devtools.evaluate(sid, "fetch('https://cdn.example.com/vega.js').catch(() => 0)")
        devtools.evaluate(sid, "setTimeout(() => { throw new Error('control') }, 0)")
        time.sleep(0.5)
        assert "https://cdn.example.com/vega.js" in devtools.requests()
        errors = devtools.errors()
        assert any("control" in e for e in errors) and any("cdn.example.com" in e for e in errors), errors
    finally:
        devtools.close()


def test_topic_labels_are_sql_literals_whatever_the_operator_wrote():
    import sqlite3

    charts = Charts(
        clock_for(BERLIN, None, None), "db", topic_labels={"a": "O'Neil'); DROP TABLE x; --", "b": "B"}
    )
    sql = f"SELECT {charts.topic_label('t')} FROM (SELECT 'a' AS t UNION ALL SELECT 'b' UNION ALL SELECT 'c') ORDER BY 1"
    assert [r[0] for r in sqlite3.connect(":memory:").execute(sql)] == [
        "B",
        "O'Neil'); DROP TABLE x; --",
        "c",
    ]
