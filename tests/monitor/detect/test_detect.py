"""Detection end to end on a real archive file: floors, lifecycle, replay, churn, themes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from monitor.detect.run import run_detect
from tests.helpers.detect import Mention, add, background, burst, local

DAY = date(2026, 10, 14)  # a Wednesday
HISTORY = DAY - timedelta(weeks=8)


def detect(wl, archive, day, **kw):
    return run_detect(
        wl,
        archive,
        as_of=day,
        now=local(day + timedelta(days=1), 6),
        emerging=kw.pop("emerging", _no_themes),
        **kw,
    )


def _no_themes(*a, **k):
    return []


def spikes(changes, topic="delivery"):
    return [c for c in changes if c.kind == "spike" and c.topic == topic]


@pytest.fixture
def quiet(watchlist, archive):
    background(archive, HISTORY, DAY + timedelta(days=14))
    return watchlist, archive


def test_one_author_posting_fifteen_complaints_raises_no_alert(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 15, authors=1))
    changes = detect(wl, archive, DAY)
    assert [c for c in changes if c.kind == "spike"] == []
    assert archive.count("alerts") == 0


def test_a_spammer_with_two_other_authors_is_not_a_spike(watchlist, archive):
    # A rare topic: one account floods it, two people complain normally — three authors, but
    # the count floor counts at most two mentions per author (2 + 1 + 1 < 5).
    background(archive, HISTORY, DAY, per_day=0.2)
    add(archive, burst(DAY, 20, authors=1, who="spam") + burst(DAY, 2, text="Lieferung fehlt."))
    assert spikes(detect(watchlist, archive, DAY)) == []
    add(archive, burst(DAY, 2, text="Paket nicht da.", who="more"))  # 2 + 4 = 6 >= 5
    assert len(spikes(detect(watchlist, archive, DAY))) == 1


def test_fifteen_authors_raise_an_alert_with_its_explanation(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 15))
    changes = detect(wl, archive, DAY)
    [c] = spikes(changes)
    assert (c.change, c.status, c.window_start) == ("opened", "open", DAY.isoformat())
    assert c.observed >= 15 and c.authors >= 15
    assert c.expected < 5 and c.ratio >= wl.alerts.min_ratio
    assert c.q_value <= wl.alerts.alpha and c.p_value <= c.q_value
    row = archive.db["alerts"].get(c.alert_id)
    examples = json.loads(row["examples"])
    assert 3 <= len(examples) <= 5
    assert len({e["mention_id"] for e in examples}) == len(examples)
    assert all(e["url"].startswith("https://") and e["quote"] for e in examples)
    explanation = json.loads(row["explanation"])
    assert explanation["observed_authors"] == c.authors
    assert explanation["baseline"]["history_days"] == 56
    assert explanation["first_mention_at"] >= local(DAY, 0).isoformat()[:10]
    assert json.loads(row["sources"]) == ["appstore"] and json.loads(row["languages"]) == ["de"]
    payload = c.to_json()
    assert payload["topic"] == "delivery" and payload["kind"] == "spike"
    assert payload["example_mention_ids"] == [e["mention_id"] for e in examples]
    json.dumps(payload)  # serialisable


def test_examples_prefer_different_authors_and_sources(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 10, authors=2, source="appstore"))
    add(archive, burst(DAY, 6, source="trustpilot"))
    [c] = spikes(detect(wl, archive, DAY))
    examples = json.loads(archive.db["alerts"].get(c.alert_id)["examples"])
    assert {"appstore", "trustpilot"} <= {e["source"] for e in examples}


def test_three_authors_are_not_enough_when_the_topic_is_busy(watchlist, archive):
    background(archive, HISTORY, DAY, per_day=10)
    add(archive, burst(DAY, 4))
    assert spikes(detect(watchlist, archive, DAY)) == []


def test_weekly_rhythm_is_expected_not_alerted(watchlist, archive):
    # Mondays bring five times the complaints of other days: a Monday like that is normal.
    background(
        archive, HISTORY, DAY + timedelta(days=7), per_day=2, weekly=(5.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.6)
    )
    monday = DAY + timedelta(days=5)
    assert monday.weekday() == 0
    assert spikes(detect(watchlist, archive, monday)) == []


def test_lifecycle_open_rising_peaked_resolved_then_a_new_alert(quiet):
    wl, archive = quiet
    days = [DAY + timedelta(days=i) for i in range(9)]
    sizes = [12, 20, 14, 0, 0, 0, 0, 0, 15]
    for d, n in zip(days, sizes):
        if n:
            add(archive, burst(d, n))
    statuses = []
    ids = []
    for d in days:
        got = spikes(detect(wl, archive, d))
        statuses.append([c.status for c in got])
        ids.append([c.alert_id for c in got])
    assert statuses[0] == ["open"] and statuses[1] == ["rising"] and statuses[2] == ["peaked"]
    assert statuses[3] == [] and statuses[4] == []  # still peaked: no news, nothing reported
    assert statuses[5] == ["resolved"]  # after cooldown_days = 3 quiet days
    assert statuses[8] == ["open"]
    first = ids[0][0]
    assert ids[1] == ids[2] == ids[5] == [first] and ids[8][0] != first
    rows = list(
        archive.db.query("SELECT * FROM alerts WHERE kind = 'spike' AND topic = 'delivery' ORDER BY id")
    )
    assert len(rows) == 2
    old = rows[0]
    assert (old["first_seen"], old["window_end"]) == (days[0].isoformat(), days[2].isoformat())
    assert 20 <= old["peak_observed"] < 25  # the burst's authors plus the day's normal ones
    assert old["closed_at"] is not None
    history = json.loads(old["explanation"])["history"]
    assert [h["day"] for h in history] == [d.isoformat() for d in days[:6]]


def test_replaying_a_day_changes_nothing(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 15))
    first = detect(wl, archive, DAY)
    before = list(archive.db.query("SELECT * FROM alerts"))
    assert detect(wl, archive, DAY) == []
    assert list(archive.db.query("SELECT * FROM alerts")) == before
    # Replaying an older day after a newer one leaves the alert alone too.
    detect(wl, archive, DAY + timedelta(days=1))
    after = list(archive.db.query("SELECT * FROM alerts"))
    assert detect(wl, archive, DAY) == [] and list(archive.db.query("SELECT * FROM alerts")) == after
    assert first


def test_near_duplicate_reposts_do_not_count(quiet):
    wl, archive = quiet
    same = "Mein Paket ist seit zwei Wochen verschwunden, niemand hilft!"
    reposts = [Mention(local(DAY, 8 + i % 10), f"bot-{i}", same) for i in range(15)]
    # Identical text (different ids, links, authors): the archive marks them as reposts.
    from monitor.core.rows import MentionIn, mention_row

    rows = [
        mention_row(
            MentionIn(text=same, id=f"dup{i}", author=m.author, published_at=m.when, source="reddit"),
            default_brand="Acme",
        )
        for i, m in enumerate(reposts)
    ]
    stats = archive.add_mentions(rows)
    assert stats.duplicates == 14
    assert spikes(detect(wl, archive, DAY)) == []


def test_unknown_history_is_not_zero(watchlist, archive):
    # A brand first seen three days ago gets no spike test yet (too little history).
    background(archive, DAY - timedelta(days=3), DAY)
    add(archive, burst(DAY, 15))
    assert spikes(detect(watchlist, archive, DAY)) == []


def test_without_as_of_the_last_24_hours_are_judged(quiet):
    wl, archive = quiet
    # 15 authors between yesterday 14:00 and today 07:00: split over two local days, but
    # inside the rolling window of a run at 09:00.
    day = DAY + timedelta(days=1)
    add(archive, [Mention(local(DAY, 14 + i), f"late-{i}", "Paket verloren.") for i in range(8)])
    add(archive, [Mention(local(day, i), f"early-{i}", "Paket verloren.") for i in range(7)])
    [c] = spikes(run_detect(wl, archive, now=local(day, 9), emerging=_no_themes))
    assert c.window_start == day.isoformat() and c.authors >= 15
    explanation = json.loads(archive.db["alerts"].get(c.alert_id)["explanation"])
    assert explanation["window_utc"] == [
        local(DAY, 9).strftime("%Y-%m-%dT%H:%M:%SZ"),
        local(day, 9).strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]


def test_an_empty_archive_and_unenriched_mentions_are_fine(watchlist, archive, caplog):
    assert detect(watchlist, archive, DAY) == []
    from monitor.core.rows import MentionIn, mention_row

    archive.add_mentions(
        [mention_row(MentionIn(text="Ich kündige!", id="u1", published_at=local(DAY)), default_brand="Acme")]
    )
    assert detect(watchlist, archive, DAY) == []  # one lead, no history: no alert
    assert "no sentiment yet" in caplog.text


def test_as_of_in_the_future_is_an_error(watchlist, archive):
    with pytest.raises(ValueError, match="in the future"):
        run_detect(watchlist, archive, as_of=DAY, now=local(DAY - timedelta(days=1)))


# ----------------------------------------------------------------------------- churn


def churn_background(archive, competitors_day=None):
    """One or two customers a day announcing that they cancel: the brand's normal churn."""
    out, day = [], HISTORY
    while day < DAY:
        for i in range(1 + (day.toordinal() % 3 == 0)):
            out.append(Mention(local(day, 9 + i), f"ch-{day}-{i}", "Ich kündige mein Abo.", topics=()))
        day += timedelta(days=1)
    add(archive, out)


