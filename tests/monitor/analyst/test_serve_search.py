"""Full-text search in `brandpulse serve`: what marketing users type (plain words, hyphens,
questions, nothing) finds mentions, and the documented FTS5 syntax keeps working."""

from __future__ import annotations

import json
import random
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from monitor.analyst import serve as serve_mod
from monitor.analyst.fts import COLUMNS, NOTHING, fts_columns, fts_query, is_fts5, plain_words
from monitor.core.archive import Archive
from monitor.core.config import load_watchlist
from monitor.core.rows import MentionIn, mention_row
from tests.helpers.serve import start_serve, stop_serve
from tests.helpers.watchlists import MINIMAL_WATCHLIST

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
#: key: (title, text); published one hour apart, "shop" newest.
TEXTS = {
    "shop": ("Paket-Shop", "Der Paket-Shop um die Ecke hatte schon geschlossen."),
    "where": (None, "Wo ist mein Paket? Seit Tagen keine Info."),
    "late": (None, "Die Lieferung kam zu spät und das Paket war beschädigt."),
    "apart": (None, "Im Shop freundlich beraten, aber das Paket kam nie an."),
    "evening": (None, "Spät am Abend war die Tür zu, die Lieferzeit war mir egal."),
}


# -- the pure function ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "liefer*",
        '"zu spät"',
        "Paket NOT Shop",
        "Paket OR Lieferung",
        "NEAR(Paket spät, 5)",
        "title: Paket",
        "wo ist mein Paket",
        "^Paket",
    ],
)
def test_valid_fts5_is_used_as_written(query):
    assert is_fts5(query)
    assert fts_query(query) == query


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("Paket-Shop", '"Paket-Shop"'),
        ("wo ist mein Paket?", '"wo" "ist" "mein" "Paket?"'),
        ('"zu spät', '"""zu" "spät"'),
        ("Paket:", '"Paket:"'),
        ("AND", '"AND"'),
        ("Paket-Sh*", '"Paket-Sh"*'),
        ("Lieferung OR", '"Lieferung" "OR"'),
        ("*", '"*"'),
    ],
)
def test_invalid_fts5_becomes_plain_words(typed, plain):
    assert not is_fts5(typed)
    assert fts_query(typed) == plain
    assert is_fts5(plain)


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", None])
def test_a_blank_query_matches_nothing_without_error(blank):
    assert fts_query(blank) == NOTHING
    assert is_fts5(NOTHING)


def test_column_filters_are_checked_against_the_searched_columns():
    assert is_fts5("title: Paket") and not is_fts5("body: Paket")
    assert fts_query("body: Paket", columns=("body",)) == "body: Paket"
    assert fts_query("body: Paket") == '"body:" "Paket"'


def test_plain_words_are_always_valid_fts5():
    rng = random.Random(7)
    alphabet = "ab üß-*\"():^+?.,!'\\\t{}NEAR ANDORNOT"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))
        assert is_fts5(plain_words(text)), text
        assert is_fts5(fts_query(text)), text


def test_the_default_columns_are_the_archives(archive):
    assert fts_columns(archive.conn) == COLUMNS
    assert fts_columns(sqlite3.connect(":memory:")) == COLUMNS


# -- live: Datasette on 127.0.0.1 -------------------------------------------------------


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A Datasette over an archive of the German mentions in ``TEXTS``: (db URL, {key: id})."""
    pytest.importorskip("datasette")
    d = tmp_path_factory.mktemp("serve_search")
    path = d / "watchlist.yaml"
    path.write_text(yaml.safe_dump(MINIMAL_WATCHLIST, allow_unicode=True), encoding="utf-8")
    wl = load_watchlist(path)
    rows = [
        mention_row(
            MentionIn(
                id=key,
                source="import",
                title=title,
                text=text,
                lang="de",
                published_at=NOW - timedelta(hours=i),
                brand="Acme",
            ),
            default_brand="Acme",
            fetched_at=NOW,
        )
        for i, (key, (title, text)) in enumerate(TEXTS.items())
    ]
    with Archive.open(wl.archive_path) as arc:
        arc.add_mentions(rows)
        ids = dict(arc.conn.execute("SELECT external_id, id FROM mentions"))
    proc, base = start_serve(wl, d)
    yield base + "/" + serve_mod.database_name(wl.archive_path), ids
    stop_serve(proc)


def _keys(ids: dict[str, int], rows: list[dict]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[r["id"]] for r in rows]


def _search(db: str, q: str) -> list[dict]:
    status, body = _get(
        db + "/search.json?" + urllib.parse.urlencode({"q": q, "brand": "", "_shape": "array"})
    )
    assert status == 200
    return json.loads(body)


def _table_search(db: str, q: str) -> list[dict]:
    query = urllib.parse.urlencode({"_search": q, "_shape": "array"})
    status, body = _get(db + "/mentions.json?" + query)
    assert status == 200
    return json.loads(body)


CASES = [
    # ordinary input: a hyphenated word is a phrase ("apart" has both words, not together)
    ("Paket-Shop", {"shop"}),
    ("wo ist mein Paket?", {"where"}),
    # the documented syntax
    ("liefer*", {"late", "evening"}),
    ('"zu spät"', {"late"}),
    ("Paket NOT Shop", {"where", "late"}),
    ("NEAR(Paket Ecke, 5)", {"shop"}),
]


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_canned_search_takes_plain_words_and_fts5_syntax(served, q, expected):
    db, ids = served
    rows = _search(db, q)
    assert set(_keys(ids, rows)) == expected
    assert all("[" in r["snippet"] for r in rows)  # the matches are marked


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_the_mentions_search_box_takes_the_same_input(served, q, expected):
    db, ids = served
    assert set(_keys(ids, _table_search(db, q))) == expected


def test_no_search_text_lists_the_newest_mentions(served):
    db, ids = served
    newest_first = list(TEXTS)
    assert _keys(ids, _search(db, "")) == newest_first
    assert _keys(ids, _search(db, "  ")) == newest_first
    status, body = _get(db + "/search")  # the page as opened from the database page
    assert status == 200 and b"Paket-Shop" in body
    status, body = _get(db + "/search.json?_shape=array")
    assert status == 200 and _keys(ids, json.loads(body)) == newest_first


def test_the_html_pages_render_ordinary_input(served):
    db, _ = served
    q = urllib.parse.quote("wo ist mein Paket?")
    for url in (f"{db}/search?q={q}&brand=", f"{db}/mentions?_search={q}"):
        status, body = _get(url)
        assert status == 200 and b"Seit Tagen keine Info" in body
