"""The digest's competitor comparison: share of voice, topics where we do worse, critics who
name a competitor, the short daily and the full weekly form, and links to the dashboard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import yaml

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.enrich.brand_links import link_brands
from reports import queries as q
from reports.build import build_digest, topic_label
from reports.links import Links
from reports.periods import period_of
from reports.render import render
from tests.helpers.digest import DAY, add_alert, add_incident, add_mention, digest_watchlist, local_time

WEEK = period_of("week", DAY)  # Mon 16 – Sun 22 Nov 2026
PUBLIC = "https://pulse.example.com"


def comparison_watchlist(
    tmp_path, *, public_url=None, tracked=("KaufNest", "Paketwerk"), own="Acme", aliases=None
):
    """The digest scenario's watchlist with tracked competitors (``competitor: true``)."""
    data = digest_watchlist(tmp_path).model_dump(mode="json", exclude_none=True)
    data.pop("source_path", None)
    data["brands"][0]["name"] = own
    data["brands"][0]["competitors"] = [*tracked, "Zalando"]  # Zalando: named, not tracked
    data["brands"] += [
        {"name": c, "competitor": True, "sources": [], "aliases": (aliases or {}).get(c, [])} for c in tracked
    ]
    if public_url:
        data["serve"] = {"public_url": public_url}
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_watchlist(path)


_n = iter(range(1, 10_000))


def post(arc, brand, text, day, *, sentiment="neutral", topics=None, hour=10, **kw):
    """A social post (a source whose text links to every brand it names)."""
    n = next(_n)
    kw.setdefault("author", f"{brand} Kundin {n}")
    kw.setdefault("url", f"https://www.reddit.com/r/de/comments/{n}")
    return add_mention(
        arc,
        text=f"{text} (Beitrag {n})",
        published=local_time(day, hour, n % 60),
        external_id=f"p{n}",
        source="reddit",
        source_key=None,
        brand=brand,
        sentiment=sentiment,
        topics=topics,
        lang="de",
        **kw,
    )


def seed_week(arc, wl):
    """A week with hand-countable figures (see test_share_of_voice_counted_by_hand)."""
    days = [WEEK.first + timedelta(days=i) for i in range(7)]
    for i in range(10):  # Acme delivery: 8 of 10 complain
        neg = i < 8
        post(
            arc,
            "Acme",
            "Lieferung von Acme hängt seit Tagen fest" if neg else "Lieferung von Acme kam an",
            days[i % 7],
            sentiment="negative" if neg else "neutral",
            topics={"delivery": None},
        )
    for i in range(10):  # Acme price: 3 of 10 complain
        post(
            arc,
            "Acme",
            "Preis bei Acme ist zu hoch" if i < 3 else "Preis bei Acme geht so",
            days[i % 7],
            sentiment="negative" if i < 3 else "neutral",
            topics={"price": None},
        )
    for i in range(12):  # KaufNest delivery: 1 of 12 complains
        post(
            arc,
            "KaufNest",
            "KaufNest Lieferung wieder verspätet" if i < 1 else "KaufNest Lieferung pünktlich",
            days[i % 7],
            sentiment="negative" if i < 1 else "positive",
            topics={"delivery": None},
        )
    for i in range(10):  # KaufNest price: 1 of 10 complains
        post(
            arc,
            "KaufNest",
            "KaufNest Preis zu hoch" if i < 1 else "KaufNest Preis fair",
            days[i % 7],
            sentiment="negative" if i < 1 else "neutral",
            topics={"price": None},
        )
    for i in range(4):
        post(arc, "Paketwerk", "Paketwerk super Service", days[i], sentiment="positive")
    ids = {
        # fetched by Acme's search, names KaufNest: counts for both, a switch cue
        "switch": post(
            arc,
            "Acme",
            "Bei Acme kam das Paket nach zwei Wochen. Ich wechsle zu KaufNest, da ging die "
            "Lieferung in zwei Tagen.",
            DAY,
            sentiment="negative",
            topics={"delivery": "negative"},
            author="Petra K.",
            hour=20,
        ),
        # names Paketwerk without a switch cue
        "names": post(
            arc,
            "Acme",
            "Die Hotline von Acme war unfreundlich, bei Paketwerk ist man da netter.",
            DAY,
            sentiment="negative",
            author="Jonas",
            hour=18,
        ),
    }
    # reviews stay with their brand; stars
    for brand, rating, text in (
        ("Acme", 2, "Langsam und teuer, schade"),
        ("Acme", 4, "Meistens in Ordnung"),
        ("KaufNest", 5, "Alles bestens"),
        ("KaufNest", 5, "Sehr zufrieden mit allem"),
    ):
        n = next(_n)
        add_mention(
            arc,
            text=text,
            rating=rating,
            published=local_time(DAY, 9, n % 60),
            external_id=f"r{n}",
            brand=brand,
            source_key=None,
        )
    # a repost of an Acme complaint: never counted
    (original,) = arc.conn.execute("SELECT text FROM mentions WHERE id = ?", (ids["switch"],)).fetchone()
    dup = add_mention(
        arc,
        text=original,
        published=local_time(DAY, 21),
        external_id="repost",
        source="mastodon",
        source_key=None,
        sentiment="negative",
        topics={"delivery": "negative"},
    )
    assert arc.conn.execute("SELECT duplicate_of FROM mentions WHERE id = ?", (dup,)).fetchone()[0]
    # the week before: Acme 5, KaufNest 5
    before = WEEK.first - timedelta(days=3)
    for brand in ("Acme", "KaufNest"):
        for _ in range(5):
            post(arc, brand, f"{brand} Bestellung ist angekommen", before, sentiment="neutral")
    link_brands(arc, wl)
    return ids


