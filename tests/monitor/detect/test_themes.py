"""Unconfigured themes end to end with the real keyness: the air-conditioning case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.detect.run import run_detect
from tests.helpers.detect import Mention, add, local

pytestmark = pytest.mark.slow  # loads the spaCy lemma tables

DAY = date(2026, 7, 3)
EVERYDAY = [
    "Der Zug war wieder {} Minuten verspätet.",
    "Kein WLAN im Wagen {}, wie immer.",
    "Toiletten in Wagen {} dreckig und kaputt.",
    "Anschluss verpasst, {} Minuten am Bahnsteig gewartet.",
    "Sitzplatzreservierung in Wagen {} wurde nicht angezeigt.",
]
AIR_CON = [
    "Klimaanlage ausgefallen, 35 Grad im Wagen {}.",
    "Im ICE {} kapitulieren die Klimaanlagen.",
    "Keine Kühlung in Wagen {} #klimaanlage #hitze",
    "Die Klima-Anlage in Wagen {} läuft seit gestern nicht mehr.",
    "#Klimaanlage in Wagen {} tot, niemand sagt etwas.",
    "Wann wird die Klimaanlage in Wagen {} endlich repariert?",
]


def stream(archive):
    """Five weeks of everyday complaints (about five a day) about a rail operator."""
    out, day, n = [], DAY - timedelta(days=35), 0
    while day < DAY + timedelta(days=1):
        for i in range(5):
            n += 1
            out.append(Mention(local(day, 7 + 2 * i), f"r{n % 300}", EVERYDAY[n % 5].format(n), topics=()))
        day += timedelta(days=1)
    add(archive, out)


def themes(wl, archive):
    from nlp.keyness import emerging_terms

    found = run_detect(wl, archive, as_of=DAY, now=local(DAY + timedelta(days=1), 6), emerging=emerging_terms)
    return [c for c in found if c.kind == "theme"]


def test_six_customers_writing_it_six_ways_open_one_theme(watchlist, archive):
    stream(archive)
    add(
        archive,
        [Mention(local(DAY, 9 + i), f"hot{i}", t.format(i + 1), topics=()) for i, t in enumerate(AIR_CON)],
    )
    [theme] = themes(watchlist, archive)
    assert theme.topic.replace("-", "").casefold() == "klimaanlage" and theme.authors == 6


def test_one_loud_author_writing_it_eight_times_opens_no_theme(watchlist, archive):
    stream(archive)
    loud = [
        Mention(local(DAY, 8 + i), "loud", t.format(i + 1), topics=())
        for i, t in enumerate(AIR_CON + AIR_CON[:2])
    ]
    add(archive, loud + [Mention(local(DAY, 20), "friend", AIR_CON[0].format(99), topics=())])
    assert themes(watchlist, archive) == []
