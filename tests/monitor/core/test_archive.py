"""The archive: WAL, forward migrations, idempotent mention writes, near-duplicate marking."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, content_hash, mention_row
from monitor.core.schema import MIGRATIONS, migrate
from monitor.core.times import parse_time

runner = CliRunner()


def row(ext, text, **kw):
    m = MentionIn.model_validate({"id": ext, "text": text, "source": kw.pop("source", "appstore"), **kw})
    return mention_row(m, default_brand="Acme")


def test_new_archive_is_wal_and_migrated(archive):
    mode = archive.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert archive.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    for table in (
        "mentions",
        "enrichments",
        "mention_topics",
        "crawl_runs",
        "alerts",
        "digests",
        "survey_responses",
    ):
        assert archive.db[table].exists(), table


def test_migrate_is_forward_only_and_idempotent(tmp_path):
    path = tmp_path / "a.db"
    Archive.open(path).close()
    arc = Archive.open(path)  # second open: nothing to do, no error
    assert migrate(arc.db) == len(MIGRATIONS)
    arc.db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(RuntimeError, match="newer than this brandpulse"):
        migrate(arc.db)
    arc.close()


def test_add_mentions_is_idempotent_on_source_and_external_id(archive):
    s1 = archive.add_mentions([row("1", "Paket kam zu spät"), row("2", "Super Service")])
    assert (s1.new, s1.seen) == (2, 0)
    s2 = archive.add_mentions([row("1", "Paket kam zu spät"), row("3", "Alles gut")])
    assert (s2.new, s2.seen) == (1, 1)
    # same external id from another source is another mention
    s3 = archive.add_mentions([row("1", "Paket kam zu spät!", source="reddit")])
    assert s3.new == 1
    assert archive.count("mentions") == 4


def test_reposts_are_marked_not_dropped(archive):
    archive.add_mentions([row("1", "Mein Paket ist seit 5 Tagen weg! https://t.co/abc @acme")])
    stats = archive.add_mentions([row("2", "mein paket ist seit 5 tagen weg", source="reddit")])
    assert stats.new == 1 and stats.duplicates == 1
    first, second = archive.db.execute("SELECT id, duplicate_of FROM mentions ORDER BY id").fetchall()
    assert first[1] is None and second[1] == first[0]


def test_content_hash_ignores_noise_but_not_words():
    a = content_hash("Lieferung  kaputt!!! http://x.y/z #fail")
    assert a == content_hash("lieferung kaputt")
    assert a != content_hash("Lieferung pünktlich")


def test_times_are_stored_as_utc():
    r = row("9", "x", published_at="2026-03-29T03:30:00+02:00")
    assert r["published_at"] == "2026-03-29T01:30:00Z"
    assert parse_time(1700000000).year == 2023
    assert parse_time("2026-01-01").isoformat().startswith("2026-01-01T00:00:00")


def test_import_good_and_bad_rows_then_reimport(tmp_path, watchlist_file):
    f = tmp_path / "mentions.jsonl"
    lines = [
        {
            "id": "a1",
            "text": "Die Lieferung war schnell",
            "rating": 5,
            "published_at": "2026-11-20T10:00:00Z",
        },
        {"id": "a2", "text": "Hotline nie erreichbar", "author": "kim", "lang": "de"},
        {"id": "a3", "text": "Great app", "source": "appstore", "rating": "4"},
    ]
    # no text and no stars: an error (with stars it would be a rating-only review)
    body = "\n".join(json.dumps(x) for x in lines) + '\n{"id": "a4", "author": "jo"}\n'
    f.write_text(body)
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(f)])
    assert res.exit_code == 1
    assert "3 new" in res.output and f"{f}:4" in res.output and "text" in res.output
    again = runner.invoke(app, ["--config", str(watchlist_file), "import", str(f)])
    assert "0 new, 3 already" in again.output
    db = sqlite3.connect(tmp_path / "archive.db")
    assert db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 3


def test_import_csv_reports_bad_dates_and_ratings(tmp_path, watchlist_file):
    f = tmp_path / "m.csv"
    f.write_text(
        "id,text,rating,published_at,brand\n"
        "1,Gut,5,2026-11-01,Acme\n"
        "2,Schlecht,9,2026-11-01,Acme\n"
        "3,Naja,3,gestern,Acme\n"
        "4,Hm,2,2026-11-02,Unknown Brand\n"
    )
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(f)])
    assert res.exit_code == 1
    assert f"{f}:3: rating" in res.output
    assert f"{f}:4: published_at" in res.output
    assert f"{f}:5:" in res.output and "not in the watchlist" in res.output
    assert "1 new" in res.output


def test_import_survey(tmp_path, watchlist_file):
    f = tmp_path / "nps.csv"
    f.write_text(
        "score,comment,date,customer\n10,Top,2026-11-01,c1\n2,Lieferung zu spät,2026-11-02,c2\n11,x,2026-11-02,c3\n"
    )
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", "--kind", "survey", str(f)])
    assert res.exit_code == 1 and "2 new" in res.output and f"{f}:4: score" in res.output
    res2 = runner.invoke(app, ["--config", str(watchlist_file), "import", "--kind", "survey", str(f)])
    assert "0 new" in res2.output


def test_import_with_pseudonymised_authors(tmp_path, watchlist_file, monkeypatch):
    import yaml

    data = yaml.safe_load(watchlist_file.read_text())
    data["privacy"] = {"pseudonymise_authors": True}
    watchlist_file.write_text(yaml.safe_dump(data))
    f = tmp_path / "m.jsonl"
    f.write_text(json.dumps({"id": "1", "text": "Paket fehlt", "author": "Erika Mustermann"}) + "\n")
    monkeypatch.setenv("BRANDPULSE_PSEUDONYM_KEY", "k" * 32)
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(f)])
    assert res.exit_code == 0, res.output
    db = sqlite3.connect(tmp_path / "archive.db")
    author = db.execute("SELECT author FROM mentions").fetchone()[0]
    assert author.startswith("anon-") and "Erika" not in author


def test_concurrent_first_open_migrates_once(tmp_path):
    """Two processes creating the same archive at once must not both run a migration."""
    import subprocess
    import sys

    path = tmp_path / "race.db"
    code = "import sys; from monitor.core.archive import Archive; Archive.open(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
