"""Migration 10: a mention belongs to every brand it names (issue 18).

Before, ``mentions.brand`` was the only owner: a post comparing two brands counted for the
first configured one. ``mention_brands`` links a mention to each brand; ``mentions.brand``
stays the brand whose source fetched it. Triggers keep the ``source`` link in step with every
writer (crawler, importer, tests, analysts' own inserts); ``monitor.enrich.brand_links`` adds
the ``text`` links. ``published_at`` is copied so that one brand's period is one index range.
"""

from __future__ import annotations

import sqlite_utils

from monitor.core.sqlscript import run_script

#: Day and month views, now counted through the link (one row per brand a mention names). A
#: brand's sentiment is its own where enrichment split the mention by brand (``mb.sentiment``),
#: else the mention's; a topic hit whose clause is about one brand (``t.brand``) counts for it only.
_VIEWS = """
DROP VIEW v_daily_sentiment;
DROP VIEW v_topic_daily;
DROP VIEW v_review_nps_monthly;

CREATE VIEW v_daily_sentiment AS
SELECT substr(mb.published_at, 1, 10) AS day, mb.brand, m.source,
       count(*) AS mentions,
       count(e.mention_id) AS enriched,
       sum(coalesce(mb.sentiment, e.sentiment) = 'negative') AS negative,
       sum(coalesce(mb.sentiment, e.sentiment) = 'neutral') AS neutral,
       sum(coalesce(mb.sentiment, e.sentiment) = 'positive') AS positive,
       round(1.0 * sum(coalesce(mb.sentiment, e.sentiment) = 'negative')
             / nullif(count(e.mention_id), 0), 4) AS negative_share,
       round(1.0 * (sum(coalesce(mb.sentiment, e.sentiment) = 'positive')
                    - sum(coalesce(mb.sentiment, e.sentiment) = 'negative'))
             / nullif(count(e.mention_id), 0), 4) AS net_sentiment,
       round(avg(m.rating), 3) AS avg_rating
FROM mention_brands mb
JOIN mentions m ON m.id = mb.mention_id
LEFT JOIN enrichments e ON e.mention_id = m.id
WHERE m.duplicate_of IS NULL
GROUP BY 1, 2, 3;

CREATE VIEW v_topic_daily AS
SELECT substr(mb.published_at, 1, 10) AS day, mb.brand, t.topic,
       count(DISTINCT m.id) AS mentions,
       count(DISTINCT CASE WHEN coalesce(t.sentiment, mb.sentiment, e.sentiment) = 'negative'
                           THEN m.id END) AS negative,
       round(1.0 * count(DISTINCT CASE WHEN coalesce(t.sentiment, mb.sentiment, e.sentiment)
                                       = 'negative' THEN m.id END)
             / count(DISTINCT m.id), 4) AS negative_share
FROM mention_brands mb
JOIN mentions m ON m.id = mb.mention_id
JOIN mention_topics t ON t.mention_id = m.id AND (t.brand IS NULL OR t.brand = mb.brand)
LEFT JOIN enrichments e ON e.mention_id = m.id
WHERE m.duplicate_of IS NULL
GROUP BY 1, 2, 3;

-- Review NPS on a 5-star scale: 4-5 stars promote, 1-3 detract (as in the digest). Reviews
-- stay bound to the brand whose source fetched them, so this reads the source link only.
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

-- Share of voice: each brand's part of the day's mentions of all tracked brands, with its
-- negative share and star average (brands.competitor marks the competitors).
CREATE VIEW v_share_of_voice AS
SELECT d.day, d.brand, coalesce(b.competitor, 0) AS competitor, d.mentions,
       round(1.0 * d.mentions / sum(d.mentions) OVER (PARTITION BY d.day), 4) AS share,
       d.enriched, d.negative,
       round(1.0 * d.negative / nullif(d.enriched, 0), 4) AS negative_share,
       d.rated, d.avg_rating
FROM (
    SELECT substr(mb.published_at, 1, 10) AS day, mb.brand,
           count(*) AS mentions,
           count(e.mention_id) AS enriched,
           coalesce(sum(coalesce(mb.sentiment, e.sentiment) = 'negative'), 0) AS negative,
           count(m.rating) AS rated,
           round(avg(m.rating), 3) AS avg_rating
    FROM mention_brands mb
    JOIN mentions m ON m.id = mb.mention_id
    LEFT JOIN enrichments e ON e.mention_id = m.id
    WHERE m.duplicate_of IS NULL
    GROUP BY 1, 2
) d
LEFT JOIN brands b ON b.name = d.brand;
"""


