"""Broken import files and hostile texts: the bad line is named and skipped, good lines are
kept, and what is stored stays searchable."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.importer import import_file
from monitor.core.rows import MentionIn, mention_row
from tests.helpers.watchlists import MINIMAL_WATCHLIST

runner = CliRunner()


def jsonl(*texts: str) -> bytes:
    return b"".join(json.dumps({"id": str(i), "text": t}).encode() + b"\n" for i, t in enumerate(texts))


def test_invalid_utf8_in_one_jsonl_line_is_named_and_the_rest_imported(archive, tmp_path):
    good = jsonl("Lieferung kam pünktlich", "placeholder", "Paket beschädigt")
    path = tmp_path / "m.jsonl"
    path.write_bytes(good.replace(b"placeholder", b"Caf\xe9 ohne Bohnen"))
    result = import_file(archive, path, default_brand="Acme")
    assert result.stats.new == 2
    [error] = result.errors
    assert error.line == 2 and "not UTF-8" in error.reason and "0xE9" in error.reason
    texts = {r[0] for r in archive.conn.execute("SELECT text FROM mentions")}
    assert texts == {"Lieferung kam pünktlich", "Paket beschädigt"}


def test_invalid_utf8_in_one_csv_row_is_named_and_the_rest_imported(archive, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(
        b'id,text\n1,"gut, danke"\n2,"zwei\nZeilen mit Caf\xe9"\n3,Paket kam nie\n4,"Lieferung \xfcbel"\n'
    )
    result = import_file(archive, path, default_brand="Acme")
    assert result.stats.new == 2
    # a record is named by its first line; one spanning lines says which
    assert [(e.line, e.last, "not UTF-8" in e.reason) for e in result.errors] == [
        (3, 4, True),
        (6, None, True),
    ]
    assert result.errors[0].reason.startswith("lines 3-4: not UTF-8")


def test_cli_import_with_a_bad_byte_names_file_and_line(watchlist_file, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_bytes(jsonl("gut", "x").replace(b'"x"', b'"\xff"'))
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(path)])
    assert res.exit_code == 1, res.output
    assert "1 new" in res.output and f"{path}:2: not UTF-8" in res.output
    assert "Traceback" not in res.output


def test_nul_byte_does_not_hide_the_words_after_it_from_search(archive, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"id": "1", "text": "Paket\u0000verschwunden und Hotline stumm"}) + "\n")
    assert import_file(archive, path, default_brand="Acme").stats.new == 1
    row = mention_row(
        MentionIn(id="2", text="Bestellung\x00storniert", title="Ärger\x00pur"), default_brand="Acme"
    )
    archive.add_mentions([row])

    def search(q: str) -> list[int]:
        sql = "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ? ORDER BY rowid"
        return [r[0] for r in archive.conn.execute(sql, (q,))]

    assert search("hotline") == [1] and search("verschwunden") == [1]
    assert search("storniert") == [2] and search("pur") == [2]
    assert "\x00" not in "".join(
        r[0] for r in archive.conn.execute("SELECT text || coalesce(title, '') FROM mentions")
    )


def test_import_without_the_pseudonym_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDPULSE_PSEUDONYM_KEY", raising=False)
    cfg = tmp_path / "watchlist.yaml"
    cfg.write_text(yaml.safe_dump({**MINIMAL_WATCHLIST, "privacy": {"pseudonymise_authors": True}}))
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"id": "1", "text": "Paket kam nie", "author": "Jim Wesley"}) + "\n")
    res = runner.invoke(app, ["--config", str(cfg), "import", str(path)])
    assert res.exit_code == 2, res.output
    assert "$BRANDPULSE_PSEUDONYM_KEY is not set" in res.output and "nothing was imported" in res.output
    assert "Traceback" not in res.output and "MissingKey" not in res.output
    with Archive.open(tmp_path / "archive.db") as arc:
        assert arc.count("mentions") == 0
