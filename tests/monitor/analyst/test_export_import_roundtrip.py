"""What `brandpulse export` writes, `brandpulse import` reads back to the same mentions: csv for
German Excel (BOM, `;`, decimal comma, neutralised formulas), plain csv and jsonl. The language
the source stated stays stated (the detected one is not taken for it) and App Store rows keep
their storefront."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

import monitor.analyst.formats as formats
import monitor.core.importer as importer
from monitor.cli.app import app
from monitor.core.archive import Archive
from monitor.core.rows import MentionIn, mention_row
from tests.helpers.watchlists import MINIMAL_WATCHLIST

runner = CliRunner()

#: What an import must bring back unchanged (the archive's own ``id`` is new in a new archive).
COMPARED = (
    "source, external_id, source_key, url, author, title, text, lang, rating, reach,"
    " published_at, brand, replied_at, storefront, content_hash"
)

MENTIONS = [
    # (external_id, source, text, title, author, stated lang, rating, reach, published_at, storefront)
    (
        "a1",
        "appstore",
        "Zürich; Lieferung 4,5 Tage zu spät",
        "Naja",
        "Anna",
        None,
        4.5,
        None,
        "2026-03-29T00:30:00Z",
        "at",
    ),
    (
        "a2",
        "appstore",
        '=HYPERLINK("http://x")',
        None,
        "@bert",
        "en",
        1.0,
        None,
        "2026-10-25T00:59:59Z",
        "de",
    ),
    ("a3", "appstore", None, "Nur Sterne", "Carla", None, 3.0, None, "2026-11-20T10:00:00Z", "ch"),
    (
        "m1",
        "mastodon",
        '@anna Paket kam nie\r\nzweite Zeile, mit "Zitat"',
        None,
        "-dora-",
        None,
        None,
        1200,
        "2026-11-21T23:15:00Z",
        None,
    ),
    ("m2", "mastodon", "-) schon wieder kaputt", "+1", "Emil", "de", None, 0, "2026-11-22T05:00:00Z", None),
    (
        "r1",
        "trustpilot",
        "Lieferung ok",
        None,
        None,
        None,
        0.30000000000000004,
        None,
        "2007-03-19T16:38:06Z",
        None,
    ),
]


def write_watchlist(folder, archive: str):
    folder.mkdir(exist_ok=True)
    path = folder / "watchlist.yaml"
    path.write_text(yaml.safe_dump({**MINIMAL_WATCHLIST, "archive": archive}, allow_unicode=True))
    return path


@pytest.fixture
def source(archive, watchlist_file):
    """An archive whose mentions have a detected language where the source stated none."""
    rows = []
    for ext, src, text, title, author, lang, rating, reach, published, storefront in MENTIONS:
        m = MentionIn(
            id=ext, source=src, source_key=f"{src}:x=1" if src == "appstore" else None,
            url=f"https://example.com/{ext}", text=text, title=title, author=author, lang=lang,
            rating=rating, reach=reach, published_at=published, storefront=storefront,
        )  # fmt: skip
        rows.append(mention_row(m, default_brand="Acme"))
    archive.add_mentions(rows)
    with archive.conn:
        archive.conn.execute(
            "UPDATE mentions SET replied_at = '2026-11-22T08:30:00Z' WHERE external_id = 'm1'"
        )
        archive.conn.execute(
            "INSERT INTO enrichments (mention_id, lang, lang_confidence, sentiment, score,"
            " text_hash, model_version, enriched_at) SELECT id, coalesce(lang, 'de'), 0.8,"
            " 'neutral', 0.5, 'h', 'test-1', '2026-11-22T00:00:00Z' FROM mentions WHERE text IS NOT NULL"
        )
    return archive, watchlist_file


def stored(path) -> dict[tuple, tuple]:
    with Archive.open(path) as arc:
        return {(r[0], r[1]): tuple(r) for r in arc.conn.execute(f"SELECT {COMPARED} FROM mentions")}


@pytest.mark.parametrize(
    ("args", "suffix"),
    [(["--format", "csv", "--excel"], "csv"), (["--format", "csv"], "csv"), (["--format", "jsonl"], "jsonl")],
    ids=["csv-excel", "csv", "jsonl"],
)
def test_an_export_imports_back_to_the_same_mentions(source, tmp_path, args, suffix):
    archive, watchlist_file = source
    out = tmp_path / f"export.{suffix}"
    res = runner.invoke(app, ["--config", str(watchlist_file), "export", *args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    if "--excel" in args:  # really the German Excel shape
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b";4,5;" in raw and b"'=HYPERLINK" in raw
    fresh = write_watchlist(tmp_path / "fresh", "fresh.db")
    res = runner.invoke(app, ["--config", str(fresh), "import", str(out)])
    assert res.exit_code == 0, res.output
    assert f"{len(MENTIONS)} new, 0 already in the archive" in res.output and "0 bad row(s)" in res.output
    before, after = stored(watchlist_file.parent / "archive.db"), stored(tmp_path / "fresh" / "fresh.db")
    assert after == before
    # what the test is about, spelled out: stated stays stated, detected is not taken for it
    assert {k[1]: v[7] for k, v in after.items()} == {m[0]: m[5] for m in MENTIONS}
    assert {k[1]: v[13] for k, v in after.items()} == {m[0]: m[9] for m in MENTIONS}


def test_an_export_has_the_stated_language_and_the_storefront_beside_the_detected_one(source):
    archive, watchlist_file = source
    res = runner.invoke(app, ["--config", str(watchlist_file), "export", "--format", "jsonl"])
    rows = {r["external_id"]: r for r in map(json.loads, res.stdout.splitlines())}
    assert (rows["a1"]["lang"], rows["a1"]["stated_lang"], rows["a1"]["storefront"]) == ("de", None, "at")
    assert (rows["a2"]["lang"], rows["a2"]["stated_lang"]) == ("en", "en")


def test_a_file_without_stated_lang_still_gives_its_lang_as_stated(archive, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"id": "1", "text": "Paket kam nie", "lang": "DE", "storefront": "AT"}\n')
    assert importer.import_file(archive, path, default_brand="Acme").stats.new == 1
    assert archive.conn.execute("SELECT lang, storefront FROM mentions").fetchone() == ("de", "at")


def test_the_importer_takes_off_exactly_the_quote_an_export_puts_before_a_formula():
    assert importer.FORMULA_STARTS == formats.FORMULA_STARTS
    for text in ("=1+1", "+49 30 1234", "-) ok", "@anna", "'already quoted", "'", "plain"):
        assert importer._unneutralised(formats.spreadsheet_safe(text)) == text
