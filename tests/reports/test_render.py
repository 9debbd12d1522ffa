"""The digest's HTML and text: sections, languages, empty days and hostile mention text."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from monitor.core.archive import Archive
from reports.build import build_digest, topic_label
from reports.i18n import STRINGS, Formatter
from reports.render import clip, render, safe_url
from tests.helpers.digest import (
    APPSTORE_KEY,
    DAY,
    TRUSTPILOT_KEY,
    add_alert,
    add_crawl_run,
    add_mention,
    add_survey,
    digest_watchlist,
    local_time,
    seed_day,
    seed_full_day,
)

SECTION_IDS = ["summary", "headline", "alerts", "answer", "topics", "sources", "highlights", "survey"]


def rendered(wl, arc, language="de", day=DAY):
    view = build_digest(arc.conn, wl, day, language=language)
    labels = {t: topic_label(wl, t, language) for t in wl.topics}
    return view, render(view, topic_labels=labels)


class _Collector(HTMLParser):
    """Every tag, attribute and text run, to check what a mail client would see."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    c = _Collector()
    c.feed(html)
    return c


def test_sections_in_the_issue_order_in_both_languages(wl, arc):
    seed_full_day(arc)
    for lang in ("de", "en"):
        _, r = rendered(wl, arc, lang)
        positions = [r.html.index(f'id="{s}"') for s in SECTION_IDS]
        assert positions == sorted(positions)
        s = STRINGS[lang]
        text_pos = [
            r.text.index(f"== {s[k]} ==")
            for k in (
                "sec_headline",
                "sec_alerts",
                "sec_answer",
                "sec_topics",
                "sec_sources",
                "sec_highlights",
                "sec_survey",
            )
        ]
        assert text_pos == sorted(text_pos)


JARGON = [
    "p &lt;",
    "p <",
    "p =",
    "Pp.",
    " pp",
    "NPS-Bewertung",
    "Bewertungs-NPS",
    "Review NPS",
    "Netto-Stimmung",
]


def test_german_digest_formats_dates_and_numbers_with_babel(wl, arc):
    seed_full_day(arc)
    view, r = rendered(wl, arc, "de")
    # the brand and the top problem, worded from the spike alert
    assert r.subject == "Acme: Lieferung: 14 Beschwerden statt sonst etwa 2,5 · 21. Nov. 2026"
    assert "<title>Acme: Lieferung: 14 Beschwerden statt sonst etwa 2,5 · 21. Nov. 2026</title>" in r.html
    assert "Acme – Tagesbericht" in r.html and "Zeitraum: 21. Nov. 2026" in r.html
    assert "Heute beantworten" in r.html and "Lieferung" in r.html
    # p = 0.0002: about once in 5,000 days
    assert "so viele kämen zufällig etwa einmal in 14 Jahren vor" in r.html
    assert "Quellen: Trustpilot, App Store" in r.html  # display names, not source types
    assert "Seitenlayout geändert" in r.html
    assert "So lesen Sie diesen Bericht" in r.html and "So lesen Sie diesen Bericht" in r.text
    for word in JARGON:
        assert word not in r.html and word not in r.text, word


def test_english_digest(wl, arc):
    seed_full_day(arc)
    _, r = rendered(wl, arc, "en")
    assert r.subject == "Acme: Delivery: 14 complaints, usually about 2.5 · Nov 21, 2026"
    assert "Period: Nov 21, 2026" in r.html
    assert "this many would happen by chance about once in 14 years" in r.html
    assert "page layout changed" in r.html
    assert "Delivery" in r.html  # topic label in the group's language
    for word in JARGON:
        assert word not in r.html and word not in r.text, word


