"""A huge mention (a pasted log, a scraped page) is stored whole but analysed in bounded
time and space: its analysis text is cut, its topic rows are capped."""

from __future__ import annotations

import time

from monitor.enrich.inputs import MAX_ANALYSIS_CHARS, MAX_TOPIC_ROWS, analysis_text, capped_hits
from monitor.enrich.run import run_enrich
from nlp.tiny_model import tiny_test_model
from nlp.topics import TopicHit

SENTENCE = "Die Lieferung kam zu spät und der Preis ist viel zu hoch. "
NOW = "2026-11-20T10:00:00+00:00"


def test_one_megabyte_text_is_enriched_fast_with_capped_topic_rows(watchlist, archive):
    huge = SENTENCE * (900_000 // len(SENTENCE))
    archive.add_mentions(
        [
            {
                "source": "test",
                "external_id": str(i),
                "text": text,
                "published_at": NOW,
                "fetched_at": NOW,
                "brand": "Acme",
                "content_hash": f"h{i}",
            }
            for i, text in enumerate([huge, "Die Lieferung kam zu spät."])
        ]
    )
    started = time.perf_counter()
    stats = run_enrich(watchlist, archive, model=tiny_test_model())
    elapsed = time.perf_counter() - started
    assert stats.enriched == 2 and stats.failed == 0
    assert elapsed < 30, f"{elapsed:.1f} s"
    rows = dict(archive.conn.execute("SELECT mention_id, count(*) FROM mention_topics GROUP BY mention_id"))
    assert rows[1] == MAX_TOPIC_ROWS
    topics = {
        r[0] for r in archive.conn.execute("SELECT DISTINCT topic FROM mention_topics WHERE mention_id=1")
    }
    assert topics == {"delivery", "price"}, "every topic of the mention keeps its hits"
    assert rows[2] == 1, "short mentions are not affected"
    stored = archive.conn.execute("SELECT length(text) FROM mentions WHERE id = 1").fetchone()[0]
    assert stored == len(huge), "the archive keeps the whole text"


def test_analysis_text_cuts_at_a_word_and_leaves_short_texts_alone():
    assert analysis_text("kurz") == "kurz"
    long = "wort " * (MAX_ANALYSIS_CHARS // 5 + 100)
    cut = analysis_text(long)
    assert len(cut) <= MAX_ANALYSIS_CHARS and cut.endswith("wort")
    assert analysis_text("x" * (MAX_ANALYSIS_CHARS + 5)) == "x" * MAX_ANALYSIS_CHARS


def test_capped_hits_keep_the_first_hit_of_every_topic():
    def hit(topic: str, i: int) -> TopicHit:
        return TopicHit(topic, topic, topic, i, i + 1, str(i), i, i + 1, str(i), False, False)

    hits = [hit("delivery", i) for i in range(200)] + [hit("price", 200)]
    kept = capped_hits(hits)
    assert len(kept) == MAX_TOPIC_ROWS and kept[-1].topic == "price"
    assert [h.sentence for h in kept[:-1]] == [str(i) for i in range(MAX_TOPIC_ROWS - 1)]
