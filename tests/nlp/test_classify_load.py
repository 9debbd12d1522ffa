"""``brandpulse classify`` loads its model with the cyclic garbage collector off, freezes what the
load created, and always leaves the collector on (also when the load fails)."""

from __future__ import annotations

import gc

import pytest
from typer.testing import CliRunner

from nlp import sentiment as S
from nlp.tiny_model import tiny_test_model


@pytest.fixture
def cli(monkeypatch, tmp_path):
    import monitor.cli.classify as cl
    from monitor.cli.app import app

    monkeypatch.setattr(cl, "language_detector", lambda langs: lambda texts: ["de"] * len(texts))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRANDPULSE_CONFIG", raising=False)
    yield lambda: CliRunner().invoke(app, ["classify", "-", "--no-progress"], input="gut\n")
    gc.unfreeze()
    gc.enable()


def test_model_loads_with_the_collector_off_then_frozen(cli, monkeypatch):
    tiny = tiny_test_model()
    seen = []

    def load(*a, **k):
        seen.append(gc.isenabled())
        return tiny

    monkeypatch.setattr(S, "load_model", load)
    gc.unfreeze()
    res = cli()
    assert res.exit_code == 0, res.output
    assert '"label"' in res.stdout
    assert seen == [False]
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_a_failed_load_leaves_the_collector_on(cli, monkeypatch):
    def broken(*a, **k):
        assert not gc.isenabled()
        raise S.ModelNotAvailable("no such model here")

    monkeypatch.setattr(S, "load_model", broken)
    res = cli()
    assert res.exit_code != 0 and "no such model here" in res.output
    assert gc.isenabled()
