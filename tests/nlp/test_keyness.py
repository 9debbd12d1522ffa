"""Emerging terms: G² keyness on lemmas, stop words removed, phrases, significance."""

from __future__ import annotations

import math

import pytest
from scipy.stats import chi2

from nlp.keyness import emerging_terms, g2

BASELINE_DE = [
    "Die App ist super und schnell.",
    "Lieferung kam pünktlich, alles gut.",
    "Der Kundenservice war freundlich und hilfsbereit.",
    "Gute Preise und schnelle Lieferung.",
    "Ich bin zufrieden mit der App.",
] * 8
RECENT_DE = [
    "Seit dem Update funktioniert der Login nicht mehr.",
    "Login geht nicht, Passwort wird nicht akzeptiert.",
    "Kein Login möglich seit gestern!",
    "Die App ist super.",
    "Wieder ein Login Fehler nach dem Update.",
    "Login Fehler, bitte beheben.",
    "Login Fehler auch bei mir.",
]


def test_g2_matches_the_textbook_formula_and_scipy_p_value():
    a, b, n1, n2 = 10, 2, 50, 100
    obs = [a, b, n1 - a, n2 - b]
    tot = n1 + n2
    exp = [n1 * (a + b) / tot, n2 * (a + b) / tot, n1 * (tot - a - b) / tot, n2 * (tot - a - b) / tot]
    expected = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp))
    assert g2(a, b, n1, n2) == pytest.approx(expected)
    (term,) = emerging_terms(["x login"] * 10 + ["x"] * 40, ["x login"] * 2 + ["x"] * 98, "en", min_count=3)
    assert term.p_value == pytest.approx(chi2.sf(expected, 1))


def test_recent_complaint_surfaces_with_its_phrase_as_a_variant():
    terms = emerging_terms(RECENT_DE, BASELINE_DE, "de", alpha=0.01)
    names = [t.term for t in terms]
    assert names[0] == "Login"
    # "Login Fehler" (3 of Login's 6 texts) is a special case of Login: one concept, one term
    assert "Login Fehler" not in names and "Login Fehler" in terms[0].variants
    assert "Update" not in names  # in two recent texts only: below min_count=3
    login = terms[0]
    assert login.recent_count == 6 and login.baseline_count == 0 and login.ratio > 10
    # words as frequent in the baseline, and stop words, never surface
    assert not {"App", "super", "die", "der", "nicht", "ist"} & set(names)


def test_lemmas_count_together_and_min_count_applies():
    recent = ["Akku leer", "Akkus halten nicht", "der Akku ist tot", "ok"]
    baseline = ["alles gut"] * 30
    (term,) = emerging_terms(recent, baseline, "de", alpha=0.05)
    assert term.recent_count == 3
    assert emerging_terms(recent, baseline, "de", alpha=0.05, min_count=4) == []


def test_nothing_without_data_or_significance():
    assert emerging_terms([], BASELINE_DE, "de") == []
    assert emerging_terms(RECENT_DE, [], "de") == []
    assert emerging_terms(BASELINE_DE[:5], BASELINE_DE, "de") == []


# ---------------------------------------------------------------------------------------------
# Realistic complaint sets: the baseline is a month of ordinary negative reviews, the recent
# window an incident (parcels stuck in one hub) plus a new theme (pickup-locker codes).

BASELINE_DE_REVIEWS = [
    "Die Lieferung hat diesmal fünf Tage gedauert, angekündigt waren zwei.",
    "Der Kundenservice antwortet nur mit Textbausteinen.",
    "Paket kam beschädigt an, der Karton war völlig zerdrückt.",
    "Die App stürzt beim Bezahlen ständig ab.",
    "Seit der Preiserhöhung ist das Abo einfach zu teuer.",
    "Rückerstattung dauert jetzt schon drei Wochen, keine Reaktion.",
    "Der Fahrer hat das Paket einfach vor die Tür gelegt, obwohl ich zu Hause war.",
    "Die Hotline ist nie erreichbar, ich hänge ewig in der Warteschleife.",
    "Falscher Artikel geliefert, die Retoure muss ich selbst bezahlen.",
    "Mein Paket liegt beim Nachbarn, aber keine Benachrichtigung bekommen.",
    "Rechnung doppelt abgebucht, bis heute keine Gutschrift.",
    "Die Sendungsverfolgung zeigt seit gestern nichts Neues an.",
    "Der Login funktioniert nach dem Update nicht mehr.",
    "Lieferung kam einen Tag zu spät, das Geschenk war damit nutzlos.",
    "Die Qualität der Ware hat deutlich nachgelassen.",
    "Kundenservice verspricht Rückruf, der nie kommt.",
    "Der Versand ist viel zu teuer für so kleine Pakete.",
    "Zustellung erst am Samstag statt am Donnerstag.",
    "Gutschein wurde an der Kasse nicht akzeptiert.",
    "Die Kündigung des Abos ist absichtlich kompliziert gemacht.",
]
BASELINE_DE_REVIEWS = BASELINE_DE_REVIEWS * 3  # a month holds each kind of complaint a few times

