"""Churn signals: customers announcing that they leave — ending a contract, subscription or
account, switching to a competitor, or saying they will not come back.

Why a built-in matcher: every business wants these leads, and nobody should have to write the
keyword list first. It is editable: a watchlist topic named ``churn`` replaces the built-in
cues (its matches then come from enrichment's ``mention_topics`` rows, like any topic).
Competitor switches use ``brand.competitors`` either way: a mention naming a competitor *and*
a switch or leaving cue is a lead ("ich wechsle zu Paketblitz").

Why the cues are careful (``monitor.detect.churn_cues``): the words of leaving are also the
words of ordinary order business ("Meine Stornierung wurde ignoriert", "cancel my order"),
of loyalty ("wir kommen gerne wieder"), of other people's cancellations ("the concert was
cancelled") and of troubleshooting ("uninstalled and reinstalled"). A lead the team calls
about must be one; the cues are measured on hand-labelled real review sentences.

Leads are for follow-up lists (the digest's "answer today" uses the same rule through
``reports.queries.churn_reason``); whether there is *more churn than usual* is a question for
the baseline test in ``monitor.detect.run``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.detect.churn_cues import (
    CLAUSE_END,
    LEAVE_CUES,
    NEGATION_WINDOW,
    NEGATIONS,
    NOT_LEAVING,
    SELF_NEGATED,
    SENTENCE_CUES,
    SENTENCE_END,
    SWITCH_CUES,
)

_LEAVE = [(reason, re.compile(p)) for cues in LEAVE_CUES.values() for reason, p in cues]
_SENTENCE = [(reason, re.compile(p)) for reason, p in SENTENCE_CUES]
_NOT_LEAVING = re.compile("|".join(p for ps in NOT_LEAVING.values() for p in ps))
_NEGATION = re.compile(r"\b(?:" + "|".join(NEGATIONS.values()) + r")\b")
_SWITCH = re.compile("|".join(SWITCH_CUES))
_WORD = re.compile(r"[\w'’$]+")


def _competitor_pattern(competitors: Sequence[str], *, group: str = "(") -> re.Pattern[str] | None:
    names = [re.escape(c.casefold()) for c in competitors if c.strip()]
    if not names:
        return None
    return re.compile(r"(?<!\w)" + group + "|".join(sorted(names, key=len, reverse=True)) + r")(?!\w)")


def _negated(clause: str, start: int) -> bool:
    """A negation among the ``NEGATION_WINDOW`` words before ``start`` (same clause)."""
    before = _WORD.findall(clause[:start])[-NEGATION_WINDOW:]
    return any(_NEGATION.fullmatch(w.replace("’", "'")) for w in before)


def leaving_reason(text: str) -> str | None:
    """ "cancellation" or "leaving" when a clause of ``text`` (casefolded) says the author
    leaves the brand, else None (see ``monitor.detect.churn_cues``)."""
    for sentence in SENTENCE_END.split(text):
        if _NOT_LEAVING.search(sentence):
            continue
        for reason, pattern in _SENTENCE:
            if pattern.search(sentence.strip()):
                return reason
        for clause in CLAUSE_END.split(sentence):
            clause = clause.strip()
            for reason, pattern in _LEAVE:
                for hit in pattern.finditer(clause):
                    if any(s in hit.group() for s in SELF_NEGATED) or not _negated(clause, hit.start()):
                        return reason
    return None


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
        parts = [self._any_competitor.pattern] if self._any_competitor else []
        if self.builtin:
            parts += [p.pattern for _, p in _LEAVE + _SENTENCE]
        return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def reason(self, text: str | None, *, topic_match: bool = False) -> str | None:
        """ "cancellation", "leaving", "switch to <competitor>", or None.

        ``topic_match``: enrichment matched the watchlist's own ``churn`` topic (used when
        the built-in cues are replaced)."""
        if not text:
            return "cancellation" if topic_match else None
        low = text.casefold()
        leaving = leaving_reason(low) if self.builtin else None
        if self._competitors is not None:
            hit = self._competitors.search(low)
            if hit and (_SWITCH.search(low) or leaving or topic_match):
                return f"switch to {self._names.get(hit.group(1), hit.group(1))}"
        if topic_match:
            return "cancellation"
        return leaving
