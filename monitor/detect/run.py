"""Detection: turn counts into alerts — spikes, emerging themes, churn leads.

One run judges one window (a local day with ``as_of``, else the last 24 hours) for every
brand: each series (brand total and every topic) gets an expected count from the preceding
weeks (``detection.baseline``), a p-value, a Benjamini–Hochberg q-value across the brand's
series, and must pass the floors in ``wl.alerts`` (minimum negative mentions, distinct
authors, observed/expected ratio). Findings open or update alerts (``detection.lifecycle``);
alerts of series that went quiet cool down and resolve. The archive is the only output.

The test statistic is the number of *distinct complaining authors* in the window, so one
person posting fifteen times counts once (and the ``min_authors`` floor is also applied).

Churn leads (``detection.churn``) are one more series of the brand, tested the same way: a
``churn`` alert means more customers than usual announcing that they leave, and lists them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.times import (
    Window,
    day_bounds,
    day_window,
    days_between,
    iso,
    parse_time,
    rolling_window,
    utcnow,
)
from monitor.detect import incidents, rating, themes
from monitor.detect.churn_alerts import CHURN_TOPIC, churn_leads, retire_daily_churn_lists
from monitor.detect.counts import (
    TOTAL,
    Events,
    in_window,
    load_events,
)
from monitor.detect.incidents import IncidentChange
from monitor.detect.lifecycle import AlertChange
from monitor.detect.series import MIN_HISTORY_DAYS
from monitor.detect.spikes import spikes
from monitor.detect.theme_alerts import theme_findings

__all__ = ["AlertChange", "Detection", "IncidentChange", "run_detect", "detection_window", "MIN_HISTORY_DAYS"]

log = logging.getLogger(__name__)


class Detection(list):
    """What one run changed: the alert changes (the list itself, as before incidents existed)
    and ``incidents``, the incident changes, most severe first."""

    def __init__(self, alerts: list[AlertChange] = (), incidents: list[IncidentChange] = ()):
        super().__init__(alerts)
        self.incidents: list[IncidentChange] = list(incidents)

    def records(self) -> list[dict]:
        """Alert and incident changes as JSON records (incidents have ``kind`` "incident")."""
        return [c.to_json() for c in self] + [c.to_json() for c in self.incidents]


def detection_window(wl: Watchlist, as_of: date | None, now: datetime) -> Window:
    """The window under test: the local day ``as_of`` (up to now, if it is today), or the
    last 24 hours."""
    tz = wl.tz
    if as_of is None:
        return rolling_window(now, tz)
    today = now.astimezone(tz).date()
    if as_of > today:
        raise ValueError(f"--as-of {as_of} is in the future (today is {today} in {wl.timezone})")
    return day_window(as_of, tz, now=now)


def run_detect(
    wl: Watchlist,
    archive: Archive,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
    emerging: themes.EmergingFn | None = None,
) -> Detection:
    """Judge one window for every brand; return the alerts opened, updated or resolved, with
    the incidents they opened, escalated or resolved (``.incidents``).

    ``now`` fixes the clock (tests, replays); ``emerging`` replaces ``nlp.keyness``."""
    now = now or utcnow()
    window = detection_window(wl, as_of, now)
    cfg = wl.alerts
    base_first = window.first - timedelta(days=7 * cfg.baseline_weeks)
    start = day_bounds(base_first, wl.tz)[0]
    topics = list(wl.topics)
    brands = [b.name for b in wl.own_brands]  # competitors are compared, never alerted on
    events = load_events(archive, brands, start, window.end, wl.tz, topics=topics)
    _warn_unenriched(events, window)
    at = iso(min(now, window.end))
    if cfg.emerging_themes and emerging is None:
        emerging = themes.default_emerging()

    firsts = _first_days(archive, wl)
    changes: list[AlertChange] = []
    incident_changes: list[IncidentChange] = []
    for brand in wl.own_brands:
        first = firsts.get(brand.name)
        history_from = max(base_first, first) if first else window.first
        baseline_days = days_between(history_from, window.first - timedelta(days=1))
        retire_daily_churn_lists(archive, brand.name, at)
        if len(baseline_days) >= MIN_HISTORY_DAYS:
            series = [TOTAL, *(t for t in topics if t != CHURN_TOPIC)]
            leads = churn_leads(events, wl, brand)
            changes += spikes(archive, events, brand, window, baseline_days, series, cfg, at, leads=leads)
            if cfg.emerging_themes and emerging is not None:
                changes += theme_findings(archive, events, wl, brand, window, baseline_days, emerging, at)
            changes += rating.rating_drop(archive, events, brand, window, baseline_days, cfg, at)
            incident_changes += incidents.update_incidents(
                archive, events, wl, brand, window, at, leads=leads
            )
        else:
            log.info(
                "%s: %d day(s) of history, %d needed: no spike test yet",
                brand.name,
                len(baseline_days),
                MIN_HISTORY_DAYS,
            )
    incident_changes.sort(key=lambda c: -c.severity)
    return Detection(changes, incident_changes)


def _first_days(archive: Archive, wl: Watchlist) -> dict[str, date]:
    """Each brand's first local day in the archive: days before it are unknown, not zero."""
    rows = archive.conn.execute(
        "SELECT brand, min(published_at) FROM mention_brands GROUP BY brand"
    ).fetchall()
    return {b: parse_time(t).astimezone(wl.tz).date() for b, t in rows if t}


def _warn_unenriched(events: Events, window: Window) -> None:
    m = in_window(events.mentions, window)
    # a review with stars and no words is never classified: nothing is missing there
    words = (m["title"].fillna("").astype(str) + m["text"].fillna("").astype(str)).str.strip().ne("")
    missing = int((~m["enriched"] & words).sum())
    if missing:
        log.warning(
            "%d mention(s) in the window have no sentiment yet: run `brandpulse enrich` "
            "first, or they do not count as negative",
            missing,
        )


# --------------------------------------------------------------------------- spikes
