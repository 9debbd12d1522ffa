"""mention_brands: the forward migration of an existing archive, and the triggers that keep
the source link in step with every writer (issue 18)."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from monitor.core.archive import Archive
from monitor.core.schema import MIGRATIONS
from tests.helpers.detect import Mention, add, background, burst, local

DAY = date(2026, 10, 14)


def _v9_archive(path) -> None:
    """An archive as the previous release left it: migrations 1-9 only."""
    db = sqlite_utils.Database(path)
    for version, step in enumerate(MIGRATIONS[:9]):
        step(db)
        db.execute(f"PRAGMA user_version = {version + 1}")
    db.conn.commit()
    db.conn.close()


def _view(arc: Archive, name: str) -> list[tuple]:
    return arc.conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2, 3").fetchall()


def test_an_archive_of_the_previous_version_upgrades_in_place_with_the_same_counts(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    _v9_archive(path)
    # Fill it through the v9 schema (no link table, no triggers yet).
    import monitor.core.archive as archive_module

    monkeypatch.setattr(archive_module, "migrate", lambda db: 9)
    old = Archive.open(path)
    background(old, DAY, DAY.replace(day=20), brand="Acme")
    background(old, DAY, DAY.replace(day=20), brand="Beta", seed=3)
    before = {v: _view(old, v) for v in ("v_daily_sentiment", "v_topic_daily", "v_review_nps_monthly")}
    n = old.count("mentions")
    assert not old.db["mention_brands"].exists()
    old.close()
    monkeypatch.undo()

    arc = Archive.open(path)
    assert arc.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert arc.count("mention_brands") == n
    assert (
        arc.conn.execute(
            "SELECT count(*) FROM mention_brands mb JOIN mentions m ON m.id = mb.mention_id"
            " WHERE mb.brand = m.brand AND mb.published_at = m.published_at AND mb.via = 'source'"
        ).fetchone()[0]
        == n
    )
    for view, rows in before.items():
        assert _view(arc, view) == rows, view
    arc.close()


def test_every_writer_gets_the_source_link_and_deletes_take_it_away(archive):
    (mid,) = add(archive, [Mention(local(DAY), "a", "Paket kam nie an")])
    assert archive.conn.execute(
        "SELECT brand, via FROM mention_brands WHERE mention_id = ?", (mid,)
    ).fetchall() == [("Acme", "source")]
    # An analyst's own INSERT (no brandpulse code involved) is linked as well.
    with archive.conn:
        archive.conn.execute(
            "INSERT INTO mentions (source, external_id, text, published_at, fetched_at, brand, content_hash)"
            " VALUES ('import', 'own', 'hallo', '2026-10-14T10:00:00Z', '2026-10-14T10:00:00Z', 'Beta', 'h')"
        )
    assert archive.conn.execute("SELECT count(*) FROM mention_brands WHERE brand = 'Beta'").fetchone()[0] == 1
    with archive.conn:
        archive.conn.execute("UPDATE mentions SET published_at = '2026-10-15T09:00:00Z' WHERE id = ?", (mid,))
    assert (
        archive.conn.execute(
            "SELECT published_at FROM mention_brands WHERE mention_id = ?", (mid,)
        ).fetchone()[0]
        == "2026-10-15T09:00:00Z"
    )
    with archive.conn:
        archive.conn.execute("DELETE FROM mentions WHERE id = ?", (mid,))
    assert (
        archive.conn.execute("SELECT count(*) FROM mention_brands WHERE mention_id = ?", (mid,)).fetchone()[0]
        == 0
    )


def test_share_of_voice_view_splits_the_day_between_brands(archive):
    add(archive, burst(DAY, 3, brand="Acme") + burst(DAY, 1, brand="Beta", who="b"))
    rows = archive.conn.execute(
        "SELECT brand, mentions, share, negative_share FROM v_share_of_voice ORDER BY brand"
    ).fetchall()
    assert rows == [("Acme", 3, 0.75, 1.0), ("Beta", 1, 0.25, 1.0)]