@pytest.fixture
def cwl(tmp_path):
    return comparison_watchlist(tmp_path)


@pytest.fixture
def carc(cwl):
    a = Archive.open(cwl.archive_path)
    yield a
    a.close()


def flat(text):
    """The text part with its 78-column wrapping undone (line breaks and indents)."""
    return re.sub(r"[ ]*\n[ >]*", " ", text)


def view_and_render(wl, arc, period, language="de"):
    view = build_digest(arc.conn, wl, period, language=language)
    labels = {t: topic_label(wl, t, language) for t in wl.topics}
    return view, render(view, topic_labels=labels, charts=False)


# ---------------------------------------------------------------------------------- figures


def test_share_of_voice_counted_by_hand(cwl, carc):
    seed_week(carc, cwl)
    view, _ = view_and_render(cwl, carc, WEEK)
    c = view.brands[0].comparison
    assert [b.brand for b in c.brands] == ["Acme", "KaufNest", "Paketwerk"]
    # Acme: 10 delivery + 10 price + 2 comparison posts + 2 reviews = 24 (the repost skipped)
    # KaufNest: 12 + 10 + the switch post + 2 reviews = 25; Paketwerk: 4 + the hotline post = 5
    assert [b.current.mentions for b in c.brands] == [24, 25, 5]
    assert [b.share for b in c.brands] == pytest.approx([24 / 54, 25 / 54, 5 / 54])
    # negatives: Acme 8 + 3 + 2 posts + the 2★ review; KaufNest 1 + 1 + the switch post
    assert c.ours.current.negative_share == pytest.approx(14 / 24)
    assert c.brands[1].current.negative_share == pytest.approx(3 / 25)
    assert c.brands[2].current.negative_share == pytest.approx(1 / 5)
    assert [b.current.avg_rating for b in c.brands] == [3.0, 5.0, None]
    # the week before: 5 and 5
    assert [b.previous.mentions for b in c.brands] == [5, 5, 0]
    assert [b.previous_share for b in c.brands] == pytest.approx([0.5, 0.5, 0.0])
    # the comparison post counts in our own headline too, and the repost does not
    assert view.brands[0].mentions == 24


