"""Source labels follow the digest's language: a German digest says "Website-Bewertungen" in
every place a source is named (sources section, quotes, alerts, reply rate); names stay."""

from __future__ import annotations

import copy
import re
from html import unescape

import pytest
import yaml

from monitor.core.config import load_watchlist
from reports.build import build_digest, topic_label
from reports.i18n import LANGUAGES, STRINGS, Formatter
from reports.queries import SOURCE_LABELS
from reports.queries.labels import source_label
from reports.render import render
from tests.helpers.digest import DAY, TZ, add_alert, add_crawl_run, add_mention, local_time
from tests.helpers.watchlists import MINIMAL_WATCHLIST

SHOP = "https://shop.example/bewertungen"
FEEDS = ("https://news.example/acme.xml", "https://forum.example/acme.xml")


@pytest.fixture
def wl(tmp_path):
    """The minimal watchlist with a website-review source and two feeds."""
    data = copy.deepcopy(MINIMAL_WATCHLIST)
    data["brands"][0]["sources"] += [
        {"type": "schemaorg", "urls": [SHOP]},
        *({"type": "feed", "url": u} for u in FEEDS),
    ]
    data["digest"] = {"recipients": [{"emails": ["team@example.com"]}]}
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_watchlist(path)


def _seed(arc, wl) -> None:
    brand = wl.brands[0]
    key = next(s.key for s in brand.sources if s.type == "schemaorg")
    for n in range(3):  # critics on the website: one answered, so the reply rate names the source
        add_mention(
            arc,
            text=f"Paket kam nie an, Nummer {n}",
            rating=1,
            published=local_time(DAY, 8 + n),
            external_id=f"web-{n}",
            source="schemaorg",
            source_key=key,
            replied_at=local_time(DAY, 20) if n == 0 else None,
        )
    add_crawl_run(arc, source_key=key, spider="schemaorg", at=local_time(DAY, 6))
    add_alert(arc, sources='["schemaorg"]')


def test_a_german_digest_names_sources_in_german_everywhere(wl, arc):
    _seed(arc, wl)
    label = "Website-Bewertungen"
    view = build_digest(arc.conn, wl, DAY, language="de")
    out = render(view, topic_labels={t: topic_label(wl, t, "de") for t in wl.topics}, charts=False)
    html, text = unescape(out.html), out.text
    for part in (html, text):
        assert "Website reviews" not in part and "News / Alerts" not in part
    assert f"- {label}: 3 Erwähnungen" in text  # the sources section
    assert f"{label} · someone · 1★" in text  # a critic's quote in the answer list
    assert f"Quellen: {label}" in text  # the alert's sources
    assert f"Beantwortet ({label}):" in text  # the reply rate
    # two feeds of one type are told apart by their detail, after the German word
    assert "Nachrichten / Alerts · news.example acme.xml" in text
    assert "Nachrichten / Alerts · forum.example acme.xml" in text
    assert re.search(f"<td[^>]*>{label}<", html)  # the sources table
    # the same archive in English keeps the English words
    out = render(build_digest(arc.conn, wl, DAY, language="en"), charts=False)
    assert "- Website reviews: 3 mentions" in out.text and "Answered (Website reviews):" in out.text
    assert "News / Alerts · forum.example acme.xml" in out.text and "Website-Bewertungen" not in out.text


def test_every_source_type_has_a_label_in_every_language_and_names_stay_names():
    types = set(SOURCE_LABELS)
    assert {"appstore", "google_play", "schemaorg", "feed", "import"} <= types
    for lang in LANGUAGES:
        f = Formatter(lang, TZ)
        assert {k.removeprefix("src_") for k in STRINGS[lang] if k.startswith("src_")} == types
        assert all(f.source(t) == source_label(t, lang) for t in types)
        for name in (
            "App Store",
            "Google Play",
            "Trustpilot",
            "Reddit",
            "Mastodon",
            "Bluesky",
            "Hacker News",
        ):
            assert name in {source_label(t, lang) for t in types}
    assert source_label("schemaorg", "de") == "Website-Bewertungen"
    assert source_label("newthing", "de") == "newthing"  # an unknown type as stored
