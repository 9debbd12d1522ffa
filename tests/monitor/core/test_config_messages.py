"""How pydantic's errors read once formatted: the operator's value named once, no pydantic
jargon ("Value error, "), and what to write instead."""

from __future__ import annotations

import copy

import pytest

from monitor.core.config import ConfigError, parse_watchlist
from tests.helpers.watchlists import MINIMAL_WATCHLIST


def problem(change) -> str:
    data = copy.deepcopy(MINIMAL_WATCHLIST)
    change(data)
    with pytest.raises(ConfigError) as exc:
        parse_watchlist(data)
    [line] = exc.value.problems
    return line


def test_our_own_message_loses_pydantics_prefix_and_is_not_followed_by_the_value_again():
    line = problem(lambda d: d.update(timezone="Europe/Berln"))
    assert line == "timezone: 'Europe/Berln' is not an IANA time zone (e.g. Europe/Berlin)"


def test_a_number_the_message_already_names_is_not_repeated():
    line = problem(lambda d: d["digest"].update(send_time=450))
    assert line.startswith('digest.send_time: write the time as a quoted "HH:MM" string')
    assert line.endswith("got the number 450)") and line.count("450") == 2  # the example's and the value


def test_a_message_that_does_not_name_the_value_still_gets_it():
    def change(d):
        d["brands"][0]["sources"][0]["app_id"] = "abc"

    line = problem(change)
    assert line.startswith("brands[0].sources[0].app_id: app_id must be the numeric id")
    assert line.endswith("(got 'abc')") and "Value error" not in line


def test_an_unknown_source_type_is_echoed_with_the_nearest_type():
    def change(d):
        d["brands"][0]["sources"][0]["type"] = "appstor"

    line = problem(change)
    assert line.startswith("brands[0].sources[0]: unknown source type 'appstor' (did you mean appstore?)")
    assert "expected one of: appstore, google_play" in line


def test_a_wrong_boolean_says_what_to_write():
    def change(d):
        d["brands"][0]["competitor"] = "ja"
        d["brands"][0]["sources"][0]["enabled"] = "nein"

    data = copy.deepcopy(MINIMAL_WATCHLIST)
    change(data)
    with pytest.raises(ConfigError) as exc:
        parse_watchlist(data)
    assert exc.value.problems == [
        "brands[0].competitor: write true or false (got 'ja')",
        "brands[0].sources[0].enabled: write true or false (got 'nein')",
    ]


def test_a_number_of_the_wrong_kind_says_what_to_write():
    line = problem(lambda d: d.update(alerts={"min_count": "five"}))
    assert line == "alerts.min_count: write a whole number (an integer), e.g. 5 (got 'five')"
