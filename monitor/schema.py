"""The archive schema: the contract between stages, and the analysts' interface.

Every change is a *forward migration* appended to ``MIGRATIONS``; the index of the last one
applied is kept in ``PRAGMA user_version``. Never edit a migration that has shipped: add one.
docs/archive.md documents every table and column; keep them in step.
"""

from __future__ import annotations

from typing import Callable

import sqlite_utils


def _v1_core(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE mentions (
            id            INTEGER PRIMARY KEY,
            source        TEXT NOT NULL,          -- source type: appstore, reddit, feed, import, ...
            source_key    TEXT,                   -- which configured source (type + parameters)
            external_id   TEXT NOT NULL,          -- the source's own id (or a hash of the url/text)
            url           TEXT,
            author        TEXT,
            title         TEXT,
            text          TEXT,
            lang          TEXT,                   -- language the source states, if any
            rating        REAL,                   -- star rating normalised to 1..5, if any
            reach         INTEGER,                -- likes / votes / helpful count, if any
            published_at  TEXT NOT NULL,          -- UTC ISO 8601
            fetched_at    TEXT NOT NULL,          -- UTC ISO 8601
            brand         TEXT NOT NULL,
            content_hash  TEXT NOT NULL,          -- sha1 of normalised text: near-identical reposts
            duplicate_of  INTEGER REFERENCES mentions(id),
            raw_ref       TEXT,                   -- where the raw payload came from
            redacted_at   TEXT,                   -- set when retention/forget removed text+author
            UNIQUE (source, external_id)
        );
        CREATE INDEX idx_mentions_brand_published ON mentions (brand, published_at);
        CREATE INDEX idx_mentions_published ON mentions (published_at);
        CREATE INDEX idx_mentions_hash ON mentions (content_hash);
        CREATE INDEX idx_mentions_source_author ON mentions (source, author);

        CREATE TABLE enrichments (
            mention_id        INTEGER PRIMARY KEY REFERENCES mentions(id) ON DELETE CASCADE,
            lang              TEXT,               -- detected (or source-given) language
            lang_confidence   REAL,
            sentiment         TEXT NOT NULL,      -- negative | neutral | positive
            score             REAL NOT NULL,      -- calibrated probability of `sentiment`
            prob_negative     REAL,
            prob_neutral      REAL,
            prob_positive     REAL,
            mixed             INTEGER NOT NULL DEFAULT 0,
            text_hash         TEXT NOT NULL,      -- hash of the text that was classified
            model_version     TEXT NOT NULL,
            taxonomy_version  TEXT,               -- topics were matched with this taxonomy
            enriched_at       TEXT NOT NULL
        );
        CREATE INDEX idx_enrichments_sentiment ON enrichments (sentiment);

        CREATE TABLE mention_topics (
            id             INTEGER PRIMARY KEY,
            mention_id     INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
            topic          TEXT NOT NULL,
            keyword        TEXT NOT NULL,         -- the watchlist keyword that matched
            matched_text   TEXT,                  -- the words in the text that matched it
            sentence       TEXT,                  -- the sentence / clause holding the keyword
            sentiment      TEXT,                  -- aspect sentiment of that sentence
            score          REAL,
            negated        INTEGER NOT NULL DEFAULT 0,
            taxonomy_version TEXT NOT NULL,
            model_version  TEXT
        );
        CREATE INDEX idx_mention_topics_mention ON mention_topics (mention_id);
        CREATE INDEX idx_mention_topics_topic ON mention_topics (topic, mention_id);

        CREATE TABLE sentiment_cache (
            text_hash      TEXT NOT NULL,
            model_version  TEXT NOT NULL,
            sentiment      TEXT NOT NULL,
            score          REAL NOT NULL,
            prob_negative  REAL, prob_neutral REAL, prob_positive REAL,
            mixed          INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (text_hash, model_version)
        );

        CREATE TABLE crawl_runs (
            id              INTEGER PRIMARY KEY,
            spider          TEXT NOT NULL,        -- source type
            source_key      TEXT,
            brand           TEXT,
            started_at      TEXT NOT NULL,
            finished_at     TEXT,
            status          TEXT NOT NULL,        -- running | ok | failed | timeout | skipped | killed
            items_new       INTEGER NOT NULL DEFAULT 0,
            items_seen      INTEGER NOT NULL DEFAULT 0,
            items_irrelevant INTEGER NOT NULL DEFAULT 0,
            parse_errors    INTEGER NOT NULL DEFAULT 0,
            http_errors     INTEGER NOT NULL DEFAULT 0,
            duration_s      REAL,
            layout_suspect  INTEGER NOT NULL DEFAULT 0,
            message         TEXT                  -- why it failed / was skipped, errors sample
        );
        CREATE INDEX idx_crawl_runs_source ON crawl_runs (brand, source_key, started_at);

        CREATE TABLE crawl_cursors (
            brand        TEXT NOT NULL,
            source_key   TEXT NOT NULL,
            cursor       TEXT,                    -- source-specific (newest id, paging token, ...)
            newest_published_at TEXT,
            updated_at   TEXT NOT NULL,
            PRIMARY KEY (brand, source_key)
        );

        CREATE TABLE alerts (
            id            INTEGER PRIMARY KEY,
            brand         TEXT NOT NULL,
            kind          TEXT NOT NULL,          -- spike | theme | churn
            topic         TEXT,                   -- topic name, or the emerging term for themes
            status        TEXT NOT NULL,          -- open | rising | peaked | resolved
            opened_at     TEXT NOT NULL,          -- UTC ISO
            updated_at    TEXT NOT NULL,
            closed_at     TEXT,
            first_seen    TEXT,                   -- local date the incident started
            window_start  TEXT,                   -- local date
            window_end    TEXT,                   -- local date
            observed      REAL,
            expected      REAL,
            ratio         REAL,
            p_value       REAL,
            q_value       REAL,
            authors       INTEGER,
            sources       TEXT,                   -- JSON list
            languages     TEXT,                   -- JSON list
            examples      TEXT,                   -- JSON list of {mention_id, quote, url, source}
            explanation   TEXT,                   -- JSON: everything the test computed
            peak_observed REAL
        );
        CREATE INDEX idx_alerts_brand_status ON alerts (brand, status);

        CREATE TABLE digests (
            id            INTEGER PRIMARY KEY,
            period        TEXT NOT NULL,          -- local date the digest covers
            recipient     TEXT NOT NULL,          -- e-mail address
            language      TEXT NOT NULL,
            status        TEXT NOT NULL,          -- rendered | sent | failed
            html_path     TEXT,
            text_path     TEXT,
            attempts      INTEGER NOT NULL DEFAULT 0,
            last_error    TEXT,
            rendered_at   TEXT,
            sent_at       TEXT,
            message_id    TEXT,
            UNIQUE (period, recipient)
        );

        CREATE TABLE survey_responses (
            id            INTEGER PRIMARY KEY,
            brand         TEXT,
            score         INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
            comment       TEXT,
            responded_at  TEXT NOT NULL,          -- ISO date
            customer_ref  TEXT,
            content_hash  TEXT NOT NULL UNIQUE,   -- makes re-imports idempotent
            imported_at   TEXT NOT NULL
        );
        CREATE INDEX idx_survey_date ON survey_responses (responded_at);

        CREATE TABLE job_runs (
            id          INTEGER PRIMARY KEY,
            job         TEXT NOT NULL,            -- crawl:<key> | enrich | detect | digest
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            status      TEXT NOT NULL,            -- running | ok | failed
            message     TEXT
        );
        CREATE INDEX idx_job_runs_job ON job_runs (job, started_at);
        """
    )


Migration = Callable[[sqlite_utils.Database], None]

#: Forward migrations; ``PRAGMA user_version`` = how many have been applied.
MIGRATIONS: list[Migration] = [_v1_core]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration newer than the file's version; return the new version."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"archive schema version {current} is newer than this brandpulse "
            f"({len(MIGRATIONS)}): upgrade brandpulse"
        )
    for version in range(current, len(MIGRATIONS)):
        with db.conn:
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
    return len(MIGRATIONS)
