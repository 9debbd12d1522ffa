"""The daemon's timetable, computed from the watchlist alone.

Why a pure module: the same plan drives the running daemon, the catch-up after a restart and
``brandpulse status`` when no daemon runs. Jobs are rebuilt from the watchlist on every start
(no persisted APScheduler job store): the watchlist is the single source of truth, and
``job_runs`` in the archive tells what already happened.

Jobs
- ``crawl:<brand>/<source key>`` — one per enabled source; the source's schedule or
  ``crawler.schedule`` (interval or cron in the watchlist's time zone, with jitter).
- ``enrich`` — requested by the daemon after every crawl that stored something; the interval
  trigger here is only a safety net (imports, missed requests).
- ``detect`` — requested after every enrich that classified something; hourly safety net.
- ``digest`` — at ``digest.send_time`` in ``timezone`` (zoneinfo, so 07:00 stays 07:00 local
  across DST). A run missed by up to ``DIGEST_GRACE`` (machine off, daemon restarting) is made
  up once; later than that it is skipped, never sent twice. ``digest:week`` and
  ``digest:month`` — the same, on ``digest.weekly``'s weekday and ``digest.monthly``'s day
  (at their ``time``, default ``send_time``), where those blocks are set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.core.config import ConfigError, Schedule, Watchlist
from monitor.pipeline.runs import crawl_job_id

JobKind = Literal["crawl", "enrich", "detect", "digest"]

#: How late a missed digest may still be sent (machine off at send time).
DIGEST_GRACE = timedelta(hours=6)
#: Safety-net intervals for the chained jobs.
ENRICH_EVERY = timedelta(minutes=30)
DETECT_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: what it runs, when, and how late a missed run may still start."""

    id: str
    kind: JobKind
    trigger: BaseTrigger = field(compare=False)
    grace: timedelta
    brand: str | None = None
    source_key: str | None = None
    source_type: str | None = None
    digest_period: str = "day"  # digest jobs: day, week or month
    schedule_text: str = ""  # human-readable, e.g. "every 60 min ±120 s"

    @property
    def signature(self) -> str:
        """Changes when the job's timing changes (used to decide what a reload reschedules)."""
        return f"{self.kind}|{self.schedule_text}|{self.grace.total_seconds()}"


def describe(schedule: Schedule) -> str:
    when = f"every {schedule.every_minutes} min" if schedule.every_minutes else f"cron {schedule.cron}"
    return when + (f" ±{schedule.jitter_seconds} s" if schedule.jitter_seconds else "")


def trigger_for(schedule: Schedule, wl: Watchlist) -> BaseTrigger:
    """An APScheduler trigger for a ``Schedule``; cron fields are read in the watchlist zone."""
    jitter = schedule.jitter_seconds or None
    if schedule.every_minutes is not None:
        return IntervalTrigger(minutes=schedule.every_minutes, timezone=wl.tz, jitter=jitter)
    trigger = CronTrigger.from_crontab(schedule.cron, timezone=wl.tz)
    trigger.jitter = jitter
    return trigger


def schedule_period(schedule: Schedule) -> timedelta:
    """Typical gap between runs: the interval, or for cron the gap after the next fire time."""
    if schedule.every_minutes is not None:
        return timedelta(minutes=schedule.every_minutes)
    trigger = CronTrigger.from_crontab(schedule.cron, timezone="UTC")
    now = datetime.now(trigger.timezone)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return (second - first) if first and second else timedelta(days=1)


WEEKDAY_NAMES = {
    "mon": "Mondays",
    "tue": "Tuesdays",
    "wed": "Wednesdays",
    "thu": "Thursdays",
    "fri": "Fridays",
    "sat": "Saturdays",
    "sun": "Sundays",
}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _digest_days(wl: Watchlist, period: str) -> tuple[dict, str]:
    """Cron day fields for a digest period, and how the status names them."""
    if period == "week":
        weekday = wl.digest.weekly.weekday if wl.digest.weekly else "mon"
        return {"day_of_week": weekday}, WEEKDAY_NAMES[weekday]
    if period == "month":
        day = wl.digest.monthly.day if wl.digest.monthly else 1
        return {"day": day}, f"monthly on the {_ordinal(day)}"
    return {}, "daily"


def digest_trigger(wl: Watchlist, period: str = "day") -> CronTrigger:
    t = wl.digest.period_time(period)
    days, _ = _digest_days(wl, period)
    return CronTrigger(hour=t.hour, minute=t.minute, second=t.second, timezone=wl.tz, **days)


def digest_job_id(period: str) -> str:
    """ "digest" for the daily digest (the id older archives recorded), "digest:week" and so on."""
    return "digest" if period == "day" else f"digest:{period}"


def digest_periods(wl: Watchlist) -> list[str]:
    """The daily digest always; the weekly and monthly ones where their block is configured."""
    return ["day"] + (["week"] if wl.digest.weekly else []) + (["month"] if wl.digest.monthly else [])