@pytest.mark.parametrize("lang", ["de", "en"])
def test_summary_comes_first_and_the_preheader_carries_it(wl, arc, lang):
    seed_full_day(arc)
    view, r = rendered(wl, arc, lang)
    expected = {
        "de": "Größtes Problem: Lieferung: 14 Beschwerden statt sonst etwa 2,5. "
        "5 Kritiker warten auf eine Antwort, am längsten seit 16 Stunden. "
        "8 Erwähnungen, 700 % mehr als am Vortag; davon 62 % negativ (am Vortag: 0 %).",
        "en": "Top problem: Delivery: 14 complaints, usually about 2.5. "
        "5 critics are waiting for an answer, the longest for 16 hours. "
        "8 mentions, 700% more than the day before; 62% of them negative (the day before: 0%).",
    }[lang]
    assert r.preheader.replace("\u00a0", " ") == expected
    # the hidden preheader is the body's first element, so the inbox preview shows it
    hidden = re.search(r'<body[^>]*>\s*<div class="preheader" style="display:none;[^"]*">([^<]*)<', r.html)
    assert hidden and unescape(hidden.group(1)).startswith(r.preheader)
    assert r.html.index('id="summary"') < r.html.index('id="headline"')
    assert " ".join(expected.split()) in " ".join(r.text.replace("\u00a0", " ").split())


def test_headline_table_shows_values_not_differences(wl, arc):
    seed_full_day(arc)
    _, r = rendered(wl, arc, "de")
    text = r.text.splitlines()
    head = text.index("== Überblick ==")
    assert text[head + 1].split() == ["Kennzahl", "21.", "Nov.", "Vortag", "Ø", "28", "Tage"]
    # 8 today (up against a baseline of 1 a day), 1 the day before
    assert text[head + 2].split() == ["Erwähnungen", "8", "▲", "1", "1"]
    # 62 % negative: less than the baseline's 64 % (▼), more than the day before's 0 %
    assert text[head + 3].split() == ["Anteil", "negativ", "62", "%", "▼", "0", "%", "64", "%"]


def test_headline_numbers_match_the_archive(wl, arc):
    seed_full_day(arc)
    view, _ = rendered(wl, arc)
    m = {x.key: x for x in view.brands[0].metrics}
    # day: 4 negatives (1-2★) + 3 positives (5★) + the German 1★ churn review + 0 neutral
    # = 8 classified... plus nothing else; ratings 1,1,1,2,5,5,5,1
    assert m["m_mentions"].current == 8
    assert m["m_negative"].current == pytest.approx(5 / 8)
    assert m["m_positive"].current == pytest.approx(3 / 8)
    assert m["m_rating"].current == pytest.approx((1 + 1 + 1 + 2 + 5 + 5 + 5 + 1) / 8)
    assert m["m_happy"].current == pytest.approx(3 / 8)  # share of 4-5★ reviews
    assert m["m_mentions"].baseline == pytest.approx(1.0)  # per day, as the period is a day


def test_churn_review_is_first_to_answer_and_links_to_the_original(wl, arc):
    ids = seed_full_day(arc)
    view, r = rendered(wl, arc, "de")
    answer = view.brands[0].answer
    # Two churn reviews lead the list: the German one and a real App Store review that says
    # "Have stopped using Google because of how annoying it is" (1★, reach 289).
    assert {a.mention.id for a in answer[:2]} >= {ids["churn"]}
    churn = next(a for a in answer if a.mention.id == ids["churn"])
    assert "churn" in churn.reasons and churn.churn_hint == "switch to Zalando"
    assert all("churn" in a.reasons for a in answer[:2])
    assert "wechselt zu Zalando" in r.html
    assert 'href="https://de.trustpilot.com/reviews/abc123"' in r.html
    # the highlights are the three 5-star reviews, never a negative one
    assert {h.mention.rating for h in view.brands[0].highlights} == {5.0}


def test_empty_day_is_a_valid_short_digest(wl, arc):
    add_crawl_run(arc, source_key=APPSTORE_KEY)
    add_crawl_run(arc, source_key=TRUSTPILOT_KEY, spider="trustpilot")
    for lang, sentence in (
        ("de", "Keine neuen Erwähnungen; alle Quellen in Ordnung."),
        ("en", "No new mentions; all sources healthy."),
    ):
        view, r = rendered(wl, arc, lang)
        assert view.empty
        assert sentence in r.html and sentence in r.text
        assert 'id="survey"' not in r.html  # no survey rows, no survey section
        # short: the headline and the sources' health, not four empty sections
        assert 'id="headline"' in r.html and 'id="sources"' in r.html
        assert 'id="answer"' not in r.html and 'id="highlights"' not in r.html
        assert "== " + STRINGS[lang]["sec_sources"] in r.text
        assert "== " + STRINGS[lang]["sec_answer"] not in r.text


