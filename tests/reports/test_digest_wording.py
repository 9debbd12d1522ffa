"""Wording and layout faults a reader of the digest found: the answer list's hidden rest, a
title quoted twice, a badge glued to its keyword, a dangling "·", two start dates for one
problem, and digests of periods that have not ended."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, date, datetime
from html import unescape

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from reports.build import build_digest, topic_label
from reports.i18n import Formatter
from reports.periods import not_ended, period_of
from reports.render import render
from reports.text import TEXT_WIDTH, title_repeated
from tests.helpers.digest import (
    DAY,
    TRUSTPILOT_KEY,
    TZ,
    add_alert,
    add_incident,
    add_mention,
    digest_watchlist,
    local_time,
    seed_full_day,
)

runner = CliRunner()


def rendered(wl, arc, language="de", day=DAY):
    view = build_digest(arc.conn, wl, day, language=language)
    return view, render(view, topic_labels={t: topic_label(wl, t, language) for t in wl.topics}, charts=False)


def with_public_url(wl, url="https://pulse.example.com"):
    data = wl.model_dump(mode="json", exclude_none=True)
    data.pop("source_path", None)
    data["serve"] = {"public_url": url}
    wl.source_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_watchlist(wl.source_path)


def flat(text: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def section(html: str, sid: str) -> str:
    start = html.index(f'id="{sid}"')
    return html[start : html.index('<td class="gap"', start)]


def alert_heads(html: str) -> list[str]:
    """Each alert's first line as a reader sees it: badges, subject, status."""
    items = re.findall(r'<div class="item"[^>]*>(.*?)<div class="muted small"', section(html, "alerts"), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", i)).split()) for i in items]


# 1. the answer list says how many it leaves out, and where they are ----------------------


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("de", "… und 3 weitere ohne Antwort. Alle Erwähnungen des Zeitraums als Tabelle"),
        ("en", "… and 3 more without an answer. Every mention of the period as a spreadsheet"),
    ],
)
def test_answer_list_names_the_critics_it_leaves_out_with_a_command(tmp_path, lang, line):
    wl = digest_watchlist(tmp_path, answer_today=2)
    with Archive.open(wl.archive_path) as arc:
        seed_full_day(arc)
        view, r = rendered(wl, arc, lang)
    b = view.brands[0]
    assert (b.waiting, len(b.answer), b.answer_more) == (5, 2, 3)
    command = "brandpulse export --brand Acme --since 2026-11-21 --until 2026-11-21 --format xlsx"
    answer = flat(section(r.html, "answer"))
    assert line in answer and command in answer
    text = r.text[r.text.index("== " + ("Heute beantworten" if lang == "de" else "Answer today")) :]
    assert line in " ".join(text.split())


def test_answer_list_rest_runs_the_command_it_prints(tmp_path, monkeypatch):
    """The text part's command: two lines joined by a backslash, each within 78 characters;
    pasted into a shell it is one command, and it writes the spreadsheet."""
    monkeypatch.chdir(tmp_path)
    wl = digest_watchlist(tmp_path, answer_today=2)
    with Archive.open(wl.archive_path) as arc:
        seed_full_day(arc)
        _, r = rendered(wl, arc, "en")
    lines = r.text.splitlines()
    i = next(n for n, s in enumerate(lines) if s.startswith("  $ brandpulse export"))
    assert lines[i].endswith(" \\") and all(len(s) <= TEXT_WIDTH for s in lines[i : i + 2])
    args = shlex.split(lines[i].removeprefix("  $ ").removesuffix("\\") + lines[i + 1])
    assert args[:2] == ["brandpulse", "export"]
    res = runner.invoke(app, ["--config", str(wl.source_path), *args[1:]])
    assert res.exit_code == 0, res.output
    assert "wrote 8 mention(s)" in res.output
    assert (tmp_path / "brandpulse-2026-11-21.xlsx").stat().st_size > 0


def test_answer_list_rest_links_the_dashboards_answer_list(tmp_path):
    wl = with_public_url(digest_watchlist(tmp_path, answer_today=2))
    with Archive.open(wl.archive_path) as arc:
        seed_full_day(arc)
        _, de = rendered(wl, arc, "de")
        _, en = rendered(wl, arc, "en")
    url = (
        "https://pulse.example.com/-/dashboards/brandpulse/answer-today"
        "?brand=Acme&date_start=2026-11-21&date_end=2026-11-21"
    )
    assert f'href="{url.replace("&", "&amp;")}"' in section(de.html, "answer")
    assert "… und 3 weitere ohne Antwort. Alle im Dashboard →" in flat(section(de.html, "answer"))
    assert f"… and 3 more without an answer. All in the dashboard:\n<{url}>" in en.text
    assert "brandpulse export" not in de.text + de.html


