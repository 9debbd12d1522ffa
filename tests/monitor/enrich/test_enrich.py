"""run_enrich: fills enrichments + mention_topics, re-runs do nothing, a taxonomy change
re-matches without the model, crashes resume, bad mentions are counted not fatal."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.enrich.run import brand_terms, mention_text, run_enrich, watchlist_taxonomy
from nlp.tiny_model import tiny_test_model

NOW = "2026-11-20T10:00:00+00:00"
TEXTS = [
    ("Lieferung kam zu spät", "Die Lieferungen von Acme kommen immer zu spät.", None),
    (None, "Der Preis ist okay, aber die Paketzustellung eine Katastrophe", "de"),
    (None, "Kein Problem mit der Lieferung, alles bestens.", None),
    (None, "The delivery was quick but the price is too high", "en"),
    (None, "Bei der Preisverleihung war Acme dabei", None),
    (None, "👍", None),
]


class CountingModel:
    """The tiny real model, counting the texts it is asked to classify."""

    def __init__(self, version: str = "tiny-v1", fail_on_call: int | None = None):
        self.inner = tiny_test_model()
        self.version = version
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def predict(self, texts, **kw):
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise RuntimeError("simulated crash")
        return self.inner.predict(texts)

    @property
    def classified(self) -> int:
        return sum(len(c) for c in self.calls)


def add(archive: Archive, rows=TEXTS) -> None:
    archive.add_mentions(
        {
            "source": "test",
            "external_id": str(i),
            "title": title,
            "text": text,
            "lang": lang,
            "published_at": NOW,
            "fetched_at": NOW,
            "brand": "Acme",
            "content_hash": f"h{i}",
        }
        for i, (title, text, lang) in enumerate(rows)
    )


def table(archive: Archive, sql: str) -> list[tuple]:
    return archive.conn.execute(sql).fetchall()


def test_enrich_fills_tables_and_rerun_does_nothing(watchlist, archive):
    add(archive)
    model = CountingModel()
    stats = run_enrich(watchlist, archive, model=model, batch_size=4)
    assert stats.pending == stats.enriched == len(TEXTS) and stats.failed == 0
    assert stats.batches == 2
    rows = dict(table(archive, "SELECT mention_id, lang FROM enrichments"))
    assert len(rows) == len(TEXTS)
    assert rows[4] == "en" and rows[1] == "de"
    topics = table(
        archive,
        "SELECT mention_id, topic, keyword, matched_text, sentence, negated FROM mention_topics ORDER BY id",
    )
    by_mention = {}
    for mid, topic, _kw, matched, _sentence, _negated in topics:
        by_mention.setdefault(mid, set()).add((topic, matched))
    assert by_mention[1] == {("delivery", "Lieferung"), ("delivery", "Lieferungen")}
    assert by_mention[2] == {("price", "Preis"), ("delivery", "Paketzustellung")}
    assert 5 not in by_mention  # Preisverleihung is excluded
    assert any(n for mid, *_, n in topics if mid == 3)  # "Kein Problem mit der Lieferung"
    sentences = {s for mid, t, k, m, s, n in topics if mid == 2}
    assert sentences == {"Der Preis ist okay", "aber die Paketzustellung eine Katastrophe"}
    # every text the model saw is in the cache, under this model version
    assert archive.count("sentiment_cache") == model.classified

    again = CountingModel()
    stats2 = run_enrich(watchlist, archive, model=again)
    assert stats2.pending == 0 and again.calls == []


def test_taxonomy_change_rematches_without_the_model(watchlist, archive):
    add(archive)
    run_enrich(watchlist, archive, model=CountingModel())
    before = table(archive, "SELECT taxonomy_version FROM enrichments LIMIT 1")[0][0]
    watchlist.topics["delivery"].exclude = {"de": ["Paketzustellung"]}
    model = CountingModel()
    stats = run_enrich(watchlist, archive, model=model)
    assert stats.enriched == len(TEXTS)
    assert model.calls == []  # every text and clause came from the cache
    assert stats.cache_hits > 0
    after = {r[0] for r in table(archive, "SELECT taxonomy_version FROM enrichments")}
    assert after != {before} and len(after) == 1
    assert ("delivery",) not in table(archive, "SELECT topic FROM mention_topics WHERE mention_id = 2")
    assert table(archive, "SELECT DISTINCT taxonomy_version FROM mention_topics") == [(after.pop(),)]


def test_brand_names_never_count_as_topic_keywords(watchlist, archive):
    from nlp.topics import Taxonomy

    brand = watchlist.brands[0]
    brand.name, brand.aliases, brand.competitors = "Paketwerk", ["Paketwerk Plus"], ["Preisfuchs"]
    assert brand_terms(watchlist) == ["Paketwerk", "Paketwerk Plus", "Preisfuchs"]
    add(
        archive,
        [
            (None, "Paketwerk hat meine Bestellung storniert.", "de"),  # "Paket|werk": not delivery
            (None, "Das Paket von Paketwerk kam beschädigt an.", "de"),
            (None, "Paketwerk Plus lohnt sich nicht, der Preis ist zu hoch.", "de"),
            (None, "Ich wechsle zu Preisfuchs.", "de"),  # a competitor's name is not a price
        ],
    )
    stats = run_enrich(watchlist, archive, model=CountingModel())
    rows = table(
        archive, "SELECT mention_id, topic, matched_text FROM mention_topics ORDER BY mention_id, topic"
    )
    assert rows == [(2, "delivery", "Paket"), (3, "price", "Preis")]
    # the brand list is part of the taxonomy: renaming a brand re-matches topics
    assert stats.taxonomy_version == watchlist_taxonomy(watchlist).version
    assert stats.taxonomy_version != Taxonomy(watchlist.topics).version


class NeutralModel(CountingModel):
    """Reads every text as mildly neutral: only the star rating can tip an aspect."""

    def predict(self, texts, **kw):
        from nlp.sentiment import SentimentResult

        self.calls.append(list(texts))
        probs = {"negative": 0.3, "neutral": 0.45, "positive": 0.25}
        return [SentimentResult("neutral", 0.45, probs, False) for _ in texts]


def test_star_rating_reaches_aspect_sentiment(watchlist, archive):
    now = NOW
    archive.add_mentions(
        {
            "source": "appstore",
            "external_id": str(i),
            "text": "Die Lieferung dauert seit dem Update länger.",
            "lang": "de",
            "rating": rating,
            "published_at": now,
            "fetched_at": now,
            "brand": "Acme",
            "content_hash": f"r{i}",
        }
        for i, rating in enumerate([1, 3, None])
    )
    run_enrich(watchlist, archive, model=NeutralModel())
    rows = table(
        archive,
        "SELECT m.rating, t.sentiment FROM mention_topics t JOIN mentions m "
        "ON m.id = t.mention_id WHERE t.topic = 'delivery' ORDER BY m.id",
    )
    assert rows == [(1.0, "negative"), (3.0, "neutral"), (None, "neutral")]


def test_new_model_version_reclassifies(watchlist, archive):
    add(archive)
    run_enrich(watchlist, archive, model=CountingModel("tiny-v1"))
    model = CountingModel("tiny-v2")
    stats = run_enrich(watchlist, archive, model=model)
    assert stats.enriched == len(TEXTS) and model.classified > 0
    assert table(archive, "SELECT DISTINCT model_version FROM enrichments") == [("tiny-v2",)]


def test_crash_keeps_committed_batches_and_resumes(watchlist, archive):
    add(archive)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_enrich(watchlist, archive, model=CountingModel(fail_on_call=2), batch_size=3)
    assert archive.count("enrichments") == 3  # the first batch was committed
    stats = run_enrich(watchlist, archive, model=CountingModel(), batch_size=3)
    assert stats.pending == 3 and archive.count("enrichments") == len(TEXTS)


def test_a_bad_mention_is_counted_and_retried(watchlist, archive, monkeypatch):
    add(archive)
    import monitor.enrich.run as enrich

    real = enrich.detect_language

    def flaky(text, allowed, given=None):
        if "Preisverleihung" in text:
            raise ValueError("broken detector")
        return real(text, allowed, given)

    monkeypatch.setattr(enrich, "detect_language", flaky)
    stats = run_enrich(watchlist, archive, model=CountingModel())
    assert stats.failed == 1 and stats.enriched == len(TEXTS) - 1
    assert "broken detector" in stats.errors[0]
    monkeypatch.setattr(enrich, "detect_language", real)
    assert run_enrich(watchlist, archive, model=CountingModel()).enriched == 1


def test_mentions_without_text_are_not_selected(watchlist, archive):
    add(archive, [("Nur ein Titel", None, None)])
    archive.conn.execute(
        "INSERT INTO mentions (source, external_id, text, published_at, fetched_at, brand, content_hash) "
        "VALUES ('test', 'empty', '', ?, ?, 'Acme', 'e')",
        (NOW, NOW),
    )
    stats = run_enrich(watchlist, archive, model=CountingModel())
    assert stats.enriched == 1


def test_mention_text_joins_title_and_body():
    assert mention_text("Toll", "Alles gut") == "Toll. Alles gut"
    assert mention_text("Toll!", "Alles gut") == "Toll! Alles gut"
    assert mention_text(None, " x ") == "x"


def test_cli_enrich(watchlist_file, monkeypatch):
    import monitor.enrich.run as enrich
    from monitor.cli.app import app

    wl = load_watchlist(watchlist_file)
    with Archive.open(wl.archive_path) as arc:
        add(arc)
    monkeypatch.setattr(enrich, "load_configured_model", lambda wl: CountingModel())
    runner = CliRunner()
    first = runner.invoke(app, ["--config", str(watchlist_file), "enrich"])
    assert first.exit_code == 0, first.output
    assert f"Enriched {len(TEXTS)} of {len(TEXTS)}" in first.output
    second = runner.invoke(app, ["--config", str(watchlist_file), "enrich", "--json"])
    assert second.exit_code == 0 and '"pending": 0' in second.output


def test_cli_enrich_bad_model_is_a_usage_error(watchlist_file):
    from monitor.cli.app import app

    data = yaml.safe_load(watchlist_file.read_text())
    data["sentiment"] = {"model": str(watchlist_file.parent / "no-such-model")}
    watchlist_file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["--config", str(watchlist_file), "enrich"])
    assert result.exit_code == 2
    assert "not available" in result.output
