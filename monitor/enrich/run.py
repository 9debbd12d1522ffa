"""Enrichment: language, sentiment, topics and aspect sentiment for every mention that needs it.

Why this shape:

* **Versioned, so re-runs do only what changed.** A mention is (re-)enriched when it has no
  ``enrichments`` row, or its row was made by another model version or taxonomy version. The
  taxonomy version is a hash of the topics config (:attr:`nlp.topics.Taxonomy.version`).
* **The sentiment cache keeps the model off unchanged text.** Every text sent to the model —
  the mention, and each clause holding a topic with its sentence — is looked up in ``sentiment_cache`` by
  (text hash, model version) first. Changing the taxonomy re-matches topics; only clauses the
  model has never seen reach it.
* **Batch by batch, committed.** Each batch of mentions is written in one transaction, so a
  crash loses at most the batch in flight and the next run carries on where this one stopped.
* **A bad mention never stops a batch.** It is logged, counted in the stats and retried next run.
* **Each brand its own verdict.** A mention naming two brands or more also gets a label per
  brand from the clauses naming it (:mod:`monitor.enrich.brand_sentiment`), in the same model call;
  a topic hit in a clause about one of them counts for that brand only (``mention_topics.brand``).
* **Brand names are never topic keywords.** The taxonomy gets every brand's name, aliases and
  competitors (:func:`watchlist_taxonomy`): "Paketwerk" contains "Paket", but naming the brand
  says nothing about its delivery.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.core.archive import Archive
from monitor.core.config import Watchlist
from monitor.core.rows import text_hash
from monitor.core.times import iso, utcnow
from monitor.enrich.brand_sentiment import (
    brand_matchers,
    brand_rows,
    brand_texts,
    brand_units,
    compared,
    hit_context_is_other_brands,
    topic_unit,
)
from monitor.enrich.inputs import (
    analysis_text,
    brand_terms,
    capped_hits,
    mention_text,
    watchlist_taxonomy,
)
from nlp.aspects import aspect_label, aspect_texts
from nlp.language import detect_language
from nlp.topics import Taxonomy, TopicHit

log = logging.getLogger(__name__)

__all__ = [
    "EnrichStats",
    "run_enrich",
    "mention_text",
    "pending_ids",
    "load_configured_model",
    "brand_terms",
    "watchlist_taxonomy",
    "BatchResult",
    "read_batch",
    "analyse_batch",
    "write_batch",
    "cache_lookup",
]

DEFAULT_BATCH = 128
Progress = Callable[[int, int], None]


@dataclass
class EnrichStats:
    """What one run did; ``enriched / elapsed_s`` is the throughput."""

    model_version: str = ""
    taxonomy_version: str = ""
    pending: int = 0  # mentions that needed enrichment when the run started
    enriched: int = 0
    failed: int = 0
    topic_hits: int = 0
    texts_classified: int = 0  # texts the model actually ran on
    cache_hits: int = 0  # texts answered by sentiment_cache
    batches: int = 0
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)  # a sample, for the run record

    @property
    def mentions_per_s(self) -> float:
        return self.enriched / self.elapsed_s if self.elapsed_s else 0.0


def load_configured_model(wl: Watchlist):
    """The sentiment model the watchlist names (loading is the slow part of a run)."""
    from nlp.sentiment import load_model

    s = wl.sentiment
    return load_model(
        s.model,
        threads=s.threads,
        batch_size=s.batch_size,
        max_length=s.max_length,
        quantize=s.quantize,
        label_map=s.labels,
    )


def pending_ids(archive: Archive, model_version: str, taxonomy_version: str) -> list[int]:
    """Mentions with text that were never enriched, enriched by another model/taxonomy, or
    whose brand links changed since (``brands_stale``, set by ``brand_links``).

    A mention without words (a rating-only review: stars, no title, no text) is never
    pending: it gets no ``enrichments`` row, so it is neither classified nor retried."""
    rows = archive.conn.execute(
        """
        SELECT m.id FROM mentions m
        LEFT JOIN enrichments e ON e.mention_id = m.id
        WHERE m.redacted_at IS NULL
          AND (coalesce(m.text, '') != '' OR coalesce(m.title, '') != '')
          AND (e.mention_id IS NULL OR e.model_version != ? OR coalesce(e.taxonomy_version, '') != ?
               OR e.brands_stale = 1)
        ORDER BY m.id
        """,
        (model_version, taxonomy_version),
    )
    return [r[0] for r in rows]


class _Cache:
    """sentiment_cache access for one model version: read many, write the new ones."""

    def __init__(self, archive: Archive, model_version: str):
        self.archive = archive
        self.version = model_version

    def lookup(self, hashes: Sequence[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            marks = ",".join("?" * len(chunk))
            cur = self.archive.conn.execute(
                f"SELECT text_hash, sentiment, score, prob_negative, prob_neutral, prob_positive, mixed "
                f"FROM sentiment_cache WHERE model_version = ? AND text_hash IN ({marks})",
                (self.version, *chunk),
            )
            for h, label, score, pn, pu, pp, mixed in cur:
                found[h] = _Result(label, score, {"negative": pn, "neutral": pu, "positive": pp}, bool(mixed))
        return found

    @staticmethod
    def store_sql() -> str:
        return (
            "INSERT OR REPLACE INTO sentiment_cache (text_hash, model_version, sentiment, score, "
            "prob_negative, prob_neutral, prob_positive, mixed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )


@dataclass(frozen=True)
class _Result:
    """A cached sentiment result with the attributes of nlp.sentiment.SentimentResult."""

    label: str
    score: float
    probs: dict
    mixed: bool


@dataclass
class _Item:
    mention_id: int
    text: str
    lang: str | None
    lang_confidence: float
    hits: list[TopicHit]
    rating: float | None = None  # the author's stars: evidence for aspect sentiment (nlp.aspects)
    brands: tuple[str, ...] = ()  # every brand it is linked to (mention_brands)


def run_enrich(
    wl: Watchlist,
    archive: Archive,
    *,
    model: Any = None,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH,
    limit: int | None = None,
) -> EnrichStats:
    """Enrich every mention that needs it (see module docstring); return what was done.

    ``model``: a loaded sentiment model (``.version``, ``.predict``); default: the one the
    watchlist configures. ``progress(done, total)`` is called after every batch.
    """
    started = time.perf_counter()
    taxonomy = watchlist_taxonomy(wl)
    if model is None:
        model = load_configured_model(wl)
    stats = EnrichStats(model_version=model.version, taxonomy_version=taxonomy.version)
    ids = pending_ids(archive, model.version, taxonomy.version)
    if limit is not None:
        ids = ids[:limit]
    stats.pending = len(ids)
    cache = _Cache(archive, model.version)
    for start in range(0, len(ids), batch_size):
        _enrich_batch(wl, archive, ids[start : start + batch_size], taxonomy, model, cache, stats)
        stats.batches += 1
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _brands(row: tuple) -> tuple[str, ...]:
    return tuple(json.loads(row[5])) if len(row) > 5 and row[5] else ()  # rows of read_batch


def _analyse(wl: Watchlist, taxonomy: Taxonomy, row: tuple, stats: BatchResult) -> _Item | None:
    mention_id, title, text, given_lang, rating = row[:5]
    try:
        full = analysis_text(mention_text(title, text))
        lang, confidence = detect_language(full, wl.languages, given=given_lang)
        hits = capped_hits(taxonomy.analyse(full, lang))
        return _Item(mention_id, full, lang, confidence, hits, rating, _brands(row))
    except Exception as exc:  # per-item problems never stop a batch
        stats.failed += 1
        message = f"mention {mention_id}: {type(exc).__name__}: {exc}"
        log.warning("enrich: %s", message)
        if len(stats.errors) < 20:
            stats.errors.append(message)
        return None


def _analyse_rows(
    wl: Watchlist, taxonomy: Taxonomy, rows: Sequence[tuple], stats: BatchResult
) -> list[_Item]:
    """:func:`_analyse` of every row, with the topic analysis of the batch done at once
    (:meth:`nlp.topics.Taxonomy.analyse_many`). If that fails, the rows are redone one by one,
    so a bad mention is still counted and skipped, never fatal."""
    ready = []
    for row in rows:
        _, title, text, given_lang, _ = row[:5]
        if not mention_text(title, text):
            continue  # no words (rating-only): the model would invent a verdict for nothing
        try:
            full = analysis_text(mention_text(title, text))
            lang, confidence = detect_language(full, wl.languages, given=given_lang)
        except Exception:  # fails there the same way, and is counted and logged
            _analyse(wl, taxonomy, row, stats)
            continue
        ready.append((row, full, lang, confidence))
    try:
        found = taxonomy.analyse_many([(full, lang) for _, full, lang, _ in ready])
    except Exception:
        return [item for row, *_ in ready if (item := _analyse(wl, taxonomy, row, stats)) is not None]
    return [
        _Item(row[0], full, lang, confidence, capped_hits(hits), row[4], _brands(row))
        for (row, full, lang, confidence), hits in zip(ready, found)
    ]


@dataclass
class BatchResult:
    """One batch's rows, ready to write. Why separate from writing: the analysis (language,
    topics, the model) may run on a cluster worker (``monitor.cluster``), while only the
    archive's own process writes to SQLite."""

    model_version: str
    enrichments: list[tuple] = field(default_factory=list)  # enrichments columns but enriched_at
    topics: list[tuple] = field(default_factory=list)  # mention_topics rows, brand last
    cache: list[tuple] = field(default_factory=list)  # sentiment_cache rows of fresh results
    brands: list[tuple] = field(default_factory=list)  # (sentiment, score, mention_id, brand)
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    cache_hits: int = 0
    classified: int = 0


