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


def test_recent_complaint_surfaces_with_its_phrase():
    terms = emerging_terms(RECENT_DE, BASELINE_DE, "de", alpha=0.01)
    names = [t.term for t in terms]
    assert names[0] == "Login"
    assert "Login Fehler" in names
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