def test_empty_day_with_a_broken_source_says_so(wl, arc):
    add_crawl_run(arc, source_key=APPSTORE_KEY, status="failed", message="HTTP 503")
    add_crawl_run(arc, source_key=APPSTORE_KEY, status="timeout", at=local_time(DAY, 7))
    view, r = rendered(wl, arc, "en")
    assert view.empty and view.broken_count == 1
    assert "1 source reports problems" in r.html
    assert "crawl failed (timeout), 2× in a row" in r.html


def test_hostile_mention_text_is_escaped_clipped_and_keeps_emoji_and_rtl(wl, arc):
    evil = '<script>alert("x")</script><img src="https://evil.example/p.gif" onerror="x()">'
    long_text = "Lieferung " + "sehr " * 2000 + "spät"  # > 10,000 characters
    rtl = "التوصيل متأخر جدا والخدمة سيئة 😡"
    for i, (text, url) in enumerate(
        [
            (evil, "javascript:alert(1)"),
            (long_text, "https://x.example/1"),
            (rtl, 'https://x.example/"onmouseover="x'),
            ("Paket kaputt 📦💔 " + evil, None),
        ]
    ):
        add_mention(
            arc,
            text=text,
            title=evil if i == 0 else None,
            rating=1,
            published=local_time(DAY, 10 + i),
            external_id=f"evil-{i}",
            url=url,
            author='<b onclick="x">Mallory</b>',
            reach=10_000_000,
        )
    assert len(long_text) > 10_000
    _, r = rendered(wl, arc, "de")
    doc = parse(r.html)
    assert "script" not in doc.tags
    assert all(v.startswith("cid:") for t, k, v in doc.attrs if k == "src")  # only our charts
    assert not [a for a in doc.attrs if a[1].startswith("on")]
    hrefs = [v for t, k, v in doc.attrs if k == "href"]
    assert all(h.startswith("https://") for h in hrefs)
    assert "javascript:" not in r.html and "evil.example" not in "".join(hrefs)
    assert '<script>alert("x")</script>' in "".join(doc.text)  # shown as text, harmless
    assert "😡" in r.html and "📦💔" in r.html and "التوصيل" in r.html
    assert 'dir="auto"' in r.html
    assert len(r.html) < 200_000  # the 10,000-character review was clipped
    assert "sehr " * 80 not in r.html
    assert "<script>" not in r.text.split("== ")[0]  # text part is plain, nothing to escape
    assert "javascript:" not in r.text


def test_html_is_email_safe(wl, arc):
    seed_full_day(arc)
    _, r = rendered(wl, arc, "en")
    doc = parse(r.html)
    assert "script" not in doc.tags and "link" not in doc.tags
    # the only images are the charts, carried in the message itself
    srcs = [v for t, k, v in doc.attrs if t == "img" and k == "src"]
    assert sorted(srcs) == sorted(f"cid:{cid}" for cid in r.images) and len(srcs) == 3
    assert '<meta name="color-scheme" content="light dark">' in r.html
    assert "prefers-color-scheme: dark" in r.html  # kept in a <style> block
    # css-inline moved the rules into style attributes (mail clients drop <style>)
    assert re.search(r'<td class="card"[^>]*style="[^"]*background: #ffffff', r.html)
    # no URL other than the mentions' own links anywhere: no remote CSS, fonts or images
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", r.html))
    allowed = {"de.trustpilot.com", "apps.apple.com"}
    assert urls and {re.match(r"https?://([^/]+)", u).group(1) for u in urls} <= allowed
    assert "url(" not in r.html and "@import" not in r.html


def test_past_digest_is_reproducible(wl, arc):
    seed_full_day(arc)
    # mentions after the digest day do not change it
    add_mention(
        arc, text="later", rating=1, published=local_time(DAY + timedelta(days=1), 9), external_id="later"
    )
    view_a, _ = rendered(wl, arc)
    assert view_a.brands[0].mentions == 8


def test_every_key_in_both_languages():
    assert set(STRINGS["de"]) == set(STRINGS["en"])
    for lang in STRINGS:  # counted phrases have exactly a singular and a plural form
        assert all(v.count("|") == 1 for k, v in STRINGS[lang].items() if k.startswith("n_")), lang


