"""Pushing incident events: a real JSON webhook receiver and a real SMTP server on 127.0.0.1,
the real detection making the incident, the real ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.detect.run import run_detect
from monitor.notify import ledger
from monitor.notify.send import run_notify
from tests.helpers.detect import add, background, burst, local
from tests.helpers.smtp import Inbox, SmtpServer
from tests.helpers.watchlists import MINIMAL_WATCHLIST
from tests.helpers.webhook import Posts, WebhookServer

DAY = date(2026, 10, 14)
NOW = local(DAY, 23, 0)  # detection ran late on the incident's day


def setup(tmp_path, notify=None, *, quiet=None, brand_notify=None, other_brand=None):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["notify"] = notify or []
    if quiet:
        data["notify_quiet_hours"] = quiet
    if brand_notify:
        data["brands"][0]["notify"] = brand_notify
    if other_brand:
        data["brands"].append(other_brand)
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    wl = load_watchlist(path)
    archive = Archive.open(wl.archive_path)
    background(archive, DAY - timedelta(weeks=8), DAY + timedelta(days=3))
    return wl, archive


def incident(wl, archive, day=DAY, n=20, who="p"):
    add(archive, burst(day, n, who=who, text="Paket seit Tagen verschwunden, keiner meldet sich."))
    found = run_detect(wl, archive, as_of=day, now=local(day, 23, 0), emerging=lambda *a, **k: [])
    return found.incidents


def rows(archive):
    return archive.conn.execute(
        "SELECT channel, status, attempts, last_error FROM notifications ORDER BY id"
    ).fetchall()


def no_sleep(_):
    pass


def test_each_channel_gets_each_event_once_and_an_escalation_again(tmp_path):
    posts, inbox = Posts(), Inbox()
    with WebhookServer(posts) as host, SmtpServer(inbox) as smtp_port:
        mail = f"mailto://127.0.0.1:{smtp_port}?to=team@example.com&from=bp@example.com&mode=insecure"
        wl, archive = setup(
            tmp_path,
            [
                {"url": f"json://{host}/hook", "name": "ops-hook"},
                {"url": mail, "name": "mail", "language": "en"},
            ],
        )
        [opened] = incident(wl, archive)
        assert opened.change == "opened"
        result = run_notify(wl, archive, now=NOW, sleep=no_sleep)
        assert (result.sent, result.failed, result.held) == (2, 0, 0)
        [body] = posts.bodies("/hook")
        assert body["title"] == "Acme: neues Problem"
        assert body["message"].splitlines()[0] == opened.headline["de"]
        assert (
            "Kunden beschweren sich" in body["message"]
            and f"Vorfall #{opened.incident_id}" in body["message"]
        )
        assert body["message"].count("„") == 2  # two quotes
        [msg] = inbox.messages
        assert msg["Subject"] == "Acme: new incident" and inbox.envelopes[0][1] == ["team@example.com"]
        assert opened.headline["en"] in msg.get_body(("plain", "html")).get_content().replace("\n", " ")
        assert rows(archive) == [("ops-hook", "sent", 1, None), ("mail", "sent", 1, None)]

        # Again, and again an hour later: nothing twice.
        assert run_notify(wl, archive, now=NOW, sleep=no_sleep).sent == 0
        assert run_notify(wl, archive, now=NOW + timedelta(hours=1), sleep=no_sleep).sent == 0
        assert len(posts.received) == 1 and len(inbox.messages) == 1

        # The next day it grows past its peak: one more push per channel.
        [escalated] = incident(wl, archive, DAY + timedelta(days=1), n=45, who="q")
        assert escalated.change == "escalated"
        assert run_notify(wl, archive, now=local(DAY + timedelta(days=1), 23, 5), sleep=no_sleep).sent == 2
        assert [b["title"] for b in posts.bodies()] == ["Acme: neues Problem", "Acme: Problem wächst"]
        assert [m["Subject"] for m in inbox.messages] == ["Acme: new incident", "Acme: incident escalating"]
    archive.close()


def test_a_failing_channel_is_retried_with_back_off_recorded_and_sent_later(tmp_path):
    posts, good = Posts(fail_next=[503, 503, 503]), Posts()
    sleeps: list[float] = []
    with WebhookServer(posts) as host, WebhookServer(good) as good_host:
        wl, archive = setup(
            tmp_path,
            [{"url": f"json://{host}/a", "name": "flaky"}, {"url": f"json://{good_host}/b", "name": "fine"}],
        )
        incident(wl, archive)
        result = run_notify(wl, archive, now=NOW, sleep=sleeps.append)
        assert (result.sent, result.failed) == (1, 1) and "503" in result.errors["flaky"]
        assert sleeps == sorted(sleeps) and len(sleeps) == 2 and sleeps[0] > 0  # exponential back-off
        assert posts.refused == 3 and posts.received == [] and len(good.received) == 1
        (flaky,) = [r for r in rows(archive) if r[0] == "flaky"]
        assert flaky[1:3] == ("failed", 3) and "503" in flaky[3]
        report = {c["channel"]: c for c in ledger.channel_report(wl, archive, NOW)}
        assert report["flaky"]["failing"] and report["flaky"]["failed"] == 1
        assert "503" in report["flaky"]["last_failure"]["error"] and not report["fine"]["failing"]

        # The next cycle: the service is back; the event goes out once, the failure stays on record.
        assert run_notify(wl, archive, now=NOW + timedelta(hours=1), sleep=sleeps.append).sent == 1
        assert len(posts.received) == 1 and len(good.received) == 1
        report = {c["channel"]: c for c in ledger.channel_report(wl, archive, NOW)}
        assert not report["flaky"]["failing"] and report["flaky"]["sent"] == 1
        assert "503" in report["flaky"]["last_failure"]["error"]
        assert [r[1:3] for r in rows(archive) if r[0] == "flaky"] == [("sent", 4)]
    archive.close()


@pytest.mark.parametrize(("threshold", "at_once"), [(None, False), (1000, False), (1, True)])
def test_quiet_hours_hold_pushes_until_morning_unless_severe(tmp_path, threshold, at_once):
    posts = Posts()
    with WebhookServer(posts) as host:
        quiet = {"start": "22:00", "end": "07:00", **({"min_severity": threshold} if threshold else {})}
        wl, archive = setup(tmp_path, [{"url": f"json://{host}/q"}], quiet=quiet)
        [opened] = incident(wl, archive)
        assert opened.severity > 1
        first = run_notify(wl, archive, now=NOW + timedelta(minutes=5), sleep=no_sleep)
        assert (first.sent, first.held) == ((1, 0) if at_once else (0, 1))
        night = run_notify(wl, archive, now=local(DAY + timedelta(days=1), 3), sleep=no_sleep)
        assert night.sent == 0
        assert len(posts.received) == (1 if at_once else 0)
        morning = run_notify(wl, archive, now=local(DAY + timedelta(days=1), 7, 10), sleep=no_sleep)
        assert morning.sent == (0 if at_once else 1) and len(posts.received) == 1
        assert [r[1] for r in rows(archive)] == ["sent"]
    archive.close()


def test_events_older_than_a_day_are_left_to_the_digest(tmp_path):
    posts = Posts()
    with WebhookServer(posts) as host:
        wl, archive = setup(tmp_path, [{"url": "json://127.0.0.1:1/nothing-listens", "name": "down"}])
        incident(wl, archive)
        assert run_notify(wl, archive, now=NOW, sleep=no_sleep).failed == 1
        later = run_notify(wl, archive, now=NOW + timedelta(hours=25), sleep=no_sleep)
        assert later.expired == 1 and later.failed == 0
        assert [r[1] for r in rows(archive)] == ["expired"]
        # A channel added now does not get the old event either.
        new = wl.notify[0].model_copy(update={"url": f"json://{host}/new", "name": "new"})
        wl2 = wl.model_copy(update={"notify": [*wl.notify, new]})
        assert run_notify(wl2, archive, now=NOW + timedelta(hours=25), sleep=no_sleep).sent == 0
        assert posts.received == []
    archive.close()


def test_a_channel_whose_variable_is_unset_fails_visibly_until_it_is_set(tmp_path, monkeypatch):
    posts = Posts()
    monkeypatch.delenv("BP_TEST_PUSH_URL", raising=False)
    with WebhookServer(posts) as host:
        wl, archive = setup(tmp_path, [{"url_env": "BP_TEST_PUSH_URL"}])
        incident(wl, archive)
        result = run_notify(wl, archive, now=NOW, sleep=no_sleep)
        assert result.failed == 1 and "$BP_TEST_PUSH_URL is not set" in result.errors["$BP_TEST_PUSH_URL"]
        [entry] = ledger.channel_report(wl, archive, NOW)
        assert entry["failing"] and "is not set" in entry["problem"]
        monkeypatch.setenv("BP_TEST_PUSH_URL", f"json://{host}/env")
        wl = load_watchlist(wl.source_path)  # the daemon re-reads its watchlist (and sees its env)
        assert run_notify(wl, archive, now=NOW + timedelta(hours=1), sleep=no_sleep).sent == 1
        assert len(posts.bodies("/env")) == 1
    archive.close()


def test_brand_channels_get_only_their_brand_and_a_claimed_row_is_never_sent_twice(tmp_path):
    posts = Posts()
    with WebhookServer(posts) as host:
        other = {"name": "Other", "notify": [{"url": f"json://{host}/other", "name": "other-team"}]}
        wl, archive = setup(
            tmp_path, brand_notify=[{"url": f"json://{host}/acme", "name": "acme-team"}], other_brand=other
        )
        incident(wl, archive)
        # Another process has claimed the row and is sending (or died doing so).
        event_id = archive.conn.execute("SELECT max(id) FROM incident_events").fetchone()[0]
        row = ledger.ensure(archive, event_id, "acme-team", "Acme", NOW)
        assert ledger.claim(archive, row.id, NOW) and not ledger.claim(archive, row.id, NOW)
        assert run_notify(wl, archive, now=NOW, sleep=no_sleep).sent == 0
        assert posts.received == []
        report = {c["channel"]: c for c in ledger.channel_report(wl, archive, NOW + timedelta(minutes=30))}
        assert report["acme-team"]["interrupted"] == 1 and report["other-team"]["sent"] == 0
    archive.close()
