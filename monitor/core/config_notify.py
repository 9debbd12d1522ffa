"""The watchlist's push-notification channels (Apprise URLs) and quiet hours."""

from __future__ import annotations

import os
import re
from datetime import time
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from monitor.core.config_base import Strict, quoted_time

# --------------------------------------------------------------------------- notifications


def quiet_apprise() -> Any:
    """The ``apprise`` module, its log kept out of ours: Apprise logs the URLs it cannot use
    ("Unparseable URL slack://…"), tokens only partly masked. Its errors are captured where
    they matter (``monitor.notify.send``) and recorded without the URL."""
    import logging

    import apprise

    logging.getLogger("apprise").propagate = False
    return apprise


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use ``url`` (an unknown scheme, or a known one missing its parts),
    or None. The URL is never repeated in the answer: one read from the environment holds
    tokens."""
    apprise = quiet_apprise()
    if apprise.Apprise().add(url):
        return None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    known: set[str] = set()
    for plugin in apprise.Apprise().details()["schemas"]:
        for key in ("protocols", "secure_protocols"):
            names = plugin.get(key) or ()
            known.update(n.lower() for n in ([names] if isinstance(names, str) else names))
    hint = "e.g. slack://…, workflows://… (Teams), tgram://…, mailtos://…, json://host/path (see docs/operations.md)"
    if not scheme:
        return f"not an Apprise URL: write SCHEME://…, {hint}"
    if scheme not in known:
        return f"unknown notification scheme {scheme!r}: Apprise knows none such — {hint}"
    return f"Apprise cannot use this {scheme}:// URL: a required part (token, host, address) is missing or malformed"


class NotifyChannel(Strict):
    """One push channel: an Apprise URL (Slack, Teams, Mattermost, Telegram, Discord, e-mail,
    a JSON webhook, …). URLs holding tokens belong in an environment variable (``url_env``),
    like the SMTP password."""

    url: str | None = Field(
        None, description='Apprise URL without secrets, e.g. "json://hooks.example.org/bp"'
    )
    url_env: str | None = Field(None, description="name of the env variable holding the Apprise URL")
    name: str | None = Field(
        None,
        min_length=1,
        description="label in status and the ledger (default: $URL_ENV, or scheme and a hash)",
    )
    language: Literal["de", "en"] | None = Field(None, description="default: digest.language")
    events: list[Literal["opened", "escalated", "resolved", "acknowledged"]] = Field(
        default_factory=lambda: ["opened", "escalated", "resolved"], min_length=1
    )

    @field_validator("url")
    @classmethod
    def _apprise(cls, v: str | None) -> str | None:
        if v is not None and (problem := apprise_url_problem(v.strip())):
            raise ValueError(problem)
        return v.strip() if v else v

    @field_validator("url_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v):
            raise ValueError(f'{v!r}: name an environment variable, e.g. url_env: "BRANDPULSE_SLACK_URL"')
        return v

    @model_validator(mode="after")
    def _one_of(self) -> NotifyChannel:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("set exactly one of url (no secrets) or url_env (the variable holding the URL)")
        return self

    @property
    def resolved_url(self) -> str | None:
        """The URL to send to: ``url``, or the value of ``url_env`` (None when unset)."""
        if self.url is not None:
            return self.url
        return (os.environ.get(self.url_env or "") or "").strip() or None


class QuietHours(Strict):
    """Local hours in which pushes wait until the end (the morning), unless severe enough."""

    start: time = Field(..., description='local time, "HH:MM", e.g. "22:00"')
    end: time = Field(..., description='local time, "HH:MM", e.g. "07:00"')
    min_severity: float | None = Field(
        None, ge=0, description="an event more severe than this goes out at once; unset: every event waits"
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted(cls, v: Any) -> Any:
        return quoted_time(v)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are equal: quiet hours would be empty (or the whole day)")
        return self