@pytest.mark.parametrize(
    "lang,n,text",
    [
        ("de", 0, "0 Warnungen"),
        ("de", 1, "1 Warnung"),
        ("de", 2, "2 Warnungen"),
        ("de", 1234, "1.234 Warnungen"),
        ("en", 1, "1 alert"),
        ("en", 0, "0 alerts"),
        ("en", 1234, "1,234 alerts"),
    ],
)
def test_counted_phrases_agree_with_the_number(lang, n, text):
    assert Formatter(lang, ZoneInfo("Europe/Berlin")).tn("n_alerts", n) == text


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://a.example/x?y=1&z=2", True),
        ("http://a.example", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        ("//evil.example", False),
        ('https://a.example/"><script>', False),
        (None, False),
        ("ftp://a.example", False),
    ],
)
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) == ok


def test_clip_cuts_on_a_word_and_drops_control_characters():
    assert clip("a\x00b  c\n\nd") == "ab c d"
    out = clip("word " * 100, 50)
    assert out.endswith("…") and len(out) <= 51 and not out.endswith(" …")


def test_survey_section_shows_nps_and_detractor_topics(wl, arc):
    add_survey(arc)
    view, r = rendered(wl, arc, "de")
    s = view.brands[0].survey
    # 7 responses: promoters 10, 9, 9 ; detractors 3, 5, 6 -> NPS 0
    assert (s.responses, s.promoters, s.detractors) == (7, 3, 3)
    assert s.nps == pytest.approx(0.0)
    assert dict(s.detractor_topics) == {"delivery": 2, "price": 1}
    assert "NPS (28 Tage): ±0 aus 7 Antworten" in r.html
    assert "Lieferung" in r.html


def test_two_brands_each_get_their_block_and_groups_can_pick_one(tmp_path):
    import yaml

    from monitor.core.config import load_watchlist

    wl = digest_watchlist(tmp_path)
    data = wl.model_dump(mode="json", exclude_none=True)
    data["brands"].append({"name": "Globex", "sources": []})
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    wl2 = load_watchlist(path)
    with Archive.open(wl2.archive_path) as arc:
        seed_day(arc)
        add_mention(
            arc,
            text="Globex liefert schnell",
            rating=5,
            brand="Globex",
            published=local_time(DAY, 9),
            external_id="g1",
            source_key=None,
        )
        both = build_digest(arc.conn, wl2, DAY, language="de")
        only = build_digest(arc.conn, wl2, DAY, language="de", brands=["globex"])
    assert [b.name for b in both.brands] == ["Acme", "Globex"]
    assert [b.mentions for b in both.brands] == [8, 1]
    html = render(both).html
    assert html.count('id="headline"') == 2 and 'class="brandname"' in html
    assert [b.name for b in only.brands] == ["Globex"] and only.mentions == 1


def test_busy_day_stays_below_gmail_clipping(wl, arc):
    """Gmail cuts HTML mails above 102 KB: a busy day with many topics and alerts must fit."""
    from tests.helpers.digest import fixture_reviews

    reviews = fixture_reviews()
    n = 0
    for back in range(27, -1, -1):
        for k in range(6 if back else 60):
            r = reviews[n % len(reviews)]
            add_mention(
                arc,
                text=f"{r['text']} ({n})",
                title=r["title"],
                rating=r["rating"],
                author=f"{r['author']} {n}",
                reach=r["reach"],
                external_id=f"busy-{n}",
                published=local_time(DAY - timedelta(days=back), 8 + k % 14, k // 14),
                url=f"https://apps.apple.com/us/review?id={r['id']}",
                topics={f"topic{(n + j) % 10}": None for j in range(3)},
            )
            n += 1
    for i in range(8):
        add_alert(arc, topic=f"topic{i}")
    view, r = rendered(wl, arc, "de")
    assert len(view.brands[0].alerts) == 8 and len(view.brands[0].answer) == 8
    assert len(view.brands[0].topics) == 8  # MAX_TOPICS, all on the one chart
    assert r.html.count('class="chart-img"') == 3
    assert len(r.html.encode("utf-8")) < 102_000
