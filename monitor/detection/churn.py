"""Churn signals: mentions about cancelling, contract terms, or switching to a competitor.

Why a built-in topic: every subscription business wants these leads, and nobody should have
to write the keyword list first. It is editable: a watchlist topic named ``churn`` replaces
the built-in keywords (its matches then come from enrichment's ``mention_topics`` rows, like
any topic). Competitor switches use ``brand.competitors`` either way: a mention naming a
competitor *and* a cancel/switch cue is a lead ("ich wechsle zu Paketblitz").
"""

from __future__ import annotations

import re
from typing import Sequence

#: Built-in cues, as regular expressions over casefolded text (German and English).
#: Stems, so that inflections match (kündige, gekündigt, Kündigung, Kündigungsfrist).
CANCEL_CUES: dict[str, list[str]] = {
    "de": [
        r"k[üu]ndig", r"sonderk[üu]ndig", r"vertrag(?:s|e|es)?\b", r"vertragslaufzeit",
        r"mindestlaufzeit", r"\babo\b", r"\babonnement", r"abo (?:beenden|k[üu]ndigen)",
        r"storn(?:o|ier)", r"widerruf", r"konto (?:l[öo]schen|schlie[ßs]en)",
         r"nie wieder",
    ],
    "en": [
        r"\bcancel", r"\bunsubscrib", r"\bcontract", r"terminat(?:e|ion)",
        r"close my account", r"delete my account", r"never again",
        r"\bsubscription",
    ],
}
SWITCH_CUES: dict[str, list[str]] = {
    "de": [r"wechs(?:el|le|elt|eln)", r"gewechselt", r"umsteig", r"umgestiegen", r"gehe zu",
           r"ab jetzt (?:nur noch|bei)", r"lieber (?:zu|bei)", r"ab sofort (?:nur noch|bei)"],
    "en": [r"\bswitch", r"\bmoving to", r"\bmove to", r"\bgoing (?:back )?to", r"\bleav(?:e|ing) for",
           r"\bwent with", r"\bchanging to"],
}

_CANCEL = re.compile("|".join(p for ps in CANCEL_CUES.values() for p in ps))
_SWITCH = re.compile("|".join(p for ps in SWITCH_CUES.values() for p in ps))


def _competitor_pattern(competitors: Sequence[str]) -> re.Pattern[str] | None:
    names = [re.escape(c.casefold()) for c in competitors if c.strip()]
    if not names:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(sorted(names, key=len, reverse=True)) + r")(?!\w)")


class ChurnMatcher:
    """Decides whether a mention is a churn lead, and why."""

    def __init__(self, competitors: Sequence[str] = (), *, builtin: bool = True):
        self.builtin = builtin
        self._competitors = _competitor_pattern(competitors)
        self._names = {c.casefold(): c for c in competitors}

    def reason(self, text: str | None, *, topic_match: bool = False) -> str | None:
        """"cancellation", "switch to <competitor>", or None.

        ``topic_match``: enrichment matched the watchlist's own ``churn`` topic (used when
        the built-in cues are replaced)."""
        if not text:
            return "cancellation" if topic_match else None
        low = text.casefold()
        if self._competitors is not None:
            hit = self._competitors.search(low)
            if hit and (_SWITCH.search(low) or _CANCEL.search(low) or topic_match):
                return f"switch to {self._names.get(hit.group(1), hit.group(1))}"
        if topic_match or (self.builtin and _CANCEL.search(low)):
            return "cancellation"
        return None
