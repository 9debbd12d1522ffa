"""Build the digest e-mail and hand it to an SMTP server, with retries.

Why standard library only: smtplib + email.message cover STARTTLS/SSL, login and MIME
correctly, and they are what every mail admin can debug. The message is
multipart/alternative (plain text first, HTML last = preferred); the digest's chart images
make the HTML part multipart/related with Content-ID references.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from monitor.core.config_digest import SmtpSettings

log = logging.getLogger(__name__)

MAX_DELAY_S = 60.0


class DeliveryError(Exception):
    """A send that failed; ``permanent`` ones (bad login, refused address) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class DeliveryOutcome:
    ok: bool
    attempts: int
    error: str | None = None
    message_id: str | None = None


def build_message(
    *,
    subject: str,
    sender: str,
    recipient: str,
    text: str,
    html: str,
    images: Mapping[str, bytes] | None = None,
    language: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A multipart/alternative message; ``images`` maps Content-ID (no brackets) to PNG bytes."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("brandpulse", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if language:  # after set_content, which drops every Content-* header
        msg["Content-Language"] = language
    if images:
        html_part = msg.get_payload()[1]
        for cid, data in images.items():
            html_part.add_related(
                data,
                maintype="image",
                subtype="png",
                cid=f"<{cid}>",
                disposition="inline",
                filename=f"{cid}.png",
            )
    return msg


def list_headers(sender: str, group: str, *, unsubscribe_url: str | None = None) -> dict[str, str]:
    """``List-Id`` and ``List-Unsubscribe`` (RFC 2919, 2369): mail clients then offer a
    one-tap unsubscribe and filters can sort the digest. The mailto goes to the sender, whose
    operator removes the address from the watchlist. ``List-Unsubscribe-Post`` (RFC 8058 one-
    click) is only sent with an https URL, as the RFC requires; a mailto alone cannot take it."""
    local, _, domain = sender.rpartition("@")
    domain = domain or "localhost"
    label = re.sub(r"[^A-Za-z0-9-]+", "-", group).strip("-").lower() or "digest"
    headers = {
        "List-Id": f"brandpulse digest {label} <{label}.digest.{domain}>",
        "List-Unsubscribe": f"<mailto:{local or 'brandpulse'}@{domain}?subject=unsubscribe%20{label}>",
    }
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>, " + headers["List-Unsubscribe"]
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _transient(exc: BaseException) -> bool:
    """Worth another try: network trouble and 4xx replies; 5xx replies are final."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False  # an untrusted certificate will not become trusted in 8 seconds
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        return all(400 <= c < 500 for c in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError))


def send_message(
    msg: EmailMessage,
    smtp: SmtpSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """One attempt to send ``msg``; raises DeliveryError (with ``permanent`` set) on failure."""
    password = smtp.password
    if smtp.username and not password:
        raise DeliveryError(
            f"SMTP user {smtp.username!r} is set but the environment variable "
            f"{smtp.password_env} is empty: export the password there",
            permanent=True,
        )
    context = ssl_context or ssl.create_default_context()
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, password or "")
            refused = client.send_message(msg)
        if refused:
            raise DeliveryError(f"server refused {sorted(refused)}", permanent=True)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP login failed ({exc.smtp_code}): check username and password", permanent=True
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server does not support this: {exc}", permanent=True) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        where = f"{smtp.host}:{smtp.port}"
        raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}", permanent=not _transient(exc)) from exc


def deliver(
    msg: EmailMessage,
    smtp: SmtpSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    base_delay: float = 2.0,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryOutcome:
    """Send with up to ``smtp.retries`` retries, doubling the pause each time (2, 4, 8 s…)."""
    attempts = 0
    last = None
    for attempt in range(smtp.retries + 1):
        attempts += 1
        try:
            send_message(msg, smtp, ssl_context=ssl_context)
            return DeliveryOutcome(True, attempts, None, msg["Message-ID"])
        except DeliveryError as exc:
            last = str(exc)
            log.warning("digest to %s: attempt %d failed: %s", msg["To"], attempts, exc)
            if exc.permanent or attempt == smtp.retries:
                break
            sleep(min(MAX_DELAY_S, base_delay * 2**attempt))
    return DeliveryOutcome(False, attempts, last, None)
