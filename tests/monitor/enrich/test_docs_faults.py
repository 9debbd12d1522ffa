"""docs/nlp.md names the keyword matcher topics really use (nlp/keymatch.py), not spaCy's
Matcher it replaced."""

from __future__ import annotations

import nlp.topics
from nlp.keymatch import KeyMatcher
from tests.helpers import paths


def test_nlp_doc_names_keymatch_as_the_topic_matcher():
    doc = (paths.ROOT / "docs" / "nlp.md").read_text(encoding="utf-8")
    assert "spaCy's `Matcher` matches it" not in doc
    assert "`nlp/keymatch.py` (`KeyMatcher`) finds it" in doc
    assert nlp.topics.KeyMatcher is KeyMatcher
    assert "spacy.matcher" not in (paths.ROOT / "nlp" / "topics.py").read_text(encoding="utf-8")