def cache_lookup(archive: Archive, model_version: str) -> Callable[[Sequence[str]], dict]:
    """The sentiment_cache reader for one model version: text hashes -> cached results."""
    return _Cache(archive, model_version).lookup


def read_batch(archive: Archive, ids: list[int]) -> list[tuple]:
    """The (id, title, text, lang, rating, linked brands as JSON) rows that
    :func:`analyse_batch` reads."""
    marks = ",".join("?" * len(ids))
    return archive.conn.execute(
        "SELECT id, title, text, lang, rating, (SELECT json_group_array(mb.brand) FROM mention_brands mb"
        f" WHERE mb.mention_id = m.id) FROM mentions m WHERE id IN ({marks}) ORDER BY id",
        ids,
    ).fetchall()


def _enrich_batch(
    wl: Watchlist,
    archive: Archive,
    ids: list[int],
    taxonomy: Taxonomy,
    model: Any,
    cache: _Cache,
    stats: EnrichStats,
) -> None:
    batch = analyse_batch(wl, taxonomy, model, read_batch(archive, ids), cache.lookup)
    write_batch(archive, batch, stats)


def analyse_batch(
    wl: Watchlist,
    taxonomy: Taxonomy,
    model: Any,
    rows: Sequence[tuple],
    lookup: Callable[[Sequence[str]], dict],
) -> BatchResult:
    """Language, topics, sentiment and aspect sentiment of ``rows`` (from :func:`read_batch`);
    ``lookup(hashes)`` answers texts the model has seen before. Touches no archive."""
    batch = BatchResult(model.version)
    items = _analyse_rows(wl, taxonomy, rows, batch)
    owned = brand_units([(i.text, i.lang, i.brands) for i in items], brand_matchers(wl), single=True)
    units = [compared(u) for u in owned]

    texts = {
        text_hash(t): t
        for item, per_brand in zip(items, units)
        for t in (item.text, *(t for h in item.hits for t in aspect_texts(h)), *brand_texts(per_brand))
    }
    known = lookup(list(texts))
    batch.cache_hits = len(known)
    missing = [h for h in texts if h not in known]
    fresh = dict(zip(missing, model.predict([texts[h] for h in missing]))) if missing else {}
    batch.classified = len(fresh)
    results = {**known, **fresh}

    for item, per_brand, words in zip(items, units, owned):
        batch.brands += brand_rows(item.mention_id, per_brand, results, item.lang, item.rating)
        h = text_hash(item.text)
        r = results[h]
        batch.enrichments.append(
            (
                item.mention_id,
                item.lang,
                item.lang_confidence,
                r.label,
                r.score,
                r.probs.get("negative"),
                r.probs.get("neutral"),
                r.probs.get("positive"),
                int(r.mixed),
                h,
                model.version,
                taxonomy.version,
            )
        )
        for hit in item.hits:
            owner = topic_unit(words, hit.clause_start, hit.clause_end)
            clause = results[text_hash(hit.clause)]
            sentence = clause if hit_context_is_other_brands(owner, hit.sentence, hit.clause) else None
            label, score = aspect_label(
                clause, hit, sentence or results[text_hash(hit.sentence)], item.lang, item.rating
            )
            batch.topics.append(
                (
                    item.mention_id,
                    hit.topic,
                    hit.keyword,
                    hit.matched_text,
                    hit.clause,
                    label,
                    score,
                    int(hit.negated),
                    taxonomy.version,
                    model.version,
                    owner[0] if owner else None,
                )
            )
    batch.cache = [
        (
            h,
            model.version,
            r.label,
            r.score,
            r.probs.get("negative"),
            r.probs.get("neutral"),
            r.probs.get("positive"),
            int(r.mixed),
        )
        for h, r in fresh.items()
    ]
    return batch


