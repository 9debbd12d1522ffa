"""run_digest and `brandpulse digest`: files before sending, the ledger, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from reports.pipeline import DigestError, default_period, run_digest
from tests.helpers.digest import (
    APPSTORE_KEY,
    DAY,
    add_alert,
    add_crawl_run,
    digest_watchlist,
    seed_day,
    seed_history,
)
from tests.helpers.smtp import Inbox, SmtpServer, free_port

runner = CliRunner()

GROUPS = [
    {"name": "marketing", "emails": ["a@example.com", "b@example.com"]},
    {"name": "Support EN", "emails": ["support@example.com"], "language": "en", "brands": ["acme"]},
]


def smtp(port: int, **kw) -> dict:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "digest@brandpulse.test",
        "timeout_seconds": 5,
        "retries": 2,
        **kw,
    }


def make(tmp_path, port: int, recipients=GROUPS, **smtp_kw):
    wl = digest_watchlist(tmp_path, recipients=recipients, smtp=smtp(port, **smtp_kw))
    arc = Archive.open(wl.archive_path)
    seed_history(arc)
    ids = seed_day(arc)
    add_alert(arc, mention_id=ids["churn"])
    add_crawl_run(arc, source_key=APPSTORE_KEY)
    return wl, arc


def ledger(arc):
    return {
        r[0]: r[1:]
        for r in arc.conn.execute(
            "SELECT recipient, status, attempts, last_error, language, html_path FROM digests"
        )
    }


def test_render_only_writes_files_and_records_them(tmp_path):
    wl, arc = make(tmp_path, free_port())
    results = run_digest(wl, arc, period=DAY)
    assert [r.group for r in results] == ["marketing", "Support EN"]
    de, en = results
    assert de.html_path == wl.digest_dir / "digest-2026-11-21-marketing.html"
    assert en.html_path.name == "digest-2026-11-21-Support_EN.html"
    assert "Heute beantworten" in de.html_path.read_text() and "Answer today" in en.html_path.read_text()
    assert de.text_path.read_text().startswith("Acme – Tagesbericht")
    # beside the HTML: its chart images (referenced by file name) and the spreadsheet
    html = de.html_path.read_text()
    for name in ("mentions", "ratings", "topics"):
        png = wl.digest_dir / f"digest-2026-11-21-marketing-b0-{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{png.name}"' in html
    assert "cid:" not in html
    assert de.html_path.with_suffix(".csv").read_bytes().startswith(b"\xef\xbb\xbfDatum;Marke;")
    rows = ledger(arc)
    assert {k: v[0] for k, v in rows.items()} == dict.fromkeys(
        ["a@example.com", "b@example.com", "support@example.com"], "rendered"
    )
    assert rows["support@example.com"][3] == "en"
    assert not list(wl.digest_dir.glob(".*"))  # no temporary files left behind


def test_send_delivers_once_per_recipient_and_never_twice(tmp_path):
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        wl, arc = make(tmp_path, port)
        first = run_digest(wl, arc, period=DAY, send=True)
        assert [r.recipients for r in first] == [
            {"a@example.com": "sent", "b@example.com": "sent"},
            {"support@example.com": "sent"},
        ]
        html_before = first[0].html_path.read_text()
        again = run_digest(wl, arc, period=DAY, send=True)
    assert len(inbox.messages) == 3
    assert sorted(to for _, tos in inbox.envelopes for to in tos) == [
        "a@example.com",
        "b@example.com",
        "support@example.com",
    ]
    subjects = {m["To"]: m["Subject"] for m in inbox.messages}
    assert (
        subjects["support@example.com"] == "Acme: Delivery: 14 complaints, usually about 2.5 · Nov 21, 2026"
    )
    assert subjects["a@example.com"] == "Acme: Lieferung: 14 Beschwerden statt sonst etwa 2,5 · 21. Nov. 2026"
    assert all(s == "already sent" for r in again for s in r.recipients.values())
    assert first[0].html_path.read_text() == html_before  # the sent copy is kept as sent
    assert all(v[1] == 1 for v in ledger(arc).values())  # one attempt each


def test_smtp_down_is_retried_recorded_and_the_html_stays_on_disk(tmp_path):
    port = free_port()  # nothing listens here
    wl, arc = make(tmp_path, port, recipients=GROUPS[:1])
    pauses = []
    results = run_digest(wl, arc, period=DAY, send=True, sleep=pauses.append)
    r = results[0]
    assert r.failed == ["a@example.com", "b@example.com"]
    assert "127.0.0.1" in r.errors["a@example.com"]
    assert pauses == [2.0, 4.0] * 2  # retries=2 for each of the two recipients
    assert r.html_path.exists() and r.text_path.exists()
    assert {k: v[:2] for k, v in ledger(arc).items()} == {
        "a@example.com": ("failed", 3),
        "b@example.com": ("failed", 3),
    }
    # the server comes back: the next run sends, the attempts add up
    inbox = Inbox()
    with SmtpServer(inbox, port=port):
        later = run_digest(wl, arc, period=DAY, send=True, sleep=pauses.append)
    assert later[0].recipients == {"a@example.com": "sent", "b@example.com": "sent"}
    assert {k: v[:3] for k, v in ledger(arc).items()} == {
        "a@example.com": ("sent", 4, None),
        "b@example.com": ("sent", 4, None),
    }
    assert len(inbox.messages) == 2


def test_interrupted_send_is_not_repeated(tmp_path):
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        wl, arc = make(tmp_path, port, recipients=GROUPS[:1])
        run_digest(wl, arc, period=DAY)
        with arc.conn:  # as if a process died between claiming and recording
            arc.conn.execute("UPDATE digests SET status='sending' WHERE recipient='a@example.com'")
        results = run_digest(wl, arc, period=DAY, send=True)
    assert results[0].recipients == {"a@example.com": "sending", "b@example.com": "sent"}
    assert [m["To"] for m in inbox.messages] == ["b@example.com"]


def test_out_is_a_preview_without_ledger_or_mail(tmp_path):
    wl, arc = make(tmp_path, free_port())
    target = tmp_path / "preview" / "digest.html"
    results = run_digest(wl, arc, period=DAY, out=target)
    assert [r.html_path for r in results] == [
        target.with_name("digest-marketing.html"),
        target.with_name("digest-Support_EN.html"),
    ]
    assert all(r.html_path.exists() and r.text_path.exists() for r in results)
    assert ledger(arc) == {}
    with pytest.raises(DigestError, match="--out"):
        run_digest(wl, arc, period=DAY, out=target, send=True)


def test_empty_day_and_no_recipients(tmp_path):
    wl = digest_watchlist(tmp_path, recipients=[])
    arc = Archive.open(wl.archive_path)
    (r,) = run_digest(wl, arc, period=date(2026, 1, 5))
    assert r.empty and r.recipients == {}
    assert "Keine neuen Erwähnungen; alle Quellen in Ordnung." in r.text_path.read_text()
    with pytest.raises(DigestError, match="recipients"):
        run_digest(wl, arc, period=DAY, send=True)


def test_group_naming_an_unknown_brand_is_a_clear_error(tmp_path):
    # Loading refuses such a group (tests/monitor/cli/test_config_errors_printed.py); one set in code is refused here.
    wl = digest_watchlist(tmp_path)
    wl.digest.recipients[0].brands = ["Nope"]
    arc = Archive.open(wl.archive_path)
    with pytest.raises(DigestError, match="Nope"):
        run_digest(wl, arc, period=DAY)


def test_default_period_is_yesterday_in_the_watchlist_zone(tmp_path):
    wl = digest_watchlist(tmp_path)
    # 23:30 UTC on Nov 21 is already Nov 22 in Berlin: the digest covers Nov 21
    assert default_period(wl, datetime(2026, 11, 21, 23, 30, tzinfo=UTC)) == DAY


def test_cli_out_and_errors(tmp_path):
    wl, arc = make(tmp_path, free_port(), recipients=GROUPS[:1], retries=0)
    arc.close()
    cfg = str(wl.source_path)
    out = tmp_path / "d.html"
    res = runner.invoke(app, ["--config", cfg, "digest", "--date", "2026-11-21", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and out.with_suffix(".txt").exists()
    assert "Überblick" in out.read_text()
    bad = runner.invoke(app, ["--config", cfg, "digest", "--date", "21.11.2026"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    both = runner.invoke(app, ["--config", cfg, "digest", "--out", str(out), "--send"])
    assert both.exit_code == 2
    down = runner.invoke(app, ["--config", cfg, "digest", "--date", "2026-11-21", "--send"])
    assert down.exit_code == 1
    assert "a@example.com: failed" in down.output
    assert (wl.digest_dir / "digest-2026-11-21-marketing.html").exists()


def test_a_group_partly_sent_gets_the_same_digest(tmp_path):
    inbox = Inbox(rcpt_replies=["250 OK", "550 5.1.1 mailbox full"])
    with SmtpServer(inbox) as port:
        wl, arc = make(tmp_path, port, recipients=GROUPS[:1])
        first = run_digest(wl, arc, period=DAY, send=True)
        assert first[0].recipients == {"a@example.com": "sent", "b@example.com": "failed"}
        sent_html = first[0].html_path.read_text()
        # a late mention arrives; b's retry must still get what a got
        from tests.helpers.digest import add_mention, local_time

        add_mention(arc, text="spät gekommen", rating=1, published=local_time(DAY, 23), external_id="late")
        second = run_digest(wl, arc, period=DAY, send=True)
    assert second[0].recipients["b@example.com"] == "sent"
    assert first[0].html_path.read_text() == sent_html
    a_msg, b_msg = inbox.messages
    assert a_msg["Subject"] == b_msg["Subject"]
    body = lambda m: m.get_body(("html",)).get_content()  # noqa: E731
    assert body(a_msg) == body(b_msg)

    def images(m):
        return {p["Content-ID"]: p.get_content() for p in m.walk() if p.get_content_type() == "image/png"}

    assert len(images(a_msg)) == 3 and images(a_msg) == images(b_msg)


def test_unwritable_digest_folder_is_a_clear_error_and_nothing_is_sent(tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the digest folder should be")
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        wl = digest_watchlist(
            tmp_path, recipients=GROUPS[:1], smtp=smtp(port), output_dir=str(blocker / "digests")
        )
        with Archive.open(wl.archive_path) as arc:
            with pytest.raises(DigestError, match="cannot write the digest"):
                run_digest(wl, arc, period=DAY, send=True)
            assert ledger(arc) == {}
    assert inbox.messages == []


def test_weekly_and_monthly_digests_have_their_own_files_and_ledger_rows(tmp_path):
    from reports.periods import period_of

    wl, arc = make(tmp_path, free_port(), recipients=GROUPS[:1])
    (week,) = run_digest(wl, arc, period=period_of("week", DAY))
    (month,) = run_digest(wl, arc, period=DAY, kind="month")
    assert week.html_path.name == "digest-2026-W47-marketing.html"
    assert month.html_path.name == "digest-2026-11-marketing.html"
    assert week.text_path.read_text().startswith("Acme – Wochenbericht\nZeitraum: KW 47: 16.–22. Nov. 2026")
    periods = {r[0] for r in arc.conn.execute("SELECT period FROM digests")}
    assert periods == {"2026-W47", "2026-11"}
    cfg = str(wl.source_path)
    arc.close()
    out = tmp_path / "w.html"
    res = runner.invoke(
        app, ["--config", cfg, "digest", "--period", "week", "--date", "2026-11-21", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "2026-W47" in res.output and "Wochenbericht" in out.read_text()
    bad = runner.invoke(app, ["--config", cfg, "digest", "--period", "year"])
    assert bad.exit_code == 2 and "day, week, month" in bad.output
