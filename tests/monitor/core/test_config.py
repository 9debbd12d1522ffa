"""The watchlist: strict validation with errors that name the file, the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.config import ConfigError, load_watchlist, parse_watchlist
from tests.helpers import paths
from tests.helpers.watchlists import MINIMAL_WATCHLIST

runner = CliRunner()
TEMPLATE = paths.ROOT / "monitor" / "cli" / "templates" / "watchlist.yaml"


def write(tmp_path: Path, data) -> Path:
    p = tmp_path / "wl.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data)
    return p


def test_template_is_valid_and_has_required_topics():
    wl = load_watchlist(TEMPLATE)
    expected = {
        "delivery",
        "customer_service",
        "price",
        "quality",
        "refunds",
        "app_website",
        "waiting_time",
        "billing",
        "cancellation",
        "staff_friendliness",
    }
    assert expected <= set(wl.topics)
    for name in expected:
        assert wl.topics[name].keywords.get("de") and wl.topics[name].keywords.get("en"), name


def test_relative_archive_path_is_relative_to_the_file(tmp_path):
    wl = load_watchlist(write(tmp_path, MINIMAL_WATCHLIST))
    assert wl.archive_path == (tmp_path / "archive.db").resolve()


def test_typo_and_wrong_type_are_both_named(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["brands"][0]["aliasses"] = ["typo"]
    data["alerts"] = {"min_count": "five"}
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as exc:
        load_watchlist(path)
    text = str(exc.value)
    assert "brands[0].aliasses: unknown key" in text
    assert "alerts.min_count" in text and "integer" in text
    assert str(path) in text


def test_source_errors_point_into_the_source_list(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["brands"][0]["sources"] = [
        {"type": "appstore", "app_id": "abc"},
        {"type": "myspace", "url": "x"},
        {"type": "feed"},
    ]
    with pytest.raises(ConfigError) as exc:
        load_watchlist(write(tmp_path, data))
    probs = exc.value.problems
    assert any(p.startswith("brands[0].sources[0].app_id") and "numeric" in p for p in probs)
    assert any(p.startswith("brands[0].sources[1]") and "unknown source type" in p for p in probs)
    assert any(p.startswith("brands[0].sources[2].url") and "missing" in p for p in probs)


def test_bad_timezone_and_time(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["timezone"] = "Europe/Berlinn"
    data["digest"]["send_time"] = "25:00"
    with pytest.raises(ConfigError) as exc:
        load_watchlist(write(tmp_path, data))
    assert any("timezone" in p and "IANA" in p for p in exc.value.problems)
    assert any(p.startswith("digest.send_time") for p in exc.value.problems)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_watchlist(write(tmp_path, "brands:\n  - name: [unclosed\n"))
    assert "line" in str(exc.value) and "invalid YAML" in str(exc.value)


def test_secrets_only_from_environment(monkeypatch, tmp_path):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["digest"]["smtp"] = {"host": "127.0.0.1", "password": "hunter2"}
    with pytest.raises(ConfigError) as exc:
        load_watchlist(write(tmp_path, data))
    assert "digest.smtp.password: unknown key" in str(exc.value)
    wl = parse_watchlist(MINIMAL_WATCHLIST)
    monkeypatch.setenv("BRANDPULSE_SMTP_PASSWORD", "s3cret")
    assert wl.digest.smtp.password == "s3cret"


def test_source_key_is_stable_and_distinct():
    wl = parse_watchlist(
        {
            "brands": [
                {
                    "name": "A",
                    "sources": [
                        {"type": "appstore", "app_id": "1", "country": "de"},
                        {"type": "appstore", "app_id": "1", "country": "at"},
                    ],
                }
            ]
        }
    )
    keys = [s.key for s in wl.brands[0].sources]
    assert keys == ["appstore:app_id=1,country=de", "appstore:app_id=1,country=at"]


def test_cli_config_check_exit_codes(tmp_path):
    good = write(tmp_path, MINIMAL_WATCHLIST)
    ok = runner.invoke(app, ["config", "check", str(good)])
    assert ok.exit_code == 0, ok.output
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data["digest"]["recipents"] = []
    data["alerts"] = {"alpha": "high"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["config", "check", str(bad)])
    assert res.exit_code == 2
    out = res.output
    assert "digest.recipents" in out and "alerts.alpha" in out and str(bad) in out


def test_cli_init_writes_a_valid_file(tmp_path):
    res = runner.invoke(app, ["init", str(tmp_path / "x")])
    assert res.exit_code == 0, res.output
    assert load_watchlist(tmp_path / "x" / "watchlist.yaml").brands
    again = runner.invoke(app, ["init", str(tmp_path / "x")])
    assert again.exit_code == 2
