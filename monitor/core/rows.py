"""The rows every writer stores: a mention and a survey response, validated and hashed.

Why a module of their own: the crawler, the importer and the tests must build identical rows
(same normalisation, same content hash), so there is exactly one definition of each.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from monitor.core.times import iso, parse_time, utcnow

MENTION_COLUMNS = (
    "source",
    "source_key",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "lang",
    "rating",
    "reach",
    "published_at",
    "fetched_at",
    "brand",
    "content_hash",
    "raw_ref",
    "replied_at",
    "storefront",
)


_URL = re.compile(r"https?://\S+")
_HANDLE = re.compile(r"[@#]\w+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def content_hash(text: str | None, title: str | None = None) -> str:
    """Hash of the normalised content: reposts that differ in links, handles, case,
    punctuation or whitespace get the same hash."""
    raw = f"{title or ''} {text or ''}"
    norm = unicodedata.normalize("NFKC", raw).casefold()
    norm = _HANDLE.sub(" ", _URL.sub(" ", norm))
    norm = _NON_WORD.sub(" ", norm).strip()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def rating_only_hash(source: str, external_id: str) -> str:
    """The content hash of a review with stars and no text: one of its own.

    Why not :func:`content_hash`: every such review has the same (empty) content, so the
    archive would mark each one a repost of the first and leave its stars out of every
    figure. Its key is its identity, so it is never anyone's duplicate. A normalised text
    never holds the separator, so this cannot equal the hash of any text."""
    return hashlib.sha1(f"rating-only\x1f{source}\x1f{external_id}".encode()).hexdigest()


def text_hash(text: str) -> str:
    """Exact hash of a text that was classified (for the sentiment cache)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _without_nul(data: Any) -> Any:
    """Every string value with NUL characters turned into spaces.

    SQLite's full-text tokenizer stops at a NUL (C strings end there), so the words after it
    were stored but never found; a space keeps the words on both sides apart and searchable."""
    if isinstance(data, dict):
        return {k: v.replace("\x00", " ") if isinstance(v, str) else v for k, v in data.items()}
    return data


class MentionIn(BaseModel):
    """One mention as a spider or an import file delivers it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    _no_nul = model_validator(mode="before")(_without_nul)

    # ``rating`` comes before ``text``: whether a mention may lack text depends on it.
    rating: float | None = Field(None, ge=0, le=5)
    #: None only for a rating-only review (stars, no text): see ``_text_or_stars``
    text: str | None = Field(None, validate_default=True)
    id: str | None = Field(None, alias="external_id")
    source: str = "import"
    source_key: str | None = None
    url: str | None = None
    author: str | None = None
    title: str | None = None
    lang: str | None = None
    reach: int | None = None
    published_at: datetime | None = None
    brand: str | None = None
    raw_ref: str | None = None
    replied_at: datetime | None = None  # when the company answered it, where the source says
    storefront: str | None = None  # App Store: the storefront (country) the review was read in

    @field_validator("id", "author", "lang", "url", "title", "brand", "storefront", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return str(v) if isinstance(v, (int, float)) else v

    @field_validator("text")
    @classmethod
    def _text_or_stars(cls, v: str | None, info: ValidationInfo) -> str | None:
        """Text is required, except from a review that gives 1-5 stars and says nothing
        more: its stars count in the star average and the review NPS like any other."""
        if v:
            return v
        rating = info.data.get("rating")
        if rating is not None and rating >= 1:
            return None
        raise PydanticCustomError(
            "text_required",
            "missing or empty: a mention needs text (only a review with a 1-5 star rating may have none)",
        )

    @field_validator("rating", "reach", mode="before")
    @classmethod
    def _blank_none(cls, v: Any) -> Any:
        return None if v == "" else v

    @field_validator("published_at", "replied_at", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Any:
        if v is None or v == "":
            return None
        return parse_time(v)


def mention_row(m: MentionIn, *, default_brand: str, fetched_at: datetime | None = None) -> dict:
    """The archive row for a validated mention."""
    fetched = fetched_at or utcnow()
    if m.text is None:  # rating-only: its id and hash must tell such reviews apart
        ext = m.id or _rating_only_id(m)
        chash = rating_only_hash(m.source, ext)
    else:
        ext = m.id or content_hash(m.text, f"{m.url or ''} {m.author or ''} {m.published_at or ''}")
        chash = content_hash(m.text, m.title)
    return {
        "source": m.source,
        "source_key": m.source_key,
        "external_id": ext,
        "url": m.url,
        "author": m.author,
        "title": m.title,
        "text": m.text,
        "lang": (m.lang or None) and m.lang.lower()[:2],
        "rating": m.rating,
        "reach": m.reach,
        "published_at": iso(m.published_at or fetched),
        "fetched_at": iso(fetched),
        "brand": m.brand or default_brand,
        "content_hash": chash,
        "raw_ref": m.raw_ref,
        "replied_at": iso(m.replied_at) if m.replied_at else None,
        "storefront": m.storefront.lower() if m.storefront else None,
    }


def _rating_only_id(m: MentionIn) -> str:
    """The id of an imported rating-only review without one: a hash of what it has as
    written (url, author, date, title, stars). Not :func:`content_hash`, whose normalisation
    drops the URL and would leave two such reviews of one author and day the same id."""
    parts = [
        m.url or "",
        m.author or "",
        iso(m.published_at) if m.published_at else "",
        m.title or "",
        repr(m.rating),
    ]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    _no_nul = model_validator(mode="before")(_without_nul)

    score: int = Field(..., ge=0, le=10)
    comment: str | None = None
    date: datetime = Field(..., alias="responded_at")
    customer_ref: str | None = Field(None, alias="customer")
    brand: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return parse_time(v)

    @field_validator("customer_ref", "comment", "brand", mode="before")
    @classmethod
    def _s(cls, v: Any) -> Any:
        return None if v in (None, "") else str(v)


def survey_row(s: SurveyIn, default_brand: str | None) -> dict:
    day = s.date.date().isoformat()
    brand = s.brand or default_brand
    key = f"{brand}|{s.customer_ref}|{day}|{s.score}|{s.comment or ''}"
    return {
        "brand": brand,
        "score": s.score,
        "comment": s.comment,
        "responded_at": day,
        "customer_ref": s.customer_ref,
        "content_hash": hashlib.sha1(key.encode()).hexdigest(),
        "imported_at": iso(utcnow()),
    }