def test_a_comparison_post_counts_for_both_brands(cwl, carc):
    post(carc, "Acme", "Acme oder KaufNest? KaufNest war schneller.", DAY, sentiment="neutral")
    win = WEEK.window(cwl.tz)
    before = q.share_of_voice(carc.conn, "Acme", ["KaufNest"], win, WEEK.previous().window(cwl.tz))
    assert [b.current.mentions for b in before] == [1, 0]  # not linked yet
    link_brands(carc, cwl)
    after = q.share_of_voice(carc.conn, "Acme", ["KaufNest"], win, WEEK.previous().window(cwl.tz))
    assert [b.current.mentions for b in after] == [1, 1]
    assert [b.share for b in after] == [0.5, 0.5]
    view, _ = view_and_render(cwl, carc, DAY)
    assert view.brands[0].comparison.brands[1].current.mentions == 1


# ---------------------------------------------------------------------------------- topics


def test_topic_where_we_are_clearly_worse_is_listed_and_a_small_difference_is_not(cwl, carc):
    seed_week(carc, cwl)
    view, r = view_and_render(cwl, carc, WEEK)
    c = view.brands[0].comparison
    topics = {t.topic: t for t in c.topics}
    # delivery: Acme 10 + the switch post, 9 complaints; KaufNest 12 + the switch post, 2
    assert (topics["delivery"].ours.mentions, topics["delivery"].ours.complaints) == (11, 9)
    kn = topics["delivery"].theirs["KaufNest"]
    assert (kn.mentions, kn.complaints) == (13, 2)
    # price: 3 of 10 against 1 of 10 — a 20-point gap that chance explains
    assert (topics["price"].ours.complaints, topics["price"].theirs["KaufNest"].complaints) == (3, 1)
    assert [(w.topic, w.competitor) for w in c.worse] == [("delivery", "KaufNest")]
    assert topics["delivery"].worse_than == ["KaufNest"] and topics["price"].worse_than == []
    assert c.worse[0].p_value < 0.05
    assert "Lieferung: 82\u00a0% Beschwerden bei uns (9 von 11), 15\u00a0% bei KaufNest (2 von 13)" in flat(
        r.text
    )
    assert "Preis: 30" not in r.text.split("Hier stehen wir schlechter da")[1].split("Wechseln")[0]


def _row(topic, ours, theirs):
    return q.TopicComparison(topic, q.TopicShare(*ours), {"Rival": q.TopicShare(*theirs)})


def test_worse_needs_a_real_difference_not_a_raw_gap():
    rows = [
        _row("clear", (20, 12), (20, 2)),  # 60 % against 10 %
        _row("tiny", (2, 2), (10, 0)),  # 100 % against 0 %, but two complaints
        _row("few", (5, 3), (5, 1)),  # 60 % against 20 %: chance does this often
        _row("trivial", (4000, 2100), (4000, 1900)),  # significant, but a 5-point gap
        _row("better", (20, 1), (20, 10)),
    ]
    worse = q.worse_topics(rows)
    assert [w.topic for w in worse] == ["clear"]
    assert [r.worse_than for r in rows] == [["Rival"], [], [], [], []]


# ---------------------------------------------------------------------------------- switching


def test_switching_list_names_the_competitor(cwl, carc):
    ids = seed_week(carc, cwl)
    view, r = view_and_render(cwl, carc, WEEK)
    leads = view.brands[0].comparison.switching
    assert [(s.mention.id, s.competitor, s.cue) for s in leads] == [
        (ids["switch"], "KaufNest", True),  # "Ich wechsle zu KaufNest"
        (ids["names"], "Paketwerk", False),  # linked to Paketwerk, no switch cue
    ]
    assert leads[0].mention.author == "Petra K." and leads[0].mention.source_label == "Reddit"
    body = flat(r.text.split("Wechseln zur Konkurrenz")[1])
    assert "Reddit · Petra K." in body and "wechselt zu KaufNest" in body
    assert "Jonas" in body and "nennt Paketwerk" in body
    assert "> Bei Acme kam das Paket nach zwei Wochen" in r.text.split("Wechseln zur Konkurrenz")[1]
    assert "<https://www.reddit.com/r/de/comments/" in body
    # one definition: the answer-today list gives the same reasons
    hints = {x.mention.id: x.churn_hint for x in view.brands[0].answer}
    assert hints[ids["switch"]] == "switch to KaufNest"
    assert hints[ids["names"]] == "names Paketwerk"
    answer = flat(r.text.split("== Heute beantworten")[1].split("== Themen")[0])
    assert "wechselt zu KaufNest" in answer and "nennt Paketwerk" in answer