def churn_alerts(changes):
    return [c for c in changes if c.kind == "churn"]


def test_ordinary_churn_is_no_alert_but_a_surge_is_and_lists_its_leads(quiet):
    wl, archive = quiet
    wl.brands[0].competitors = ["Paketblitz"]
    churn_background(archive)
    add(
        archive,
        [
            Mention(local(DAY, 9), "k0", "Vertrag gekündigt.", topics=()),
            Mention(local(DAY, 10), "k00", "Ich kündige zum Monatsende.", topics=()),
        ],
    )
    assert churn_alerts(detect(wl, archive, DAY)) == []  # two leads: an ordinary day
    nxt = DAY + timedelta(days=1)
    leads = [
        Mention(local(nxt, 9), "k1", "Ich kündige meinen Vertrag zum Monatsende.", topics=()),
        Mention(
            local(nxt, 10),
            "k2",
            "Ab jetzt wechsle ich zu Paketblitz, die sind zuverlässiger.",
            sentiment="neutral",
            topics=(),
        ),
        Mention(
            local(nxt, 11),
            "k3",
            "How do I cancel my subscription?",
            lang="en",
            sentiment="neutral",
            topics=(),
        ),
        Mention(local(nxt, 12), "k4", "Nie wieder Acme, ab jetzt Paketblitz.", topics=()),
    ] + [Mention(local(nxt, 13, i), f"k{5 + i}", "Abo gekündigt, reicht.", topics=()) for i in range(5)]
    not_leads = [
        Mention(local(nxt, 14), "n1", "Paketblitz hat heute auch geliefert.", sentiment="neutral", topics=()),
        Mention(local(nxt, 15), "n2", "Meine Stornierung wurde ignoriert, die Ware kam trotzdem.", topics=()),
        Mention(
            local(nxt, 16),
            "n3",
            "Kündigung ging mit zwei Klicks, vorbildlich.",
            sentiment="positive",
            topics=(),
        ),
        Mention(local(nxt, 17), "n4", "Lieferung kam wie angekündigt.", sentiment="negative", topics=()),
    ]
    ids = add(archive, leads + not_leads)
    [c] = churn_alerts(detect(wl, archive, nxt))
    assert (c.change, c.status, c.authors) == ("opened", "open", 9)
    assert c.expected < 2.5 and c.ratio >= wl.alerts.min_ratio and c.q_value <= wl.alerts.alpha
    row = archive.db["alerts"].get(c.alert_id)
    listed = {e["mention_id"]: e["reason"] for e in json.loads(row["examples"])}
    assert set(listed) == set(ids[:9])
    assert listed[ids[1]] == listed[ids[3]] == "switch to Paketblitz"
    assert listed[ids[0]] == listed[ids[2]] == "cancellation"
    explanation = json.loads(row["explanation"])
    assert explanation["series"] == "churn" and explanation["leads"] == 9
    assert explanation["reasons"] == {"cancellation": 7, "switch to Paketblitz": 2}
    # Replaying the day changes nothing.
    assert churn_alerts(detect(wl, archive, nxt)) == []
    # A second day of the surge updates the alert and keeps the first day's leads listed.
    day3 = nxt + timedelta(days=1)
    more = add(archive, [Mention(local(day3, 9, i), f"m{i}", "Abo gekündigt.", topics=()) for i in range(8)])
    [c2] = churn_alerts(detect(wl, archive, day3))
    assert c2.alert_id == c.alert_id and c2.change == "updated"
    assert set(c2.example_ids) == set(ids[:9]) | set(more)
    # Quiet days cool it down like any alert.
    statuses = [
        c.status for d in range(1, 4) for c in churn_alerts(detect(wl, archive, day3 + timedelta(days=d)))
    ]
    assert statuses[-1] == "resolved"