RECENT_DE_REVIEWS = [
    "Meine Sendung hängt seit Tagen im Verteilzentrum Kassel fest.",
    "Paket liegt seit Mittwoch im Verteilzentrum, nichts bewegt sich.",
    "Bei mir das Gleiche, die Sendung hängt fest und liegt in Kassel.",
    "Sendungsverfolgung steht seit drei Tagen auf 'im Verteilzentrum Kassel'.",
    "Das Paket hängt im Verteilzentrum fest, der Geburtstag ist morgen.",
    "Drei Bestellungen, alle drei liegen im Verteilzentrum und bewegen sich nicht.",
    "Mein Paket hängt fest, seit Tagen keine Bewegung.",
    "Offenbar stauen sich tausende Pakete im Verteilzentrum Kassel.",
    "Die Lieferung steckt im Verteilzentrum, keine Info, kein neuer Termin.",
    "Seit Dienstag steht da nur noch: Paket im Verteilzentrum angekommen.",
    "Der Abholcode wird an der Abholstation nicht akzeptiert.",
    "Habe dreimal einen neuen Abholcode angefordert, keiner funktioniert.",
    "Mein Fach in der Abholstation bleibt zu, obwohl der Abholcode stimmt.",
    "Abholcodes kommen per SMS erst nach Stunden an.",
    "Die Abholstation zeigt nur eine Fehlermeldung, wenn man den Abholcode eintippt.",
    "Die App stürzt beim Bezahlen ab.",
    "Kundenservice antwortet nicht.",
]


def test_german_incident_yields_nouns_not_verb_fragments():
    terms = emerging_terms(RECENT_DE_REVIEWS, BASELINE_DE_REVIEWS, "de", min_count=3, alpha=0.01)
    names = [t.term for t in terms]
    # verbs and verb particles of the complaints are not themes
    assert not {"hängt", "liegt", "steht", "fest", "Sendung hängt", "hängt fest"} & set(names)
    assert names[:2] == ["Verteilzentrum", "Abholcode"]
    # one concept, one term: the hub's city is a variant, not a second theme
    assert "Verteilzentrum Kassel" not in names and "Kassel" not in names
    hub = terms[0]
    assert {"Verteilzentrum Kassel", "Kassel"} <= set(hub.variants)
    assert hub.recent_count == 8 and hub.baseline_count == 0
    # "Abholcodes" (a plural the lookup table lacks) counts with "Abholcode"
    assert terms[1].recent_count == 5
    assert "Abholstation" in names  # its own concept: in 3 texts, two without "Abholcode"


BASELINE_EN_REVIEWS = [
    "Delivery took five days instead of two.",
    "Customer service only sends copy-paste answers.",
    "The parcel arrived damaged and the box was crushed.",
    "The app keeps crashing at checkout.",
    "Since the price increase the subscription is just too expensive.",
    "Still waiting for my refund after three weeks.",
    "The driver left the parcel outside although I was at home.",
    "The hotline is never reachable, I was on hold forever.",
    "Wrong item delivered and I have to pay for the return myself.",
    "I was charged twice and never got a credit note.",
    "Tracking has not been updated since yesterday.",
    "Can't log in since the last update.",
    "The delivery came a day late, so the gift was useless.",
    "Quality has really gone downhill.",
    "They promised a call back that never came.",
]
BASELINE_EN_REVIEWS = BASELINE_EN_REVIEWS * 3

