"""The daemon's timetable as computed from a watchlist (monitor/schedule.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.core.config import ConfigError, parse_watchlist
from monitor.daemon.schedule import (
    DIGEST_GRACE,
    build_jobs,
    fire_times,
    first_run_time,
    missed_fire_time,
    period_for_digest,
)
from monitor.pipeline.runs import crawl_job_id

BERLIN = ZoneInfo("Europe/Berlin")


def make_wl(**over):
    data = {
        "timezone": "Europe/Berlin",
        "brands": [
            {
                "name": "Acme",
                "sources": [
                    {"type": "appstore", "app_id": "284815942"},
                    {
                        "type": "feed",
                        "url": "https://example.org/a.xml",
                        "schedule": {"cron": "15 */2 * * *", "jitter_seconds": 0},
                    },
                    {"type": "feed", "url": "https://example.org/b.xml", "enabled": False},
                ],
            },
            {"name": "Beta", "sources": [{"type": "hackernews", "query": "beta"}]},
        ],
        "crawler": {"schedule": {"every_minutes": 30, "jitter_seconds": 60}},
    }
    data.update(over)
    return parse_watchlist(data)


def jobs_by_id(wl):
    return {j.id: j for j in build_jobs(wl)}


def test_jobs_built_from_watchlist():
    wl = make_wl()
    jobs = jobs_by_id(wl)
    acme = wl.brand("Acme")
    app, feed_a, feed_b = acme.sources
    assert crawl_job_id("Acme", app.key) in jobs
    assert crawl_job_id("Acme", feed_a.key) in jobs
    assert crawl_job_id("Acme", feed_b.key) not in jobs  # disabled
    assert crawl_job_id("Beta", wl.brand("Beta").sources[0].key) in jobs
    assert {"enrich", "detect", "digest"} <= set(jobs)
    assert len(jobs) == 6

    default = jobs[crawl_job_id("Acme", app.key)]
    assert isinstance(default.trigger, IntervalTrigger)
    assert default.trigger.interval == timedelta(minutes=30)
    assert default.trigger.jitter == 60
    assert default.grace == timedelta(minutes=30)
    assert default.source_type == "appstore" and default.brand == "Acme"

    own = jobs[crawl_job_id("Acme", feed_a.key)]
    assert isinstance(own.trigger, CronTrigger)
    assert own.grace == timedelta(hours=2)  # the gap between two cron fire times


def test_cron_crawl_fires_in_watchlist_timezone():
    wl = make_wl()
    spec = jobs_by_id(wl)[crawl_job_id("Acme", wl.brand("Acme").sources[1].key)]
    start = datetime(2026, 7, 1, 0, 0, tzinfo=BERLIN)
    times = list(fire_times(spec.trigger, start, start + timedelta(days=1)))
    assert [t.astimezone(BERLIN).strftime("%H:%M") for t in times] == [f"{h:02d}:15" for h in range(0, 24, 2)]


def test_interval_jitter_stays_within_bounds():
    wl = make_wl()
    spec = jobs_by_id(wl)[crawl_job_id("Acme", wl.brand("Acme").sources[0].key)]
    start = datetime(2026, 7, 1, tzinfo=UTC)
    # IntervalTrigger without start_date starts "now"; pin it for a deterministic check.
    spec.trigger.start_date = start
    times = list(fire_times(spec.trigger, start, start + timedelta(hours=5)))
    assert 9 <= len(times) <= 11
    # APScheduler adds the interval to the previous (jittered) time: each gap is 30 min ± 60 s.
    utc = [t.astimezone(UTC) for t in times]
    gaps = [(b - a).total_seconds() for a, b in zip(utc, utc[1:])]
    assert all(1740 <= g <= 1860 for g in gaps)
    assert len(set(gaps)) > 1  # jitter is applied


@pytest.mark.parametrize(
    "first_day, last_day, change_day",
    [
        (date(2026, 3, 25), date(2026, 4, 2), date(2026, 3, 29)),  # CET -> CEST
        (date(2026, 10, 20), date(2026, 10, 29), date(2026, 10, 25)),
    ],  # CEST -> CET
)
def test_digest_once_a_day_at_local_seven_across_dst(first_day, last_day, change_day):
    wl = make_wl(digest={"send_time": "07:00"})
    trigger = jobs_by_id(wl)["digest"].trigger
    start = datetime.combine(first_day, time(0, 0), BERLIN)
    end = datetime.combine(last_day, time(0, 0), BERLIN)
    times = list(fire_times(trigger, start, end))

    local = [t.astimezone(BERLIN) for t in times]
    days = [t.date() for t in local]
    assert days == [first_day + timedelta(days=n) for n in range((last_day - first_day).days)]
    assert all((t.hour, t.minute, t.second) == (7, 0, 0) for t in local)
    # The UTC hour moves with the offset: one hour earlier in summer time.
    utc_hours = {t.date(): t.astimezone(UTC).hour for t in local}
    before, after = change_day - timedelta(days=1), change_day + timedelta(days=1)
    if change_day.month == 3:
        assert (utc_hours[before], utc_hours[after]) == (6, 5)
    else:
        assert (utc_hours[before], utc_hours[after]) == (5, 6)
    # Exactly 24 h apart except across the change, where the local day is 23 h or 25 h long.
    utc = [t.astimezone(UTC) for t in times]  # same-zone subtraction would use wall time
    gaps = {(b - a).total_seconds() / 3600 for a, b in zip(utc, utc[1:])}
    assert gaps == {24.0, 23.0} if change_day.month == 3 else gaps == {24.0, 25.0}


def test_digest_in_another_zone():
    wl = make_wl(timezone="America/New_York", digest={"send_time": "06:30"})
    trigger = jobs_by_id(wl)["digest"].trigger
    nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    assert nxt.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M") == "2026-11-03 06:30"
    assert nxt.astimezone(UTC).hour == 11  # EST after 1 November


def test_missed_digest_is_made_up_once_within_grace():
    wl = make_wl()
    spec = jobs_by_id(wl)["digest"]
    seven = datetime(2026, 11, 22, 7, 0, tzinfo=BERLIN)
    at_830 = seven + timedelta(minutes=90)

    # machine off at 07:00, back at 08:30, digest last sent yesterday: run now, once.
    yesterday = seven - timedelta(days=1)
    assert missed_fire_time(spec, at_830, yesterday) == seven
    assert first_run_time(spec, at_830, yesterday) == at_830
    # already sent today (a run started after 07:00): wait for tomorrow.
    assert missed_fire_time(spec, at_830, seven + timedelta(seconds=3)) is None
    assert first_run_time(spec, at_830, seven) == seven + timedelta(days=1)
    # back only after the grace time: skip, never send late.
    late = seven + DIGEST_GRACE + timedelta(minutes=1)
    assert missed_fire_time(spec, late, yesterday) is None
    assert first_run_time(spec, late, yesterday) == seven + timedelta(days=1)
    # never sent at all (new archive) but 07:00 just passed: send it.
    assert first_run_time(spec, at_830, None) == at_830


def test_missed_run_across_dst_night():
    """The machine is off over the October change; the 07:00 CET digest is still owed."""
    wl = make_wl()
    spec = jobs_by_id(wl)["digest"]
    now = datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN)
    assert missed_fire_time(spec, now, datetime(2026, 10, 24, 7, 0, tzinfo=BERLIN)) == datetime(
        2026, 10, 25, 7, 0, tzinfo=BERLIN
    )


def test_interval_jobs_resume_their_rhythm():
    wl = make_wl()
    spec = jobs_by_id(wl)[crawl_job_id("Acme", wl.brand("Acme").sources[0].key)]
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert first_run_time(spec, now, None) == now  # never crawled: now
    assert first_run_time(spec, now, now - timedelta(minutes=10)) == now + timedelta(minutes=20)
    assert first_run_time(spec, now, now - timedelta(hours=5)) == now  # overdue: now


def test_cron_crawl_catch_up():
    wl = make_wl()
    spec = jobs_by_id(wl)[crawl_job_id("Acme", wl.brand("Acme").sources[1].key)]
    now = datetime(2026, 11, 22, 11, 0, tzinfo=BERLIN)  # 10:15 was due
    assert first_run_time(spec, now, datetime(2026, 11, 22, 8, 15, tzinfo=BERLIN)) == now
    assert first_run_time(spec, now, datetime(2026, 11, 22, 10, 15, 5, tzinfo=BERLIN)) == datetime(
        2026, 11, 22, 12, 15, tzinfo=BERLIN
    )


def test_digest_period_is_the_previous_local_day():
    wl = make_wl()
    # 07:00 Berlin on 22 November is 06:00 UTC; the digest covers the 21st.
    assert period_for_digest(datetime(2026, 11, 22, 6, 0, tzinfo=UTC), wl) == date(2026, 11, 21)
    # Just after midnight UTC but already the 22nd in Berlin.
    assert period_for_digest(datetime(2026, 11, 21, 23, 30, tzinfo=UTC), wl) == date(2026, 11, 21)


def test_digest_send_time_with_seconds():
    wl = make_wl(digest={"send_time": "07:00:30"})
    trigger = jobs_by_id(wl)["digest"].trigger
    nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 22, 7, 0, tzinfo=BERLIN))
    assert nxt == datetime(2026, 11, 22, 7, 0, 30, tzinfo=BERLIN)


def test_signature_changes_only_with_timing():
    a = jobs_by_id(make_wl())
    b = jobs_by_id(make_wl(crawler={"schedule": {"every_minutes": 45}}))
    c = jobs_by_id(make_wl(digest={"send_time": "08:00"}))
    app_id = crawl_job_id("Acme", make_wl().brand("Acme").sources[0].key)
    assert a[app_id].signature != b[app_id].signature
    assert a["digest"].signature == b["digest"].signature
    assert a["digest"].signature != c["digest"].signature


def test_enrich_and_detect_run_at_every_start():
    jobs = jobs_by_id(make_wl())
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    for name in ("enrich", "detect"):
        assert first_run_time(jobs[name], now, now - timedelta(minutes=1)) == now


def test_cron_that_apscheduler_rejects_names_the_field():
    from monitor.core.config import Schedule

    wl = make_wl()
    # The watchlist model refuses it too (tests/monitor/core/test_config_faults.py); build_jobs
    # still names the field for a Schedule that skipped validation.
    bad = Schedule.model_construct(cron="61 * * * *", every_minutes=None, jitter_seconds=0)
    object.__setattr__(wl.brands[0].sources[1], "schedule", bad)  # five fields, but minute 61
    with pytest.raises(ConfigError) as exc:
        build_jobs(wl)
    assert exc.value.problems[0].startswith("brands[0].sources[1].schedule.cron:")
    assert "'61 * * * *'" in exc.value.problems[0]


def test_weekly_and_monthly_digests_fire_on_mondays_and_the_first():
    wl = make_wl(digest={"send_time": "07:00", "weekly": {"weekday": "mon"}, "monthly": {"day": 1}})
    jobs = jobs_by_id(wl)
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    end = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    weekly = list(fire_times(jobs["digest:week"].trigger, start, end))
    monthly = list(fire_times(jobs["digest:month"].trigger, start, end))
    berlin = ZoneInfo("Europe/Berlin")
    assert [t.astimezone(berlin).strftime("%a %d %H:%M") for t in weekly] == ["Mon 23 07:00", "Mon 30 07:00"]
    assert [t.astimezone(berlin).strftime("%a %d %H:%M") for t in monthly] == ["Tue 01 07:00"]
    assert jobs["digest:week"].schedule_text == "Mondays 07:00 Europe/Berlin"
    assert jobs["digest:month"].schedule_text == "monthly on the 1st 07:00 Europe/Berlin"
    assert "digest:week" not in jobs_by_id(make_wl())  # daily only, by default


def test_weekly_and_monthly_digests_on_their_own_weekday_day_and_time():
    wl = make_wl(
        digest={
            "send_time": "07:00",
            "weekly": {"weekday": "Friday", "time": "16:30"},
            "monthly": {"day": 15},
        }
    )
    jobs = jobs_by_id(wl)
    assert set(j for j in jobs if j.startswith("digest")) == {"digest", "digest:week", "digest:month"}
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    end = datetime(2026, 12, 20, 0, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    local = [
        t.astimezone(berlin).strftime("%a %d %H:%M")
        for t in fire_times(jobs["digest:week"].trigger, start, end)
    ]
    assert local == ["Fri 20 16:30", "Fri 27 16:30", "Fri 04 16:30", "Fri 11 16:30", "Fri 18 16:30"]
    monthly = [t.astimezone(berlin) for t in fire_times(jobs["digest:month"].trigger, start, end)]
    assert [t.strftime("%m-%d %H:%M") for t in monthly] == ["12-15 07:00"], "time defaults to send_time"
    assert jobs["digest:week"].schedule_text == "Fridays 16:30 Europe/Berlin"
    assert jobs["digest:month"].schedule_text == "monthly on the 15th 07:00 Europe/Berlin"
    # a changed weekly time changes the job's signature, so a reload reschedules it
    later = make_wl(digest={"send_time": "07:00", "weekly": {"weekday": "fri", "time": "17:00"}})
    assert jobs_by_id(later)["digest:week"].signature != jobs["digest:week"].signature


@pytest.mark.parametrize(
    "digest, problem",
    [
        ({"weekly": {"weekday": "Dienstag"}}, "digest.weekly.weekday: Input should be 'mon'"),
        ({"weekly": {"time": 800}}, 'digest.weekly.time: write the time as a quoted "HH:MM"'),
        ({"monthly": {"day": 31}}, "digest.monthly.day: day 31: use 1-28"),
        ({"periods": ["day", "week"]}, "periods: the list was replaced by schedule blocks"),
    ],
)
def test_digest_schedule_blocks_name_the_bad_field(digest, problem):
    with pytest.raises(ConfigError) as exc:
        make_wl(digest=digest)
    assert any(p.startswith(problem) or problem in p for p in exc.value.problems), exc.value.problems
