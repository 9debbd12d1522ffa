"""Per-brand sentiment of a mention that names two or more brands (``mention_brands.sentiment``).

Why: sentiment is read from a mention's whole text, so a comparison ("Paketwerk lässt mich
seit einer Woche warten, Warenblitz liefert immer am nächsten Tag") gets one verdict, and that
verdict counted for both brands: our complaint raised the competitor's negative share, or
their praise hid our complaint. Each brand is judged by the words about it instead.

How, reusing what topic aspects do (:mod:`nlp.aspects`):

* **Units.** The text is cut into sentences and clauses by the splitter topic hits use
  (:func:`nlp.clauses.clauses` on the same spaCy pipeline). A clause that names exactly one of
  the mention's linked brands — by that brand's own matcher, as ``brand_links`` links it — is
  a unit of that brand. Its sentence counts with it, as for a topic hit, only when the
  sentence names no other linked brand: a sentence naming both *is* the comparison.
* **Continuation.** A sentence naming no brand belongs to the brand named alone in the last
  sentence that named one ("Ich nutze Paketwerk seit einem Jahr. Der Kundenservice ist eine
  Katastrophe."). After a sentence naming two brands, brand-less sentences belong to none: it
  is not clear whom "Echt enttäuschend." is about.
* **Label.** :func:`nlp.aspects.aspect_label`, with the brand's units in text order as the
  clause and their sentences as the sentence: the mean of the two, the star-rating prior, the
  negated-complaint rule (when every unit's complaints are negated) and the request rule. With
  one unit this is exactly a topic hit's label. Why the units read as one text rather than
  one by one: a neutral or friendly opening ("Ich nutze Paketwerk seit gut einem Jahr.")
  would outweigh the complaint that follows it, which the text as a whole does not.
* **No label** when a brand is named in no clause of its own (only in clauses naming another
  brand too, "Paketwerk oder Warenblitz?", "switched from A to B"): its row keeps NULL and the
  brand takes the mention's sentiment, as a mention naming one brand does. Nor when only one
  brand has words of its own: there is no second verdict to tell apart, and the words it
  shares with the other brand (often the comparison itself) belong to the mention's verdict.

The texts are classified in the batch's one model call, through the sentiment cache.

**Topic hits** are attributed by the same units (:func:`topic_brand`): a hit whose clause lies in
one brand's unit is about that brand only (``mention_topics.brand``), so our delivery complaint
in a comparison is no delivery complaint about the competitor. This holds also when only one
brand has words of its own: whose words a clause is needs no second verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.core.rows import text_hash
from monitor.enrich.brand_links import brand_matcher
from nlp.aspects import aspect_label, aspect_texts
from nlp.brands import BrandMatcher, PreparedText
from nlp.clauses import clauses, complaint_indices, negated_indices
from nlp.topics import sentence_pipeline  # the tokenizer + sentencizer of topic analysis

if TYPE_CHECKING:
    from monitor.core.config import Watchlist

log = logging.getLogger(__name__)

__all__ = [
    "Unit",
    "brand_matchers",
    "brand_units",
    "compared",
    "topic_brand",
    "topic_unit",
    "hit_context_is_other_brands",
    "brand_label",
    "brand_rows",
    "brand_texts",
]


@dataclass(frozen=True)
class Unit:
    """Words about one brand: a clause (with its sentence as context, when the sentence names
    only this brand) or a brand-less sentence that continues it."""

    text: str
    context: str | None  # the sentence, when it adds something and names no other brand
    negated_complaint: bool  # its only complaint words are negated ("nie Probleme mit ...")
    own: bool  # names the brand (False: a continuation sentence)
    span: tuple[int, int] = (0, 0)  # character offsets of ``text`` in the mention's text


def brand_matchers(wl: Watchlist) -> dict[str, BrandMatcher]:
    """Every brand's matcher, the one ``brand_links`` links mentions with."""
    return {b.name: brand_matcher(b) for b in wl.brands}


def brand_units(
    items: Sequence[tuple[str, str | None, Sequence[str]]],
    matchers: Mapping[str, BrandMatcher],
    *,
    single: bool = False,
) -> list[dict[str, list[Unit]]]:
    """For each ``(text, lang, linked brands)``: the units of every brand that has a clause of
    its own; ``{}`` unless two brands or more have one (see module docstring) — with
    ``single``, also when only one has (enough for :func:`topic_brand`; :func:`compared`
    narrows them to the labelled ones)."""
    out: list[dict[str, list[Unit]]] = [{} for _ in items]
    by_lang: dict[str, list[int]] = {}
    for i, (text, lang, brands) in enumerate(items):
        if text and sum(b in matchers for b in dict.fromkeys(brands)) >= 2:
            by_lang.setdefault(lang or "xx", []).append(i)
    for lang, indices in by_lang.items():
        try:
            docs = list(sentence_pipeline(lang).pipe(items[i][0] for i in indices))
        except Exception:  # redone one by one below, so one bad text costs only its own labels
            docs = [None] * len(indices)
        for i, doc in zip(indices, docs):
            named = {b: matchers[b] for b in dict.fromkeys(items[i][2]) if b in matchers}
            try:
                found = _units(doc if doc is not None else sentence_pipeline(lang)(items[i][0]), lang, named)
                out[i] = found if single else compared(found)
            except Exception as exc:  # no per-brand label: the brands take the mention's sentiment
                log.warning("brand sentiment: %s: %s", type(exc).__name__, exc)
    return out


