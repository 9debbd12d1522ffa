"""The bundled demo data: reproducible, readable by the real parsers, and telling the story.

The snapshots are read with the spiders' own parser functions (the same code the demo's
crawl runs), so a format drift on either side fails here first. The end-to-end tests at
the bottom run the real crawl through 127.0.0.1 (and, once every stage exists, the demo).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest

from crawler.localserver import FixtureServer
from crawler.spiders.appstore import parse_appstore
from crawler.spiders.feed import parse_feed
from crawler.spiders.google_play import parse_google_play, request_body
from crawler.spiders.trustpilot import parse_trustpilot
from monitor.core.config import load_watchlist
from monitor.core.times import parse_time
from monitor.demo.run import (
    DEMO_DAY,
    PLACEHOLDER,
    SNAPSHOTS,
    WATCHLIST,
    DemoError,
    build_routes,
    load_manifest,
    play_token,
    prepare_directory,
)
from tools.demo_data import generate, texts

TZ = ZoneInfo("Europe/Berlin")
FIRST_DAY, LAST_DAY = date(2026, 9, 27), date(2026, 11, 21)
INCIDENT = date(2026, 11, 19)
HUB = re.compile(r"Verteilzentr|distribution cent|\bhub\b", re.IGNORECASE)
LOCKER = re.compile(r"Abholcode|Abholstation|pickup code|pickup locker", re.IGNORECASE)
CHURN = re.compile(
    r"kündige|gekündigt|wechsle zu|cancelling my subscription|switching to|moving to", re.IGNORECASE
)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest()


@pytest.fixture(scope="module")
def demo_watchlist():
    return load_watchlist(WATCHLIST)


def _local_day(value) -> date:
    return parse_time(value).astimezone(TZ).date()


@pytest.fixture(scope="module")
def items(manifest, demo_watchlist) -> list[dict]:
    """Every snapshot item, parsed by the spiders' parsers, tagged with its source."""
    brand = demo_watchlist.brands[0]
    src = {s.type: s for s in brand.sources}
    routes = manifest["routes"]
    out: list[dict] = []

    def add(source: str, page) -> None:
        assert page.errors == [], f"{source}: {page.errors[:3]}"
        out.extend({**it, "source": source} for it in page.items)

    for rel in routes["appstore"]["pages"]:
        add(
            "appstore",
            parse_appstore(
                (SNAPSHOTS / rel).read_bytes(), country=src["appstore"].country, app_id=src["appstore"].app_id
            ),
        )
    for rel in routes["google_play"]["by_token"].values():
        add(
            "google_play",
            parse_google_play((SNAPSHOTS / rel).read_bytes(), app_id=src["google_play"].app_id, lang="de"),
        )
    for rel in routes["trustpilot"]["pages"]:
        add("trustpilot", parse_trustpilot((SNAPSHOTS / rel).read_bytes(), domain=src["trustpilot"].domain))
    for feed in routes["feeds"]:
        add("feed", parse_feed((SNAPSHOTS / feed["file"]).read_bytes(), url=feed["path"]))
    return out


@pytest.fixture(scope="module")
def on_brand(items, demo_watchlist) -> list[dict]:
    """What the crawl keeps: review sources as they are, feed items only when about the brand."""
    from nlp.brands import compile_brand

    b = demo_watchlist.brands[0]
    matcher = compile_brand(b.name, b.aliases, b.exclude, query=b.query, case_sensitive=b.case_sensitive)
    return [
        it
        for it in items
        if it["source"] != "feed" or matcher.matches(f"{it.get('title') or ''}\n{it['text']}")
    ]


# --------------------------------------------------------------------------- reproducible, small


def test_generator_reproduces_the_committed_snapshots(tmp_path):
    generate.main(tmp_path / "snap")
    committed = sorted(p.relative_to(SNAPSHOTS) for p in SNAPSHOTS.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path / "snap") for p in (tmp_path / "snap").rglob("*") if p.is_file())
    assert fresh == committed
    for rel in committed:
        assert (tmp_path / "snap" / rel).read_bytes() == (SNAPSHOTS / rel).read_bytes(), rel


def test_snapshots_stay_small():
    total = sum(p.stat().st_size for p in SNAPSHOTS.rglob("*") if p.is_file())
    assert total < 3 * 1024 * 1024