def test_switch_to_an_untracked_competitor_by_the_churn_rule(cwl, carc):
    post(carc, "Acme", "Acme ist mir zu langsam, ich wechsle zu Zalando.", DAY, sentiment="negative")
    post(carc, "Acme", "Acme ist mir zu langsam.", DAY, sentiment="negative")
    link_brands(carc, cwl)
    leads, total = q.switching_to(
        carc.conn, "Acme", ["KaufNest", "Paketwerk"], WEEK.window(cwl.tz), competitors=["Zalando"]
    )
    assert total == 1 and [(s.competitor, s.cue) for s in leads] == [("Zalando", True)]


def test_a_switch_to_a_competitor_alias_names_the_tracked_brand(tmp_path):
    wl = comparison_watchlist(tmp_path, aliases={"KaufNest": ["KN Versand"]})
    with Archive.open(wl.archive_path) as arc:
        mid = post(
            arc, "Acme", "Acme ist mir zu langsam, ich wechsle zu KN Versand.", DAY, sentiment="negative"
        )
        link_brands(arc, wl)
        view, _ = view_and_render(wl, arc, WEEK)
    (lead,) = view.brands[0].comparison.switching
    assert (lead.mention.id, lead.competitor, lead.cue) == (mid, "KaufNest", True)
    # the answer-today list reads it with detection's churn rule (aliases are cues too)
    assert view.brands[0].answer[0].churn_hint == "switch to KN Versand"


# ---------------------------------------------------------------------------------- forms


def test_daily_is_short_and_weekly_is_full(cwl, carc):
    seed_week(carc, cwl)
    day, rd = view_and_render(cwl, carc, DAY)
    week, rw = view_and_render(cwl, carc, WEEK)
    assert not day.brands[0].comparison.full and week.brands[0].comparison.full
    assert day.brands[0].comparison.topics == [] and day.brands[0].comparison.switching == []
    section = rd.text.split("== Wettbewerb ==")[1].split("== Quellen ==")[0].strip().splitlines()
    lines = [line for line in section if line.startswith("- ")]  # a long one wraps, indented
    assert len(lines) == 2 and all(line.startswith("  ") for line in section if line not in lines)
    assert lines[0].startswith("- KaufNest: Share of Voice ") and "(wir " in lines[0]
    assert lines[1].startswith("- Paketwerk: Share of Voice ")
    assert "Hier stehen wir schlechter da" not in rd.text and "Hier stehen wir schlechter da" in rw.text
    assert "Wechseln zur Konkurrenz" not in rd.html and "Wechseln zur Konkurrenz (2)" in rw.html
    assert 'id="compare"' in rd.html and 'id="compare"' in rw.html
    assert rw.html.index('id="topics"') < rw.html.index('id="compare"') < rw.html.index('id="sources"')
    # the summary says where we stand
    assert (
        "Share of Voice gegenüber KaufNest, Paketwerk: 44\u00a0% (in der Vorwoche: 50\u00a0%); "
        "mehr Beschwerden als die Konkurrenz bei Lieferung." in flat(rw.text)
    )
    assert max(len(line) for line in rw.text.splitlines() if "://" not in line) <= 78
    # English
    _, en = view_and_render(cwl, carc, WEEK, "en")
    assert "== Competitors ==" in en.text and "Where we do worse" in en.text
    assert "Delivery: 82% complaints for us (9 of 11), 15% for KaufNest (2 of 13)" in flat(en.text)
    assert "switching to KaufNest" in en.text