RECENT_EN_REVIEWS = [
    "My parcel has been stuck at the Kassel hub for days.",
    "Package is stuck in the distribution centre and nobody tells me anything.",
    "Tracking says it is at the Kassel hub since Tuesday, nothing is moving.",
    "Three orders, all stuck at the hub.",
    "My order is stuck somewhere in the Kassel hub, it was a birthday present.",
    "The pickup code doesn't work at the locker.",
    "Requested a new pickup code three times, none of them work.",
    "The locker stays shut even though I typed the pickup code correctly.",
    "The pickup code for the locker never arrives.",
    "The app keeps crashing at checkout.",
    "Customer service does not answer.",
]


def test_english_incident_yields_things_to_act_on():
    terms = emerging_terms(RECENT_EN_REVIEWS, BASELINE_EN_REVIEWS, "en", min_count=3, alpha=0.01)
    names = [t.term for t in terms]
    # "stuck" (an adjective, not strongly keyed), "says", "work" (light verbs) are not themes
    assert not {"stuck", "says", "work", "tells"} & set(names)
    assert "hub" in names and "locker" in names
    # "code" occurs only as "pickup code": the phrase is the concept, the word its variant
    code = next(t for t in terms if t.term == "pickup code")
    assert {"code", "pickup"} <= set(code.variants) and "code" not in names
    assert "Kassel hub" not in names  # a special case of "hub"
    assert len(names) == len(set(names)) and len(names) <= 4


def test_adjectives_need_much_stronger_evidence_than_nouns():
    baseline = ["Lieferung dauert lange."] * 40 + ["Die Ware ist kaputt."] * 2
    recent = ["Das Gerät ist kaputt."] * 4 + ["Mein Gerät war kaputt."] + ["Lieferung dauert lange."] * 10
    found = {t.term: t for t in emerging_terms(recent, baseline, "de", min_count=3, alpha=0.01)}
    assert "Gerät" in found  # a noun with this evidence is a theme
    assert "kaputt" not in found  # the adjective with about the same counts is not
    strong = ["Alles kaputt."] * 12 + ["Lieferung dauert lange."] * 3
    assert "kaputt" in {t.term for t in emerging_terms(strong, baseline, "de", min_count=3, alpha=0.01)}


def test_capitalisation_tells_german_nouns_from_other_words():
    # "Warten" mid-sentence is a noun (the waiting); "warten" lower-case a verb
    baseline = ["Der Service ist gut."] * 30
    as_noun = ["Das Warten an der Kasse nervt."] * 4
    as_verb = ["Wir warten an der Kasse."] * 4
    assert "Warten" in {t.term for t in emerging_terms(as_noun, baseline, "de", min_count=3, alpha=0.05)}
    as_verb_terms = emerging_terms(as_verb, baseline, "de", min_count=3, alpha=0.05)
    assert "warten" not in {t.term.lower() for t in as_verb_terms}


def test_inflections_compounds_and_hashtags_of_one_term_count_as_one():
    # The rail operator's air-conditioning case: six customers, six ways of writing it.
    baseline = [
        f"Der Zug war wieder {w} verspätet, Anschluss verpasst." for w in ("stark", "kaum", "sehr")
    ] * 40
    baseline += [f"Toiletten {w} und kein WLAN im Wagen." for w in ("dreckig", "defekt")] * 30
    recent = [
        "Klimaanlage ausgefallen, 35 Grad im Wagen!",
        "Im ICE nach Hamburg kapitulieren die Klimaanlagen.",
        "Wieder keine Kühlung #klimaanlage #hitze",
        "Die Klima-Anlage läuft seit gestern nicht mehr.",
        "#Klimaanlage tot, niemand sagt etwas.",
        "Der Zug war wieder verspätet.",
        "Toiletten dreckig.",
    ]
    terms = emerging_terms(recent, baseline, "de", min_count=5, alpha=0.01)
    assert [(t.term, t.recent_count, t.baseline_count) for t in terms] == [("Klimaanlage", 5, 0)]
    # Each form alone is below the floor: only folded together are they a theme.
    assert emerging_terms(recent[:2] + recent[5:], baseline, "de", min_count=5, alpha=0.01) == []
