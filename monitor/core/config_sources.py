"""The watchlist's sources (one model per source type) and crawl schedules."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from monitor.core.config_base import Strict

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
        if self.cron is not None:
            _check_cron(self.cron)
        return self


def _check_cron(expression: str) -> None:
    """Refuse a cron expression the daemon's scheduler would refuse, so that `config check`
    and every command catch it, not only `brandpulse run`."""
    from apscheduler.triggers.cron import CronTrigger

    if len(expression.split()) != 5:
        raise ValueError('cron must have 5 fields: "minute hour day month weekday"')
    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        raise ValueError(
            f'cron {expression!r}: {exc} — write 5 fields "minute hour day month weekday", e.g. "0 */2 * * *"'
        ) from None


# --------------------------------------------------------------------------- sources


class SourceBase(Strict):
    """Parameters every source shares."""

    enabled: bool = True
    schedule: Schedule | None = Field(None, description="overrides crawler.schedule")
    backfill_limit: int | None = Field(
        None, ge=1, description="max older items the backfill takes (overrides crawler.backfill_limit)"
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
    """One app in one storefront (``country``) or several (``countries``: a list, or ``all``).

    Apple keeps a review list per storefront, so each storefront is paged and resumed on its
    own (crawler/spiders/appstore.py). ``country`` stays the single-storefront form, so that
    the key, and with it the resume point, of existing watchlists does not change."""

    type: Literal["appstore"]
    app_id: str = Field(..., description="numeric App Store id, e.g. '284815942'")
    country: str = Field("de", min_length=2, max_length=2, description="one storefront, e.g. 'de'")
    countries: list[str] | Literal["all"] | None = Field(
        None,
        description="several storefronts, e.g. [de, at, ch], or 'all' for every App Store storefront; "
        "not together with country",
    )

    @field_validator("app_id")
    @classmethod
    def _numeric(cls, v: str) -> str:
        if not str(v).isdigit():
            raise ValueError("app_id must be the numeric id from the App Store URL (…/id284815942)")
        return str(v)

    @field_validator("countries", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and v.strip().lower() == "all"):
            return None if v is None else "all"
        if isinstance(v, str):  # `countries: de` — one storefront written without brackets
            v = [v]
        if not isinstance(v, list) or not v:
            raise ValueError("give a list of two-letter storefront codes, e.g. [de, at, ch], or all")
        if any(isinstance(c, bool) for c in v):
            raise ValueError(
                "YAML reads a bare no, yes, on or off as true/false: quote such codes, e.g. ['no'] for Norway"
            )
        codes = [str(c).strip().lower() for c in v]
        bad = [c for c in codes if len(c) != 2 or not c.isascii() or not c.isalpha()]
        if bad:
            raise ValueError(
                f"{', '.join(bad)}: not a two-letter storefront code; write e.g. [de, at, gb], or all"
            )
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed twice: list each storefront once")
        return codes

    @model_validator(mode="after")
    def _one_form(self) -> AppStoreSource:
        if self.countries is not None and "country" in self.model_fields_set:
            raise ValueError(
                "set either country (one storefront) or countries (several, or all), not both — "
                "e.g. countries: [de, at, ch]"
            )
        return self

    @property
    def key(self) -> str:
        """``appstore:app_id=…,country=de`` for one storefront (as before storefront lists);
        ``…,countries=at+ch+de`` (sorted) or ``…,countries=all`` for several."""
        if self.countries is None:
            return super().key
        listed = self.countries if self.countries == "all" else "+".join(sorted(self.countries))
        return f"{self.type}:app_id={self.app_id},countries={listed}"


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

#: Review sites list one company's reviews: what they fetch belongs to the configured brand,
#: whatever other names the text mentions (the crawler skips the brand filter for them).
REVIEW_SOURCES = frozenset({"appstore", "google_play", "trustpilot", "schemaorg"})
