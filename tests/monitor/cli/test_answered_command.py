"""`brandpulse answered ID … [--undo]`: manual reply marks, and crawls that must not erase them."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row
from monitor.core.schema import MIGRATIONS, migrate

runner = CliRunner()


def run(watchlist_file, *args):
    return runner.invoke(app, ["--config", str(watchlist_file), *args])


def crawled(ext: str, source: str = "appstore", replied_at: str | None = None) -> dict:
    """A mention as a crawl stores it (a second crawl of the same item gives the same row)."""
    m = MentionIn(
        text=f"Paket {ext} kam nie an",
        external_id=ext,
        source=source,
        rating=1,
        published_at="2026-11-20T10:00:00Z",
        replied_at=replied_at,
    )
    return mention_row(m, default_brand="Acme")


def state(archive, mid):
    return archive.conn.execute(
        "SELECT replied_at, reply_source FROM mentions WHERE id = ?", (mid,)
    ).fetchone()


def test_mark_repeat_and_undo(watchlist_file, archive):
    a, b = archive.add_mentions([crawled("a"), crawled("b")]).new_ids
    res = run(watchlist_file, "answered", str(a), str(b))
    assert res.exit_code == 0, res.output
    assert f"#{a} (Acme, appstore): marked answered at " in res.stdout
    first = state(archive, a)
    assert first[0] and first[0].endswith("Z") and first[1] == "manual"
    again = run(watchlist_file, "answered", str(a))
    assert again.exit_code == 0 and "already marked answered" in again.stdout
    assert state(archive, a) == first, "a repeated mark keeps the first time"
    undo = run(watchlist_file, "answered", "--undo", str(a))
    assert undo.exit_code == 0 and "manual mark cleared" in undo.stdout
    assert state(archive, a) == (None, None) and state(archive, b)[1] == "manual"
    nothing = run(watchlist_file, "answered", "--undo", str(a))
    assert nothing.exit_code == 0 and "nothing to undo" in nothing.stderr


def test_unknown_ids_change_nothing_and_exit_2(watchlist_file, archive):
    (a,) = archive.add_mentions([crawled("a")]).new_ids
    res = run(watchlist_file, "answered", str(a), "999", "1000")
    assert res.exit_code == 2
    assert "no mention with id 999, 1000" in res.stderr and "nothing was changed" in res.stderr
    assert state(archive, a) == (None, None)
    bad = run(watchlist_file, "answered", "abc")
    assert bad.exit_code == 2 and "'abc' is not a mention id" in bad.stderr
    hashed = run(watchlist_file, "answered", f"#{a}")
    assert hashed.exit_code == 0 and state(archive, a)[1] == "manual"


def test_a_reply_the_source_shows_is_never_undone_or_retimed(watchlist_file, archive):
    (a,) = archive.add_mentions([crawled("tp1", "trustpilot", "2026-11-20T15:00:00Z")]).new_ids
    assert state(archive, a) == ("2026-11-20T15:00:00Z", "source")
    for args in (["answered", str(a)], ["answered", "--undo", str(a)]):
        res = run(watchlist_file, *args)
        assert res.exit_code == 0 and "shows the company's reply" in res.stderr
        assert state(archive, a) == ("2026-11-20T15:00:00Z", "source")


def test_a_later_crawl_keeps_a_manual_mark_and_a_shown_reply_replaces_it(watchlist_file, archive):
    a, b = archive.add_mentions([crawled("x", "trustpilot"), crawled("y")]).new_ids
    assert run(watchlist_file, "answered", str(a), str(b)).exit_code == 0
    marked = state(archive, a)
    # the next crawl sees both again, without a reply: nothing changes
    stats = archive.add_mentions([crawled("x", "trustpilot"), crawled("y")])
    assert (stats.new, stats.seen) == (0, 2)
    assert state(archive, a) == marked and state(archive, b)[1] == "manual"
    # then Trustpilot shows the company's reply: its (earlier, real) time wins
    archive.add_mentions([crawled("x", "trustpilot", "2026-11-20T12:00:00Z")])
    assert state(archive, a) == ("2026-11-20T12:00:00Z", "source")


def test_the_migration_marks_replies_stored_before_it_as_the_sources(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    v8 = MIGRATIONS.index(next(m for m in MIGRATIONS if m.__name__ == "_v8_reply_source"))
    with db.conn:
        for step in MIGRATIONS[:v8]:
            step(db)
        db.conn.execute(f"PRAGMA user_version = {v8}")
    for ext, reply in (("r", "2026-11-20T15:00:00Z"), ("n", None)):
        # the columns an archive at migration 7 has (later migrations add more)
        keep = (
            "source",
            "external_id",
            "text",
            "published_at",
            "fetched_at",
            "brand",
            "content_hash",
            "replied_at",
        )
        row = {k: v for k, v in crawled(ext, "trustpilot", reply).items() if k in keep}
        db.conn.execute(
            f"INSERT INTO mentions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
    db.conn.commit()
    migrate(db)
    got = dict(db.conn.execute("SELECT external_id, reply_source FROM mentions"))
    assert got == {"r": "source", "n": None}
    db.conn.close()


def test_no_ids_is_a_usage_error(watchlist_file, archive):
    res = run(watchlist_file, "answered")
    assert res.exit_code == 2
    with pytest.raises(ValueError, match="at least one"):
        Archive.memory().mark_answered([])
