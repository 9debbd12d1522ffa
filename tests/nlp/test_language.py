"""Language detection: restricted to the configured languages; the source's language wins."""

from __future__ import annotations

import pytest

from nlp.language import UnknownLanguageError, detect_language


def test_detects_among_configured_languages():
    lang, conf = detect_language("Die App stürzt seit dem letzten Update ständig ab", ["de", "en"])
    assert lang == "de" and 0.5 < conf <= 1.0
    assert detect_language("The app keeps crashing since the last update", ["de", "en"])[0] == "en"
    assert detect_language("L'application plante sans arrêt depuis la mise à jour", ["de", "fr"])[0] == "fr"


def test_source_language_wins_and_is_normalised():
    assert detect_language("The app keeps crashing", ["de", "en"], given="de-DE") == ("de", 1.0)
    assert detect_language("Il cibo era ottimo", ["de", "en"], given="IT") == ("it", 1.0)


def test_too_little_text_has_no_language():
    assert detect_language("👍 10/10", ["de", "en"]) == (None, 0.0)
    assert detect_language("", ["de", "en"]) == (None, 0.0)


def test_single_configured_language_needs_no_detector():
    assert detect_language("whatever this is", ["de"]) == ("de", 1.0)


def test_unknown_language_code_is_a_clear_error():
    with pytest.raises(UnknownLanguageError, match="'zz'"):
        detect_language("hello there friend", ["de", "zz"])
    with pytest.raises(UnknownLanguageError):
        detect_language("hello there friend", [])
