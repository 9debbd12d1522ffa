"""`forget` where the person's data sits outside the rows: rendered digest files, and pages a
reader keeps in the WAL so that the main file still holds them."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.privacy import purge
from monitor.privacy.digest_files import REDACTED, clean_digests, redact
from reports.pipeline import run_digest
from tests.helpers.analyst import seed

runner = CliRunner()
AUTHOR = "laur849"
QUOTE = "Literally EVERY SINGLE time I am on Google on my iphone"
DAY = date(2026, 11, 21)


@pytest.fixture
def seeded(archive):
    return archive, seed(archive)


def main_file(arc) -> bytes:
    return arc.path.read_bytes()


def forget_cli(watchlist_file, *extra: str):
    return runner.invoke(
        app,
        ["-c", str(watchlist_file), "forget", "--author", AUTHOR, "--source", "appstore", "--yes", *extra],
    )


def test_forget_redacts_rendered_digests_and_names_the_files(seeded, watchlist, watchlist_file):
    arc, _ = seeded
    results = run_digest(watchlist, arc, period=DAY)
    files = [p for r in results for p in (r.html_path, r.text_path)]
    their_text = arc.conn.execute(
        "SELECT text FROM mentions WHERE author = ? ORDER BY id LIMIT 1", (AUTHOR,)
    ).fetchone()[0]
    quoting = [p for p in files if AUTHOR in p.read_text() or QUOTE in p.read_text()]
    assert quoting, "the rendered digest quotes them (else this test proves nothing)"
    other = watchlist.digest_dir / "digest-2026-11-20-default.html"
    other.write_text("<p>nothing about them</p>", encoding="utf-8")

    res = forget_cli(watchlist_file)

    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "digest files redacted:" in flat and all(str(p) in flat for p in quoting)
    for p in quoting:
        body = p.read_text()
        assert AUTHOR not in body and QUOTE not in body and their_text[:40] not in body
        assert REDACTED in body
    assert other.read_text() == "<p>nothing about them</p>"
    for path in watchlist.digest_dir.rglob("*"):  # the period's spreadsheet too, if any
        if path.is_file() and path.suffix in (".html", ".txt", ".csv"):
            body = path.read_text(errors="replace")
            assert AUTHOR not in body and QUOTE not in body, path


def test_digest_redaction_handles_escaping_clipping_and_case(tmp_path):
    text = 'Die "Lieferung" kam <nie> an & niemand hat sich gemeldet, obwohl ich dreimal anrief.'
    body = (
        "<p>Von JIM Wesley:</p><div>Die &#34;Lieferung&#34; kam &lt;nie&gt; an &amp; niemand hat "
        "sich gemeldet, obwohl…</div><p>Andere: Alles bestens, danke an das Team!</p>"
    )
    out = redact(body, ["Jim Wesley"], [text], is_html=True)
    assert "JIM" not in out and "niemand" not in out and "Lieferung" not in out
    assert "Alles bestens, danke an das Team!" in out and out.count(REDACTED) == 2
    # a file that still names them after redaction (here: a character reference) is deleted
    odd = tmp_path / "digest-odd.html"
    odd.write_text("<p>&#74;im Wesley wrote</p>", encoding="utf-8")
    plain = tmp_path / "digest-plain.txt"
    plain.write_text(f"> {text[:50]}…\n> Alles bestens\n", encoding="utf-8")
    done = clean_digests(tmp_path, ["Jim Wesley"], [text])
    assert done.deleted == [str(odd)] and not odd.exists()
    assert done.redacted == [str(plain)]
    assert plain.read_text() == f"> {REDACTED}…\n> Alles bestens\n"


def test_forget_with_a_reader_open_fails_loudly_instead_of_leaving_the_bytes(
    seeded, watchlist_file, monkeypatch
):
    arc, _ = seeded
    monkeypatch.setattr(purge, "PURGE_WAIT_S", 1.5)
    with arc.conn:
        arc.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    assert QUOTE.encode() in main_file(arc)
    reader = sqlite3.connect(arc.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM mentions").fetchone()  # holds a read snapshot
    try:
        res = forget_cli(watchlist_file)
        flat = " ".join(res.output.split())
        assert res.exit_code == 1, res.output
        assert "holds the archive open for reading" in flat and "still in the archive file" in flat
        assert QUOTE.encode() in main_file(arc), "the test reproduces the stale main file"
    finally:
        reader.close()
    # once the reader is gone, running forget again finishes the purge
    res = forget_cli(watchlist_file)
    assert "files purged" in res.output
    assert QUOTE.encode() not in main_file(arc) and AUTHOR.encode() not in main_file(arc)


def test_forget_retries_until_a_short_reader_lets_go(seeded, watchlist_file, monkeypatch):
    arc, _ = seeded
    monkeypatch.setattr(purge, "PURGE_WAIT_S", 20)
    reader = sqlite3.connect(arc.path, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM mentions").fetchone()
    closer = threading.Timer(2.0, reader.close)
    closer.start()
    started = time.monotonic()
    try:
        res = forget_cli(watchlist_file)
    finally:
        closer.join()
    assert res.exit_code == 0, res.output
    assert "retrying the purge" in " ".join(res.output.split()) and "files purged" in res.output
    assert time.monotonic() - started < 15
    assert QUOTE.encode() not in main_file(arc)
