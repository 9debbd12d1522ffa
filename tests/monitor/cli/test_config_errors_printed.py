"""Config errors as the CLI prints them: literal text (rich must not read `[de, at]` as markup),
and `config check` refusing what `digest` would refuse."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from crawler.launch import CrawlOutcome
from monitor.cli import crawl
from monitor.cli.app import app
from tests.helpers.watchlists import MINIMAL_WATCHLIST

runner = CliRunner()


def write(tmp_path: Path, change) -> Path:
    data = copy.deepcopy(MINIMAL_WATCHLIST)
    change(data)
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def source(**fields):
    def change(data):
        data["brands"][0]["sources"] = [{"type": "appstore", "app_id": "284815942", **fields}]

    return change


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"country": "de", "countries": ["at"]}, "not both — e.g. countries: [de, at, ch]"),
        (
            {"countries": ["de", "uk", "deu"]},
            "deu: not a two-letter storefront code; write e.g. [de, at, gb], or all",
        ),
    ],
)
def test_config_check_prints_bracketed_text_literally(tmp_path, fields, shown):
    res = runner.invoke(app, ["config", "check", str(write(tmp_path, source(**fields)))])
    assert res.exit_code == 2, res.output
    assert shown in res.output


def test_a_crawl_note_with_brackets_is_printed_literally(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(crawl, "console", Console(file=out, width=200))
    note = "HTTP 400 for ?q=[acme] [bold]not markup[/]"
    crawl.print_notes([CrawlOutcome(1, "Acme", "feed", "feed:x", "failed", message=note)])
    assert note in out.getvalue()


def with_competitor(data):
    data["brands"][0]["competitors"] = ["Globex"]
    data["brands"].append({"name": "Globex", "competitor": True})


@pytest.mark.parametrize(
    ("named", "message"),
    [
        (
            "Nope",
            "digest.recipients[0].brands: 'Nope' is no brand of this watchlist; name one of its own brands: Acme",
        ),
        (
            "Globex",
            "digest.recipients[0].brands: Globex is `competitor: true`, and competitors get no digest of "
            "their own: their comparison appears in the digest of Acme",
        ),
    ],
)
def test_a_recipient_group_naming_no_own_brand_fails_config_check_and_digest_alike(tmp_path, named, message):
    def change(data):
        with_competitor(data)
        data["digest"]["recipients"][0]["brands"] = [named]

    path = write(tmp_path, change)
    for command in (["config", "check"], ["digest", "--date", "2026-01-05"]):
        res = runner.invoke(app, ["--config", str(path), *command])
        assert res.exit_code == 2, (command, res.output)
        assert message in res.output, command
        assert "names no brand" not in res.output
