"""The watchlist: one pydantic model tree validated from YAML.

Why pydantic with ``extra="forbid"`` everywhere: a typo in a key ("recipents") must be an
error that names the file and the field path, never a setting that silently does nothing.
Secrets are never read from the file: only the *names* of environment variables are.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.core.config_base import FieldProblems, Strict
from monitor.core.config_digest import DigestSettings
from monitor.core.config_notify import NotifyChannel, QuietHours
from monitor.core.config_sources import SOURCE_TYPES, Schedule, Source
from monitor.core.watchlist_yaml import WatchlistFileError, read_yaml

DEFAULT_CONFIG_NAME = "watchlist.yaml"
CONFIG_ENV = "BRANDPULSE_CONFIG"


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
        default_factory=list,
        description="named switches to these are churn signals; a competitor that is also a "
        "brand entry with `competitor: true` is compared with this brand (share of voice)",
    )
    competitor: bool = Field(
        False,
        description="a competitor tracked for comparison: crawled and enriched like a brand, "
        "but no alerts, notifications or digest section of its own",
    )
    sources: list[Source] = Field(default_factory=list)
    notify: list[NotifyChannel] = Field(
        default_factory=list, description="push channels for this brand's incidents (Apprise URLs)"
    )

    @property
    def terms(self) -> list[str]:
        return [self.name, *self.aliases]

    @model_validator(mode="after")
    def _competitors_make_sense(self) -> Brand:
        """Settings that would do nothing, or the wrong thing, without a word: refused."""
        problems: list[tuple[str, str]] = []
        if self.competitor and self.notify:
            problems.append(
                (
                    "notify",
                    f"{self.name} is `competitor: true`, and competitors get no alerts: "
                    "remove its `notify` channels",
                )
            )
        if self.competitor and self.competitors:
            problems.append(
                (
                    "competitors",
                    f"{self.name} is `competitor: true`, and competitors get no comparison or churn "
                    "alerts of their own, so this list does nothing: remove it (a tracked competitor "
                    "is compared with the own brand that lists it under `competitors:`)",
                )
            )
        if any(c.strip().casefold() == self.name.casefold() for c in self.competitors):
            problems.append(
                (
                    "competitors",
                    f"{self.name} lists itself as its own competitor: remove it, list only other companies",
                )
            )
        if problems:
            raise FieldProblems(problems)
        return self


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
    backfill_limit: int = Field(
        200,
        ge=1,
        description="max older items a source's backfill takes, over as many runs as it needs",
    )
    schedule: Schedule = Field(default_factory=lambda: Schedule(every_minutes=60))
    timeout_minutes: int = Field(
        20, ge=1, description="a crawl running longer stops (what it stored is kept; the next run goes on)"
    )
    max_pages_per_run: int = Field(
        50,
        ge=1,
        le=10000,
        description="pages one run of one source fetches at most; a deeper backfill or catch-up "
        "goes on at the next run (the run record says so)",
    )
    request_timeout_seconds: float = Field(
        30,
        gt=0,
        le=600,
        description="longest wait for one answer; a slower one counts as a failed attempt",
    )
    retries: int = Field(
        3, ge=0, le=10, description="retries of a request that timed out or got 429/5xx (with back-off)"
    )
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


class PrivacySettings(Strict):
    pseudonymise_authors: bool = False
    key_env: str = Field("BRANDPULSE_PSEUDONYM_KEY", description="env variable with the hash key")
    retention_days: int | None = Field(
        None, ge=1, description="remove text and author of older mentions (counts are kept)"
    )


class ClusterSettings(Strict):
    """Where crawls and enrichment run when one machine is outgrown (docs/scaling.md)."""

    address: str | None = Field(
        None,
        description='Dask scheduler, e.g. "tcp://10.0.0.5:8786"; unset: everything runs in this process',
    )

    @field_validator("address")
    @classmethod
    def _scheme(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^(tcp|tls|inproc|ucx)://\S+$", v.strip()):
            raise ValueError(f'{v!r} is not a scheduler address: write it as "tcp://HOST:8786"')
        return v.strip() if v else None


class ServeSettings(Strict):
    public_url: str | None = Field(
        None,
        description="where `brandpulse serve` is reachable for digest readers (behind your "
        "reverse proxy), e.g. https://pulse.example.com; the digest then links to the dashboard",
    )

    @field_validator("public_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL; e.g. https://pulse.example.com")
        return v.rstrip("/") if v else v


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
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    notify: list[NotifyChannel] = Field(
        default_factory=list, description="push channels for every brand's incidents (Apprise URLs)"
    )
    notify_quiet_hours: QuietHours | None = Field(
        None, description="local hours in which pushes wait for the morning unless severe"
    )

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
    def _brands_fit_together(self) -> Watchlist:
        """Rules across brands (and the digest's recipient groups, which name brands): checked
        at load time, so that `config check`, `run` and `digest` refuse the same files."""
        if self.brands and not self.own_brands:
            raise ValueError("every brand is `competitor: true`: track at least one brand of your own")
        problems: list[tuple[str, str]] = []
        first: dict[str, int] = {}
        for i, b in enumerate(self.brands):
            j = first.setdefault(b.name.casefold(), i)
            if j != i:
                problems.append(
                    (
                        f"brands[{i}].name",
                        f"brand names must be unique: {b.name!r} is brands[{j}] already",
                    )
                )
        named = {c.casefold() for b in self.own_brands for c in b.competitors}
        for i, b in enumerate(self.brands):
            if b.competitor and b.name.casefold() not in named:
                problems.append(
                    (
                        f"brands[{i}].competitor",
                        f"{b.name} is `competitor: true` but no brand names it: add "
                        f"`competitors: [{b.name}]` to the brand it competes with",
                    )
                )
        problems += self._alias_problems()
        for g, group in enumerate(self.digest.recipients):
            for name in group.brands or []:
                why = self.recipient_brand_problem(name)
                if why:
                    problems.append((f"digest.recipients[{g}].brands", why))
        if problems:
            raise FieldProblems(problems)
        return self

    def _alias_problems(self) -> list[tuple[str, str]]:
        """An alias that is another brand's name: that brand's mentions would count as this
        brand's too (and a competitor's as the own brand's)."""
        by_name = {b.name.casefold(): b for b in self.brands}
        problems = []
        for i, b in enumerate(self.brands):
            for alias in b.aliases:
                other = by_name.get(alias.strip().casefold())
                if other is not None and other is not b:
                    problems.append(
                        (
                            f"brands[{i}].aliases",
                            f"{alias!r} is the brand {other.name} of this watchlist: {b.name} would "
                            f"count {other.name}'s mentions as its own — remove it from {b.name}'s "
                            "aliases (to compare the two, list it under `competitors:`)",
                        )
                    )
        return problems

    def recipient_brand_problem(self, name: str) -> str | None:
        """Why a recipient group's ``brands:`` entry selects no digest section, or None.

        The one rule for it: the watchlist refuses such a group when loaded, and the digest
        builder refuses such a selection made in code."""
        key = name.strip().casefold()
        brand = next((b for b in self.brands if b.name.casefold() == key), None)
        if brand is None:
            own = ", ".join(b.name for b in self.own_brands)
            return f"{name!r} is no brand of this watchlist; name one of its own brands: {own}"
        if brand.competitor:
            rivals = [b.name for b in self.own_brands if key in {c.casefold() for c in b.competitors}]
            where = " or ".join(rivals) or "the own brand that lists it under `competitors:`"
            return (
                f"{brand.name} is `competitor: true`, and competitors get no digest of their own: "
                f"their comparison appears in the digest of {where} — list that brand here instead"
            )
        return None

    def digest_brands(self, names: Sequence[str] | None) -> list[Brand]:
        """The own brands a recipient group's ``brands:`` selects, in watchlist order (all of
        them when it names none); ValueError saying why a name selects nothing."""
        if not names:
            return self.own_brands
        for name in names:
            if why := self.recipient_brand_problem(name):
                raise ValueError(why)
        wanted = {n.strip().casefold() for n in names}
        return [b for b in self.own_brands if b.name.casefold() in wanted]

    @property
    def own_brands(self) -> list[Brand]:
        """The company's own brands: they get alerts, notifications and digest sections."""
        return [b for b in self.brands if not b.competitor]

    @property
    def competitor_brands(self) -> list[Brand]:
        return [b for b in self.brands if b.competitor]

    def rival_names(self, brand: Brand) -> list[str]:
        """What customers may call ``brand``'s competitors: its ``competitors:`` and the aliases
        of those tracked as brands ("Warenblitz Prime"), for churn cues."""
        names = [*brand.competitors, *(a for c in self.compared_with(brand) for a in c.aliases)]
        return list(dict.fromkeys(names))

    def compared_with(self, brand: Brand) -> list[Brand]:
        """The tracked competitors ``brand`` names under ``competitors:``, in watchlist order."""
        named = {c.casefold() for c in brand.competitors}
        return [b for b in self.competitor_brands if b.name.casefold() in named]

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
    """Turn pydantic's loc into a YAML-ish path ("" for the top level), dropping discriminator tags."""
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
    return "".join(parts)


def _join(base: str, rel: str) -> str:
    if not base or not rel:
        return base or rel or "(top level)"
    return base + rel if rel.startswith("[") else f"{base}.{rel}"


#: pydantic's wording for a value of the wrong kind, said as what to write instead.
_KIND_HINTS = {
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "int_parsing": "write a whole number (an integer), e.g. 5",
    "int_type": "write a whole number (an integer), e.g. 5",
    "int_from_float": "write a whole number (an integer), without a fraction",
    "float_parsing": "write a number, e.g. 0.5",
    "float_type": "write a number, e.g. 0.5",
}


def _names_value(msg: str, value: Any) -> bool:
    """Whether ``msg`` already shows ``value`` (quoted if a string, as a whole token if a number)."""
    if isinstance(value, str):
        return any(q in msg for q in (repr(value), f'"{value}"'))
    token = re.escape(str(value))
    return re.search(rf"(?<![\w.]){token}(?![\w]|\.\d)", msg) is not None


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (typo?) — remove it or check the spelling against the docs"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        tag = str(err.get("ctx", {}).get("tag", ""))
        near = difflib.get_close_matches(tag, SOURCE_TYPES, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return f"unknown source type {tag!r}{hint}; expected one of: {', '.join(SOURCE_TYPES)}"
    if kind == "union_tag_not_found":
        return f"source needs a 'type' (one of: {', '.join(SOURCE_TYPES)})"
    if kind in ("value_error", "assertion_error") and "error" in err.get("ctx", {}):
        msg = str(err["ctx"]["error"])  # our own validator's sentence, without pydantic's "Value error, "
    else:
        msg = _KIND_HINTS.get(kind) or re.sub(r"^(Value error|Assertion failed), ", "", err["msg"])
    value = err.get("input")
    if "input" in err and not isinstance(value, (dict, list)) and not _names_value(msg, value):
        msg += f" (got {value!r})"
    return msg


def _problems(err: dict[str, Any], data: Any) -> list[str]:
    """The lines of one pydantic error: several where a validator named several fields."""
    base = _format_loc(err["loc"], data)
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldProblems):
        return [f"{_join(base, path)}: {message}" for path, message in cause.problems]
    return [f"{_join(base, '')}: {_describe(err)}"]


def parse_watchlist(data: Any, path: Path | str = "<watchlist>") -> Watchlist:
    """Validate already-parsed YAML data; raise ConfigError naming every problem."""
    if not isinstance(data, dict):
        raise ConfigError(path, ["(top level): expected a mapping of settings"])
    try:
        wl = Watchlist.model_validate(data)
    except ValidationError as exc:
        problems = [line for e in exc.errors() for line in _problems(e, data)]
        raise ConfigError(path, problems) from None
    wl.source_path = Path(path).resolve() if str(path) != "<watchlist>" else None
    return wl


def load_watchlist(path: Path | str) -> Watchlist:
    """Read and validate a watchlist file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, ["file not found — create one with `brandpulse init` or pass --config PATH"])
    if path.is_dir():
        raise ConfigError(
            path, [f"is a directory; pass the watchlist file, e.g. {path / DEFAULT_CONFIG_NAME}"]
        )
    try:
        data = read_yaml(path)
    except WatchlistFileError as exc:
        raise ConfigError(path, [str(exc)]) from None
    wl = parse_watchlist(data, path)
    problem = archive_path_problem(wl)
    if problem:
        raise ConfigError(path, [problem])
    return wl


def archive_path_problem(wl: Watchlist) -> str | None:
    """Why ``archive:`` cannot be a SQLite file (a folder, a path under a file), or None.

    Checked on every load: otherwise each command fails later with SQLite's "unable to open
    database file" and no word about the setting."""
    path = wl.archive_path
    if path.is_dir():
        return f"archive: {path} is a directory; name the SQLite file, e.g. archive: {path / 'brandpulse.db'}"
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"archive: {parent} is a file, so {path} cannot be created in it"
            break
    return None


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)
