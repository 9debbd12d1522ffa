"""reports.delivery against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import ssl
import struct
import zlib

import pytest

from monitor.core.config_digest import SmtpSettings
from reports.delivery import build_message, deliver
from tests.helpers.smtp import Inbox, SmtpServer, free_port, self_signed

HTML = '<!DOCTYPE html><html><body><p>Grüße 😀 <img src="cid:chart"></p></body></html>'
TEXT = "Grüße 😀 — Lieferung spät\nZeile 2"


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def settings(port: int, **kw) -> SmtpSettings:
    base = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "digest@brandpulse.test",
        "timeout_seconds": 5,
        "retries": 2,
    }
    base.update(kw)
    return SmtpSettings(**base)


def message(**kw):
    args = dict(
        subject="Acme · 21. Nov. 2026: 8 Erwähnungen",
        sender="digest@brandpulse.test",
        recipient="team@example.com",
        text=TEXT,
        html=HTML,
        language="de",
    )
    args.update(kw)
    return build_message(**args)


def test_round_trip_multipart_alternative_with_inline_image():
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        outcome = deliver(message(images={"chart": png()}), settings(port), sleep=lambda s: None)
    assert outcome.ok and outcome.attempts == 1
    assert inbox.envelopes == [("digest@brandpulse.test", ["team@example.com"])]
    got = inbox.messages[0]
    assert got["Subject"] == "Acme · 21. Nov. 2026: 8 Erwähnungen"  # RFC 2047 decoded
    assert got["To"] == "team@example.com" and got["Auto-Submitted"] == "auto-generated"
    assert got["Message-ID"].strip() == outcome.message_id.strip()
    assert outcome.message_id.strip().endswith("@brandpulse.test>")
    assert str(got["Content-Language"]).strip() == "de" and got["Date"]
    assert got.get_content_type() == "multipart/alternative"
    plain, related = got.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content_charset() == "utf-8" and plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == TEXT
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and "Grüße 😀" in html_part.get_content()
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<chart>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == png()
    # the raw message is 7-bit clean: every non-ASCII byte is encoded
    assert all(b < 128 for b in got.as_bytes())


def test_without_images_the_html_part_is_a_direct_alternative():
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        assert deliver(message(), settings(port)).ok
    parts = [p.get_content_type() for p in inbox.messages[0].get_payload()]
    assert parts == ["text/plain", "text/html"]  # HTML last = preferred


def test_starttls_and_login_with_password_from_env(tmp_path, monkeypatch):
    pytest.importorskip("cryptography")
    cert, key = self_signed(tmp_path)
    inbox = Inbox()
    monkeypatch.setenv("TEST_SMTP_PW", "s3cret")
    ctx = ssl.create_default_context(cafile=str(cert))
    with SmtpServer(inbox, starttls_cert=(cert, key), auth=("digest", "s3cret")) as port:
        smtp = settings(port, security="starttls", username="digest", password_env="TEST_SMTP_PW")
        outcome = deliver(message(), smtp, ssl_context=ctx)
        assert outcome.ok, outcome.error
        monkeypatch.setenv("TEST_SMTP_PW", "wrong")
        bad = deliver(message(), smtp, ssl_context=ctx, sleep=lambda s: None)
    assert inbox.logins == ["digest"] and len(inbox.messages) == 1
    assert not bad.ok and bad.attempts == 1 and "login failed" in bad.error  # not retried


def test_implicit_tls(tmp_path):
    pytest.importorskip("cryptography")
    cert, key = self_signed(tmp_path)
    inbox = Inbox()
    with SmtpServer(inbox, ssl_cert=(cert, key)) as port:
        ok = deliver(
            message(),
            settings(port, security="ssl"),
            ssl_context=ssl.create_default_context(cafile=str(cert)),
        )
        # without trusting the self-signed certificate the handshake must fail, not fall back
        bad = deliver(
            message(),
            settings(port, security="ssl"),
            sleep=lambda s: pytest.fail("a certificate error is not retried"),
        )
    assert ok.ok, ok.error
    assert not bad.ok and bad.attempts == 1 and "CERTIFICATE_VERIFY_FAILED" in bad.error
    assert len(inbox.messages) == 1


def test_missing_password_is_a_clear_permanent_error(monkeypatch):
    monkeypatch.delenv("NO_SUCH_PW", raising=False)
    smtp = settings(free_port(), username="digest", password_env="NO_SUCH_PW")
    out = deliver(message(), smtp, sleep=lambda s: pytest.fail("must not retry"))
    assert not out.ok and out.attempts == 1 and "NO_SUCH_PW" in out.error


def test_server_down_is_retried_with_growing_pauses():
    pauses = []
    out = deliver(message(), settings(free_port(), retries=3), sleep=pauses.append, base_delay=2.0)
    assert not out.ok and out.attempts == 4
    assert pauses == [2.0, 4.0, 8.0]
    assert "127.0.0.1" in out.error


def test_temporary_refusal_is_retried_and_then_succeeds():
    inbox = Inbox(rcpt_replies=["451 4.3.0 try again later"])
    pauses = []
    with SmtpServer(inbox) as port:
        out = deliver(message(), settings(port), sleep=pauses.append)
    assert out.ok and out.attempts == 2 and pauses == [2.0]
    assert len(inbox.messages) == 1


def test_permanent_refusal_is_not_retried():
    inbox = Inbox(rcpt_replies=["550 5.1.1 no such user"])
    with SmtpServer(inbox) as port:
        out = deliver(message(), settings(port), sleep=lambda s: pytest.fail("must not retry"))
    assert not out.ok and out.attempts == 1 and "550" in out.error
    assert inbox.messages == []


def test_a_real_digest_arrives_with_inline_charts_list_headers_and_short_lines(tmp_path):
    """run_digest against aiosmtpd: the message a recipient gets, part by part."""
    import re
    from html import unescape

    from monitor.core.archive import Archive
    from reports.pipeline import run_digest
    from reports.text import TEXT_WIDTH
    from tests.helpers.digest import DAY, digest_watchlist, seed_full_day

    inbox = Inbox()
    with SmtpServer(inbox) as port:
        wl = digest_watchlist(
            tmp_path,
            recipients=[{"name": "Marketing DE", "emails": ["team@example.com"]}],
            smtp={"host": "127.0.0.1", "port": port, "security": "none", "sender": "digest@brandpulse.test"},
        )
        with Archive.open(wl.archive_path) as arc:
            seed_full_day(arc)
            (result,) = run_digest(wl, arc, period=DAY, send=True)
    assert result.recipients == {"team@example.com": "sent"}
    (got,) = inbox.messages
    assert got["List-Id"].strip() == "brandpulse digest marketing-de <marketing-de.digest.brandpulse.test>"
    assert (
        got["List-Unsubscribe"].strip()
        == "<mailto:digest@brandpulse.test?subject=unsubscribe%20marketing-de>"
    )
    assert got["List-Unsubscribe-Post"] is None  # one-click needs an https URL (RFC 8058)
    assert got["Subject"] == "Acme: Lieferung: 14 Beschwerden statt sonst etwa 2,5 · 21. Nov. 2026"
    plain, related = got.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    html = html_part.get_content()
    refs = re.findall(r'<img [^>]*alt="([^"]+)" src="cid:([^"]+)"', html)
    assert [cid for _, cid in refs] == ["b0-mentions", "b0-ratings", "b0-topics"]
    assert [p["Content-ID"] for p in images] == [f"<{cid}>" for _, cid in refs]
    assert all(
        p.get_content_type() == "image/png" and p.get_content_disposition() == "inline" for p in images
    )
    assert all(p.get_content()[:8] == b"\x89PNG\r\n\x1a\n" for p in images)
    alts = [unescape(alt) for alt, _ in refs]
    assert "8 Erwähnungen, davon 62\u00a0% negativ" in alts[0] and "1★ 4" in alts[1]
    text = plain.get_content().replace("\r\n", "\n")
    long = [ln for ln in text.splitlines() if len(ln) > TEXT_WIDTH]
    assert all(re.fullmatch(r"\s*(> )?<https?://\S+>", ln) for ln in long), long
    assert "Erwähnungen je Tag. 21. Nov. 2026: 8 Erwähnungen" in text  # the chart's numbers as text
    assert len(got.as_bytes()) < 200_000
