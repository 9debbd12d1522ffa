"""Privacy: retention, and erasure of one person (pseudonyms at ingestion: core.pseudonyms).

- ``apply_retention``: text, title, author and url of old mentions go; counts stay.
- ``forget``: one person's data goes everywhere, and the bytes with it.
See docs/privacy.md for what is stored and why."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.core.archive import Archive
from monitor.core.pseudonyms import pseudonym
from monitor.core.rows import text_hash
from monitor.core.times import iso, utcnow
from monitor.privacy.digest_files import clean_digests, files_quoting
from monitor.privacy.purge import purge_bytes

# --------------------------------------------------------------------------- erasure
# Why so thorough: deleting a row leaves its bytes in free pages, in the WAL and in the
# full-text index's older segments. Erasure therefore ends with secure_delete on and
# ``purge.purge_bytes``.

CHUNK = 500  # ids per IN (...) list


@dataclass
class ForgetReport:
    author: str
    source: str
    stored_as: list[str] = field(default_factory=list)  # author values that matched
    mentions: int = 0
    enrichments: int = 0
    mention_topics: int = 0
    sentiment_cache: int = 0
    alert_examples: int = 0
    alerts_changed: int = 0
    survey_responses: int = 0
    reposts_repointed: int = 0
    other_sources: list[str] = field(default_factory=list)  # where the name also appears
    digest_files: list[str] = field(default_factory=list)  # rendered files quoting them
    digest_redacted: list[str] = field(default_factory=list)  # ... now redacted in place
    digest_deleted: list[str] = field(default_factory=list)  # ... deleted (redaction unverifiable)
    digest_failed: dict[str, str] = field(default_factory=dict)  # ... left as they were: why
    residual: dict[str, int] = field(default_factory=dict)  # table.column -> rows naming them
    purged: bool = False

    def removed(self) -> dict[str, int]:
        return {
            "mentions": self.mentions,
            "enrichments": self.enrichments,
            "topic matches": self.mention_topics,
            "sentiment cache rows": self.sentiment_cache,
            "alert examples": self.alert_examples,
            "survey responses": self.survey_responses,
        }


@dataclass
class RetentionReport:
    cutoff: str
    mentions: int = 0
    mention_topics: int = 0
    alert_quotes: int = 0
    purged: bool = False


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


def author_variants(author: str, key: bytes | None) -> list[str]:
    """The values the archive may hold for this person: the name, and its pseudonym."""
    variants = [author.strip()]
    if key:
        variants.append(pseudonym(author, key))
    return variants


def _fold(value: str | None) -> str | None:
    return value.strip().casefold() if value else value


def find_author_mentions(archive: Archive, variants: list[str], source: str) -> list[int]:
    """Ids of the mentions whose author is one of ``variants`` (Unicode case-insensitive)."""
    conn = archive.conn
    conn.create_function("bp_fold", 1, _fold, deterministic=True)
    folded = [_fold(v) for v in variants]
    rows = conn.execute(
        f"SELECT id FROM mentions WHERE source = ? AND bp_fold(author) IN ({_marks(folded)}) ORDER BY id",
        (source, *folded),
    ).fetchall()
    return [r[0] for r in rows]


PERSONAL_KEYS = ("quote", "url", "author", "text", "title")


def _scrub_json(value: Any, ids: set[int], *, drop_quotes_only: bool) -> tuple[Any, int]:
    """Drop every object naming one of ``ids`` as mention_id (or only its quote/url/author).

    Lists of plain ids under a key containing "mention" lose those ids too, so evidence
    written in another shape by the detector does not keep pointing at erased rows."""
    if isinstance(value, list):
        out, n = [], 0
        for item in value:
            if isinstance(item, dict) and item.get("mention_id") in ids:
                if not drop_quotes_only:
                    n += 1
                    continue
                if any(k in item for k in PERSONAL_KEYS):
                    n += 1
                    item = {k: v for k, v in item.items() if k not in PERSONAL_KEYS}
                out.append(item)
                continue
            new, k = _scrub_json(item, ids, drop_quotes_only=drop_quotes_only)
            out.append(new)
            n += k
        return out, n
    if isinstance(value, dict):
        out_d, n = {}, 0
        for key, item in value.items():
            if (
                not drop_quotes_only
                and isinstance(item, list)
                and "mention" in key
                and item
                and all(isinstance(x, int) for x in item)
            ):
                kept = [x for x in item if x not in ids]
                n += len(item) - len(kept)
                out_d[key] = kept
                continue
            new, k = _scrub_json(item, ids, drop_quotes_only=drop_quotes_only)
            out_d[key] = new
            n += k
        return out_d, n
    return value, 0


def _scrub_alerts(conn: sqlite3.Connection, ids: set[int], *, drop_quotes_only: bool) -> tuple[int, int]:
    """Scrub alerts.examples and alerts.explanation; return (examples touched, alerts changed)."""
    touched = changed = 0
    for alert_id, examples, explanation in conn.execute(
        "SELECT id, examples, explanation FROM alerts WHERE examples IS NOT NULL OR explanation IS NOT NULL"
    ).fetchall():
        updates = {}
        for col, raw in (("examples", examples), ("explanation", explanation)):
            if not raw:
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                continue
            new, n = _scrub_json(data, ids, drop_quotes_only=drop_quotes_only)
            if n:
                updates[col] = json.dumps(new, ensure_ascii=False)
                if col == "examples":
                    touched += n
        if updates:
            sets = ", ".join(f"{c} = ?" for c in updates)
            conn.execute(f"UPDATE alerts SET {sets} WHERE id = ?", (*updates.values(), alert_id))
            changed += 1
    return touched, changed


def forget(
    archive: Archive,
    author: str,
    source: str,
    *,
    key: bytes | None = None,
    digest_dir: Path | None = None,
    dry_run: bool = False,
    on_blocked: Callable[[], None] | None = None,
) -> ForgetReport:
    """Remove one person's data everywhere and report what was removed.

    Mentions (and with them the FTS entries, enrichments and topic matches), the sentiment
    cache rows of their texts, their quotes in alert evidence, and — for source "survey" —
    their survey responses (matched on customer_ref). Reposts by others that pointed at one of
    their mentions as the original are re-pointed. Then the bytes are purged, and rendered
    digests in ``digest_dir`` that quote them are redacted (or deleted, see digest_files)."""
    if not author.strip():
        raise ValueError("--author must not be empty")
    conn = archive.conn
    report = ForgetReport(author=author, source=source)
    variants = author_variants(author, key)
    ids = find_author_mentions(archive, variants, source)
    survey_ids = []
    if source == "survey":
        survey_ids = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM survey_responses WHERE customer_ref IN ({_marks(variants)})", variants
            )
        ]
    folded = [_fold(v) for v in variants]
    report.other_sources = [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT source FROM mentions WHERE source != ?"
            f" AND bp_fold(author) IN ({_marks(folded)}) ORDER BY 1",
            (source, *folded),
        )
    ]
    if ids:
        stored = conn.execute(
            f"SELECT DISTINCT author FROM mentions WHERE id IN ({_marks(ids[:CHUNK])})", ids[:CHUNK]
        ).fetchall()
        report.stored_as = sorted(r[0] for r in stored)
    report.mentions = len(ids)
    report.survey_responses = len(survey_ids)
    texts = _texts_of(conn, ids)
    report.digest_files = [str(p) for p in files_quoting(digest_dir, variants, texts)]
    if dry_run or (not ids and not survey_ids):
        return report

    idset = set(ids)
    conn.execute("PRAGMA secure_delete = ON")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        hashes: set[str] = set()
        reposts: list[int] = []
        for chunk in _chunks(ids):
            marks = _marks(chunk)
            hashes.update(
                r[0]
                for r in conn.execute(
                    f"SELECT text_hash FROM enrichments WHERE mention_id IN ({marks})", chunk
                )
            )
            hashes.update(
                text_hash(r[0])
                for r in conn.execute(
                    f"SELECT sentence FROM mention_topics WHERE mention_id IN ({marks})"
                    " AND sentence IS NOT NULL",
                    chunk,
                )
            )
            reposts.extend(
                r[0] for r in conn.execute(f"SELECT id FROM mentions WHERE duplicate_of IN ({marks})", chunk)
            )
        hashes.update(text_hash(t) for t in texts)
        for h in hashes:
            report.sentiment_cache += conn.execute(
                "DELETE FROM sentiment_cache WHERE text_hash = ?", (h,)
            ).rowcount
        report.alert_examples, report.alerts_changed = _scrub_alerts(conn, idset, drop_quotes_only=False)
        for chunk in _chunks(ids):
            marks = _marks(chunk)
            report.mention_topics += conn.execute(
                f"DELETE FROM mention_topics WHERE mention_id IN ({marks})", chunk
            ).rowcount
            report.enrichments += conn.execute(
                f"DELETE FROM enrichments WHERE mention_id IN ({marks})", chunk
            ).rowcount
            conn.execute(f"UPDATE mentions SET duplicate_of = NULL WHERE duplicate_of IN ({marks})", chunk)
            conn.execute(f"DELETE FROM mentions WHERE id IN ({marks})", chunk)
        for chunk in _chunks(survey_ids):
            marks = _marks(chunk)
            conn.execute(f"DELETE FROM survey_topics WHERE response_id IN ({marks})", chunk)
            conn.execute(f"DELETE FROM survey_responses WHERE id IN ({marks})", chunk)
        report.reposts_repointed = _repoint(conn, [i for i in reposts if i not in idset])
    report.purged = purge_bytes(archive, on_blocked=on_blocked)
    report.residual = residual_mentions(conn, variants)
    cleanup = clean_digests(digest_dir, variants, texts)
    report.digest_redacted, report.digest_deleted = cleanup.redacted, cleanup.deleted
    report.digest_failed = cleanup.failed
    return report


def _repoint(conn: sqlite3.Connection, reposts: list[int]) -> int:
    """Reposts whose original was erased point at the oldest remaining copy (or none)."""
    for chunk in _chunks(reposts):
        conn.execute(
            f"""UPDATE mentions SET duplicate_of = (
                    SELECT min(m2.id) FROM mentions m2
                    WHERE m2.content_hash = mentions.content_hash AND m2.brand = mentions.brand
                      AND m2.id < mentions.id)
                WHERE id IN ({_marks(chunk)})""",
            chunk,
        )
    return len(reposts)


def _texts_of(conn: sqlite3.Connection, ids: list[int]) -> list[str]:
    texts: list[str] = []
    for chunk in _chunks(ids):
        for title, text in conn.execute(
            f"SELECT title, text FROM mentions WHERE id IN ({_marks(chunk)})", chunk
        ):
            texts.extend(t for t in (title, text) if t)
    return texts


def residual_mentions(conn: sqlite3.Connection, variants: list[str]) -> dict[str, int]:
    """Rows in any table whose text still contains the name (e.g. others quoting @them)."""
    found: dict[str, int] = {}
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'mentions_fts%'"
        )
    ]
    for table in tables:
        for col in conn.execute(f"PRAGMA table_info([{table}])").fetchall():
            if (col[2] or "").upper() not in ("TEXT", ""):
                continue
            for v in variants:
                n = conn.execute(
                    f"SELECT count(*) FROM [{table}] WHERE instr([{col[1]}], ?) > 0", (v,)
                ).fetchone()[0]
                if n:
                    found[f"{table}.{col[1]}"] = found.get(f"{table}.{col[1]}", 0) + n
    return found


# --------------------------------------------------------------------------- retention


def apply_retention(
    archive: Archive,
    days: int,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    on_blocked: Callable[[], None] | None = None,
) -> RetentionReport:
    """Remove text, title, author and url of mentions published more than ``days`` ago.

    The rows stay (with ``redacted_at`` set) so that counts, sentiment and topic figures of
    the past do not change; ``external_id`` stays so that a re-crawl does not bring the text
    back. Topic sentences and alert quotes of those mentions go too."""
    if days < 1:
        raise ValueError("retention days must be at least 1")
    now = now or utcnow()
    cutoff = iso(now - timedelta(days=days))
    conn = archive.conn
    report = RetentionReport(cutoff=cutoff)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM mentions WHERE published_at < ? AND redacted_at IS NULL ORDER BY id", (cutoff,)
        )
    ]
    report.mentions = len(ids)
    if dry_run or not ids:
        return report
    conn.execute("PRAGMA secure_delete = ON")
    stamp = iso(now)
    for chunk_start in range(0, len(ids), 20 * CHUNK):
        block = ids[chunk_start : chunk_start + 20 * CHUNK]
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            for chunk in _chunks(block):
                marks = _marks(chunk)
                conn.execute(
                    "UPDATE mentions SET text = NULL, title = NULL, author = NULL, url = NULL,"
                    f" raw_ref = NULL, redacted_at = ? WHERE id IN ({marks})",
                    (stamp, *chunk),
                )
                report.mention_topics += conn.execute(
                    "UPDATE mention_topics SET sentence = NULL, matched_text = NULL"
                    f" WHERE mention_id IN ({marks}) AND (sentence IS NOT NULL"
                    " OR matched_text IS NOT NULL)",
                    chunk,
                ).rowcount
    with conn:
        report.alert_quotes, _ = _scrub_alerts(conn, set(ids), drop_quotes_only=True)
    report.purged = purge_bytes(archive, vacuum=False, on_blocked=on_blocked)
    return report