# --------------------------------------------------------------------------- formats


def test_every_snapshot_parses_and_matches_the_manifest(items, manifest):
    by_source = Counter(it["source"] for it in items)
    counts = manifest["counts"]["by_source"]
    assert by_source["appstore"] == counts["appstore"]
    assert by_source["google_play"] == counts["google_play"]
    assert by_source["trustpilot"] == counts["trustpilot"]
    assert by_source["feed"] == counts["forum"] + counts["alerts"]
    assert len({(it["source"], it["external_id"]) for it in items}) == len(items)


def test_appstore_pages_follow_apples_limits(manifest):
    pages = manifest["routes"]["appstore"]["pages"]
    assert len(pages) <= 10
    entries = [
        json.loads((SNAPSHOTS / p).read_text(encoding="utf-8"))["feed"].get("entry", []) for p in pages
    ]
    assert all(len(e) == 50 for e in entries[:-2])
    assert sum(map(len, entries)) <= 500
    stamps = [parse_time(e["updated"]["label"]) for page in entries for e in page]
    assert stamps == sorted(stamps, reverse=True), "sortby=mostrecent: newest first"
    # Apple stamps reviews in Pacific time, with the offset
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00", entries[0][0]["updated"]["label"])


def test_google_play_pages_chain_through_their_tokens(manifest):
    by_token = manifest["routes"]["google_play"]["by_token"]
    seen, token = [], ""
    while token is not None:
        page = parse_google_play((SNAPSHOTS / by_token[token]).read_bytes(), app_id="x")
        seen.append(token)
        token = page.next
    assert sorted(seen) == sorted(by_token)
    raw = (SNAPSHOTS / by_token[""]).read_text(encoding="utf-8")
    assert raw.startswith(')]}\'[\n[\n"wrb.fr",\n"UsvDTd",\n')


def test_google_play_texts_respect_the_500_character_limit(items):
    assert max(len(it["text"]) for it in items if it["source"] == "google_play") <= 500


def test_play_token_reads_what_the_spider_sends():
    assert play_token(request_body("example.paketwerk.shop").encode()) == ""
    assert play_token(request_body("example.paketwerk.shop", "CsEBCr4abc").encode()) == "CsEBCr4abc"


def test_trustpilot_next_data_keeps_the_real_structure(manifest):
    html = (SNAPSHOTS / manifest["routes"]["trustpilot"]["pages"][0]).read_text(encoding="utf-8")
    raw = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', html, re.S).group(1)
    props = json.loads(raw)["props"]["pageProps"]
    review = props["reviews"][0]
    assert {"id", "text", "title", "rating", "dates", "consumer", "language", "labels", "likes"} <= set(
        review
    )
    assert re.fullmatch(r"[0-9a-f]{24}", review["id"])
    assert review["dates"]["publishedDate"].endswith(".000Z")
    assert set(props["filters"]["pagination"]) == {"currentPage", "perPage", "totalCount", "totalPages"}
    assert props["filters"]["pagination"]["totalPages"] == len(manifest["routes"]["trustpilot"]["pages"])


# --------------------------------------------------------------------------- dates and volumes


def test_eight_weeks_ending_on_the_demo_day(on_brand):
    days = {_local_day(it["published_at"]) for it in on_brand}
    assert min(days) == FIRST_DAY and max(days) == LAST_DAY == DEMO_DAY
    assert days == {FIRST_DAY + timedelta(n) for n in range(56)}, "no day without mentions"


def test_daily_volume_and_weekly_rhythm(on_brand):
    per_day = Counter(_local_day(it["published_at"]) for it in on_brand)
    normal = {d: n for d, n in per_day.items() if d < INCIDENT}
    mean = sum(normal.values()) / len(normal)
    assert 15 <= mean <= 40
    assert min(normal.values()) >= 8 and max(normal.values()) <= 50
    by_weekday = defaultdict(list)
    for d, n in normal.items():
        by_weekday[d.weekday()].append(n)
    avg = {wd: sum(v) / len(v) for wd, v in by_weekday.items()}
    assert avg[0] > avg[6] * 1.3, "Mondays bring the weekend's trouble, Sundays are quiet"
    assert per_day[date(2026, 11, 20)] > 1.8 * mean, "the incident is a visible spike"