def _names(text: str, matchers: Mapping[str, BrandMatcher]) -> set[str]:
    prepared = PreparedText.of(text)  # tokenised once for every brand
    return {b for b, m in matchers.items() if m.matches(prepared)}


def _units(doc: Any, lang: str, matchers: Mapping[str, BrandMatcher]) -> dict[str, list[Unit]]:
    parts = clauses(doc, lang)
    units: dict[str, list[Unit]] = {}
    current: str | None = None  # the brand named alone in the last sentence that named one
    for sent in doc.sents:
        inside = [c for c in parts if sent.start <= c.start < sent.end]
        named = [_names(c.text, matchers) for c in inside]
        in_sentence = set().union(*named) | _names(sent.text, matchers)
        if not in_sentence:
            if current is not None and any(t.is_alpha for t in sent):
                units[current].append(_unit(doc, sent, sent.text, None, lang, own=False))
            continue
        own = set()
        for clause, names in zip(inside, named):
            if len(names) != 1:
                continue
            (brand,) = names
            own.add(brand)
            alone = in_sentence == {brand} and sent.text != clause.text
            units.setdefault(brand, []).append(
                _unit(doc, clause, clause.text, sent.text if alone else None, lang, own=True)
            )
        current = next(iter(own)) if len(in_sentence) == 1 and own == in_sentence else None
    return {b: u for b, u in units.items() if any(x.own for x in u)}


def compared(units: Mapping[str, list[Unit]]) -> dict[str, list[Unit]]:
    """The units that get per-brand labels: only when two brands or more have words of their own."""
    return dict(units) if len(units) >= 2 else {}


def topic_unit(units: Mapping[str, Sequence[Unit]], start: int, end: int) -> tuple[str, Unit] | None:
    """The one brand whose unit holds the clause at character offsets ``start:end`` (a topic
    hit's ``clause_start``/``clause_end``), with that unit; None: the clause is every brand's."""
    found = [(b, u) for b, us in units.items() for u in us if u.span[0] <= start and end <= u.span[1]]
    return found[0] if len({b for b, _ in found}) == 1 else None


def topic_brand(units: Mapping[str, Sequence[Unit]], start: int, end: int) -> str | None:
    """The brand of :func:`topic_unit`, or None."""
    owner = topic_unit(units, start, end)
    return owner[0] if owner else None


def hit_context_is_other_brands(owner: tuple[str, Unit] | None, sentence: str, clause: str) -> bool:
    """Whether a topic hit's sentence also holds another brand's words, so that it must not
    colour the hit's label: in "Paketwerk hat mein Paket verloren, Warenblitz liefert am
    nächsten Tag", Warenblitz's delivery is judged by its clause, not by our lost parcel."""
    return owner is not None and owner[1].own and owner[1].context is None and sentence != clause


def _unit(doc: Any, span: Any, text: str, context: str | None, lang: str, *, own: bool) -> Unit:
    negated = negated_indices(doc, span, lang)
    complaints = complaint_indices(doc, span, lang)
    chars = doc[span.start : span.end]
    return Unit(
        text,
        context,
        bool(complaints & negated) and not (complaints - negated),
        own,
        (chars.start_char, chars.end_char),
    )


@dataclass(frozen=True)
class _BrandHit:
    """What :func:`nlp.aspects.aspect_label` reads of a topic hit, for a brand's units."""

    clause: str
    sentence: str
    negated_complaint: bool


def _hit(units: Sequence[Unit]) -> _BrandHit:
    return _BrandHit(
        clause=" ".join(u.text for u in units),
        sentence=" ".join(dict.fromkeys(u.context or u.text for u in units)),
        negated_complaint=all(u.negated_complaint for u in units),
    )


def brand_texts(units: Mapping[str, Sequence[Unit]]) -> list[str]:
    """The texts the model must classify for the brands' labels (:func:`brand_label`)."""
    return [t for u in units.values() for t in aspect_texts(_hit(u))]


def brand_label(
    units: Sequence[Unit], result: Callable[[str], Any], lang: str | None, rating: float | None = None
) -> tuple[str, float]:
    """(label, score) of one brand from its units; ``result(text)`` is the model's result
    for a text of :func:`brand_texts`."""
    hit = _hit(units)
    sentence = result(hit.sentence) if hit.sentence != hit.clause else None
    return aspect_label(result(hit.clause), hit, sentence, lang, rating)


def brand_rows(
    mention_id: int,
    units: Mapping[str, Sequence[Unit]],
    results: Mapping[str, Any],
    lang: str | None,
    rating: float | None,
) -> list[tuple]:
    """``(sentiment, score, mention_id, brand)`` of every brand with units, for ``mention_brands``;
    ``results``: the model's results by text hash (``monitor.core.rows.text_hash``)."""

    def result(text: str) -> Any:
        return results[text_hash(text)]

    return [(*brand_label(u, result, lang, rating), mention_id, brand) for brand, u in units.items()]