def test_monthly_is_full(cwl, carc):
    seed_week(carc, cwl)
    view, r = view_and_render(cwl, carc, period_of("month", DAY))
    assert view.brands[0].comparison.full and "Wechseln zur Konkurrenz" in r.text


def test_no_comparison_without_tracked_competitors(tmp_path):
    wl = digest_watchlist(tmp_path)  # names competitors, tracks none
    with Archive.open(wl.archive_path) as arc:
        post(arc, "Acme", "Acme ist langsam, bei Zalando geht das schneller", DAY, sentiment="negative")
        link_brands(arc, wl)
        view, r = view_and_render(wl, arc, WEEK)
    assert view.brands[0].comparison is None
    assert 'id="compare"' not in r.html and "== Wettbewerb ==" not in r.text
    assert "Share of Voice" not in r.text and "dashboard" not in r.html.lower()


def test_competitors_get_no_section_of_their_own(cwl, carc):
    seed_week(carc, cwl)
    view, _ = view_and_render(cwl, carc, WEEK)
    assert [b.name for b in view.brands] == ["Acme"]


# ---------------------------------------------------------------------------------- links


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def hrefs(html):
    p = _Links()
    p.feed(html)
    return p.hrefs


def test_links_only_with_public_url(cwl, carc):
    seed_week(carc, cwl)
    _, r = view_and_render(cwl, carc, WEEK)
    assert not [h for h in hrefs(r.html) if "pulse.example.com" in h]
    assert "/-/dashboards/" not in r.text and "incident_mentions" not in r.text


def test_links_to_the_dashboard_and_incidents_are_escaped(tmp_path):
    wl = comparison_watchlist(tmp_path, public_url=PUBLIC + "/", own="Müller & Söhne")
    with Archive.open(wl.archive_path) as arc:
        mid = post(arc, "Müller & Söhne", "Müller & Söhne: Paket kaputt", DAY, sentiment="negative")
        post(arc, "KaufNest", "KaufNest war pünktlich", DAY, sentiment="positive")
        link_brands(arc, wl)
        alert = add_alert(arc, mention_id=mid, brand="Müller & Söhne")
        iid = add_incident(
            arc,
            alert,
            [alert],
            brand="Müller & Söhne",
            headline_de="Lieferung: 14 Kunden beschweren sich <seit> 21.11.",
        )
        view, r = view_and_render(wl, arc, WEEK)
    dash = (
        "https://pulse.example.com/-/dashboards/brandpulse?brand=M%C3%BCller%20%26%20S%C3%B6hne"
        "&date_start=2026-11-16&date_end=2026-11-22"
    )
    incident = f"https://pulse.example.com/archive/incident_mentions?incident={iid}"
    links = hrefs(r.html)
    assert dash in links and incident in links
    assert links.count(incident) == 2  # the summary's problem and its alert
    assert links.count(dash) >= 6  # every section of the brand
    assert "https://pulse.example.com/-/dashboards/brandpulse?brand=KaufNest&date_start=" in " ".join(links)
    assert dash.replace("&", "&amp;") in r.html  # escaped in the attribute
    assert "<seit>" not in r.html and "&lt;seit&gt;" in r.html
    assert f"<{dash}>" in r.text and f"<{incident}>" in r.text  # whole, never wrapped
    assert view.brands[0].problems[0].incident_id == iid


def test_links_module_escapes_every_part():
    links = Links("https://p.example", "brand pulse.v2")
    assert links.dashboard("A/B & C#1=?", date(2026, 1, 1), date(2026, 1, 31)) == (
        "https://p.example/-/dashboards/brandpulse?brand=A%2FB%20%26%20C%231%3D%3F"
        "&date_start=2026-01-01&date_end=2026-01-31"
    )
    assert links.incident(7) == "https://p.example/brand+pulse~2Ev2/incident_mentions?incident=7"
    assert Links(None, "x").dashboard("A", date(2026, 1, 1), date(2026, 1, 1)) is None
    assert Links(None, "x").incident(7) is None and links.incident(None) is None