def test_mostly_german_with_english(on_brand, manifest):
    langs = manifest["counts"]["by_lang"]
    assert langs["de"] > 0.75 * sum(langs.values())
    assert langs["en"] > 100
    assert {it["lang"] for it in on_brand if it["source"] == "trustpilot"} == {"de", "en"}


def test_authors_are_varied(on_brand):
    authors = Counter(it["author"] for it in on_brand if it["author"])
    assert len(authors) > 0.9 * len(on_brand)


def test_ratings_agree_with_the_text(on_brand):
    """5 stars never carry a complaint from the bank, 1 star never praise; a 4 or 2 may be a
    mixed review ("good, but ...") and then holds both."""
    neg = {s for t in texts.SENTENCES.values() for lang in t.values() for s in lang["neg"]}
    pos = {s for t in texts.SENTENCES.values() for lang in t.values() for s in lang["pos"]}
    rated = [it for it in on_brand if it.get("rating")]
    assert {int(it["rating"]) for it in rated} == {1, 2, 3, 4, 5}
    for it in rated:
        text = it["text"].lower()  # "Aber die Lieferung ..." lower-cases a bank sentence
        found = {s for s in neg | pos if s.lower() in text}
        if it["rating"] == 5:
            assert not found & neg, it
        elif it["rating"] == 4 and found & neg:
            assert found & pos, it
        elif it["rating"] == 1:
            assert not found & pos, it
        elif it["rating"] == 2 and found & pos:
            assert found & neg, it


