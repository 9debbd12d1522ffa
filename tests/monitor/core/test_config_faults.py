"""Broken watchlists as an operator writes them: each refused with the line, the field and the
fix, never a traceback; and `config check` runs every check that `run` and `import` run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.config import ConfigError, load_watchlist
from monitor.core.watchlist_yaml import MAX_WATCHLIST_BYTES
from tests.helpers.watchlists import MINIMAL_WATCHLIST

runner = CliRunner()

BASE = yaml.safe_dump(MINIMAL_WATCHLIST, allow_unicode=True, sort_keys=False)


def write(tmp_path: Path, text: str | bytes, name: str = "watchlist.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_watchlist(path)
    return exc.value.problems


def check(path: Path):
    return runner.invoke(app, ["config", "check", str(path)])


def test_invalid_utf8_in_the_watchlist_names_line_and_fix(tmp_path):
    text = BASE.replace("Acme Corp Looney", "Acme Caf\udce9 Looney")
    path = write(tmp_path, text.encode("utf-8", "surrogateescape"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Looney" in t)
    [problem] = problems(path)
    assert f"line {line}," in problem and "not UTF-8" in problem and "0xE9" in problem
    res = check(path)
    assert res.exit_code == 2 and "Traceback" not in res.output and "save the file as UTF-8" in res.output


def test_deep_nesting_is_a_config_error_not_a_traceback(tmp_path):
    path = write(tmp_path, BASE + "extra: " + "[" * 5000 + "]" * 5000 + "\n")
    [problem] = problems(path)
    assert "nested more than" in problem and "line" in problem
    res = check(path)
    assert res.exit_code == 2 and "RecursionError" not in res.output


@pytest.mark.parametrize("value", ["7:30", "2500", "7.5"])
def test_unquoted_send_time_is_an_error_naming_the_fix(tmp_path, value):
    data = BASE.replace("digest:\n", f"digest:\n  send_time: {value}\n")
    path = write(tmp_path, data)
    [problem] = problems(path)
    assert problem.startswith("digest.send_time:") and '"07:30"' in problem and "quoted" in problem


def test_quoted_send_times_work_and_a_single_digit_hour_is_understood(tmp_path):
    for value, expected in (('"07:30"', "07:30"), ('"7:30"', "07:30"), ("07:30", "07:30")):
        wl = load_watchlist(write(tmp_path, BASE.replace("digest:\n", f"digest:\n  send_time: {value}\n")))
        assert wl.digest.send_time.strftime("%H:%M") == expected, value


def test_duplicate_key_names_the_key_and_both_lines(tmp_path):
    text = "timezone: Europe/Berlin\n" + BASE  # BASE has its own timezone line
    second = next(i for i, t in enumerate(text.splitlines(), 1) if i > 1 and t.startswith("timezone:"))
    [problem] = problems(write(tmp_path, text))
    assert f"line {second}," in problem and "duplicate key 'timezone'" in problem and "line 1" in problem


def test_duplicate_key_inside_a_brand_is_found_too(tmp_path):
    text = BASE.replace("- name: Acme\n", "- name: Acme\n  name: Acme2\n")
    [problem] = problems(write(tmp_path, text))
    assert "duplicate key 'name'" in problem


def test_cron_the_scheduler_rejects_fails_config_check(tmp_path):
    text = BASE + 'crawler:\n  schedule: {cron: "a b c d e"}\n'
    res = check(write(tmp_path, text))
    assert res.exit_code == 2, res.output
    assert "crawler.schedule" in res.output and "'a b c d e'" in res.output
    assert 'Invalid month name "d"' in res.output


def test_archive_that_is_a_directory_fails_config_check_and_every_command(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = write(tmp_path, BASE.replace("archive: archive.db", f"archive: {folder}"))
    res = check(path)
    assert res.exit_code == 2 and "is a directory" in res.output and "brandpulse.db" in res.output
    for command in (["status"], ["import", str(write(tmp_path, '{"text": "x"}\n', "m.jsonl"))]):
        res = runner.invoke(app, ["--config", str(path), *command])
        assert res.exit_code == 2, (command, res.output)
        assert "is a directory" in res.output and "OperationalError" not in res.output


def test_archive_folder_that_cannot_be_created_fails_config_check(tmp_path):
    # /proc refuses new entries even to root, so this holds whoever runs the tests.
    path = write(tmp_path, BASE.replace("archive: archive.db", "archive: /proc/brandpulse/archive.db"))
    res = check(path)
    assert res.exit_code == 2 and "archive: cannot create files in /proc" in res.output


def test_config_check_needs_the_pseudonym_key_that_import_needs(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDPULSE_PSEUDONYM_KEY", raising=False)
    path = write(tmp_path, BASE + "privacy: {pseudonymise_authors: true}\n")
    res = check(path)
    assert res.exit_code == 2 and "BRANDPULSE_PSEUDONYM_KEY" in res.output
    monkeypatch.setenv("BRANDPULSE_PSEUDONYM_KEY", "k" * 32)
    assert check(path).exit_code == 0


def test_oversized_watchlist_is_refused_at_once(tmp_path):
    filler = "# " + "x" * 98 + "\n"
    path = write(tmp_path, BASE + filler * (MAX_WATCHLIST_BYTES // len(filler) + 10))
    started = time.perf_counter()
    [problem] = problems(path)
    assert time.perf_counter() - started < 0.5
    assert "MiB" in problem and "at most 1 MiB" in problem