def test_old_daily_lead_lists_are_closed(quiet):
    wl, archive = quiet
    archive.db["alerts"].insert(
        {
            "brand": "Acme",
            "kind": "churn",
            "status": "open",
            "window_start": "2026-10-01",
            "window_end": "2026-10-01",
            "opened_at": "2026-10-01T20:00:00Z",
            "updated_at": "2026-10-01T20:00:00Z",
            "explanation": json.dumps({"leads": 2}),
        }
    )
    detect(wl, archive, DAY)
    [row] = archive.db["alerts"].rows_where("kind = 'churn'")
    assert row["status"] == "resolved"


def test_a_watchlist_churn_topic_replaces_the_builtin_cues(quiet):
    wl, archive = quiet
    wl.topics["churn"] = wl.topics["delivery"].model_copy(update={"keywords": {"de": ["Anbieter"]}})
    ids = add(
        archive,
        [Mention(local(DAY, 9, i), f"c{i}", "Ich kündige.", topics=()) for i in range(6)]
        + [
            Mention(local(DAY, 10, i), f"t{i}", "Suche einen neuen Anbieter.", topics=("churn",))
            for i in range(6)
        ],
    )
    changes = detect(wl, archive, DAY)
    [c] = churn_alerts(changes)
    assert set(c.example_ids) == set(ids[6:])  # the built-in cues are ignored now
    assert spikes(changes, "churn") == []  # tested as churn, not a second time as a topic


