"""The archive schema: the contract between stages, and the analysts' interface.

Every change is a *forward migration* appended to ``MIGRATIONS``; the index of the last one
applied is kept in ``PRAGMA user_version``. Never edit a migration that has shipped: add one.
docs/archive.md documents every table and column; keep them in step.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from monitor.core.schema_brands import v10_mention_brands
from monitor.core.sqlscript import run_script as _run_script


def _v1_core(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
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
        """,
    )


def _v2_analyst(db: sqlite_utils.Database) -> None:
    """Full-text search and the analysts' views (issue 9; documented in docs/archive.md).

    FTS5 over mentions.title+text as an external-content index kept in sync by triggers, so
    text is stored once. ``unicode61 remove_diacritics 2`` folds case and accents the same way
    for German and English ("bestatigung" finds "Bestätigung", "cafe" finds "Café"; ß stays
    its own letter). German compounds are reached with prefix queries ("liefer*" hits
    "Lieferverzögerung"); no prefix indexes: they only serve 3-4 character prefixes, and
    measured 2.4x the index size and +50 % indexing time for no gain on real prefixes.
    Views bucket by UTC date (``substr(published_at, 1, 10)``): SQLite has no IANA time zones,
    and the expression index below makes a brand + day range an index range scan.
    """
    _run_script(
        db,
        """
        CREATE VIRTUAL TABLE mentions_fts USING fts5 (
            title, text,
            content=[mentions], content_rowid=id,
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO mentions_fts (rowid, title, text) SELECT id, title, text FROM mentions;
        -- Archive.add_mentions sets active=1 inside its transaction and indexes the whole
        -- batch with one INSERT ... SELECT (2.4x faster than a trigger per row); every other
        -- writer gets the trigger.
        CREATE TABLE fts_batch (active INTEGER NOT NULL);
        INSERT INTO fts_batch (active) VALUES (0);
        CREATE TRIGGER mentions_ai AFTER INSERT ON mentions
        WHEN (SELECT active FROM fts_batch) = 0 BEGIN
            INSERT INTO mentions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        CREATE TRIGGER mentions_ad AFTER DELETE ON mentions BEGIN
            INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END;
        CREATE TRIGGER mentions_au AFTER UPDATE OF title, text ON mentions BEGIN
            INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO mentions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END;

        -- brand + UTC day: every view's window filter is a range on this index.
        CREATE INDEX idx_mentions_brand_day
            ON mentions (brand, substr(published_at, 1, 10), source, duplicate_of, rating);
        -- brand + UTC month of rated mentions only (partial): the review NPS view.
        CREATE INDEX idx_mentions_brand_month_rated
            ON mentions (brand, substr(published_at, 1, 7), source, rating, duplicate_of)
            WHERE rating IS NOT NULL;
        CREATE INDEX idx_survey_brand_date ON survey_responses (brand, responded_at);
        CREATE INDEX idx_alerts_status ON alerts (status, brand);

        -- Topics the comments of survey responses name (monitor.enrich.survey_topics, same matcher
        -- as mentions), so that the survey NPS view can list what detractors talk about.
        CREATE TABLE survey_topics (
            id               INTEGER PRIMARY KEY,
            response_id      INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
            topic            TEXT NOT NULL,
            keyword          TEXT NOT NULL,
            taxonomy_version TEXT NOT NULL
        );
        CREATE INDEX idx_survey_topics_response ON survey_topics (response_id, topic);
        ALTER TABLE survey_responses ADD COLUMN taxonomy_version TEXT;  -- comment tagged with

        CREATE VIEW v_daily_sentiment AS
        SELECT substr(m.published_at, 1, 10) AS day, m.brand, m.source,
               count(*) AS mentions,
               count(e.mention_id) AS enriched,
               sum(e.sentiment = 'negative') AS negative,
               sum(e.sentiment = 'neutral') AS neutral,
               sum(e.sentiment = 'positive') AS positive,
               round(1.0 * sum(e.sentiment = 'negative') / nullif(count(e.mention_id), 0), 4)
                   AS negative_share,
               round(1.0 * (sum(e.sentiment = 'positive') - sum(e.sentiment = 'negative'))
                     / nullif(count(e.mention_id), 0), 4) AS net_sentiment,
               round(avg(m.rating), 3) AS avg_rating
        FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id
        WHERE m.duplicate_of IS NULL
        GROUP BY 1, 2, 3;

        CREATE VIEW v_topic_daily AS
        SELECT substr(m.published_at, 1, 10) AS day, m.brand, t.topic,
               count(DISTINCT m.id) AS mentions,
               count(DISTINCT CASE WHEN coalesce(t.sentiment, e.sentiment) = 'negative'
                                   THEN m.id END) AS negative,
               round(1.0 * count(DISTINCT CASE WHEN coalesce(t.sentiment, e.sentiment)
                                               = 'negative' THEN m.id END)
                     / count(DISTINCT m.id), 4) AS negative_share
        FROM mentions m
        JOIN mention_topics t ON t.mention_id = m.id
        LEFT JOIN enrichments e ON e.mention_id = m.id
        WHERE m.duplicate_of IS NULL
        GROUP BY 1, 2, 3;

        CREATE VIEW v_open_alerts AS
        SELECT a.id, a.brand, a.kind, a.topic, a.status, a.first_seen, a.window_start,
               a.window_end, a.observed, a.expected, a.ratio, a.p_value, a.q_value, a.authors,
               a.sources, a.languages, json_array_length(coalesce(a.examples, '[]')) AS n_examples,
               a.examples, a.opened_at, a.updated_at
        FROM alerts a
        WHERE a.status IN ('open', 'rising', 'peaked');

        CREATE VIEW v_alert_evidence AS
        SELECT a.id AS alert_id, a.brand, a.kind, a.topic, a.status,
               json_extract(x.value, '$.mention_id') AS mention_id,
               json_extract(x.value, '$.quote') AS quote,
               coalesce(json_extract(x.value, '$.url'), m.url) AS url,
               coalesce(json_extract(x.value, '$.source'), m.source) AS source,
               m.published_at, e.sentiment
        FROM alerts a
        JOIN json_each(coalesce(a.examples, '[]')) x
        LEFT JOIN mentions m ON m.id = json_extract(x.value, '$.mention_id')
        LEFT JOIN enrichments e ON e.mention_id = m.id
        WHERE a.status IN ('open', 'rising', 'peaked');

        -- Review NPS on a 5-star scale: 4-5 stars promote, 1-3 detract (as in the digest).
        CREATE VIEW v_review_nps_monthly AS
        SELECT substr(m.published_at, 1, 7) AS month, m.brand, m.source,
               count(*) AS reviews,
               sum(m.rating >= 4) AS promoters,
               sum(m.rating < 4) AS detractors,
               round(avg(m.rating), 3) AS avg_rating,
               round(100.0 * (sum(m.rating >= 4) - sum(m.rating < 4)) / count(*), 1) AS nps
        FROM mentions m
        WHERE m.rating IS NOT NULL AND m.duplicate_of IS NULL
        GROUP BY 1, 2, 3;

        -- Survey NPS on the 0-10 scale: 9-10 promote, 7-8 passive, 0-6 detract.
        CREATE VIEW v_survey_nps_monthly AS
        SELECT s.month, s.brand, s.responses, s.promoters, s.passives, s.detractors,
               round(100.0 * (s.promoters - s.detractors) / s.responses, 1) AS nps,
               (SELECT json_group_object(topic, n) FROM (
                    SELECT st.topic, count(DISTINCT st.response_id) AS n
                    FROM survey_responses r JOIN survey_topics st ON st.response_id = r.id
                    WHERE r.score <= 6 AND substr(r.responded_at, 1, 7) = s.month
                      AND r.brand IS s.brand
                    GROUP BY st.topic ORDER BY n DESC, st.topic)) AS detractor_topics
        FROM (
            SELECT substr(responded_at, 1, 7) AS month, brand,
                   count(*) AS responses,
                   sum(score >= 9) AS promoters,
                   sum(score BETWEEN 7 AND 8) AS passives,
                   sum(score <= 6) AS detractors
            FROM survey_responses GROUP BY 1, 2
        ) s;
        """,
    )