def v10_mention_brands(db: sqlite_utils.Database) -> None:
    """Link table, its triggers and backfill, the ``brands`` register, and the views."""
    run_script(
        db,
        """
        CREATE TABLE mention_brands (
            mention_id    INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
            brand         TEXT NOT NULL,
            published_at  TEXT NOT NULL,   -- the mention's, copied: a brand's period is one range
            via           TEXT NOT NULL,   -- source: its source fetched it | text: names the brand
            sentiment     TEXT,   -- negative | neutral | positive about this brand; NULL: the mention's own
            score         REAL,   -- probability of that label (NULL with the sentiment)
            PRIMARY KEY (mention_id, brand)
        ) WITHOUT ROWID;
        -- A brand's period (detection, the digest) and a brand's UTC days (the views).
        CREATE INDEX idx_mention_brands_brand_time ON mention_brands (brand, published_at);
        CREATE INDEX idx_mention_brands_brand_day
            ON mention_brands (brand, substr(published_at, 1, 10));

        INSERT INTO mention_brands (mention_id, brand, published_at, via)
        SELECT id, brand, published_at, 'source' FROM mentions;

        CREATE TRIGGER mention_brands_on_insert AFTER INSERT ON mentions BEGIN
            INSERT OR IGNORE INTO mention_brands (mention_id, brand, published_at, via)
            VALUES (new.id, new.brand, new.published_at, 'source');
        END;
        CREATE TRIGGER mention_brands_on_update AFTER UPDATE OF brand, published_at ON mentions
        BEGIN
            DELETE FROM mention_brands
            WHERE mention_id = new.id AND via = 'source' AND brand = old.brand;
            INSERT OR REPLACE INTO mention_brands (mention_id, brand, published_at, via)
            VALUES (new.id, new.brand, new.published_at, 'source');
            UPDATE mention_brands SET published_at = new.published_at WHERE mention_id = new.id;
        END;
        CREATE TRIGGER mention_brands_on_delete AFTER DELETE ON mentions BEGIN
            DELETE FROM mention_brands WHERE mention_id = old.id;
        END;

        -- The watchlist's brands as the archive last saw them (written by the link step).
        CREATE TABLE brands (
            name           TEXT PRIMARY KEY,
            competitor     INTEGER NOT NULL DEFAULT 0,   -- 1: tracked for comparison only
            compared_with  TEXT NOT NULL DEFAULT '[]',   -- JSON: competitors this brand faces
            updated_at     TEXT NOT NULL
        );

        -- How far the text links are done, for which brand definitions.
        CREATE TABLE brand_link_state (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            version     TEXT NOT NULL,      -- hash of every brand's name, aliases, query, excludes
            upto_id     INTEGER NOT NULL    -- mentions up to this id have their text links
        );

        -- 1: the mention's brand links changed since it was enriched (the link step sets it);
        -- the next enrich redoes it, so its per-brand labels and topic brands follow the links.
        ALTER TABLE enrichments ADD COLUMN brands_stale INTEGER NOT NULL DEFAULT 0;

        ALTER TABLE mention_topics ADD COLUMN brand TEXT;  -- the one brand this hit's clause is about, in a post naming several; NULL: every brand of the mention
        """
        + _VIEWS,
    )