def test_answer_list_that_shows_everyone_adds_no_line(wl, arc):
    seed_full_day(arc)
    view, r = rendered(wl, arc, "de")
    assert view.brands[0].answer_more == 0
    assert "weitere ohne Antwort" not in r.html + r.text


def test_dashboard_has_the_answer_today_card_the_digest_links():
    from monitor.analyst.dashboard import Charts, dashboard
    from monitor.analyst.local_days import Clock
    from reports.links import ANSWER_TODAY_CARD

    charts = dashboard(Charts(Clock(TZ, 2026, 2026), "db"), "Europe/Berlin")["charts"]
    assert ANSWER_TODAY_CARD in charts


# 2. a title the text starts with is quoted once -----------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "repeated"),
    [
        ("The chatbot goes in circles", "The chatbot goes in circles and you never reach a human.", True),
        ("Paket kaputt…", "Paket kaputt, und keiner meldet sich.", True),
        ("paket  KAPUTT!", "Paket kaputt! Und keiner meldet sich.", True),
        ("Gut", "Gute Lieferung, aber teuer.", False),
        ("Mangelhaft", "Die Lastschrift wurde zurückgebucht.", False),
        (None, "Text", False),
    ],
)
def test_title_repeated(title, text, repeated):
    assert title_repeated(title, text) is repeated


def test_quote_shows_a_title_once_when_the_text_starts_with_it(wl, arc):
    seed_full_day(arc)
    title = "The chatbot goes in circles and you can never reach a human"
    add_mention(
        arc,
        title=title,
        text=title + ". Switching to Zalando after this. Never again.",
        rating=1,
        author="Harry C.",
        published=local_time(DAY, 12),
        external_id="tp-chatbot",
        source="trustpilot",
        source_key=TRUSTPILOT_KEY,
        url="https://de.trustpilot.com/reviews/chatbot",
    )
    _, r = rendered(wl, arc, "en")
    answer = flat(section(r.html, "answer"))
    assert answer.count("The chatbot goes in circles") == 1
    assert " ".join(r.text.split()).count("The chatbot goes in circles") == 1
    assert "Nie wieder Dritte Lieferung" in answer  # a title that differs stays
    assert "> Nie wieder: Dritte Lieferung" in r.text


def test_highlights_show_the_title_in_the_text_part_as_in_the_html(wl, arc):
    seed_full_day(arc)
    add_mention(
        arc,
        title="Endlich pünktlich",
        text="Das Paket kam am nächsten Morgen, wunderbar verpackt.",
        rating=5,
        sentiment="positive",
        author="Freya",
        published=local_time(DAY, 9),
        external_id="as-praise",
    )
    _, r = rendered(wl, arc, "de")
    assert "Endlich pünktlich" in flat(r.html)
    assert "> Endlich pünktlich: Das Paket kam am nächsten Morgen" in r.text


# 3. the "new" badge and the keyword are two words ---------------------------------------


def test_new_badge_and_keyword_are_separate_words(wl, arc):
    seed_full_day(arc)
    add_alert(arc, kind="theme", topic="Abholcode")
    _, r = rendered(wl, arc, "de")
    assert "neu</span><strong>" not in r.html
    assert "Neues Stichwort neu Abholcode · offen · seit 21.11." in alert_heads(r.html)
    assert "* [Neues Stichwort, neu] Abholcode (offen · seit 21.11.)" in r.text


# 4. no separator before an empty field -------------------------------------------------


@pytest.mark.parametrize("kind", ["churn", "rating_drop"])
def test_alert_without_a_topic_has_no_dangling_separator(wl, arc, kind):
    seed_full_day(arc)
    add_alert(arc, kind=kind, topic=None, first_seen="2026-11-20", status="peaked")
    _, r = rendered(wl, arc, "de")
    badge = {"churn": "Kündigungen", "rating_drop": "Schlechtere Bewertungen"}[kind]
    head = next(h for h in alert_heads(r.html) if h.startswith(badge))
    assert head == f"{badge} abflauend · seit 20.11."
    # a status right after a badge never opens with the separator
    assert not re.search(r'</span>\s*<span class="muted small"[^>]*>\s*·', r.html)
    assert f"* [{badge}] (abflauend · seit 20.11.)" in r.text


# 5. one date style, and the incident's start where the summary gives it ------------------