def _v3_rating_only(db: sqlite_utils.Database) -> None:
    """Reviews with stars and no text are counted apart from parse errors (issue 15)."""
    _run_script(db, "ALTER TABLE crawl_runs ADD COLUMN items_rating_only INTEGER NOT NULL DEFAULT 0;")


def _v4_crawl_resume(db: sqlite_utils.Database) -> None:
    """Interrupted crawls lose nothing (issue 15): each source keeps where its backfill and
    catch-up go on, apart from the newest item seen (crawler/resume.py); a run records the
    mention ids it started above and its process, so that what a killed run stored can be
    counted and an orphaned crawl process found."""
    _run_script(
        db,
        """
        ALTER TABLE crawl_cursors ADD COLUMN resume TEXT;          -- JSON per stream: newest, gaps
        ALTER TABLE crawl_runs ADD COLUMN mention_id_floor INTEGER;  -- max(mentions.id) at start
        ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;             -- the crawl process
        """,
    )


def _v5_incidents(db: sqlite_utils.Database) -> None:
    """Incidents (issue 16): the alerts of one problem grouped into one row with a lead, a
    headline and a severity; ``incident_events`` keeps each opened / escalated / resolved /
    acknowledged event once, for notifiers and the record (docs/archive.md)."""
    _run_script(
        db,
        """
        CREATE TABLE incidents (
            id              INTEGER PRIMARY KEY,
            brand           TEXT NOT NULL,
            status          TEXT NOT NULL,          -- open | acknowledged | resolved
            lead_alert_id   INTEGER REFERENCES alerts(id),
            lead_kind       TEXT,                   -- spike | theme | churn | rating_drop
            lead_topic      TEXT,                   -- topic or theme term; NULL: total, churn, rating
            headline_de     TEXT NOT NULL,
            headline_en     TEXT NOT NULL,
            severity        REAL NOT NULL,          -- complaining authors over expected, latest day
            peak_severity   REAL NOT NULL,
            authors         INTEGER,                -- distinct complaining authors, latest day
            first_seen      TEXT NOT NULL,          -- local date
            last_seen       TEXT NOT NULL,          -- local date last evaluated
            opened_at       TEXT NOT NULL,          -- UTC
            updated_at      TEXT NOT NULL,
            escalated_at    TEXT,
            acknowledged_at TEXT,
            resolved_at     TEXT,
            resolved_by     TEXT,                   -- detection | operator
            note            TEXT,                   -- the operator's latest note
            related         TEXT,                   -- JSON: the other alerts under the lead
            keywords        TEXT,                   -- JSON: theme terms of the incident
            explanation     TEXT                    -- JSON: history per evaluated day
        );
        CREATE INDEX idx_incidents_brand_status ON incidents (brand, status);
        CREATE TABLE incident_events (
            id           INTEGER PRIMARY KEY,
            incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
            brand        TEXT NOT NULL,
            event        TEXT NOT NULL,             -- opened | escalated | resolved | acknowledged
            day          TEXT NOT NULL,             -- local date it belongs to
            at           TEXT NOT NULL,             -- UTC
            severity     REAL,
            authors      INTEGER,
            headline_de  TEXT,
            headline_en  TEXT,
            note         TEXT,
            UNIQUE (incident_id, event, day)
        );
        CREATE INDEX idx_incident_events_at ON incident_events (at);
        ALTER TABLE alerts ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
        CREATE INDEX idx_alerts_incident ON alerts (incident_id);
        """,
    )