def test_neutral_worded_complaints_in_negative_mentions_raise_the_topic_alert(quiet):
    # The demo's incident: the clause about the parcel reads neutral, the review is 1★ angry.
    wl, archive = quiet
    burst_ = burst(DAY, 12, text="Meine Sendung hängt seit Tagen im Verteilzentrum fest.")
    for m in burst_:
        m.aspect = "neutral"
    add(archive, burst_)
    [c] = spikes(detect(wl, archive, DAY))
    assert c.authors >= 12
    explanation = json.loads(archive.db["alerts"].get(c.alert_id)["explanation"])
    assert explanation["negative_via_mention"] >= 12


# ----------------------------------------------------------------------------- themes


@dataclass
class Term:
    term: str
    recent_count: int
    baseline_count: int
    g2: float
    p_value: float
    ratio: float


def fake_keyness(term):
    """Stands in for nlp.keyness.emerging_terms; checks it gets the right texts."""
    calls = []

    def emerging(recent, baseline, lang, *, top, min_count, alpha):
        calls.append((recent, baseline, lang))
        hits = sum(term.casefold() in t.casefold() for t in recent)
        return [Term(term, hits, 1, 40.0, 1e-6, 12.0), Term("lieferung", hits, 30, 20.0, 1e-3, 2.0)]

    emerging.calls = calls
    return emerging


def test_an_unconfigured_theme_is_raised_with_a_suggestion(quiet):
    wl, archive = quiet
    texts = [
        "Der Gutschein wird an der Kasse nicht akzeptiert.",
        "Mein Gutschein wurde an der Kasse abgelehnt, peinlich.",
        "Gutschein ungültig an der Kasse, obwohl gerade gekauft.",
    ]
    mentions = burst(DAY, 7, topic="price")
    for i, m in enumerate(mentions):
        m.text = f"{texts[i % 3]} Filiale {i}."
    add(archive, mentions)
    emerging = fake_keyness("Gutschein")
    changes = detect(wl, archive, DAY, emerging=emerging)
    themes = [c for c in changes if c.kind == "theme"]
    assert [t.topic for t in themes] == ["Gutschein"]  # "lieferung" is a configured keyword
    assert "Gutschein" in themes[0].suggestion and themes[0].to_json()["theme"] == "Gutschein"
    row = archive.db["alerts"].get(themes[0].alert_id)
    assert len({e["mention_id"] for e in json.loads(row["examples"])}) >= 3
    recent, baseline, lang = emerging.calls[0]
    assert lang == "de" and len(recent) >= 7 and all("(Nr. " in t for t in baseline)


