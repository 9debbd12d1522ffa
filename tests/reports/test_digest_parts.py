"""The digest's new view-model pieces: periods, top problems, summary, topic rows, charts,
text wrapping and the spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from reports import queries as q
from reports.build import build_digest, topic_label, topic_rows
from reports.charts import brand_charts
from reports.delivery import list_headers
from reports.export import period_csv
from reports.i18n import Formatter
from reports.periods import Period, last_complete, period_of, resolve
from reports.render import render
from reports.summary import summary_sentences
from reports.text import TEXT_WIDTH, wrap_line, wrap_text
from tests.helpers.digest import DAY, add_alert, digest_watchlist, seed_full_day

TZ = ZoneInfo("Europe/Berlin")


def labels(wl, lang):
    return {t: topic_label(wl, t, lang) for t in wl.topics}


# --------------------------------------------------------------------------- periods


def test_periods_weeks_are_monday_to_sunday_and_months_whole():
    week = period_of("week", DAY)  # Saturday 2026-11-21
    assert (week.first, week.last, week.key, week.days) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
        "2026-W47",
        7,
    )
    assert week.previous() == Period("week", date(2026, 11, 9), date(2026, 11, 15))
    base, n = week.baseline()
    assert (base.first, base.last, n) == (date(2026, 10, 19), date(2026, 11, 15), 4)
    month = period_of("month", date(2024, 2, 10))
    assert (month.first, month.last, month.key) == (date(2024, 2, 1), date(2024, 2, 29), "2024-02")
    assert period_of("month", date(2026, 1, 31)).previous().key == "2025-12"
    day = period_of("day", DAY)
    assert day.baseline() == (Period("day", DAY - timedelta(days=28), DAY - timedelta(days=1)), 28)
    assert str(day) == day.isoformat() == "2026-11-21"  # the ledger key
    with pytest.raises(ValueError, match="day, week, month"):
        period_of("year", DAY)


def test_default_periods_are_the_last_complete_ones():
    today = date(2026, 12, 1)  # a Tuesday
    assert last_complete("day", today).key == "2026-11-30"
    assert last_complete("week", today).key == "2026-W48"  # Nov 23-29
    assert last_complete("month", today).key == "2026-11"
    assert resolve(None, "week", today) == last_complete("week", today)
    assert resolve(DAY, "month", today).key == "2026-11"


# --------------------------------------------------------------------------- problems


def test_top_problems_rank_alerts_by_excess_and_skip_the_brand_total(wl, arc):
    seed_full_day(arc)  # a delivery spike: 14 observed (11 authors) vs 2.5 expected
    add_alert(arc, topic="app", observed=30, expected=25, authors=30)  # big but usual
    add_alert(arc, topic=None, observed=90, expected=10, authors=80)  # "all mentions"
    problems = q.top_problems(arc.conn, "Acme", DAY, DAY, language="de")
    assert [p.alert.topic for p in problems] == ["delivery", "app"]
    assert problems[0].severity == pytest.approx(11 - 2.5)
    assert all(p.origin == "alert" for p in problems)


INCIDENTS = """
    CREATE TABLE IF NOT EXISTS incidents (
        id INTEGER PRIMARY KEY, brand TEXT NOT NULL, status TEXT NOT NULL,
        headline_de TEXT NOT NULL, headline_en TEXT NOT NULL, severity REAL NOT NULL,
        peak_severity REAL NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        opened_at TEXT NOT NULL, updated_at TEXT NOT NULL, resolved_at TEXT)
