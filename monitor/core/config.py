"""The watchlist: one pydantic model tree validated from YAML.

Why pydantic with ``extra="forbid"`` everywhere: a typo in a key ("recipents") must be an
error that names the file and the field path, never a setting that silently does nothing.
Secrets are never read from the file: only the *names* of environment variables are.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG_NAME = "watchlist.yaml"
CONFIG_ENV = "BRANDPULSE_CONFIG"


class Strict(BaseModel):
    """Base for every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --------------------------------------------------------------------------- schedule


class Schedule(Strict):
    """When a job runs: every N minutes, or a cron expression (in the watchlist time zone)."""

    every_minutes: int | None = Field(None, ge=1, description="run every N minutes")
    cron: str | None = Field(None, description='crontab expression, e.g. "0 */2 * * *"')
    jitter_seconds: int = Field(120, ge=0)

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if self.every_minutes is None and self.cron is None:
            raise ValueError("set either every_minutes or cron")
        if self.every_minutes is not None and self.cron is not None:
            raise ValueError("set only one of every_minutes or cron")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError('cron must have 5 fields: "minute hour day month weekday"')
        return self


# --------------------------------------------------------------------------- sources


class SourceBase(Strict):
    """Parameters every source shares."""

    enabled: bool = True
    schedule: Schedule | None = Field(None, description="overrides crawler.schedule")
    backfill_limit: int | None = Field(
        None, ge=1, description="max items on the first run (overrides crawler.backfill_limit)"
    )
    base_url: str | None = Field(
        None, description="override the API/site root (tests, mirrors, self-hosted instances)"
    )

    @property
    def key(self) -> str:
        """A stable identifier of this source within a brand (used for cursors and health)."""
        params = self.model_dump(
            exclude={"type", "enabled", "schedule", "backfill_limit", "base_url"}, exclude_none=True
        )
        detail = ",".join(f"{k}={v}" for k, v in sorted(params.items()))
        return f"{self.type}:{detail}"  # type: ignore[attr-defined]


class AppStoreSource(SourceBase):
    type: Literal["appstore"]
    app_id: str = Field(..., description="numeric App Store id, e.g. '284815942'")
    country: str = Field("de", min_length=2, max_length=2)

    @field_validator("app_id")
    @classmethod
    def _numeric(cls, v: str) -> str:
        if not str(v).isdigit():
            raise ValueError("app_id must be the numeric id from the App Store URL (…/id284815942)")
        return str(v)


class GooglePlaySource(SourceBase):
    type: Literal["google_play"]
    app_id: str = Field(..., description="package name, e.g. 'com.twitter.android'")
    country: str = Field("de", min_length=2, max_length=2)
    language: str = Field("de", min_length=2, max_length=5)


class TrustpilotSource(SourceBase):
    type: Literal["trustpilot"]
    domain: str = Field(..., description="business domain as in trustpilot.com/review/<domain>")
    language: str | None = Field(None, description="review language filter, e.g. 'de'")


class SchemaOrgSource(SourceBase):
    type: Literal["schemaorg"]
    urls: list[str] = Field(..., min_length=1, description="pages carrying schema.org Review data")


class FeedSource(SourceBase):
    type: Literal["feed"]
    url: str = Field(..., description="RSS or Atom feed URL (e.g. a Google Alerts feed)")


class RedditSource(SourceBase):
    type: Literal["reddit"]
    query: str | None = Field(None, description="search terms; default: the brand's names")
    subreddit: str | None = Field(None, description="restrict to one subreddit")


class HackerNewsSource(SourceBase):
    type: Literal["hackernews"]
    query: str | None = Field(None, description="search terms; default: the brand's names")
    tags: str = Field("(story,comment)")


class MastodonSource(SourceBase):
    type: Literal["mastodon"]
    instance: str = Field(..., description="instance host, e.g. 'mastodon.social'")
    hashtag: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _needs_one(self) -> MastodonSource:
        if not self.hashtag and not self.query:
            raise ValueError("set hashtag or query (or both)")
        return self


