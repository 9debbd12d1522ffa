"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, optionally with TLS and AUTH.

Why a real server and not a mock of smtplib: the promise is "the message arrives and is
well-formed", which only a server that speaks SMTP and receives the bytes can check.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """Messages the server accepted, parsed; ``replies`` scripts RCPT answers (e.g. 451)."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            reply = self.rcpt_replies.pop(0)
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


class _Auth:
    def __init__(self, inbox: Inbox, user: str, password: str):
        self.inbox, self.user, self.password = inbox, user, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        if ok:
            self.inbox.logins.append(self.user)
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd sends the 535


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class SmtpServer:
    """Context manager: ``with SmtpServer(inbox, tls=...) as port:``."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        starttls_cert: tuple[Path, Path] | None = None,
        auth: tuple[str, str] | None = None,
        port: int | None = None,
        ssl_cert: tuple[Path, Path] | None = None,
    ):
        self.inbox = inbox
        kwargs: dict = {}
        if ssl_cert:  # implicit TLS from the first byte (port 465 style)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*map(str, ssl_cert))
            kwargs.update(ssl_context=ctx)
        if starttls_cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*map(str, starttls_cert))
            kwargs.update(tls_context=ctx, require_starttls=True)
        if auth:
            # smtplib falls back to AUTH LOGIN with an initial response after a failed PLAIN,
            # which aiosmtpd 1.4 answers by waiting: offer PLAIN only.
            kwargs.update(
                authenticator=_Auth(inbox, *auth), auth_required=True, auth_exclude_mechanism=["LOGIN"]
            )
        self.port = port or free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> int:
        self.controller.start()
        return self.port

    def __exit__(self, *exc) -> None:
        self.controller.stop()
