"""Churn signals: mentions about cancelling, contract terms, or switching to a competitor.

Why a built-in topic: every subscription business wants these leads, and nobody should have
to write the keyword list first. It is editable: a watchlist topic named ``churn`` replaces
the built-in keywords (its matches then come from enrichment's ``mention_topics`` rows, like
any topic). Competitor switches use ``brand.competitors`` either way: a mention naming a
competitor *and* a cancel/switch cue is a lead ("ich wechsle zu Paketblitz").

Why "nie wieder" / "never again" is only a switch cue: on its own it closes every other
angry review ("Ständig Werbung in der App. Nie wieder.") and says nothing about a contract
or a plan to leave; in the demo data it made most of an ordinary day's leads. Next to a
competitor's name ("Nie wieder Paketwerk, ab jetzt KaufNest") it does announce a switch.

Leads are for follow-up lists (the digest's "answer today" uses the same rule through
``reports.queries.churn_reason``); whether there is *more churn than usual* is a question for
the baseline test in ``monitor.detect.run``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Built-in cues, as regular expressions over casefolded text (German and English).
#: Stems, so that inflections match (kündige, gekündigt, Kündigung, Kündigungsfrist).
CANCEL_CUES: dict[str, list[str]] = {
    "de": [
        # not "angekündigt" / "Ankündigung" (announced), which share the stem
        r"(?<!an)(?<!ange)k[üu]ndig",
        r"vertrag(?:s|e|es)?\b",
        r"vertragslaufzeit",
        r"mindestlaufzeit",
        r"\babo\b",
        r"\babonnement",
        r"abo (?:beenden|k[üu]ndigen)",
        r"storn(?:o|ier)",
        r"widerruf",
        r"konto (?:l[öo]schen|schlie[ßs]en)",
    ],
    "en": [
        r"\bcancel",
        r"\bunsubscrib",
        r"\bcontract",
        r"terminat(?:e|ion)",
        r"close my account",
        r"delete my account",
        r"\bsubscription",
    ],
}
SWITCH_CUES: dict[str, list[str]] = {
    "de": [
        r"wechs(?:el|le|elt|eln)",
        r"gewechselt",
        r"umsteig",
        r"umgestiegen",
        r"gehe zu",
        r"ab jetzt (?:nur noch|bei)",
        r"lieber (?:zu|bei)",
        r"ab sofort (?:nur noch|bei)",
        r"nie wieder",
    ],
    "en": [
        r"\bswitch",
        r"\bmoving to",
        r"\bmove to",
        r"\bgoing (?:back )?to",
        r"\bleav(?:e|ing) for",
        r"\bwent with",
        r"\bchanging to",
        r"never again",
    ],
}

_CANCEL = re.compile("|".join(p for ps in CANCEL_CUES.values() for p in ps))
_SWITCH = re.compile("|".join(p for ps in SWITCH_CUES.values() for p in ps))


def _competitor_pattern(competitors: Sequence[str], *, group: str = "(") -> re.Pattern[str] | None:
    names = [re.escape(c.casefold()) for c in competitors if c.strip()]
    if not names:
        return None
    return re.compile(r"(?<!\w)" + group + "|".join(sorted(names, key=len, reverse=True)) + r")(?!\w)")


class ChurnMatcher:
    """Decides whether a mention is a churn lead, and why."""

    def __init__(self, competitors: Sequence[str] = (), *, builtin: bool = True):
        self.builtin = builtin
        self._competitors = _competitor_pattern(competitors)
        self._any_competitor = _competitor_pattern(competitors, group="(?:")
        self._names = {c.casefold(): c for c in competitors}

    @property
    def screen(self) -> re.Pattern[str] | None:
        """A pattern every lead's casefolded text matches (unless it is a topic match): lets
        a caller skip the bulk of mentions without calling :meth:`reason` on each."""
        parts = [p.pattern for p in (self._any_competitor, _CANCEL if self.builtin else None) if p]
        return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def reason(self, text: str | None, *, topic_match: bool = False) -> str | None:
        """ "cancellation", "switch to <competitor>", or None.

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