class BlueskySource(SourceBase):
    type: Literal["bluesky"]
    query: str | None = Field(None, description="search terms; default: the brand's names")
    lang: str | None = None


Source = Annotated[
    AppStoreSource
    | GooglePlaySource
    | TrustpilotSource
    | SchemaOrgSource
    | FeedSource
    | RedditSource
    | HackerNewsSource
    | MastodonSource
    | BlueskySource,
    Field(discriminator="type"),
]

SOURCE_TYPES = (
    "appstore",
    "google_play",
    "trustpilot",
    "schemaorg",
    "feed",
    "reddit",
    "hackernews",
    "mastodon",
    "bluesky",
)


# --------------------------------------------------------------------------- brands


class Brand(Strict):
    name: str = Field(..., min_length=1)
    aliases: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(
        default_factory=list, description="a mention containing any of these is not about the brand"
    )
    query: str | None = Field(
        None,
        description='boolean query: AND / OR / NOT, "exact phrases", NEAR/n; overrides name+aliases',
    )
    case_sensitive: list[str] = Field(
        default_factory=list,
        description="short ambiguous names matched only with exact case, e.g. DB, O2",
    )
    competitors: list[str] = Field(
        default_factory=list, description="named switches to these are churn signals"
    )
    sources: list[Source] = Field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return [self.name, *self.aliases]


# --------------------------------------------------------------------------- topics


class Topic(Strict):
    """A topic of the taxonomy: keywords per language, and explicit exclusions.

    Keywords are matched on lemmas; German compounds match by their components
    ("Lieferverzögerung" hits "Lieferung"). ``exclude`` lists words that must never count
    (e.g. "Preisverleihung" for "Preis").
    """

    label: dict[str, str] = Field(default_factory=dict, description="display name per language")
    keywords: dict[str, list[str]] = Field(..., description="language code -> keywords")
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    fallback: dict[str, list[str]] = Field(
        default_factory=dict,
        description="generic keywords (e.g. 'Hotel', 'App') that count only in a sentence no "
        "other topic's keyword matched",
    )
    catch_all: bool = Field(
        False, description="also gets every sentence no topic matched (a 'general' bucket)"
    )

    @field_validator("keywords")
    @classmethod
    def _non_empty(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(v.values()):
            raise ValueError("give at least one keyword for one language")
        return v


# --------------------------------------------------------------------------- settings


class CrawlerSettings(Strict):
    contact_url: str = Field(
        "https://github.com/brandpulse/brandpulse",
        description="put in the User-Agent so site owners can reach you",
    )
    backfill_limit: int = Field(200, ge=1, description="max items per source on the first run")
    schedule: Schedule = Field(default_factory=lambda: Schedule(every_minutes=60))
    timeout_minutes: int = Field(20, ge=1, description="a crawl running longer is killed")
    obey_robots: bool = True
    concurrency_per_domain: int = Field(2, ge=1, le=16)
    download_delay: float = Field(1.0, ge=0)


class SentimentSettings(Strict):
    model: str = Field(
        "embedded",
        description='"embedded", a folder written by nlp.train/nlp.soup, or a Hugging Face model id / local path',
    )
    labels: list[str] | None = Field(
        None, description="label of each model output, for 2-, 3- or 5-class models"
    )
    threads: int | None = Field(None, ge=1)
    batch_size: int = Field(32, ge=1, le=1024)
    max_length: int = Field(256, ge=16, le=512)
    quantize: bool = False


class AlertSettings(Strict):
    min_count: int = Field(5, ge=1, description="fewer negative mentions than this never alert")
    min_authors: int = Field(3, ge=1, description="fewer distinct authors than this never alert")
    alpha: float = Field(0.01, gt=0, lt=1, description="false discovery rate across topics")
    min_ratio: float = Field(2.0, ge=1, description="observed/expected must reach this")
    baseline_weeks: int = Field(8, ge=2, le=52)
    cooldown_days: int = Field(3, ge=0, description="quiet days before an incident is closed")
    emerging_themes: bool = True


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


class DigestSettings(Strict):
    send_time: time = Field(time(7, 0), description='local time, "HH:MM"')
    language: Literal["de", "en"] = "de"
    recipients: list[RecipientGroup] = Field(default_factory=list)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    output_dir: str = Field("digests", description="relative to the archive's folder")
    answer_today: int = Field(8, ge=0, le=50, description="detractors listed for reply")
    highlights: int = Field(3, ge=0, le=20)


class PrivacySettings(Strict):
    pseudonymise_authors: bool = False
    key_env: str = Field("BRANDPULSE_PSEUDONYM_KEY", description="env variable with the hash key")
    retention_days: int | None = Field(
        None, ge=1, description="remove text and author of older mentions (counts are kept)"
    )


class Watchlist(Strict):
    """The whole watchlist file."""

    version: Literal[1] = 1
    archive: str = Field("brandpulse.db", description="SQLite file; relative to this file's folder")
    timezone: str = Field("Europe/Berlin", description="IANA time zone for days and the digest")
    languages: list[str] = Field(
        default_factory=lambda: ["de", "en"], description="languages to detect (ISO 639-1)"
    )
    brands: list[Brand] = Field(..., min_length=1)
    topics: dict[str, Topic] = Field(default_factory=dict)
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)

    # Set by load_watchlist, not part of the file.
    source_path: Path | None = Field(None, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
        return v

    @model_validator(mode="after")
    def _unique_brands(self) -> Watchlist:
        names = [b.name for b in self.brands]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"brand names must be unique: {sorted(dupes)}")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_dir(self) -> Path:
        return self.source_path.parent if self.source_path else Path.cwd()

    @property
    def archive_path(self) -> Path:
        p = Path(self.archive).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def digest_dir(self) -> Path:
        p = Path(self.digest.output_dir).expanduser()
        return p if p.is_absolute() else (self.archive_path.parent / p)

    def brand(self, name: str) -> Brand:
        for b in self.brands:
            if b.name.lower() == name.lower():
                return b
        raise KeyError(f"no brand named {name!r} in the watchlist")