"""


def add_incident(arc, status, severity, de, en, first, last):
    arc.conn.execute(
        "INSERT INTO incidents (brand, status, headline_de, headline_en, severity, peak_severity,"
        " first_seen, last_seen, opened_at, updated_at) VALUES ('Acme', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (status, de, en, severity, severity, first, last, first + "T06:00:00Z", last + "T06:00:00Z"),
    )


def test_top_problems_prefer_the_incidents_table_where_it_exists(wl, arc):
    seed_full_day(arc)
    with arc.conn:
        arc.conn.execute(INCIDENTS)  # detection's table (monitor/core/schema.py), where missing
    # no incident yet: the alerts are the problems
    assert [p.origin for p in q.top_problems(arc.conn, "Acme", DAY, DAY, language="de")] == ["alert"]
    long_de = "Lieferung: 23 Kunden beschweren sich seit 19.11. (sonst etwa 5 am Tag) – Stichworte: Verteilzentrum, Abholcode"
    with arc.conn:
        add_incident(
            arc, "open", 20.5, long_de, "Delivery: 23 customers complaining", "2026-11-19", "2026-11-21"
        )
        add_incident(arc, "acknowledged", 3.0, "Kleines Problem", "Small problem", "2026-11-21", "2026-11-21")
        add_incident(arc, "resolved", 99.0, "Vorbei", "Over", "2026-11-01", "2026-11-05")  # not live
        add_incident(arc, "open", 50.0, "Später", "Later", "2026-11-25", "2026-11-26")  # after the day
    de = q.top_problems(arc.conn, "Acme", DAY, DAY, language="de")
    assert [(p.headline, p.origin) for p in de] == [(long_de, "incident"), ("Kleines Problem", "incident")]
    en = q.top_problems(arc.conn, "Acme", DAY, DAY, language="en")
    assert en[0].headline == "Delivery: 23 customers complaining"
    view = build_digest(arc.conn, wl, DAY, language="de")
    r = render(view, topic_labels=labels(wl, "de"), charts=False)
    # the subject keeps the headline's start, cut at a word
    assert r.subject == (
        "Acme: Lieferung: 23 Kunden beschweren sich seit 19.11. (sonst etwa 5 am Tag)… · 21. Nov. 2026"
    )
    assert r.preheader.startswith(f"Größte Probleme: {long_de}; Kleines Problem.")


# --------------------------------------------------------------------------- summary


def test_summary_for_a_quiet_but_busy_day_names_no_problem(wl, arc):
    seed_full_day(arc)
    with arc.conn:
        arc.conn.execute("DELETE FROM alerts")
    view = build_digest(arc.conn, wl, DAY, language="en")
    f = Formatter("en", TZ)
    first, waiting, trend = summary_sentences(view.brands[0], view, f, lambda t: t or "")
    assert first == "No unusual pile-up of complaints."
    assert waiting == "5 critics are waiting for an answer, the longest for 16 hours."
    assert trend.startswith("8 mentions, 700% more than the day before;")
    r = render(view, topic_labels=labels(wl, "en"), charts=False)
    assert r.subject == "Acme · Nov 21, 2026: 8 mentions, nothing unusual"


# --------------------------------------------------------------------------- topics


def test_topic_rows_count_complaints_against_the_expected_level():
    trends = [
        q.TopicTrend("delivery", daily=[2] * 28 + [20], daily_negative=[1] * 28 + [14]),
        q.TopicTrend("kindness", daily=[0] * 28 + [1], daily_negative=[0] * 29),
        q.TopicTrend("gone", daily=[0] * 29, daily_negative=[0] * 29),
    ]
    rows = topic_rows(trends, 1, {"delivery": "Lieferung"})
    assert [(r.label, r.mentions, r.complaints, r.expected) for r in rows] == [
        ("Lieferung", 20, 14, 1.0),
        ("kindness", 1, 0, 0.0),  # one mention is not one complaint
    ]
    assert rows[0].above and not rows[1].above
    # a week compares 7 days with 7 times the daily expectation
    week = topic_rows([q.TopicTrend("d", [1] * 35, [1] * 28 + [2] * 7)], 7, {})
    assert (week[0].complaints, week[0].expected) == (14, 7.0)
    # days before the archive had any data are no quiet days
    young = topic_rows([q.TopicTrend("d", [0] * 20 + [4] * 9, [0] * 20 + [2] * 9)], 1, {}, skip=20)
    assert young[0].expected == 2.0


# --------------------------------------------------------------------------- charts


def test_charts_are_opaque_pngs_with_their_numbers_in_words(wl, arc):
    seed_full_day(arc)
    view = build_digest(arc.conn, wl, DAY, language="de")
    f = Formatter("de", TZ)
    charts = brand_charts(view.brands[0], f, view.period, "b0-")
    assert [c.name for c in charts] == ["mentions", "ratings", "topics"]
    for c in charts:
        image = Image.open(io.BytesIO(c.png))
        assert image.format == "PNG" and image.width == 2 * c.width == 1200
        assert image.height == 2 * c.height
        rgb = image.convert("RGBA")
        assert rgb.getpixel((1, 1)) == (255, 255, 255, 255)  # opaque white: readable in dark mode
        assert len(c.png) < 60_000
    mentions, ratings, topics = (c.alt for c in charts)
    assert mentions == (
        "Erwähnungen je Tag. 21. Nov. 2026: 8 Erwähnungen, davon 62\u00a0% negativ. "
        "Ø 28 Tage: 1,0 am Tag, davon 64\u00a0% negativ."
    )
    assert ratings == "Sterne 21. Nov. 2026: Ø 2,6 (Ø 28 Tage: Ø 2,3). 5★ 3, 4★ 0, 3★ 0, 2★ 1, 1★ 4."
    assert topics.startswith("Beschwerden je Thema 21. Nov. 2026 (erwartet): ")
    r = render(view, topic_labels=labels(wl, "de"))
    alts = re.findall(r'<img [^>]*alt="([^"]*)" src="cid:', r.html)
    assert [unescape(a) for a in alts] == [c.alt for c in charts]  # and, as text, in the plain part
    flat_text = " ".join(r.text.split())
    assert " ".join(mentions.split()) in flat_text and " ".join(ratings.split()) in flat_text


def test_a_day_without_ratings_or_topics_draws_only_the_mentions_chart(wl, arc):
    from tests.helpers.digest import add_mention, local_time

    add_mention(arc, text="just a post", published=local_time(DAY, 9), external_id="p1", sentiment="neutral")
    view = build_digest(arc.conn, wl, DAY, language="en")
    r = render(view, topic_labels=labels(wl, "en"))
    assert list(r.images) == ["b0-mentions"]


# --------------------------------------------------------------------------- text


def test_wrap_keeps_quote_marks_bullet_indents_and_whole_urls():
    url = "https://play.google.com/store/apps/details?id=x&reviewId=" + "a" * 90
    quote = "  > " + "Lieferung kam nicht " * 8 + f"<{url}>"
    lines = wrap_line(quote)
    assert all(ln.startswith("  > ") for ln in lines)
    assert lines[-1] == f"  > <{url}>"
    bullet = wrap_line("1. " + "Trustpilot · Petra K. · 1★ " * 5)
    assert bullet[0].startswith("1. ") and all(ln.startswith("   ") for ln in bullet[1:])
    assert all(len(ln) <= TEXT_WIDTH for ln in bullet)
    assert wrap_line("-- ") == ["-- "]  # the signature separator keeps its space


@pytest.mark.parametrize("lang", ["de", "en"])
def test_text_part_has_no_line_over_78_characters_but_urls(wl, arc, lang):
    seed_full_day(arc)
    r = render(build_digest(arc.conn, wl, DAY, language=lang), topic_labels=labels(wl, lang))
    long = [ln for ln in r.text.splitlines() if len(ln) > TEXT_WIDTH]
    assert all(re.fullmatch(r"\s*(> )?<?https?://\S+>?", ln) for ln in long), long
    assert wrap_text(r.text) == r.text


# --------------------------------------------------------------------------- periods rendered


@pytest.mark.parametrize("kind", ["day", "week", "month"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_day_week_and_month_render_in_both_languages(wl, arc, kind, lang):
    seed_full_day(arc)
    period = period_of(kind, DAY)
    view = build_digest(arc.conn, wl, period, language=lang)
    r = render(view, topic_labels=labels(wl, lang))
    title = {
        ("de", "day"): ("Acme – Tagesbericht", "Zeitraum: 21. Nov. 2026", "Vortag"),
        ("de", "week"): ("Acme – Wochenbericht", "Zeitraum: KW 47: 16.–22. Nov. 2026", "Vorwoche"),
        ("de", "month"): ("Acme – Monatsbericht", "Zeitraum: November 2026", "Vormonat"),
        ("en", "day"): ("Acme – daily report", "Period: Nov 21, 2026", "Day before"),
        ("en", "week"): ("Acme – weekly report", "Period: Week 47: Nov 16 – 22, 2026", "Week before"),
        ("en", "month"): ("Acme – monthly report", "Period: November 2026", "Month before"),
    }[(lang, kind)]
    for part in title:
        assert part in r.html.replace("\u2009", " ") and part in r.text.replace("\u2009", " ")
    mentions = view.brands[0].metric("m_mentions")
    # one mention a day from Oct 24 to Nov 20, then the day's 8: the week (Nov 16-22) has
    # 5 + 8, November 20 + 8; the week before 7, October 8
    assert mentions.current == {"day": 8, "week": 13, "month": 28}[kind]
    assert mentions.previous == {"day": 1, "week": 7, "month": 8}[kind]
    assert len(view.brands[0].charts.period) == period.days
    assert r.text.startswith(title[0])


# --------------------------------------------------------------------------- spreadsheet


def test_spreadsheet_is_for_german_excel_and_holds_no_personal_data(wl, arc):
    seed_full_day(arc)
    view = build_digest(arc.conn, wl, DAY, language="de")
    sheet = period_csv(view)
    assert sheet.startswith("\ufeffDatum;Marke;im Zeitraum;Erwähnungen;")
    rows = list(csv.reader(io.StringIO(sheet.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + 29  # header, 28 baseline days and the day
    last = dict(zip(rows[0], rows[-1]))
    assert last["Datum"] == "2026-11-21" and last["im Zeitraum"] == "ja"
    assert last["Erwähnungen"] == "8" and last["Anteil negativ"] == "0,625" and last["Ø Sterne"] == "2,62"
    assert last["Beschwerden: Lieferung"] == "1"
    assert "Petra" not in sheet and "Zalando" not in sheet  # counts only
    en = period_csv(build_digest(arc.conn, wl, DAY, language="en"))
    assert en.startswith("\ufeffdate,brand,in period,mentions,") and ",0.625," in en


# --------------------------------------------------------------------------- headers


def test_list_headers():
    h = list_headers("digest@brandpulse.test", "Support EN")
    assert h == {
        "List-Id": "brandpulse digest support-en <support-en.digest.brandpulse.test>",
        "List-Unsubscribe": "<mailto:digest@brandpulse.test?subject=unsubscribe%20support-en>",
    }
    one_click = list_headers("d@x.test", "m", unsubscribe_url="https://x.test/unsub?g=m")
    assert one_click["List-Unsubscribe"].startswith("<https://x.test/unsub?g=m>, <mailto:")
    assert one_click["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_url_must_be_https(tmp_path):
    from monitor.core.config import ConfigError

    assert (
        digest_watchlist(tmp_path, unsubscribe_url="https://x.test/u").digest.unsubscribe_url
        == "https://x.test/u"
    )
    with pytest.raises(ConfigError, match="unsubscribe_url.*https://"):
        digest_watchlist(tmp_path, unsubscribe_url="http://x.test/u")
