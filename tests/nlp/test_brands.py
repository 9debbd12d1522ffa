"""Brand matching: names, aliases, case rules, exclusions and boolean queries."""

from __future__ import annotations

import pytest

from nlp.brands import BrandQueryError, compile_brand


def test_name_and_alias_match_whole_words_case_insensitively():
    m = compile_brand("Telekom", aliases=["Deutsche Telekom", "T-Mobile"])
    assert m.matches("Die telekom hat wieder Störung")
    assert m.matches("#Telekom warum?")
    assert m.matches("Telekom-Hotline unerreichbar")
    assert m.matches("Wechsel zu T-Mobile")
    assert not m.matches("Telekommunikation ist ein weites Feld")  # not a word of its own
    assert not m.matches("")


def test_phrase_tolerates_hyphen_but_not_sentence_break():
    m = compile_brand("Deutsche Bahn")
    assert m.matches("die Deutsche-Bahn app")
    assert m.matches("DEUTSCHE   BAHN")
    assert not m.matches("Das ist typisch deutsche. Bahn fahren ist anders")


def test_case_sensitive_short_names():
    m = compile_brand("Deutsche Bahn", aliases=["DB"], case_sensitive=["DB"])
    assert m.matches("Die DB ist wieder zu spät")
    assert not m.matches("Lautstärke von 80 db gemessen")
    assert not m.matches("DBA gesucht")
    o2 = compile_brand("O2", case_sensitive=["O2"])
    assert o2.matches("Netz von O2 ist weg")
    assert not o2.matches("o2 sensor am Auto defekt")
    # without the case rule the same name matches any case
    assert compile_brand("O2").matches("o2 netz weg")


def test_punctuation_inside_a_name_must_be_there():
    m = compile_brand("C&A")
    assert m.matches("Neue Jacke von C&A")
    assert m.matches("Neue Jacke von C & A")
    assert not m.matches("Punkte C und A")
    eon = compile_brand("E.ON")
    assert eon.matches("Stromrechnung von E.ON")
    assert not eon.matches("E ON")


def test_exclude_terms_win():
    m = compile_brand("Acme", exclude=["Acme Corp Looney", "Looney Tunes"])
    assert m.matches("Acme Lieferung kam zu spät")
    assert not m.matches("Wile E. Coyote kauft bei ACME Corp looney Raketen")
    assert m.excluded_by("Looney Tunes mit Acme") == "Looney Tunes"
    assert m.excluded_by("Acme ok") is None


def test_boolean_query_and_or_not_and_grouping():
    m = compile_brand(
        "Bahn", query='("Deutsche Bahn" OR DB) AND NOT (Datenbank OR database)', case_sensitive=["DB"]
    )
    assert m.matches("Deutsche Bahn wieder verspätet")
    assert m.matches("DB Navigator stürzt ab")
    assert not m.matches("DB Datenbank Migration")
    assert not m.matches("db verspätet")
    assert m.terms == ["Deutsche Bahn", "DB"]


def test_precedence_and_implicit_and():
    m = compile_brand("x", query="a OR b c")  # = a OR (b AND c)
    assert m.matches("a")
    assert not m.matches("b")
    assert m.matches("c b")
    n = compile_brand("x", query="a NOT b")
    assert n.matches("a c") and not n.matches("a b")
    lower = compile_brand("x", query="rock and roll")  # lower-case operators are words
    assert lower.matches("rock and roll") and not lower.matches("rock roll")


def test_near_counts_words_between_in_either_order():
    m = compile_brand("x", query='Lieferung NEAR/2 "zu spät"')
    assert m.matches("Lieferung kam zu spät")
    assert m.matches("zu spät war die Lieferung")
    assert not m.matches("Lieferung kam heute leider wieder zu spät")
    assert compile_brand("x", query="a NEAR/0 b").matches("b a")
    chained = compile_brand("x", query="(app OR App*) NEAR/3 absturz NEAR/3 update")
    assert chained.matches("Apps Absturz nach Update")
    assert not chained.matches("Apps Absturz. Viel später, lange Zeit danach, kam ein Update")


def test_wildcard_prefix():
    m = compile_brand("x", query="Telekom*")
    assert m.matches("Telekomladen") and m.matches("telekom")
    assert not m.matches("Tele")


@pytest.mark.parametrize(
    "query, position, reason",
    [
        ("(Telekom OR Vodafone", 0, "missing ')'"),
        ("Telekom OR", 10, "the query ends"),
        ('"Deutsche Bahn', 0, "unclosed quote"),
        ("Telekom AND )", 12, "unexpected ')'"),
        ("a NEAR b", 2, "NEAR needs a distance"),
        ("(a AND b) NEAR/3 c", 0, "NEAR needs words or phrases on its left"),
        ("a NEAR/3 NOT b", 9, "unexpected 'NOT'"),
        ("Te*", 0, "wildcard needs at least"),
        ("a*b", 0, "only allowed at the end"),
        ('""', 0, "empty phrase"),
        ("   ", None, None),
    ],
)
def test_malformed_queries_say_where(query, position, reason):
    if reason is None:  # a blank query falls back to name + aliases
        assert compile_brand("Acme", query=query).matches("acme")
        return
    with pytest.raises(BrandQueryError) as err:
        compile_brand("x", query=query)
    assert err.value.position == position
    assert reason in str(err.value)
    assert isinstance(err.value, ValueError)
    assert "^" in str(err.value)


def test_name_without_letters_is_an_error():
    with pytest.raises(BrandQueryError):
        compile_brand("!!!")
