"""Channels in the watchlist: Apprise URLs checked on load, secrets from the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.config import ConfigError, parse_watchlist
from monitor.core.preflight import notify_problems
from monitor.notify.channels import channels
from tests.helpers import paths
from tests.helpers.watchlists import MINIMAL_WATCHLIST


def watchlist(**top) -> dict:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL_WATCHLIST))
    data.update(top)
    return data


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_watchlist(data)
    return err.value.problems


def test_an_unknown_scheme_is_named_with_its_field():
    [p] = problems(watchlist(notify=[{"url": "slakc://T000/B000/XXX"}]))
    assert p.startswith("notify[0].url:") and "unknown notification scheme 'slakc'" in p and "slack://" in p


def test_a_known_scheme_missing_its_token_and_a_url_without_scheme_are_errors():
    data = watchlist()
    data["brands"][0]["notify"] = [{"url": "slack://onlyone"}, {"url": "hooks.example.org/x"}]
    [p1, p2] = problems(data)
    assert p1.startswith("brands[0].notify[0].url:") and "slack:// URL" in p1 and "missing or malformed" in p1
    assert p2.startswith("brands[0].notify[1].url:") and "SCHEME://" in p2


def test_exactly_one_of_url_and_url_env_and_a_valid_variable_name():
    [p] = problems(watchlist(notify=[{"url": "json://127.0.0.1:9/x", "url_env": "X"}]))
    assert "exactly one of url" in p
    [p] = problems(watchlist(notify=[{}]))
    assert "exactly one of url" in p
    [p] = problems(watchlist(notify=[{"url_env": "https://hooks.slack.com/x"}]))
    assert p.startswith("notify[0].url_env:") and "name an environment variable" in p
    [p] = problems(watchlist(notify=[{"url": "json://127.0.0.1:9/x", "event": ["opened"]}]))
    assert "unknown key" in p


def test_quiet_hours_need_quoted_distinct_times():
    [p] = problems(watchlist(notify_quiet_hours={"start": 1320, "end": "07:00"}))
    assert p.startswith("notify_quiet_hours.start:") and "quoted" in p
    [p] = problems(watchlist(notify_quiet_hours={"start": "07:00", "end": "7:00"}))
    assert "equal" in p
    wl = parse_watchlist(watchlist(notify_quiet_hours={"start": "22:00", "end": "7:00", "min_severity": 8}))
    assert wl.notify_quiet_hours.end.hour == 7 and wl.notify_quiet_hours.min_severity == 8


def test_url_env_is_checked_where_the_commands_run(monkeypatch, tmp_path):
    data = watchlist(notify=[{"url_env": "BP_TEST_HOOK"}], archive=str(tmp_path / "a.db"))
    wl = parse_watchlist(data)
    monkeypatch.delenv("BP_TEST_HOOK", raising=False)
    [p] = notify_problems(wl)
    assert p.startswith("notify[0].url_env: $BP_TEST_HOOK is not set")
    monkeypatch.setenv("BP_TEST_HOOK", "nosuch://secret-token@x")
    [p] = notify_problems(wl)
    assert "unknown notification scheme 'nosuch'" in p and "secret-token" not in p
    monkeypatch.setenv("BP_TEST_HOOK", "json://127.0.0.1:9/hook")
    assert notify_problems(wl) == []

    cfg = tmp_path / "watchlist.yaml"
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.delenv("BP_TEST_HOOK")
    result = CliRunner().invoke(app, ["config", "check", str(cfg)])
    assert result.exit_code == 2 and "$BP_TEST_HOOK is not set" in result.output
    # The real command, with its logging: Apprise's own log would print the URL (partly masked).
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT), "BP_TEST_HOOK": "slakc://secret-token-a/b"}
    out = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "config", "check", str(cfg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        out.returncode == 2 and "the URL in $BP_TEST_HOOK: unknown notification scheme 'slakc'" in out.stderr
    )
    assert "secret-token" not in out.stdout + out.stderr and " apprise " not in out.stderr


def test_channels_are_named_without_their_url_and_merged_when_listed_twice(monkeypatch):
    monkeypatch.setenv("BP_TEAM_HOOK", "json://127.0.0.1:9/team")
    data = watchlist(
        notify=[{"url_env": "BP_TEAM_HOOK"}],
        digest={"language": "en"},
    )
    data["brands"].append(
        {"name": "Other", "notify": [{"url": "json://127.0.0.1:9/x?token=abc", "language": "de"}]}
    )
    data["brands"][0]["notify"] = [
        {"url_env": "BP_TEAM_HOOK", "events": ["acknowledged"]},
        {"url": "json://127.0.0.1:9/acme", "name": "acme-ops"},
    ]
    team, acme, other = channels(parse_watchlist(data))  # watchlist order: top level, then brands
    assert team.name == "$BP_TEAM_HOOK" and team.brands is None and team.url == "json://127.0.0.1:9/team"
    assert team.events == {"opened", "escalated", "resolved", "acknowledged"} and team.language == "en"
    assert other.name.startswith("json#") and "abc" not in other.name and other.brands == {"Other"}
    assert other.language == "de" and other.wants("Other", "opened") and not other.wants("Acme", "opened")
    assert acme.name == "acme-ops" and not acme.wants("Acme", "acknowledged")
