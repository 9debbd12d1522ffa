"""`brandpulse serve`: a real Datasette on 127.0.0.1, canned queries, FTS, read-only."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
from typer.testing import CliRunner

from monitor.analyst import serve as serve_mod
from monitor.cli.app import app
from tests.helpers.analyst import seed
from tests.helpers.serve import start_serve, stop_serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


@pytest.fixture
def datasette(archive, watchlist, tmp_path):
    pytest.importorskip("datasette")
    info = seed(archive)
    proc, base = start_serve(watchlist, tmp_path)
    yield base + "/" + serve_mod.database_name(watchlist.archive_path), info
    stop_serve(proc)


def test_serve_canned_queries_fts_metadata_and_read_only(datasette, archive):
    db, info = datasette
    rows = get_json(db + "/survey_nps.json?brand=Acme&_shape=array")
    assert rows == [
        {
            "month": "2026-11",
            "brand": "Acme",
            "responses": 5,
            "promoters": 2,
            "passives": 1,
            "detractors": 2,
            "nps": 0.0,
            "detractor_topics": '{"delivery":1}',
        }
    ]
    evidence = get_json(db + "/open_alerts.json?brand=&_shape=array")
    assert [r["mention_id"] for r in evidence] == info["negative"]
    q = urllib.parse.quote("blue pop*")
    hits = get_json(db + f"/search.json?q={q}&brand=&_shape=array")
    assert [h["id"] for h in hits] == info["authors"]["laur849"]
    # the table page searches with the FTS index in raw mode (prefixes work)
    table = get_json(db + f"/mentions.json?_search={urllib.parse.quote('tip*')}&_shape=array")
    assert table and all("tip" in (r["text"] + r["title"]).lower() for r in table)
    meta = get_json(db.rsplit("/", 1)[0] + "/-/metadata.json")
    mentions_meta = meta["databases"][db.rsplit("/", 1)[1]]["tables"]["mentions"]
    assert mentions_meta["columns"]["published_at"] == "UTC ISO 8601"
    assert (
        "Reddit User Agreement" in mentions_meta["description_html"]
        or "Apple Media Services" in mentions_meta["description_html"]
    )
    # arbitrary SQL is allowed for reading, refused for writing
    sql = urllib.parse.quote("DELETE FROM mentions")
    with pytest.raises(urllib.error.HTTPError):
        get_json(db + f".json?sql={sql}")
    assert archive.count("mentions") == 49


def test_serve_without_datasette_says_how_to_install(monkeypatch, watchlist_file, archive):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a)
    )
    res = CliRunner().invoke(app, ["-c", str(watchlist_file), "serve"])
    assert res.exit_code == 2 and "pip install 'brandpulse[serve]'" in res.output


def test_column_docs_come_from_the_schema_comments():
    docs = serve_mod.column_comments(
        "CREATE TABLE x (\n  a TEXT NOT NULL,   -- the a\n  b INTEGER, -- b's doc\n  c TEXT\n)"
    )
    assert docs == {"a": "the a", "b": "b's doc"}


def test_serve_upgrades_an_older_archive_and_links_its_brands_first(tmp_path):
    """An archive of the previous schema: Datasette opens it read-only, so serve migrates it
    and adds the brand links before, or the dashboard's brand counts would find no table."""
    import sqlite_utils

    from monitor.core.config import parse_watchlist
    from monitor.core.schema import MIGRATIONS

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    for version, step in enumerate(MIGRATIONS[:9]):
        step(db)
        db.execute(f"PRAGMA user_version = {version + 1}")
    with db.conn:
        db.conn.execute(
            "INSERT INTO mentions (source, external_id, text, published_at, fetched_at, brand, content_hash)"
            " VALUES ('reddit', '1', 'Acme oder Zeta? Zeta ist schneller', '2026-10-14T10:00:00Z',"
            " '2026-10-14T10:00:00Z', 'Acme', 'h')"
        )
    db.conn.close()
    wl = parse_watchlist(
        {
            "archive": str(path),
            "brands": [{"name": "Acme", "competitors": ["Zeta"]}, {"name": "Zeta", "competitor": True}],
        }
    )
    serve_mod.bring_up_to_date(wl)
    db = sqlite_utils.Database(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT brand, via FROM mention_brands ORDER BY brand").fetchall() == [
        ("Acme", "source"),
        ("Zeta", "text"),
    ]