@pytest.mark.parametrize(
    ("lang", "summary", "lead", "theme"),
    [
        (
            "de",
            "Lieferung: 11 Kunden beschweren sich seit 19.11.",
            "Gehäufte Beschwerden Lieferung · offen · seit 20.11. · Vorfall seit 19.11.",
            "Neues Stichwort Verteilzentrum · steigend · seit 19.11.",
        ),
        (
            "en",
            "Delivery: 11 customers complaining since Nov 19",
            "Complaint spike Delivery · open · since Nov 20 · incident since Nov 19",
            "New keyword Verteilzentrum · rising · since Nov 19",
        ),
    ],
)
def test_lead_alert_names_its_incidents_start_in_the_summarys_date_style(wl, arc, lang, summary, lead, theme):
    seed_full_day(arc)
    arc.conn.execute("DELETE FROM alerts")
    spike = add_alert(arc, first_seen="2026-11-20", window_start="2026-11-20")
    term = add_alert(
        arc,
        kind="theme",
        topic="Verteilzentrum",
        status="rising",
        first_seen="2026-11-19",
        window_start="2026-11-19",
    )
    add_incident(
        arc,
        spike,
        [spike, term],
        first_seen="2026-11-19",
        headline_de="Lieferung: 11 Kunden beschweren sich seit 19.11. (sonst etwa 2,5 am Tag)",
        headline_en="Delivery: 11 customers complaining since Nov 19 (usually about 2.5 a day)",
        opened_at="2026-11-19T22:00:00Z",
    )
    _, r = rendered(wl, arc, lang)
    assert summary in flat(section(r.html, "summary"))
    assert alert_heads(r.html)[:2] == [lead, theme]
    alerts = flat(section(r.html, "alerts"))
    assert "2026" not in alerts.split("·")[0] and "Nov. 2026" not in alerts and "Nov 20, 2026" not in alerts
    tail = lead.split(" · ", 1)[1]
    assert f"({tail})" in " ".join(r.text.split())


def test_start_day_carries_the_year_only_across_a_new_year():
    de, en = Formatter("de", TZ), Formatter("en", TZ)
    assert de.since_day("2026-11-19", date(2026, 11, 21)) == "19.11."
    assert en.since_day(date(2026, 11, 19), date(2026, 11, 21)) == "Nov 19"
    assert de.since_day("2025-12-29", date(2026, 1, 2)) == "29.12.2025"
    assert en.since_day("2025-12-29", date(2026, 1, 2)) == "Dec 29, 2025"


# 6. no digest of a period that has not ended ------------------------------------------


def test_not_ended_names_the_last_complete_period():
    today = date(2026, 11, 25)  # a Wednesday
    assert not_ended(period_of("day", date(2026, 11, 24)), today) is None
    assert not_ended(period_of("week", date(2026, 11, 22)), today) is None
    assert "the last complete day is 2026-11-24: --date 2026-11-24" in not_ended(
        period_of("day", today), today
    )
    week = not_ended(period_of("week", date(2026, 11, 23)), today)
    assert "week 2026-W48 (2026-11-23 to 2026-11-29) has not ended yet" in week
    assert "the last complete week is 2026-W47: --period week --date 2026-11-16" in week
    month = not_ended(period_of("month", date(2026, 11, 2)), today)
    assert "the last complete month is 2026-10: --period month --date 2026-10-01" in month


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--date", "2026-11-25"], "day 2026-11-25 has not ended yet (today is 2026-11-25)"),
        (["--period", "week", "--date", "2026-11-23"], "the last complete week is 2026-W47"),
        (["--period", "week", "--date", "2026-11-25"], "week 2026-W48 (2026-11-23 to 2026-11-29)"),
        (["--period", "month", "--date", "2026-11-01"], "the last complete month is 2026-10"),
    ],
)
def test_digest_refuses_a_period_that_has_not_ended(tmp_path, monkeypatch, args, says):
    import monitor.core.times as times

    today = datetime(2026, 11, 25, 10, tzinfo=UTC)
    monkeypatch.setattr(times, "utcnow", lambda: today)
    wl = digest_watchlist(tmp_path)
    with Archive.open(wl.archive_path) as arc:
        seed_full_day(arc)
    res = runner.invoke(
        app, ["--config", str(wl.source_path), "digest", *args, "--out", str(tmp_path / "d.html")]
    )
    assert res.exit_code == 2, res.output
    assert says in " ".join(res.output.split())
    assert not (tmp_path / "d.html").exists()


def test_digest_of_an_ended_period_still_renders(tmp_path, monkeypatch):
    import monitor.core.times as times

    monkeypatch.setattr(times, "utcnow", lambda: datetime(2026, 11, 25, 10, tzinfo=UTC))
    wl = digest_watchlist(tmp_path)
    with Archive.open(wl.archive_path) as arc:
        seed_full_day(arc)
    for args in (["--date", "2026-11-24"], ["--period", "week", "--date", "2026-11-21"]):
        out = tmp_path / f"{args[-1]}.html"
        res = runner.invoke(app, ["--config", str(wl.source_path), "digest", *args, "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert out.exists()
