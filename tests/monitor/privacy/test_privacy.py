"""Privacy: forget one person everywhere (down to the bytes of the files), and retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.pseudonyms import pseudonym
from monitor.core.rows import text_hash
from monitor.privacy.erasure import apply_retention, forget
from tests.helpers.analyst import SHIFT_TO, appstore_rows, seed

runner = CliRunner()
# A real reviewer of the fixture, with a long negative review quoted in the open alert.
AUTHOR = "laur849"
QUOTE = "Literally EVERY SINGLE time I am on Google on my iphone"


def file_bytes(archive: Archive) -> bytes:
    """Every byte SQLite keeps for this archive: main file, WAL, shared memory."""
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = archive.path.with_name(archive.path.name + suffix)
        if p.exists():
            out += p.read_bytes()
    return out


def fts_terms(archive: Archive) -> set[str]:
    archive.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, mentions_fts, row)"
    )
    return {r[0] for r in archive.conn.execute("SELECT term FROM temp.vocab")}


@pytest.fixture
def seeded(archive):
    return archive, seed(archive)


def test_the_byte_check_can_fail(seeded):
    """Deleting rows alone leaves the text in the file: the forget test is meaningful."""
    arc, _ = seeded
    arc.conn.execute("PRAGMA secure_delete = OFF")
    with arc.conn:
        arc.conn.execute("DELETE FROM mentions WHERE author = ?", (AUTHOR,))
    assert AUTHOR.encode() in file_bytes(arc) or QUOTE.encode() in file_bytes(arc)


def test_forget_removes_every_trace(seeded):
    arc, info = seeded
    ids = info["authors"][AUTHOR]
    assert AUTHOR.encode() in file_bytes(arc) and QUOTE.encode() in file_bytes(arc)
    their_text = arc.conn.execute("SELECT text FROM mentions WHERE id = ?", (ids[0],)).fetchone()[0]
    own_terms = {"blue", "tip", "overview"}  # words of their review
    others = arc.conn.execute("SELECT count(*) FROM mentions WHERE author != ?", (AUTHOR,)).fetchone()[0]

    rep = forget(arc, AUTHOR, "appstore")

    assert (rep.mentions, rep.enrichments, rep.mention_topics) == (1, 1, 1)
    assert rep.sentiment_cache == 1 and rep.alert_examples == 1 and rep.alerts_changed == 1
    assert rep.purged and rep.residual == {}
    conn = arc.conn
    assert conn.execute("SELECT count(*) FROM mentions WHERE author = ?", (AUTHOR,)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == others
    for table in ("enrichments", "mention_topics"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE mention_id = ?", ids).fetchone()[0] == 0
    assert (
        conn.execute(
            "SELECT count(*) FROM sentiment_cache WHERE text_hash = ?", (text_hash(their_text),)
        ).fetchone()[0]
        == 0
    )
    examples, explanation = conn.execute("SELECT examples, explanation FROM alerts").fetchone()
    assert ids[0] not in [e["mention_id"] for e in json.loads(examples)]
    assert len(json.loads(examples)) == len(info["negative"]) - 1
    assert ids[0] not in json.loads(explanation)["mention_ids"]
    # the FTS index: no posting for their text, and their words that nobody else used are gone
    assert (
        conn.execute("SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH '\"blue tip\"'").fetchone()[
            0
        ]
        == 0
    )
    terms = fts_terms(arc)
    still_used = {
        t
        for t in own_terms
        if conn.execute("SELECT count(*) FROM mentions WHERE instr(lower(text), ?) > 0", (t,)).fetchone()[0]
    }
    assert (own_terms - still_used).isdisjoint(terms)
    conn.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('integrity-check')")
    # the bytes: main file, WAL (free pages and old frames included)
    raw = file_bytes(arc)
    assert AUTHOR.encode() not in raw
    assert QUOTE.encode() not in raw and QUOTE.lower().encode() not in raw
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_forget_repoints_reposts_by_others():
    arc = Archive.memory()
    rows = appstore_rows()[:3]
    repost = {**rows[0], "external_id": "r1", "author": "someone else"}
    third = {**rows[0], "external_id": "r2", "author": "a third"}
    arc.add_mentions(rows)
    arc.add_mentions([repost])
    arc.add_mentions([third])
    before = dict(arc.conn.execute("SELECT external_id, duplicate_of FROM mentions"))
    assert before["r1"] == before["r2"] is not None
    rep = forget(arc, rows[0]["author"], "appstore")
    after = dict(arc.conn.execute("SELECT external_id, id FROM mentions"))
    dup = dict(arc.conn.execute("SELECT external_id, duplicate_of FROM mentions"))
    assert rep.mentions == 1 and rep.reposts_repointed == 2
    assert dup["r1"] is None and dup["r2"] == after["r1"]


def test_forget_finds_pseudonymised_authors_and_survey_customers(seeded):
    arc, info = seeded
    key = b"k" * 32
    anon = pseudonym("Jim Wesley", key)
    with arc.conn:
        arc.conn.execute("UPDATE mentions SET author = ? WHERE author = 'Jim Wesley'", (anon,))
    rep = forget(arc, "jim wesley", "appstore", key=key)
    assert rep.mentions == 1 and rep.stored_as == [anon]
    rep = forget(arc, "K-4", "survey")
    assert rep.survey_responses == 1
    assert arc.conn.execute("SELECT count(*) FROM survey_topics").fetchone()[0] == 0
    assert arc.conn.execute("SELECT detractor_topics FROM v_survey_nps_monthly").fetchone()[0] == "{}"


def test_forget_dry_run_and_unknown_author_change_nothing(seeded):
    arc, _ = seeded
    n = arc.count("mentions")
    rep = forget(arc, AUTHOR, "appstore", dry_run=True)
    assert rep.mentions == 1 and arc.count("mentions") == n
    rep = forget(arc, AUTHOR, "reddit")
    assert rep.mentions == 0 and rep.other_sources == ["appstore"] and arc.count("mentions") == n
    with pytest.raises(ValueError, match="empty"):
        forget(arc, "  ", "appstore")


def test_forget_lists_digest_files_quoting_them(seeded, tmp_path):
    arc, _ = seeded
    (tmp_path / "2026-11-21.html").write_text(f"<p>{AUTHOR}: {QUOTE}</p>", encoding="utf-8")
    (tmp_path / "2026-11-20.html").write_text("<p>nothing</p>", encoding="utf-8")
    rep = forget(arc, AUTHOR, "appstore", digest_dir=tmp_path, dry_run=True)
    assert rep.digest_files == [str(tmp_path / "2026-11-21.html")]


def test_forget_cli(seeded, watchlist_file):
    base = ["-c", str(watchlist_file), "forget"]
    res = runner.invoke(app, base + ["--author", AUTHOR, "--source", "appstore"])
    assert res.exit_code == 2 and "--yes" in res.output  # not interactive: must confirm
    res = runner.invoke(app, base + ["--author", AUTHOR, "--source", "appstore", "--dry-run"])
    assert res.exit_code == 0 and "found 1 mention(s)" in res.output
    res = runner.invoke(app, base + ["--author", AUTHOR, "--source", "appstore", "--yes"])
    assert res.exit_code == 0, res.output
    assert "removed: 1 mentions, 1 enrichments, 1 topic matches" in res.output
    assert "files purged" in res.output
    res = runner.invoke(app, base + ["--author", AUTHOR, "--source", "appstore", "--yes"])
    assert res.exit_code == 1 and "no data" in res.output
    res = runner.invoke(app, base + ["--author", AUTHOR])
    assert res.exit_code == 2 and "go together" in res.output
    res = runner.invoke(app, base + ["--expired", "--author", AUTHOR, "--source", "x"])
    assert res.exit_code == 2
    res = runner.invoke(app, base + ["--expired"])
    assert res.exit_code == 2 and "retention_days is not set" in res.output


# --------------------------------------------------------------------------- retention


def test_retention_redacts_old_mentions_and_keeps_the_counts(seeded):
    arc, info = seeded
    conn = arc.conn
    counts_before = conn.execute("SELECT * FROM v_daily_sentiment ORDER BY 1, 2, 3").fetchall()
    topics_before = conn.execute("SELECT * FROM v_topic_daily ORDER BY 1, 2, 3").fetchall()
    cutoff = SHIFT_TO - timedelta(days=365)
    old = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM mentions WHERE published_at < ?", (cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"),)
        )
    ]
    assert 0 < len(old) < 49
    old_text = conn.execute("SELECT text FROM mentions WHERE id = ?", (old[0],)).fetchone()[0]

    rep = apply_retention(arc, 365, now=SHIFT_TO)

    assert rep.mentions == len(old) and rep.purged
    red = conn.execute(
        f"SELECT text, title, author, url, redacted_at, external_id FROM mentions"
        f" WHERE id IN ({','.join('?' * len(old))})",
        old,
    ).fetchall()
    assert all(r[:4] == (None, None, None, None) and r[4] and r[5] for r in red)
    assert conn.execute("SELECT * FROM v_daily_sentiment ORDER BY 1, 2, 3").fetchall() == counts_before
    assert conn.execute("SELECT * FROM v_topic_daily ORDER BY 1, 2, 3").fetchall() == topics_before
    assert (
        conn.execute(
            f"SELECT count(*) FROM mention_topics WHERE sentence IS NOT NULL AND"
            f" mention_id IN ({','.join('?' * len(old))})",
            old,
        ).fetchone()[0]
        == 0
    )
    words = " ".join(old_text.split()[:3]).replace('"', "")
    hits = {
        r[0]
        for r in conn.execute("SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?", (f'"{words}"',))
    }
    assert not hits & set(old)
    ex = json.loads(conn.execute("SELECT examples FROM alerts").fetchone()[0])
    for e in ex:
        if e["mention_id"] in old:
            assert "quote" not in e and "url" not in e
    # a re-crawl of the same review does not bring its text back
    again = arc.add_mentions([r for r in appstore_rows()])
    assert again.new == 0
    assert apply_retention(arc, 365, now=SHIFT_TO).mentions == 0


def test_retention_purges_text_bytes_from_the_table_and_the_index(seeded):
    arc, _ = seeded
    row = arc.conn.execute("SELECT id, text FROM mentions ORDER BY published_at LIMIT 1").fetchone()
    snippet = row[1][:50].encode()
    authors = [r[0] for r in arc.conn.execute("SELECT DISTINCT author FROM mentions")]
    assert snippet in file_bytes(arc)
    apply_retention(arc, 30, now=SHIFT_TO + timedelta(days=3650))  # everything expires
    raw = file_bytes(arc)
    assert snippet not in raw  # secure_delete + FTS optimize + checkpoint, without VACUUM
    assert [a for a in authors if len(a) > 5 and a.encode() in raw] == []


def test_forget_expired_cli(seeded, watchlist_file):
    import yaml

    data = yaml.safe_load(watchlist_file.read_text())
    data["privacy"] = {"retention_days": 400}
    watchlist_file.write_text(yaml.safe_dump(data))
    base = ["-c", str(watchlist_file), "forget", "--expired"]
    res = runner.invoke(app, base + ["--dry-run"])
    assert res.exit_code == 0 and "still hold text/author" in res.output
    res = runner.invoke(app, base + ["--yes"])
    assert res.exit_code == 0 and "redacted" in res.output, res.output
    n = int(res.output.split("redacted ")[1].split()[0])
    assert n > 0
    assert (
        seeded[0].conn.execute("SELECT count(*) FROM mentions WHERE redacted_at IS NOT NULL").fetchone()[0]
        == n
    )