def digest_jobs(wl: Watchlist) -> list[JobSpec]:
    """One job per digest period (``digest.weekly`` / ``digest.monthly`` add theirs)."""
    return [
        JobSpec(
            id=digest_job_id(period),
            kind="digest",
            trigger=digest_trigger(wl, period),
            grace=DIGEST_GRACE,
            digest_period=period,
            schedule_text=f"{_digest_days(wl, period)[1]} "
            f"{wl.digest.period_time(period).strftime('%H:%M')} {wl.timezone}",
        )
        for period in digest_periods(wl)
    ]


def _follow_up_job(kind: str, every: timedelta, after: str, wl: Watchlist) -> JobSpec:
    """A stage that runs after ``after`` (the daemon chains it) and on its own at least every ``every``."""
    return JobSpec(
        id=kind,
        kind=kind,
        trigger=IntervalTrigger(seconds=int(every.total_seconds()), timezone=wl.tz),
        grace=every,
        schedule_text=f"after {after}, at least every {int(every.total_seconds() // 60)} min",
    )


def build_jobs(wl: Watchlist) -> list[JobSpec]:
    """Every job the watchlist asks for, in a stable order.

    Raises ``ConfigError`` naming the field of a cron expression APScheduler cannot use
    (the watchlist model only checks that it has five fields)."""
    jobs: list[JobSpec] = []
    problems: list[str] = []
    for b, brand in enumerate(wl.brands):
        for i, source in enumerate(brand.sources):
            if not source.enabled:
                continue
            sched = source.schedule or wl.crawler.schedule
            try:
                trigger, period = trigger_for(sched, wl), schedule_period(sched)
            except ValueError as exc:
                where = f"brands[{b}].sources[{i}].schedule" if source.schedule else "crawler.schedule"
                problems.append(f"{where}.cron: {exc} (got {sched.cron!r})")
                continue
            jobs.append(
                JobSpec(
                    id=crawl_job_id(brand.name, source.key),
                    kind="crawl",
                    trigger=trigger,
                    # A missed crawl is worth making up until the next one is due anyway.
                    grace=period,
                    brand=brand.name,
                    source_key=source.key,
                    source_type=source.type,
                    schedule_text=describe(sched),
                )
            )
    if problems:
        raise ConfigError(wl.source_path or "<watchlist>", sorted(set(problems)))
    jobs.append(_follow_up_job("enrich", ENRICH_EVERY, "crawls", wl))
    jobs.append(_follow_up_job("detect", DETECT_EVERY, "enrich", wl))
    jobs.extend(digest_jobs(wl))
    return jobs


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime) -> Iterator[datetime]:
    """Fire times in [start, end) as the trigger computes them (jitter included)."""
    previous = None
    now = start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt >= end:
            return
        yield nxt
        previous, now = nxt, nxt + timedelta(microseconds=1)


def last_fire_time(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire time in (now - lookback, now], or None."""
    last = None
    for t in fire_times(trigger, now - lookback, now + timedelta(microseconds=1)):
        last = t
    return last


def first_run_time(spec: JobSpec, now: datetime, last_started: datetime | None) -> datetime:
    """When a job should first run after the daemon starts at ``now``.

    Enrich and detect run at once (they finish what an interrupted run left). Interval jobs
    continue their rhythm from the last completed run (``now`` if never run or overdue). Cron jobs (the digest, cron crawls) make up a fire time missed within the job's
    grace period once — unless a run has started since — else wait for the next fire time."""
    if spec.kind in ("enrich", "detect"):
        return now  # idempotent and cheap when idle: pick up what an interruption left
    if isinstance(spec.trigger, IntervalTrigger):
        if last_started is None:
            return now
        return max(now, last_started + spec.trigger.interval)
    owed = missed_fire_time(spec, now, last_started)
    if owed is not None:
        return now
    nxt = spec.trigger.get_next_fire_time(None, now)
    return nxt if nxt is not None else now + timedelta(days=3650)


def missed_fire_time(spec: JobSpec, now: datetime, last_started: datetime | None) -> datetime | None:
    """A cron fire time within (now - grace, now] after which the job has not started, or None."""
    due = last_fire_time(_without_jitter(spec.trigger), now, spec.grace)
    if due is None or (last_started is not None and last_started >= due):
        return None
    return due


def _without_jitter(trigger: BaseTrigger) -> BaseTrigger:
    """Missed-run arithmetic must not wobble: the same trigger, jitter off."""
    if getattr(trigger, "jitter", None):
        import copy

        clone = copy.copy(trigger)
        clone.jitter = None
        return clone
    return trigger


def period_for_digest(fire_time: datetime, wl: Watchlist) -> date:
    """The local day a digest covers: the last complete day before its scheduled time."""
    return fire_time.astimezone(wl.tz).date() - timedelta(days=1)
