"""Full-text search, the analyst views, read-only query and exports (issue 9)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from monitor.analyst.query import (
    ExportFilter,
    QueryFailed,
    QueryRefused,
    export,
    open_readonly,
    run_query,
)
from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row
from tests.helpers.analyst import appstore_rows, seed

runner = CliRunner()


def fts(archive: Archive, q: str) -> list[int]:
    return [
        r[0]
        for r in archive.conn.execute(
            "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ? ORDER BY rowid", (q,)
        )
    ]


def row(text: str, ext: str, **kw) -> dict:
    m = MentionIn(text=text, id=ext, source=kw.pop("source", "reddit"), **kw)
    return mention_row(m, default_brand="Acme")


# --------------------------------------------------------------------------- FTS


def test_fts_follows_batch_inserts_trigger_inserts_updates_and_deletes():
    arc = Archive.memory()
    stats = arc.add_mentions([row("Die Lieferverzögerung nervt", "a"), row("Bestätigung kam nie an", "b")])
    assert fts(arc, "liefer*") == [stats.new_ids[0]]
    assert fts(arc, "bestatigung") == [stats.new_ids[1]], "diacritics are folded"
    # a writer that is not add_mentions: the trigger indexes it
    rid = (
        arc.db["mentions"]
        .insert({**row("Paketzustellung zu spät", "c"), "fetched_at": "2026-11-21T00:00:00Z"})
        .last_pk
    )
    assert fts(arc, "paketzustellung") == [rid]
    with arc.conn:
        arc.conn.execute("UPDATE mentions SET text = 'Rechnung falsch' WHERE id = ?", (rid,))
    assert fts(arc, "paketzustellung") == [] and fts(arc, "rechnung") == [rid]
    with arc.conn:
        arc.conn.execute("DELETE FROM mentions WHERE id = ?", (rid,))
    assert fts(arc, "rechnung") == []
    assert arc.conn.execute("SELECT active FROM fts_batch").fetchone()[0] == 0
    arc.conn.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('integrity-check')")


def test_add_mentions_counts_new_seen_and_reposts_and_a_failed_batch_changes_nothing():
    arc = Archive.memory()
    first = arc.add_mentions([row("Great app!", "1"), row("great app", "2"), row("x y", "1")])
    assert (first.new, first.seen, first.duplicates) == (2, 1, 1)
    assert first.new_ids == sorted(first.new_ids) and len(first.new_ids) == 2
    again = arc.add_mentions([row("Great app!", "1"), row("new one", "3")])
    assert (again.new, again.seen) == (1, 1)
    bad = row("broken", "4")
    bad["text"] = object()  # cannot be bound: the whole batch is rolled back
    with pytest.raises(sqlite3.Error):
        arc.add_mentions([row("would be new", "5"), bad])
    assert arc.count("mentions") == 3 and fts(arc, "would") == []
    assert arc.conn.execute("SELECT active FROM fts_batch").fetchone()[0] == 0


# --------------------------------------------------------------------------- views


@pytest.fixture
def seeded(archive):
    info = seed(archive)
    return archive, info


def test_daily_sentiment_view_matches_a_direct_count(seeded):
    arc, _ = seeded
    got = arc.conn.execute(
        "SELECT sum(mentions), sum(negative), sum(positive), sum(neutral) FROM v_daily_sentiment"
        " WHERE brand = 'Acme'"
    ).fetchone()
    ratings = [r["rating"] for r in appstore_rows()]
    assert got == (
        49,
        sum(r <= 2 for r in ratings),
        sum(r >= 4 for r in ratings),
        sum(r == 3 for r in ratings),
    )
    # a repost is kept in the archive but not counted
    arc.add_mentions([{**appstore_rows()[0], "external_id": "repost", "author": "someone"}])
    assert arc.conn.execute("SELECT sum(mentions) FROM v_daily_sentiment").fetchone()[0] == 49


def test_review_and_survey_nps_views(seeded):
    arc, _ = seeded
    ratings = [r["rating"] for r in appstore_rows()]
    prom, detr = sum(r >= 4 for r in ratings), sum(r < 4 for r in ratings)
    total = arc.conn.execute(
        "SELECT sum(reviews), sum(promoters), sum(detractors) FROM v_review_nps_monthly"
    ).fetchone()
    assert total == (49, prom, detr)
    survey = arc.conn.execute("SELECT * FROM v_survey_nps_monthly").fetchall()
    assert survey == [("2026-11", "Acme", 5, 2, 1, 2, 0.0, '{"delivery":1}')]


def test_topic_and_alert_views(seeded):
    arc, info = seeded
    topics = dict(
        arc.conn.execute("SELECT topic, sum(mentions) FROM v_topic_daily GROUP BY topic").fetchall()
    )
    assert sum(topics.values()) == 49 and set(topics) == {"search", "app"}
    neg = arc.conn.execute("SELECT sum(negative) FROM v_topic_daily").fetchone()[0]
    assert neg == sum(r["rating"] <= 2 for r in appstore_rows())
    evidence = arc.conn.execute(
        "SELECT alert_id, mention_id, sentiment FROM v_alert_evidence ORDER BY mention_id"
    ).fetchall()
    assert evidence == [(info["alert_id"], m, "negative") for m in info["negative"]]
    with arc.conn:
        arc.conn.execute("UPDATE alerts SET status = 'resolved'")
    assert arc.conn.execute("SELECT count(*) FROM v_open_alerts").fetchone()[0] == 0


@pytest.mark.parametrize("view", ["v_daily_sentiment", "v_topic_daily"])
def test_a_brand_day_window_is_an_index_range(seeded, view):
    arc, _ = seeded
    plan = " ".join(
        r[3]
        for r in arc.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {view} WHERE brand = 'Acme'"
            " AND day BETWEEN '2026-10-25' AND '2026-11-21'"
        )
    )
    assert "idx_mention_brands_brand_day" in plan, plan


# --------------------------------------------------------------------------- query


@pytest.mark.parametrize(
    "sql, what",
    [
        ("DELETE FROM mentions", "delete from mentions"),
        ("UPDATE mentions SET text = 'x'", "update mentions"),
        ("INSERT INTO alerts (brand) VALUES ('x')", "insert into alerts"),
        ("DROP VIEW v_daily_sentiment", "drop view v_daily_sentiment"),
        ("CREATE TABLE t (x)", "create table t"),
        ("ATTACH DATABASE ':memory:' AS other", "attach"),
        ("PRAGMA user_version = 99", "set pragma user_version = 99"),
        ("PRAGMA query_only = 0", "set pragma query_only"),
        ("BEGIN", "start a transaction"),
    ],
)
def test_query_refuses_writes_with_a_clear_message(seeded, watchlist, sql, what):
    arc, _ = seeded
    conn = open_readonly(watchlist.archive_path)
    with pytest.raises(QueryRefused, match=f"would {what}.*read-only"):
        run_query(conn, sql)
    conn.close()
    assert arc.count("mentions") == 49
    assert arc.conn.execute("PRAGMA user_version").fetchone()[0] >= 2


def test_query_reads_views_fts_and_pragmas(seeded, watchlist):
    conn = open_readonly(watchlist.archive_path)
    cols, rows = run_query(
        conn,
        "SELECT m.author FROM mentions_fts f JOIN mentions m"
        " ON m.id = f.rowid WHERE mentions_fts MATCH 'blue pop*'",
    )
    assert cols == ["author"] and list(rows) == [("laur849",)]
    cols, rows = run_query(conn, "PRAGMA table_info(v_daily_sentiment)")
    assert "day" in {r[1] for r in rows}
    with pytest.raises(QueryFailed, match="SQL error: no such table: nope"):
        run_query(conn, "SELECT * FROM nope")
    with pytest.raises(QueryFailed, match="one statement"):
        run_query(conn, "SELECT 1; SELECT 2")
    with pytest.raises(QueryFailed, match="unterminated string"):
        run_query(conn, "SELECT * FROM mentions_fts WHERE mentions_fts MATCH '\"unclosed'")
    conn.close()


def test_query_cli_formats(seeded, watchlist_file):
    sql = "SELECT source, count(*) AS n FROM mentions GROUP BY source"
    res = runner.invoke(app, ["-c", str(watchlist_file), "query", sql, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"source": "appstore", "n": 49}]
    res = runner.invoke(app, ["-c", str(watchlist_file), "query", sql, "-f", "csv"])
    assert list(csv.reader(io.StringIO(res.stdout))) == [["source", "n"], ["appstore", "49"]]
    res = runner.invoke(app, ["-c", str(watchlist_file), "query", "SELECT 1 WHERE 0", "-f", "json"])
    assert json.loads(res.stdout) == []
    res = runner.invoke(app, ["-c", str(watchlist_file), "query", "DELETE FROM mentions"])
    assert res.exit_code == 2 and "read-only" in res.output


def test_query_cli_without_archive_is_a_usage_error(watchlist_file):
    res = runner.invoke(app, ["-c", str(watchlist_file), "query", "SELECT 1"])
    assert res.exit_code == 2 and "no archive" in res.output


# --------------------------------------------------------------------------- export


def test_export_days_are_local_days(archive):
    # 22:30 UTC on Nov 20 is 23:30 in Berlin (Nov 20); 23:30 UTC is already Nov 21 there.
    archive.add_mentions(
        [
            row("late", "1", published_at="2026-11-20T22:30:00Z"),
            row("later", "2", published_at="2026-11-20T23:30:00Z"),
            row("other brand", "3", published_at="2026-11-21T10:00:00Z", brand="Bolt"),
        ]
    )
    conn = open_readonly(archive.path)
    out = io.StringIO()
    n = export(
        conn,
        ExportFilter(since=__import__("datetime").date(2026, 11, 21), tz="Europe/Berlin", brand="Acme"),
        "jsonl",
        None,
        stdout=out,
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert n == 1 and [r["text"] for r in rows] == ["later"]
    out = io.StringIO()
    export(
        conn, ExportFilter(until=__import__("datetime").date(2026, 11, 20), tz="UTC"), "csv", None, stdout=out
    )
    assert [r["text"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == ["late", "later"]


def test_export_cli_csv_jsonl_parquet(seeded, watchlist_file, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    base = ["-c", str(watchlist_file), "export", "--brand", "acme"]
    res = runner.invoke(app, base + ["--format", "parquet", "--out", str(tmp_path / "m.parquet")])
    assert res.exit_code == 0, res.output
    table = pq.read_table(tmp_path / "m.parquet")
    assert table.num_rows == 49
    assert {"text", "sentiment", "topics", "rating"} <= set(table.column_names)
    assert {tuple(t) for t in table.column("topics").to_pylist()} == {("search",), ("app",)}
    res = runner.invoke(app, base + ["--match", "google", "-f", "jsonl"])
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert lines and all("google" in (r["text"] + (r["title"] or "")).lower() for r in lines)
    res = runner.invoke(app, base + ["-f", "csv", "--since", "2026-11-01", "--until", "2026-11-30"])
    got = list(csv.DictReader(io.StringIO(res.stdout)))
    assert got and all(r["published_at"] >= "2026-10-31T23" for r in got)
    assert len(list(tmp_path.glob(".m.parquet*"))) == 0, "no temporary file left behind"


@pytest.mark.parametrize(
    "args, message",
    [
        (["-f", "parquet"], "give --out"),
        (["-f", "xml", "--out", "x.xml"], "'xml' is not one of"),
        (["-f", "xlsx"], "give --out FILE.xlsx"),
        (["-f", "jsonl", "--excel"], "--excel shapes csv"),
        (["--since", "2026-13-01"], "not a date"),
        (["--since", "2026-11-02", "--until", "2026-11-01"], "before --since"),
        (["--brand", "Nope"], "no brand named"),
        (["--match", '"unclosed'], "full-text query"),
    ],
)
def test_export_cli_bad_input(seeded, watchlist_file, tmp_path, args, message):
    res = runner.invoke(app, ["-c", str(watchlist_file), "export", *args])
    assert res.exit_code == 2 and message in res.output, res.output


@pytest.mark.slow  # loads the language detector and spaCy pipelines
def test_survey_comments_are_tagged_with_the_watchlist_topics(watchlist, archive):
    from monitor.enrich.survey_topics import tag_survey_topics

    archive.add_survey_responses(
        [
            {
                "brand": "Acme",
                "score": s,
                "comment": c,
                "responded_at": "2026-11-20",
                "customer_ref": None,
                "content_hash": f"s{k}",
                "imported_at": "2026-11-21T00:00:00Z",
            }
            for k, (s, c) in enumerate(
                [
                    (2, "Die Lieferverzögerung war unerträglich"),
                    (4, "Zu teuer, der Preis ist frech"),
                    (5, "Preisverleihung war nett"),
                    (10, "Alles gut"),
                ]
            )
        ]
    )
    assert tag_survey_topics(watchlist, archive) == 4
    assert tag_survey_topics(watchlist, archive) == 0, "tagged once per taxonomy version"
    topics = archive.conn.execute("SELECT detractor_topics FROM v_survey_nps_monthly").fetchone()[0]
    assert json.loads(topics) == {"delivery": 1, "price": 1}


def test_a_failed_export_leaves_the_old_file_and_no_partial_one(seeded, watchlist, tmp_path, monkeypatch):
    import monitor.analyst.formats as analyst

    out = tmp_path / "mentions.jsonl"
    out.write_text("previous export\n")

    def broken(columns, rows, fh):
        fh.write("half a row")
        raise OSError("disk full")

    monkeypatch.setattr(analyst, "write_jsonl", broken)
    conn = open_readonly(watchlist.archive_path)
    with pytest.raises(OSError, match="disk full"):
        export(conn, ExportFilter(), "jsonl", out)
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".mentions")) == []
