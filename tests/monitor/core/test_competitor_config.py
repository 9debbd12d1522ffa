"""Competitors as tracked brands and ``serve.public_url`` in the watchlist (issue 18)."""

from __future__ import annotations

import re

import pytest
import yaml

from monitor.core.config import ConfigError, parse_watchlist
from tests.helpers import paths


def _wl(*brands, **extra):
    return parse_watchlist({"brands": list(brands), **extra})


def test_a_competitor_named_by_a_brand_is_compared_with_it():
    wl = _wl(
        {"name": "Acme", "competitors": ["Paketblitz", "KaufNest"]},
        {"name": "Beta"},
        {
            "name": "Paketblitz",
            "competitor": True,
            "sources": [{"type": "trustpilot", "domain": "pb.example"}],
        },
    )
    assert [b.name for b in wl.own_brands] == ["Acme", "Beta"]
    assert [b.name for b in wl.compared_with(wl.brand("Acme"))] == ["Paketblitz"]  # KaufNest: churn cue only
    assert wl.compared_with(wl.brand("Beta")) == []


@pytest.mark.parametrize(
    ("brands", "message"),
    [
        (
            [{"name": "Acme"}, {"name": "Paketblitz", "competitor": True}],
            r"Paketblitz is `competitor: true` but no brand names it: add `competitors: \[Paketblitz\]`",
        ),
        ([{"name": "Paketblitz", "competitor": True}], "track at least one brand of your own"),
        (
            [
                {"name": "Acme", "competitors": ["Paketblitz"]},
                {
                    "name": "Paketblitz",
                    "competitor": True,
                    "notify": [{"name": "x", "url": "json://127.0.0.1:9/"}],
                },
            ],
            "competitors get no alerts: remove its `notify` channels",
        ),
    ],
)
def test_a_competitor_that_cannot_work_is_an_error_naming_the_fix(brands, message):
    with pytest.raises(ConfigError, match=message):
        _wl(*brands)


def test_public_url_must_be_http_and_loses_its_trailing_slash():
    assert _wl({"name": "Acme"}, serve={"public_url": "https://pulse.example.com/"}).serve.public_url == (
        "https://pulse.example.com"
    )
    with pytest.raises(ConfigError, match=r"serve.public_url: .*not an http\(s\) URL"):
        _wl({"name": "Acme"}, serve={"public_url": "pulse.example.com"})


def test_the_readme_watchlist_example_is_valid():
    text = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "brands:" in b)
    wl = parse_watchlist(yaml.safe_load(block.replace("…", "x")))
    assert [b.name for b in wl.competitor_brands] == ["Paketblitz"]


def test_a_tracked_competitors_aliases_are_churn_cues():
    from monitor.detect.churn import ChurnMatcher

    wl = _wl(
        {"name": "Acme", "competitors": ["Warenblitz", "KaufNest"]},
        {"name": "Warenblitz", "competitor": True, "aliases": ["Blitzkauf"]},
    )
    names = wl.rival_names(wl.brand("Acme"))
    assert names == ["Warenblitz", "KaufNest", "Blitzkauf"]
    text = "Ich wechsle jetzt zu Blitzkauf, Acme ist zu langsam"
    assert ChurnMatcher(["Warenblitz", "KaufNest"]).reason(text) != ChurnMatcher(names).reason(text)
    assert "Blitzkauf" in ChurnMatcher(names).reason(text)


def test_config_check_counts_competitors_apart(tmp_path):
    from typer.testing import CliRunner

    from monitor.cli.app import app

    path = tmp_path / "watchlist.yaml"
    data = {
        "archive": str(tmp_path / "a.db"),
        "brands": [{"name": "Acme", "competitors": ["Zeta"]}, {"name": "Zeta", "competitor": True}],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    res = CliRunner().invoke(app, ["--config", str(path), "config", "check"])
    assert res.exit_code == 0, res.output
    assert "1 brand(s) + 1 tracked competitor(s)" in res.output


@pytest.mark.parametrize(
    ("brands", "message"),
    [
        (
            [
                {"name": "Acme", "aliases": ["ACME Versand", "globex"], "competitors": ["Globex"]},
                {"name": "Globex", "competitor": True},
            ],
            r"brands\[0\]\.aliases: 'globex' is the brand Globex of this watchlist: Acme would count "
            r"Globex's mentions as its own — remove it from Acme's aliases",
        ),
        (
            [{"name": "Acme", "competitors": ["KaufNest", "ACME"]}],
            r"brands\[0\]\.competitors: Acme lists itself as its own competitor: remove it",
        ),
        (
            [
                {"name": "Acme", "competitors": ["Globex"]},
                {"name": "Globex", "competitor": True, "competitors": ["Acme"]},
            ],
            r"brands\[1\]\.competitors: Globex is `competitor: true`, and competitors get no comparison "
            r"or churn alerts of their own, so this list does nothing: remove it",
        ),
    ],
)
def test_a_competitor_setting_that_would_mislead_is_an_error_naming_field_and_fix(brands, message):
    with pytest.raises(ConfigError, match=message):
        _wl(*brands)


def test_errors_found_across_brands_point_at_the_field_to_fix():
    with pytest.raises(ConfigError) as exc:
        _wl(
            {"name": "Acme", "competitors": ["Globex"]},
            {"name": "Globex", "competitor": True},
            {"name": "Initech", "competitor": True},
            {"name": "acme"},
        )
    assert [p.split(":")[0] for p in exc.value.problems] == ["brands[3].name", "brands[2].competitor"]
    assert "brands[0] already" in exc.value.problems[0]
