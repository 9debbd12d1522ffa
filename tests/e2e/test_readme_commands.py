"""Every ``brandpulse`` command README.md shows runs against the demo archive.

The README is what a new operator copies first, so each command in its code blocks (and each
row of its command table, with the optional ``[...]`` parts left out) is run, as written, by the
installed ``brandpulse`` script with the demo's watchlist. The ones that cannot run here are
skipped with their reason, listed in ``SKIPPED``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import paths

pytestmark = pytest.mark.slow

README = paths.ROOT / "README.md"
BRANDPULSE = Path(sys.executable).with_name("brandpulse")

#: Commands that cannot run in a test, by subcommand, and why.
SKIPPED = {
    "run": "the scheduler daemon runs until stopped (tests/e2e/test_daemon.py runs it)",
    "serve": "a web server that runs until stopped (tests/monitor/analyst/test_serve.py)",
    "crawl": "the demo watchlist names the real sites: the network (the demo crawls local snapshots)",
    "demo": "the module fixture runs it once",
}
#: Table rows that are not one command (a list of commands, each with its own example).
NOT_A_COMMAND = re.compile(r"\s/\s|\b(FILE|SQL|NAME|DATE|TYPE)\b")


def code_block_commands(text: str) -> list[str]:
    """``brandpulse …`` lines of the ```sh code blocks."""
    out = []
    for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if re.match(r"(\.venv/bin/)?brandpulse\b", line):
                out.append(line)
    return out


def table_commands(text: str) -> list[str]:
    """The command table's first column, optional ``[...]`` parts left out."""
    out = []
    for cell in re.findall(r"^\| `(brandpulse [^`]*)` \|", text, re.M):
        command = re.sub(r"\s*\[[^\]]*\]", "", cell).strip()
        if not NOT_A_COMMAND.search(command):
            out.append(command)
    return out


COMMANDS = code_block_commands(README.read_text(encoding="utf-8")) + table_commands(
    README.read_text(encoding="utf-8")
)


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 10 and any("export" in c for c in COMMANDS)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """`brandpulse demo DIR` once: crawl (local snapshots), enrich, detect, digest."""
    folder = tmp_path_factory.mktemp("readme") / "demo"
    res = subprocess.run([str(BRANDPULSE), "demo", str(folder)], capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    return folder


def argv(command: str, watchlist: Path) -> list[str]:
    """The command as the shell would split it, run by this environment's script, with the
    demo's watchlist as the global --config unless the command names its own."""
    words = shlex.split(command, comments=True)
    assert Path(words[0]).name == "brandpulse"
    rest = words[1:]
    if rest[:1] in (["--config"], ["-c"]):
        rest = rest[2:]
    return [str(BRANDPULSE), "--config", str(watchlist), *rest]


def subcommand(command: str) -> str:
    words = [w for w in shlex.split(command, comments=True)[1:] if not w.startswith("-")]
    if "--config" in command:  # the value of --config is not the subcommand
        words = words[1:]
    return words[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_on_the_demo(command, demo, tmp_path):
    reason = SKIPPED.get(subcommand(command))
    if reason:
        pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if k != "BRANDPULSE_CONFIG"}
    res = subprocess.run(
        argv(command, demo / "watchlist.yaml"),
        cwd=tmp_path,  # a fresh folder each: `init .` writes here, `--out` files land here
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, f"{command}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    for out in re.findall(r"--out (\S+)", command):
        assert (tmp_path / out).stat().st_size > 0
