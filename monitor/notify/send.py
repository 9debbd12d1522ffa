"""One notify run: every recent incident event, to every channel that wants it, once.

Order, and why:
1. events older than ``FRESH_FOR`` are not pushed (the digest has them; a replay of history
   with ``detect --as-of`` or a channel added today must not flood anyone);
2. each (event, channel) gets a ledger row; in quiet hours a row waits (``held``) unless the
   event is severe enough;
3. the row is claimed, the message sent through Apprise with back-off (tenacity), and the
   outcome recorded; a failed row is tried again at the next run.
Nothing here raises for a channel's failure: a dead webhook must never stop detection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.config_notify import quiet_apprise
from monitor.core.times import utcnow
from monitor.detect.incident_store import IncidentEvent, incident_events
from monitor.notify import ledger, quiet
from monitor.notify.channels import Channel, channels
from monitor.notify.message import Message, compose

log = logging.getLogger(__name__)
apprise = quiet_apprise()

#: Events older than this are left to the digest.
FRESH_FOR = timedelta(hours=24)
#: Tries per send within one run, and the longest wait between two.
ATTEMPTS = 3
MAX_WAIT_S = 30.0


class PushError(Exception):
    """Apprise reported a failed send; the message is what its log said."""


@dataclass
class NotifyResult:
    channel_count: int = 0
    sent: int = 0
    failed: int = 0
    held: int = 0
    expired: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # channel -> last error of this run

    def summary(self) -> str:
        """One line for the job record and the CLI; empty when no channel is configured."""
        if not self.channel_count:
            return ""
        parts = [f"{self.sent} push(es) sent"]
        if self.held:
            parts.append(f"{self.held} held (quiet hours)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.expired:
            parts.append(f"{self.expired} expired")
        msg = ", ".join(parts)
        if self.errors:
            msg += " — " + "; ".join(f"{c}: {e}" for c, e in self.errors.items())[:300]
        return msg


def _attempt(url: str, message: Message) -> None:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise PushError("Apprise cannot use this URL (check it with `brandpulse config check`)")
    with apprise.LogCapture(level=logging.WARNING) as logs:
        try:
            ok = notifier.notify(
                title=message.title, body=message.body, body_format=apprise.NotifyFormat.TEXT
            )
        except Exception as exc:  # a plugin's bug must not leave the ledger row claimed forever
            raise PushError(_scrub(f"{type(exc).__name__}: {exc}", url)) from None
    if not ok:
        raise PushError(_scrub(logs.getvalue(), url) or "the service did not accept the message")


def _scrub(text: str, url: str) -> str:
    """Apprise's log without the timestamps and never with the URL (it may hold a token)."""
    lines = [line.split(" - ", 2)[-1] for line in text.splitlines() if line.strip()]
    return " ".join(lines).replace(url, "<url>")[:500]


def push(
    url: str, message: Message, *, attempts: int = ATTEMPTS, sleep: Callable[[float], None] = time.sleep
) -> tuple[bool, int, str | None]:
    """Send with back-off; (delivered, attempts made, last error)."""
    made = 0
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=2, max=MAX_WAIT_S),
        retry=retry_if_exception_type(PushError),
        sleep=sleep,
    )
    try:
        for attempt in retrying:
            with attempt:
                made += 1
                _attempt(url, message)
    except RetryError as exc:
        return False, made, str(exc.last_attempt.exception())
    return True, made, None


def _send_one(
    archive: Archive,
    ch: Channel,
    event: IncidentEvent,
    row: ledger.Row,
    result: NotifyResult,
    sleep: Callable[[float], None],
) -> None:
    if not ledger.claim(archive, row.id, utcnow()):
        return  # another process has it
    if ch.problem:
        ok, made, error = False, 0, ch.problem
    else:
        ok, made, error = push(ch.url or "", compose(event, ch.language), sleep=sleep)
    ledger.record(archive, row.id, ok=ok, attempts=made, error=error, now=utcnow())
    if ok:
        result.sent += 1
    else:
        result.failed += 1
        result.errors[ch.name] = error or "failed"
        log.warning("notify.failed channel=%s event=%s error=%s", ch.name, event.id, error)


def run_notify(
    wl: Watchlist,
    archive: Archive,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyResult:
    """Push what is pending (see the module docstring); ``now`` decides freshness and quiet hours."""
    targets = channels(wl)
    result = NotifyResult(channel_count=len(targets))
    if not targets:
        return result
    now = now or utcnow()
    result.expired = ledger.expire(archive, now - FRESH_FOR, now)
    for event in incident_events(archive, since=now - FRESH_FOR):
        for ch in targets:
            if not ch.wants(event.incident.brand, event.event):
                continue
            row = ledger.ensure(archive, event.id, ch.name, event.incident.brand, now)
            if row.status not in ledger.SENDABLE:
                continue
            if quiet.holds(wl.notify_quiet_hours, event.severity, now, wl.tz):
                ledger.hold(archive, row.id, now)
                result.held += 1
                continue
            _send_one(archive, ch, event, row, result, sleep)
    return result
