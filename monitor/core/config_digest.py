"""The watchlist's digest section: recipients, SMTP, daily/weekly/monthly sending."""

from __future__ import annotations

import datetime as dt
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


class SmtpSettings(Strict):
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str = Field(
        "BRANDPULSE_SMTP_PASSWORD", description="name of the env variable holding the password"
    )
    sender: str = "brandpulse@localhost"
    timeout_seconds: float = Field(30, gt=0)
    retries: int = Field(3, ge=0, le=10)

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


class RecipientGroup(Strict):
    name: str = "default"
    emails: list[str] = Field(..., min_length=1)
    language: Literal["de", "en"] | None = None
    brands: list[str] | None = Field(None, description="limit to these brands (default: all)")

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for e in v:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", e):
                raise ValueError(f"{e!r} is not an e-mail address")
        return v


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WeeklyDigest(Strict):
    """When the weekly digest (the last Monday-Sunday week) is sent."""

    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field("mon", description="mon … sun")
    # dt.time: a field named ``time`` would shadow the type in its own annotation.
    time: dt.time | None = Field(None, description='local time, "HH:MM"; default: digest.send_time')

    @field_validator("weekday", mode="before")
    @classmethod
    def _short_name(cls, v: Any) -> Any:
        """ "Monday", "Mo", "MON" all mean mon; anything else is named in the error."""
        if isinstance(v, str):
            low = v.strip().lower()
            for day in WEEKDAYS:
                if len(low) >= 2 and (day.startswith(low) or low.startswith(day)):
                    return day
        return v

    @field_validator("time", mode="before")
    @classmethod
    def _quoted(cls, v: Any) -> Any:
        return quoted_time(v)


class MonthlyDigest(Strict):
    """When the monthly digest (the last calendar month) is sent."""

    day: int = Field(1, description="day of the month, 1-28")
    time: dt.time | None = Field(None, description='local time, "HH:MM"; default: digest.send_time')

    @field_validator("day")
    @classmethod
    def _every_month_has_it(cls, v: int) -> int:
        if not 1 <= v <= 28:
            raise ValueError(f"day {v}: use 1-28, a day every month has (February ends on the 28th)")
        return v

    @field_validator("time", mode="before")
    @classmethod
    def _quoted(cls, v: Any) -> Any:
        return quoted_time(v)


class DigestSettings(Strict):
    send_time: time = Field(time(7, 0), description='local time, "HH:MM"')
    language: Literal["de", "en"] = "de"
    recipients: list[RecipientGroup] = Field(default_factory=list)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    output_dir: str = Field("digests", description="relative to the archive's folder")
    answer_today: int = Field(8, ge=0, le=50, description="detractors listed for reply")
    highlights: int = Field(3, ge=0, le=20)
    weekly: WeeklyDigest | None = Field(
        None, description='also send last week\'s digest, e.g. {weekday: mon, time: "08:00"}'
    )
    monthly: MonthlyDigest | None = Field(
        None, description='also send last month\'s digest, e.g. {day: 1, time: "08:00"}'
    )
    unsubscribe_url: str | None = Field(
        None, description="https page for one-click unsubscribe; default: a mailto to smtp.sender"
    )

    @field_validator("unsubscribe_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https://[^\s<>,]+", v):
            raise ValueError(f"{v!r}: write a full https:// URL (one-click unsubscribe requires https)")
        return v

    @field_validator("send_time", mode="before")
    @classmethod
    def _quoted_time(cls, v: Any) -> Any:
        return quoted_time(v)

    @model_validator(mode="before")
    @classmethod
    def _no_periods_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and "periods" in data:
            raise ValueError(
                "periods: the list was replaced by schedule blocks; write "
                'weekly: {weekday: mon, time: "07:00"} and/or monthly: {day: 1, time: "07:00"} '
                "(the daily digest is always sent at send_time)"
            )
        return data

    def period_time(self, period: str) -> dt.time:
        """Local time the daemon sends the ``day``/``week``/``month`` digest at."""
        block = {"week": self.weekly, "month": self.monthly}.get(period)
        return (block.time if block else None) or self.send_time