def test_a_term_covered_by_a_topic_keyword_is_not_a_new_theme(quiet):
    # "Paketstation" is a compound of the delivery keyword "Paket": already tracked.
    wl, archive = quiet
    add(archive, burst(DAY, 7, text="Die Paketstation ist ständig defekt.", topic="price"))
    changes = detect(wl, archive, DAY, emerging=fake_keyness("Paketstation"))
    assert [c for c in changes if c.kind == "theme"] == []


def test_a_theme_from_one_author_is_not_raised(quiet):
    wl, archive = quiet
    add(archive, burst(DAY, 9, authors=1, text="Der Gutschein geht nicht."))
    changes = detect(wl, archive, DAY, emerging=fake_keyness("Gutschein"))
    assert [c for c in changes if c.kind == "theme"] == []


@pytest.mark.slow  # loads the spaCy lemma tables
def test_themes_with_the_real_keyness(quiet):
    from nlp.keyness import emerging_terms

    wl, archive = quiet
    texts = [
        "Der Gutschein wird an der Kasse nicht akzeptiert.",
        "Mein Gutschein wurde an der Kasse abgelehnt, peinlich.",
        "Gutschein ungültig an der Kasse, obwohl gerade gekauft.",
    ]
    add(archive, [Mention(local(DAY, 9 + i), f"g{i}", texts[i % 3], topics=()) for i in range(8)])
    themes = [c for c in detect(wl, archive, DAY, emerging=emerging_terms) if c.kind == "theme"]
    assert [t.topic.casefold() for t in themes][:1] in (["gutschein"], ["kasse"])
    explanation = json.loads(archive.db["alerts"].get(themes[0].alert_id)["explanation"])
    # One complaint, one theme: the other key words of the same mentions are "related".
    assert len(themes) == 1 and explanation["related_terms"]


@pytest.mark.parametrize(
    "text,reason",
    [
        ("Ständig Werbung in der App. Nie wieder.", "leaving"),
        ("Never again — the app keeps crashing.", "leaving"),
        ("Nie wieder Acme, ab jetzt Paketblitz.", "switch to Paketblitz"),
        ("Die Zustellung klappte wie angekündigt.", None),
        ("Wenn das nicht geklärt ist, kündige ich mein Plus-Abo.", "cancellation"),
        ("Paketblitz ist auch nicht besser.", None),
        # order actions are not churn
        ("Meine Stornierung wurde ignoriert und die Ware trotzdem verschickt.", None),
        ("I had to cancel my order twice.", None),
        ("Bestellung storniert, Geld kam nach drei Tagen zurück.", None),
        # negated, someone else's, another sense
        ("Ich werde sicher nicht kündigen, dafür ist der Service zu gut.", None),
        ("Wir kommen gerne wieder.", None),
        ("Seitdem nie wieder Probleme gehabt.", None),
        ("The concert was cancelled last night.", None),
        ("Plan B kündigt neue EP an", None),
        ("Uninstalled and reinstalled, still crashes.", None),
        ("Switching to dark mode would be nice.", None),
        # leaving in other words
        ("I'm cancelling my subscription, I'm done.", "cancellation"),
        ("Going to uninstall the app.", "leaving"),
        ("Für mich war es das letzte Mal.", "leaving"),
        ("Ich komme sicher nicht wieder.", "leaving"),
        ("Ich wechsle zu einem anderen Anbieter.", "leaving"),
    ],
)
def test_churn_cues(text, reason):
    from monitor.detect.churn import ChurnMatcher

    m = ChurnMatcher(["Paketblitz"])
    assert m.reason(text) == reason
    # The screen used to skip most mentions never drops a lead.
    assert reason is None or m.screen.search(text.casefold())