def _v6_replies(db: sqlite_utils.Database) -> None:
    """When the company answered a mention (Trustpilot reply, Google Play developer reply):
    the digest's reply list leaves answered critics out and shows how long the others wait."""
    _run_script(
        db,
        """
        ALTER TABLE mentions ADD COLUMN replied_at TEXT;   -- UTC; NULL: no answer known
        CREATE INDEX idx_mentions_unanswered ON mentions (brand, published_at) WHERE replied_at IS NULL;
        """,
    )


def _v7_notifications(db: sqlite_utils.Database) -> None:
    """Push notifications (issue 16): one ledger row per incident event and channel, so that
    no channel is ever told the same event twice (the digest's rule), and a failure is kept
    with its error for ``brandpulse status`` (docs/archive.md, docs/operations.md)."""
    _run_script(
        db,
        """
        CREATE TABLE notifications (
            id           INTEGER PRIMARY KEY,
            event_id     INTEGER NOT NULL REFERENCES incident_events(id) ON DELETE CASCADE,
            channel      TEXT NOT NULL,            -- the channel's name: never its URL (tokens)
            brand        TEXT,
            status       TEXT NOT NULL,            -- pending | held | sending | sent | failed | expired
            attempts     INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT,                     -- the latest failed attempt's error
            created_at   TEXT NOT NULL,            -- UTC
            updated_at   TEXT NOT NULL,
            failed_at    TEXT,                     -- the latest failed attempt
            sent_at      TEXT,
            UNIQUE (event_id, channel)
        );
        CREATE INDEX idx_notifications_channel ON notifications (channel, status);
        """,
    )


def _v8_reply_source(db: sqlite_utils.Database) -> None:
    """Who recorded an answer (issue 17): ``source`` when the site showed the company's reply,
    ``manual`` when someone ran ``brandpulse answered``. A crawl may replace a manual mark by
    the reply the source shows (its time is the real one) but never clears one."""
    _run_script(
        db,
        """
        ALTER TABLE mentions ADD COLUMN reply_source TEXT;  -- source | manual; NULL: not answered
        UPDATE mentions SET reply_source = 'source' WHERE replied_at IS NOT NULL;
        """,
    )


def _v9_storefront(db: sqlite_utils.Database) -> None:
    """The App Store storefront (country) a review was read in (issue 15: several storefronts
    per app). Apple's review ids are global, so a review seen in two storefronts stays one
    mention; the storefront that brought it first is kept. NULL for other sources and for
    reviews stored before this migration."""
    _run_script(
        db, "ALTER TABLE mentions ADD COLUMN storefront TEXT;  -- e.g. de; NULL: not an App Store review"
    )


Migration = Callable[[sqlite_utils.Database], None]

#: Forward migrations; ``PRAGMA user_version`` = how many have been applied.
MIGRATIONS: list[Migration] = [
    _v1_core,
    _v2_analyst,
    _v3_rating_only,
    _v4_crawl_resume,
    _v5_incidents,
    _v6_replies,
    _v7_notifications,
    _v8_reply_source,
    _v9_storefront,
    v10_mention_brands,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration newer than the file's version; return the new version.

    The version is read and the migrations applied under one write lock (BEGIN IMMEDIATE),
    so two processes opening a brand-new archive at once cannot both run a migration."""
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"archive schema version {current} is newer than this brandpulse "
                f"({len(MIGRATIONS)}): upgrade brandpulse"
            )
        for version in range(current, len(MIGRATIONS)):
            MIGRATIONS[version](db)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return len(MIGRATIONS)
