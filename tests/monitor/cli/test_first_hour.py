"""The operator's first hour: what a new operator meets in the first commands they type.

One test per case of the "first hour" list (issue 19): --version, plain help, tables that fit
80 columns, no hard wraps in a pipe, plain-text classify, future dates, "already sent", one
log format, and enrich/classify that do not load the model for nothing."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from importlib.metadata import version

import pytest
from rich.console import Console
from typer.testing import CliRunner

from crawler.launch import CrawlOutcome
from monitor.cli.app import app
from monitor.cli.crawl import outcome_table
from monitor.core.archive import Archive
from monitor.enrich.run import watchlist_taxonomy
from nlp import sentiment
from nlp.tiny_model import tiny_test_model
from tests.helpers import paths
from tests.helpers.analyst import seed
from tests.helpers.digest import APPSTORE_KEY, DAY, add_crawl_run, digest_watchlist, seed_day
from tests.helpers.smtp import Inbox, SmtpServer

runner = CliRunner()
NARROW = {"COLUMNS": "80"}


def cli(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_version_prints_the_installed_version():
    res = cli("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"brandpulse {version('brandpulse')}"


def test_help_shows_flags_without_bool_and_lists_format_choices():
    for args in ([], ["enrich"], ["status"], ["forget"], ["run"]):
        res = cli(*args, "--help")
        assert res.exit_code == 0 and "<bool>" not in res.stdout, res.stdout
    query = cli("query", "--help").stdout
    assert "table|csv|json" in query and "--wide" in query and "--line" in query
    assert "csv|jsonl|parquet" in cli("export", "--help").stdout
    assert "brandpulse[serve]" in cli("serve", "--help").stdout
    bad = cli("query", "SELECT 1", "--format", "xml")
    assert bad.exit_code == 2 and "'xml' is not one of 'table', 'csv', 'json'" in bad.output


@pytest.fixture
def seeded(archive):
    seed(archive)
    return archive


def test_query_table_fits_80_columns_with_wide_and_line_modes(seeded, watchlist_file):
    sql = "SELECT id, author, title, text, published_at FROM mentions ORDER BY id LIMIT 5"
    c = str(watchlist_file)
    res = cli("-c", c, "query", sql, env=NARROW)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) == 2 + 5  # header, rule, one line a row
    # short columns (time stamps) stay whole; the long texts are cut
    assert len(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", res.stdout)) == 5
    assert "…" in res.stdout and "--wide or --line" in res.stderr
    text = seeded.conn.execute("SELECT text FROM mentions ORDER BY id LIMIT 1").fetchone()[0]
    wide = cli("-c", c, "query", sql, "--wide", env=NARROW)
    assert wide.exit_code == 0 and max(map(len, wide.stdout.splitlines())) > 80
    assert text.splitlines()[0] in wide.stdout
    line = cli("-c", c, "query", sql, "--line", env=NARROW)
    assert line.exit_code == 0 and f"text          {text.splitlines()[0]}" in line.stdout
    # SELECT * cannot fit 80 columns even cut: one field per line, said on stderr
    star = cli("-c", c, "query", "SELECT * FROM mentions LIMIT 1", env=NARROW)
    assert star.exit_code == 0 and "one field per line" in star.stderr
    assert re.search(r"^published_at\s+\d{4}-\d\d-\d\dT", star.stdout, re.M)
    assert cli("-c", c, "query", sql, "--wide", "--line").exit_code == 2


def test_query_table_rounds_floats(archive, watchlist_file):
    sql = "SELECT 1.0000000000000002 AS x, 0.1 + 0.2 AS y, 1e-9 AS z, 2.5 AS w"
    res = cli("-c", str(watchlist_file), "query", sql, env=NARROW)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[2].split() == ["1.0", "0.3", "1e-09", "2.5"]
    assert "0000000000000002" not in res.stdout
    exact = cli("-c", str(watchlist_file), "query", sql, "-f", "csv")  # csv keeps the digits
    assert "1.0000000000000002" in exact.stdout


def test_crawl_table_fits_80_columns():
    outcomes = [
        CrawlOutcome(
            1,
            "Beispiel Versand",
            "trustpilot",
            "trustpilot:beispiel-versand.de",
            "ok",
            12,
            140,
            3,
            0,
            1,
            12.3,
        ),
        CrawlOutcome(
            2,
            "Paketblitz Logistik GmbH",
            "feed",
            "feed:https://www.google.com/alerts/feeds/0123456789/987654321",
            "failed",
            parse_errors=2,
            http_errors=5,
            duration_s=3.0,
            layout_suspect=True,
        ),
    ]
    for shown in (outcomes, outcomes[:1]):  # two brands: a brand column; one: in the title
        lines = _render(shown).splitlines()
        assert max(map(len, lines)) <= 80
        assert len([ln for ln in lines if ln.strip()]) == 3 + len(shown)  # title, header, rule
    both = _render(outcomes)
    assert "failed layout?" in both and "2/5" in both and "12.3" in both  # figures never cut


def _render(outcomes) -> str:
    buf = io.StringIO()
    Console(file=buf, width=80).print(outcome_table(outcomes))
    return buf.getvalue()


def test_messages_are_not_hard_wrapped_when_output_is_not_a_terminal(tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "brandpulse"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    res = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "init", str(deep)],
        cwd=paths.ROOT,
        env={**env, "PYTHONPATH": str(paths.ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("\n") == 1  # one message, one line: a command to copy whole
    assert f"run: brandpulse --config {deep / 'watchlist.yaml'} config check" in res.stdout


def test_classify_accepts_plain_text_lines(monkeypatch, watchlist_file, tmp_path):
    monkeypatch.setattr(sentiment, "load_model", lambda *a, **k: tiny_test_model())
    src = tmp_path / "in.txt"
    src.write_text(
        "Die Lieferung kam viel zu spät.\n"
        '{"text": "The parcel never arrived", "id": 7}\n'
        "42\n"
        '{"text": broken json\n',
        encoding="utf-8",
    )
    res = cli("-c", str(watchlist_file), "classify", str(src))
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["text"] for o in out] == ["Die Lieferung kam viel zu spät.", "The parcel never arrived", "42"]
    assert out[1]["id"] == 7 and all(o["label"] in ("negative", "neutral", "positive") for o in out)
    assert out[0]["lang"] == "de" and out[1]["lang"] == "en"
    # a line that starts like JSON but is broken is a mistake in a JSONL file: named, skipped
    assert res.exit_code == 1 and f"{src}:4" in res.stderr and "not valid JSON" in res.stderr


def test_digest_refuses_a_future_date(watchlist_file, watchlist):
    res = cli("-c", str(watchlist_file), "digest", "--date", "2999-01-01")
    assert res.exit_code == 2 and "--date 2999-01-01 is in the future" in res.output
    assert not watchlist.digest_dir.exists() or not list(watchlist.digest_dir.iterdir())


def test_second_digest_send_says_already_sent(tmp_path):
    inbox = Inbox()
    with SmtpServer(inbox) as port:
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "sender": "d@brandpulse.test"}
        wl = digest_watchlist(tmp_path, recipients=[{"emails": ["a@example.com"]}], smtp=smtp)
        with Archive.open(wl.archive_path) as arc:
            seed_day(arc)
            add_crawl_run(arc, source_key=APPSTORE_KEY)
        args = ["-c", str(wl.source_path), "digest", "--date", DAY.isoformat(), "--send"]
        first, second = cli(*args), cli(*args)
    assert first.exit_code == 0 and "a@example.com: sent" in first.stdout
    assert second.exit_code == 0 and "a@example.com: already sent" in second.stdout
    assert len(inbox.messages) == 1


LOGGING_SCRIPT = """
import logging, sys
from monitor.cli.app import app
from monitor.daemon.logs import get_logger, log_event
app(["-v", "--config", sys.argv[1], "config", "check"], standalone_mode=False)
log_event(get_logger("enrich"), "enrich.finished", level=logging.WARNING, mentions=3, note="two words")
logging.getLogger("monitor.enrich.run").warning("enrich: mention %s failed", 7)
"""


def test_one_shot_commands_log_in_the_daemon_format(watchlist_file):
    """The daemon's key=value lines (monitor.daemon.logs), on stderr: stdout is the output."""
    res = subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT, str(watchlist_file)],
        cwd=paths.ROOT,
        env={**os.environ, "PYTHONPATH": str(paths.ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    lines = [ln for ln in res.stderr.splitlines() if "enrich" in ln]
    assert re.fullmatch(rf'{stamp} WARNING enrich enrich\.finished mentions=3 note="two words"', lines[0])
    assert re.fullmatch(rf"{stamp} WARNING monitor\.enrich\.run enrich: mention 7 failed", lines[1])
    assert "enrich" not in res.stdout


def _no_model(*args, **kw):
    raise AssertionError("the sentiment model was loaded")


def test_enrich_with_nothing_new_never_loads_the_model(monkeypatch, watchlist_file, watchlist):
    monkeypatch.setattr(sentiment, "load_model", _no_model)
    c = str(watchlist_file)
    empty = cli("-c", c, "enrich")
    assert empty.exit_code == 0, empty.output
    assert "Nothing to enrich" in empty.stdout
    # every mention enriched by the configured model and taxonomy: nothing to do either
    with Archive.open(watchlist.archive_path) as arc:
        seed(arc)
        with arc.conn:
            arc.conn.execute(
                "UPDATE enrichments SET model_version = ?, taxonomy_version = ?",
                (sentiment.model_version(watchlist.sentiment.model), watchlist_taxonomy(watchlist).version),
            )
    done = cli("-c", c, "enrich", "--json")
    assert done.exit_code == 0, done.output
    done_figures = json.loads(done.stdout)
    assert done_figures["pending"] == 0
    done_version = done_figures["model_version"]
    # new work: now the model is loaded
    monkeypatch.setattr(sentiment, "load_model", lambda *a, **k: tiny_test_model())
    with Archive.open(watchlist.archive_path) as arc, arc.conn:
        arc.conn.execute("DELETE FROM enrichments WHERE mention_id = (SELECT min(id) FROM mentions)")
    work = cli("-c", c, "enrich", "--json")
    assert work.exit_code == 0, work.output
    figures = json.loads(work.stdout)  # (the tiny model is another version: it redoes all)
    assert figures["enriched"] == figures["pending"] > 0 and figures["model_version"] != done_version