# --------------------------------------------------------------------------- loading


class ConfigError(Exception):
    """A watchlist that cannot be used; ``problems`` holds one line per error."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


def _format_loc(loc: tuple[Any, ...], data: Any) -> str:
    """Turn pydantic's loc into a YAML-ish path, dropping discriminator tags."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            if isinstance(node, dict) and item not in node and item in SOURCE_TYPES:
                continue  # the union tag pydantic inserts for discriminated sources
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (typo?) — remove it or check the spelling against the docs"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown source type; expected one of: {', '.join(SOURCE_TYPES)}"
    if kind == "union_tag_not_found":
        return f"source needs a 'type' (one of: {', '.join(SOURCE_TYPES)})"
    msg = err["msg"]
    if "input" in err and not isinstance(err["input"], (dict, list)):
        msg += f" (got {err['input']!r})"
    return msg


def parse_watchlist(data: Any, path: Path | str = "<watchlist>") -> Watchlist:
    """Validate already-parsed YAML data; raise ConfigError naming every problem."""
    if not isinstance(data, dict):
        raise ConfigError(path, ["(top level): expected a mapping of settings"])
    try:
        wl = Watchlist.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_format_loc(e['loc'], data)}: {_describe(e)}" for e in exc.errors()]
        raise ConfigError(path, problems) from None
    wl.source_path = Path(path).resolve() if str(path) != "<watchlist>" else None
    return wl


def load_watchlist(path: Path | str) -> Watchlist:
    """Read and validate a watchlist file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, ["file not found — create one with `brandpulse init` or pass --config PATH"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(path, [f"{where}invalid YAML: {getattr(exc, 'problem', exc)}"]) from None
    return parse_watchlist(data, path)


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)