def test_reviews_vary_in_length_and_include_mixed_ones(on_brand):
    lengths = sorted(len(it["text"]) for it in on_brand)
    assert lengths[len(lengths) // 10] < 90 and lengths[-len(lengths) // 10] > 200
    assert sum(n > 300 for n in lengths) > 50
    assert sum("\n\n" in it["text"] for it in on_brand) > 50, "some multi-paragraph reviews"
    mixed = set(texts.MIXED["de"] + texts.MIXED["en"])
    assert sum(any(m in it["text"] for m in mixed) for it in on_brand) > 20


# --------------------------------------------------------------------------- the incident


def _window(on_brand, first: date, last: date) -> list[dict]:
    return [it for it in on_brand if first <= _local_day(it["published_at"]) <= last]


def test_stuck_parcels_spike_from_many_authors_across_sources(on_brand):
    before = [it for it in _window(on_brand, FIRST_DAY, INCIDENT - timedelta(1)) if HUB.search(it["text"])]
    during = [it for it in _window(on_brand, INCIDENT, LAST_DAY) if HUB.search(it["text"])]
    assert len(before) <= 5, "a rare complaint before the incident, not a pattern"
    assert len(during) >= 40
    assert len({it["author"] for it in during}) >= 35
    assert {it["source"] for it in during} >= {"appstore", "google_play", "trustpilot"}
    assert {it.get("lang") or "?" for it in during} >= {"de", "en"}


def test_a_new_theme_that_no_topic_covers(on_brand, demo_watchlist):
    before = [it for it in _window(on_brand, FIRST_DAY, INCIDENT - timedelta(1)) if LOCKER.search(it["text"])]
    during = [
        it
        for it in _window(on_brand, INCIDENT, LAST_DAY)
        if LOCKER.search(it["text"]) and it["source"] != "feed"
    ]
    # Before: only the news that the lockers were being tested; no customer complained yet.
    assert len(before) == 1 and "Abholstationen" in before[0]["title"]
    assert len(during) >= 10
    assert len({it["author"] for it in during}) == len(during)
    for sentence in texts.LOCKER_CODE["de"] + texts.LOCKER_CODE["en"]:
        words = set(re.findall(r"\w+", sentence.lower()))
        for topic in demo_watchlist.topics.values():
            for kw in (k.lower() for ks in topic.keywords.values() for k in ks):
                assert kw not in words, (sentence, kw)


def test_churn_signals_name_competitors(on_brand, demo_watchlist):
    during = [it for it in _window(on_brand, INCIDENT, LAST_DAY) if CHURN.search(it["text"])]
    assert len(during) >= 4
    competitors = demo_watchlist.brands[0].competitors
    assert any(c in it["text"] for it in during for c in competitors)


def test_one_author_repeats_the_same_complaint(on_brand):
    during = _window(on_brand, INCIDENT, LAST_DAY)
    author, n = Counter(it["author"] for it in during).most_common(1)[0]
    assert author == texts.REPEAT_POSTER["author"] and n >= 8
    others = Counter(it["author"] for it in during if it["author"] not in (author, "", None))
    assert max(others.values()) <= 2


def test_praise_continues_during_the_incident(on_brand):
    during = _window(on_brand, INCIDENT, LAST_DAY)
    assert sum(1 for it in during if (it.get("rating") or 0) >= 4) >= 20


def test_feed_holds_items_the_brand_filter_must_drop(items, on_brand):
    dropped = [it for it in items if it not in on_brand]
    assert len(dropped) == len(texts.OFF_BRAND_FORUM_POSTS)
    assert any("Stellenangebot" in it["title"] for it in dropped)


# --------------------------------------------------------------------------- watchlist and routes


def test_demo_watchlist_is_valid_and_offline_by_default(demo_watchlist):
    brand = demo_watchlist.brands[0]
    assert {s.type for s in brand.sources} == {"appstore", "google_play", "trustpilot", "feed"}
    assert all(s.base_url == PLACEHOLDER for s in brand.sources)
    assert len(demo_watchlist.topics) == 10
    assert all({"de", "en"} <= set(t.keywords) for t in demo_watchlist.topics.values())
    apps = {s.type: s for s in brand.sources}
    assert apps["appstore"].app_id == generate.APP_ID and apps["google_play"].app_id == generate.PLAY_APP
    assert apps["trustpilot"].domain == generate.TP_DOMAIN


def test_the_competitor_has_its_own_sources_and_a_different_story(demo_watchlist, manifest):
    from tools.demo_data import competitor

    rival = demo_watchlist.brand(competitor.NAME)
    assert rival.competitor and demo_watchlist.compared_with(demo_watchlist.brands[0]) == [rival]
    src = {s.type: s for s in rival.sources}
    assert src["appstore"].app_id == competitor.APP_ID and src["trustpilot"].domain == competitor.TP_DOMAIN
    routes = manifest["routes"]["competitor"]
    reviews = [
        it
        for rel in routes["appstore"][competitor.APP_ID]
        for it in parse_appstore((SNAPSHOTS / rel).read_bytes(), country="de", app_id=competitor.APP_ID).items
    ] + [
        it
        for rel in routes["trustpilot"][competitor.TP_DOMAIN]
        for it in parse_trustpilot((SNAPSHOTS / rel).read_bytes(), domain=competitor.TP_DOMAIN).items
    ]
    assert len(reviews) == sum(routes["counts"]["by_source"].values()) > 150
    text = " ".join(f"{it.get('title') or ''} {it['text']}" for it in reviews)
    assert "Warenblitz" in text and "Paketwerk" not in text
    assert not HUB.search(text), "the Kassel incident is Paketwerk's alone"
    mean = sum(it["rating"] for it in reviews) / len(reviews)
    assert mean > 3.0


def test_prepare_directory_points_sources_at_the_server(tmp_path):
    path = prepare_directory(tmp_path / "demo", "http://127.0.0.1:4321")
    wl = load_watchlist(path)
    assert {s.base_url for s in wl.brands[0].sources} == {"http://127.0.0.1:4321"}
    assert wl.archive_path == tmp_path / "demo" / "brandpulse.db"
    # The copy's comment tells the truth about that address: it is gone once the demo ends.
    text = path.read_text(encoding="utf-8")
    assert "port 0" not in text and "http://127.0.0.1:4321, the local server" in text
    assert "fails afterwards (connection refused)" in text
    prepare_directory(tmp_path / "demo", "http://127.0.0.1:4322")  # a re-run may rewrite it


def test_prepare_directory_never_overwrites_a_real_watchlist(tmp_path):
    own = tmp_path / "watchlist.yaml"
    own.write_text("version: 1\nbrands: [{name: Mine}]\n", encoding="utf-8")
    with pytest.raises(DemoError, match="not the demo's watchlist"):
        prepare_directory(tmp_path, "http://127.0.0.1:4321")
    assert own.read_text(encoding="utf-8").startswith("version: 1")


def test_routes_serve_every_source_over_http(tmp_path, manifest):
    with FixtureServer() as server:
        wl = load_watchlist(prepare_directory(tmp_path, server.url))
        server.routes.update(build_routes(wl, manifest))
        apple = urlopen(
            f"{server.url}/de/rss/customerreviews/page=1/id={generate.APP_ID}/sortby=mostrecent/json"
        )
        assert len(json.loads(apple.read())["feed"]["entry"]) == 50
        tp = urlopen(f"{server.url}/review/{generate.TP_DOMAIN}?sort=recency&page=2").read().decode()
        assert '"currentPage":2' in tp
        body = request_body(generate.PLAY_APP).encode()
        play = urlopen(Request(f"{server.url}/_/PlayStoreUi/data/batchexecute?rpcids=UsvDTd", data=body))
        assert parse_google_play(play.read(), app_id=generate.PLAY_APP).next
        assert b"<rss" in urlopen(server.url + generate.FORUM_PATH).read()


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_real_spiders_crawl_the_snapshots(tmp_path, manifest, on_brand):
    from crawler.launch import run_crawl
    from monitor.core.archive import Archive

    with FixtureServer() as server:
        wl = load_watchlist(prepare_directory(tmp_path, server.url))
        server.routes.update(build_routes(wl, manifest))
        outcomes = run_crawl(wl)
        again = run_crawl(wl)
    assert [o.status for o in outcomes] == ["ok"] * 7, [o.message for o in outcomes]
    assert sum(o.parse_errors + o.http_errors for o in outcomes) == 0
    rival = sum(manifest["routes"]["competitor"]["counts"]["by_source"].values())
    assert sum(o.items_new for o in outcomes if o.brand == "Paketwerk") == len(on_brand)
    assert sum(o.items_new for o in outcomes if o.brand == "Warenblitz") == rival
    assert sum(o.items_irrelevant for o in outcomes) == len(texts.OFF_BRAND_FORUM_POSTS)
    assert sum(o.items_new for o in again) == 0, "the second run is incremental"
    with Archive.open(wl.archive_path) as archive:
        first, last = archive.conn.execute(
            "SELECT min(published_at), max(published_at) FROM mentions"
        ).fetchone()
    assert _local_day(first) == FIRST_DAY and _local_day(last) == LAST_DAY


@pytest.mark.slow
def test_demo_ends_with_a_digest(tmp_path):
    from monitor.core.archive import Archive
    from monitor.demo.run import run_demo_steps

    html = run_demo_steps(tmp_path / "demo")
    assert html.is_file() and html.suffix == ".html"
    assert html.is_relative_to(tmp_path / "demo")
    page = html.read_text(encoding="utf-8")
    assert "Paketwerk" in page and "Verteilzentrum" in page
    with Archive.open(tmp_path / "demo" / "brandpulse.db") as archive:
        open_alerts = archive.conn.execute(
            "SELECT kind, topic FROM alerts WHERE status != 'resolved' AND window_end = ?",
            (DEMO_DAY.isoformat(),),
        ).fetchall()
        assert archive.conn.execute("SELECT count(*) FROM enrichments").fetchone()[0] > 1000
    kinds = {k for k, _ in open_alerts}
    assert {"spike", "theme"} <= kinds, open_alerts
    # the repeat poster's double-billing complaints never alert on their own
    assert ("spike", "billing") not in open_alerts
    # The stuck-parcel alerts are one incident, led by delivery, with Verteilzentrum under it,
    # and it is the most severe (issue 16).
    with Archive.open(tmp_path / "demo" / "brandpulse.db") as archive:
        from monitor.detect.incident_store import list_incidents

        incidents = list_incidents(archive)
        by_alert = dict(archive.conn.execute("SELECT id, incident_id FROM alerts").fetchall())
        parcel = {
            by_alert[i]
            for (i,) in archive.conn.execute(
                "SELECT id FROM alerts WHERE (kind = 'spike' AND coalesce(topic, 'delivery') IN "
                "('delivery', 'waiting_time', 'customer_service')) OR (kind = 'theme' AND topic = 'Verteilzentrum')"
            )
        }
    assert len(parcel) == 1 and incidents[0].id in parcel
    assert incidents[0].lead["topic"] == "delivery" and "Verteilzentrum" in incidents[0].keywords
    assert incidents[0].headline["de"].startswith("Lieferung: ")