def write_batch(archive: Archive, batch: BatchResult, stats: EnrichStats) -> None:
    """Store one analysed batch in one transaction and add it to ``stats``."""
    now = iso(utcnow())
    done = [row[0] for row in batch.enrichments]
    with archive.conn:
        if batch.cache:
            archive.conn.executemany(_Cache.store_sql(), batch.cache)
        if done:
            done_marks = ",".join("?" * len(done))
            archive.conn.execute(f"DELETE FROM mention_topics WHERE mention_id IN ({done_marks})", done)
            archive.conn.execute(
                f"UPDATE mention_brands SET sentiment = NULL, score = NULL WHERE mention_id IN ({done_marks})",
                done,
            )
        archive.conn.executemany(
            "INSERT OR REPLACE INTO enrichments (mention_id, lang, lang_confidence, sentiment, score, "
            "prob_negative, prob_neutral, prob_positive, mixed, text_hash, model_version, "
            "taxonomy_version, enriched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, now) for row in batch.enrichments],
        )
        archive.conn.executemany(
            "INSERT INTO mention_topics (mention_id, topic, keyword, matched_text, sentence, "
            "sentiment, score, negated, taxonomy_version, model_version, brand) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.topics,
        )
        sql = "UPDATE mention_brands SET sentiment = ?, score = ? WHERE mention_id = ? AND brand = ?"
        archive.conn.executemany(sql, batch.brands)
    stats.enriched += len(done)
    stats.topic_hits += len(batch.topics)
    stats.failed += batch.failed
    stats.errors.extend(batch.errors[: max(0, 20 - len(stats.errors))])
    stats.cache_hits += batch.cache_hits
    stats.texts_classified += batch.classified
