"""Render, file and send the daily digest: ``run_digest``.

Order of events, and why:
1. render per recipient group (its language, its brands);
2. write HTML and text into ``wl.digest_dir`` *before* any send, so a mail outage never
   loses a digest (the file is the copy of record);
3. record one ``digests`` row per (period, recipient) — the ledger;
4. on ``send``: claim the row (status ``sending``) with a conditional UPDATE, so two
   processes (daemon and a manual run) can never both send it; send with retries; record
   ``sent`` or ``failed`` with attempts and the last error. A row found ``sent`` or still
   ``sending`` (a crash mid-send) is never sent again by itself: whether that mail went out
   is unknown, so it is reported (``interrupted_sends``; ``brandpulse digest`` and ``status``)
   and the operator decides — ``interrupted="resend"`` or ``"mark-sent"``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.times import iso
from reports.build import build_digest, topic_label
from reports.delivery import DeliveryOutcome, build_message, deliver, list_headers
from reports.export import period_csv
from reports.files import file_stem, read_digest, slug, write_atomic, write_digest
from reports.periods import Period, resolve
from reports.render import Rendered, render

log = logging.getLogger(__name__)


class DigestError(Exception):
    """A digest run that cannot start (no recipients to send to, a group naming no brand)."""


@dataclass
class Group:
    name: str
    emails: list[str]
    language: str
    brands: list[str] | None


@dataclass
class DigestResult:
    """One rendered digest (one recipient group) and what happened to each address."""

    period: date
    group: str
    language: str
    subject: str
    html_path: Path
    text_path: Path
    empty: bool
    recipients: dict[str, str] = field(default_factory=dict)  # email -> status
    errors: dict[str, str] = field(default_factory=dict)  # email -> last error

    @property
    def failed(self) -> list[str]:
        return [e for e, s in self.recipients.items() if s == "failed"]


#: What to do with ledger rows left ``sending``: keep (report them), send again, record as sent.
INTERRUPTED_CHOICES = ("keep", "resend", "mark-sent")


def interrupted_sends(archive: Archive) -> list[tuple[str, str]]:
    """(period, address) of every digest left ``sending``: a process was killed mid-send (or
    another one is sending it right now), so nobody knows whether the mail went out."""
    return archive.conn.execute(
        "SELECT period, recipient FROM digests WHERE status = 'sending' ORDER BY period, recipient"
    ).fetchall()


def _settle_interrupted(archive: Archive, period: date, emails: list[str], choice: str) -> None:
    """Apply the operator's decision to this period's rows left ``sending``."""
    if choice == "keep" or not emails:
        return
    status, note = (
        ("failed", "interrupted mid-send; sent again on request")
        if choice == "resend"
        else ("sent", "interrupted mid-send; recorded as sent on request")
    )
    marks = ",".join("?" * len(emails))
    with archive.conn:
        archive.conn.execute(
            f"UPDATE digests SET status = ?, last_error = ? WHERE period = ? AND status = 'sending'"
            f" AND recipient IN ({marks})",
            (status, note, period.isoformat(), *emails),
        )


def default_period(wl: Watchlist, now: datetime | None = None) -> date:
    """Yesterday in the watchlist's time zone: the morning digest covers the day before."""
    now = now or datetime.now(UTC)
    return now.astimezone(wl.tz).date() - timedelta(days=1)


def groups(wl: Watchlist) -> list[Group]:
    """The configured recipient groups; without any, one address-less group (render only)."""
    if not wl.digest.recipients:
        return [Group("default", [], wl.digest.language, None)]
    seen: set[str] = set()
    out = []
    for g in wl.digest.recipients:
        emails = []
        for e in g.emails:
            if e.lower() in seen:
                log.warning(
                    "%s is in more than one recipient group; it gets only %r's digest",
                    e,
                    next(x.name for x in out if e.lower() in map(str.lower, x.emails)),
                )
                continue
            seen.add(e.lower())
            emails.append(e)
        out.append(Group(g.name, emails, g.language or wl.digest.language, g.brands))
    return out


#: A recipient's status when an earlier run sent the digest: this run sent nothing.
ALREADY_SENT = "already sent"


def _shown(status: str) -> str:
    """A ledger status as this run reports it: ``sent`` by an earlier run is "already sent"."""
    return ALREADY_SENT if status == "sent" else status


def _ledger(archive: Archive, period: date, email: str) -> dict | None:
    row = archive.conn.execute(
        "SELECT id, status, attempts, html_path FROM digests WHERE period = ? AND recipient = ?",
        (period.isoformat(), email),
    ).fetchone()
    return {"id": row[0], "status": row[1], "attempts": row[2], "html_path": row[3]} if row else None


def _record_rendered(
    archive: Archive, period: date, email: str, language: str, html: Path, text: Path
) -> None:
    """Insert the ledger row, or refresh the files of one not sent yet."""
    now = iso(datetime.now(UTC))
    with archive.conn:
        archive.conn.execute(
            """
            INSERT INTO digests (period, recipient, language, status, html_path, text_path,
                                 rendered_at)
            VALUES (?, ?, ?, 'rendered', ?, ?, ?)
            ON CONFLICT (period, recipient) DO UPDATE SET
                language = excluded.language, html_path = excluded.html_path,
                text_path = excluded.text_path, rendered_at = excluded.rendered_at
            WHERE digests.status IN ('rendered', 'failed')
            """,
            (period.isoformat(), email, language, str(html), str(text), now),
        )


def _claim(archive: Archive, period: date, email: str) -> bool:
    with archive.conn:
        cur = archive.conn.execute(
            """UPDATE digests SET status = 'sending'
               WHERE period = ? AND recipient = ? AND status IN ('rendered', 'failed')""",
            (period.isoformat(), email),
        )
    return cur.rowcount == 1


def _record_outcome(archive: Archive, period: date, email: str, outcome) -> None:
    with archive.conn:
        archive.conn.execute(
            """
            UPDATE digests SET status = ?, attempts = attempts + ?, last_error = ?,
                   sent_at = ?, message_id = ?
            WHERE period = ? AND recipient = ?
            """,
            (
                "sent" if outcome.ok else "failed",
                outcome.attempts,
                outcome.error,
                iso(datetime.now(UTC)) if outcome.ok else None,
                outcome.message_id,
                period.isoformat(),
                email,
            ),
        )


def _render_group(
    wl: Watchlist, archive: Archive, period: Period, group: Group
) -> tuple[Rendered, bool, str]:
    try:
        view = build_digest(
            archive.conn,
            wl,
            period,
            language=group.language,
            brands=group.brands,
            group=group.name,
        )
    except ValueError as exc:
        raise DigestError(str(exc)) from None
    labels = {name: topic_label(wl, name, group.language) for name in wl.topics}
    return render(view, topic_labels=labels), view.empty, period_csv(view)


def run_digest(
    wl: Watchlist,
    archive: Archive,
    *,
    period: date | Period | None = None,
    kind: str = "day",
    send: bool = False,
    out: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context=None,
    interrupted: str = "keep",
) -> list[DigestResult]:
    """Render (and with ``send``, deliver) the digest of ``period`` for every recipient group.

    ``period``: a Period, or a date meaning the ``kind`` period (day, week, month) holding
    it; by default the newest complete one. Beside each HTML file go its chart images and
    the period's spreadsheet (``.csv``).

    ``out`` writes the HTML there (text beside it, ``.txt``) and touches neither the
    ledger nor the mail server: a preview. Without ``out`` the files go to
    ``wl.digest_dir`` and the ledger records them; sending happens only with ``send``.
    """
    if send and out is not None:
        raise DigestError("--out renders a preview and never sends; use one of --out or --send")
    if interrupted not in INTERRUPTED_CHOICES:
        raise DigestError(f"interrupted must be one of {', '.join(INTERRUPTED_CHOICES)}")
    if interrupted == "resend" and not send:
        raise DigestError("--resend-interrupted sends: add --send")
    if send and not wl.digest.recipients:
        raise DigestError(
            "no digest recipients configured: add digest.recipients (name, emails) to the watchlist"
        )
    period = resolve(period, kind, datetime.now(UTC).astimezone(wl.tz).date())
    all_groups = groups(wl)
    results = []
    for group in all_groups:
        if out is not None:
            html_path = (
                out
                if len(all_groups) == 1
                else out.with_name(f"{out.stem}-{slug(group.name)}{out.suffix or '.html'}")
            )
        else:
            html_path = wl.digest_dir / f"{file_stem(period, group.name)}.html"
        text_path = html_path.with_suffix(".txt")

        if out is None:
            _settle_interrupted(archive, period, group.emails, interrupted)
        ledger = {e: _ledger(archive, period, e) for e in group.emails} if out is None else {}
        done = (
            out is None
            and bool(group.emails)
            and all(r is not None and r["status"] in ("sent", "sending") for r in ledger.values())
        )
        if done:
            # Everything went out already: keep the files exactly as they were sent.
            results.append(
                DigestResult(
                    period,
                    group.name,
                    group.language,
                    "",
                    html_path,
                    text_path,
                    False,
                    {e: _shown(ledger[e]["status"]) for e in group.emails},
                )
            )
            continue

        rendered, empty, sheet = _render_group(wl, archive, period, group)
        partly_sent = any(r and r["status"] in ("sent", "sending") for r in ledger.values())
        if partly_sent and html_path.exists() and text_path.exists():
            # Some of the group already have it: the others get the very same digest.
            rendered = read_digest(html_path, text_path, rendered.subject)
        else:
            try:
                write_digest(html_path, text_path, rendered)
                write_atomic(html_path.with_suffix(".csv"), sheet)
            except OSError as exc:
                raise DigestError(
                    f"cannot write the digest to {html_path.parent}: {exc.strerror or exc} "
                    "(check digest.output_dir and its permissions); nothing was sent"
                ) from None
        result = DigestResult(
            period, group.name, group.language, rendered.subject, html_path, text_path, empty
        )
        results.append(result)
        if out is not None:
            continue
        for email in group.emails:
            _record_rendered(archive, period, email, group.language, html_path, text_path)
            result.recipients[email] = _shown(_ledger(archive, period, email)["status"])
        if not send:
            continue
        for email in group.emails:
            if not _claim(archive, period, email):
                result.recipients[email] = _shown(_ledger(archive, period, email)["status"])
                continue
            try:
                msg = build_message(
                    subject=rendered.subject,
                    sender=wl.digest.smtp.sender,
                    recipient=email,
                    text=rendered.text,
                    html=rendered.html,
                    images=rendered.images,
                    language=group.language,
                    headers=list_headers(
                        wl.digest.smtp.sender, group.name, unsubscribe_url=wl.digest.unsubscribe_url
                    ),
                )
                outcome = deliver(msg, wl.digest.smtp, sleep=sleep, ssl_context=ssl_context)
            except Exception as exc:  # never leave a claimed row in 'sending' for a bug here
                log.exception("digest to %s could not be built or sent", email)
                outcome = DeliveryOutcome(False, 1, f"{type(exc).__name__}: {exc}")
            _record_outcome(archive, period, email, outcome)
            result.recipients[email] = "sent" if outcome.ok else "failed"
            if outcome.error:
                result.errors[email] = outcome.error
    return results
