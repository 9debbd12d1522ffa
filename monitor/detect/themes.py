"""Emerging complaint themes nobody configured.

Why: the taxonomy only finds what someone thought of. When "Paketstation" suddenly fills
today's negative mentions, the team should hear "new complaint theme: Paketstation — add it
to the watchlist". The statistics (log-likelihood keyness of today's negative texts against
the baseline's) live in ``nlp.keyness``; this module adds what detection needs around it:
terms already tracked are dropped, and a theme must pass the same author floors as a spike,
so one author repeating a word cannot create a theme.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from monitor.detect.counts import PER_AUTHOR_CAP
from nlp.lexicon import split_compound

log = logging.getLogger(__name__)

#: Most themes raised per brand and window (strongest keyness first).
MAX_THEMES = 3
#: A term sharing this share of its mentions with a stronger theme is merged into it.
SAME_MENTIONS = 0.6
#: Baseline texts handed to keyness (newest first), to bound its cost on busy brands.
MAX_BASELINE_TEXTS = 4000

EmergingFn = Callable[..., list]


def default_emerging() -> EmergingFn:
    """``nlp.keyness.emerging_terms``, imported when detection first needs it (spaCy's lookup
    tables load with it)."""
    from nlp.keyness import emerging_terms

    return emerging_terms


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


class KnownTerms:
    """Words the watchlist already tracks: topic keywords, brand names, competitors."""

    def __init__(self, words: Iterable[str]):
        self.tokens = {w for phrase in words for w in _words(phrase) if len(w) >= 3}

    def covers(self, term: str) -> bool:
        for tok in _words(term):
            for known in self.tokens:
                if tok == known:
                    return True
                if len(known) >= 4 and len(tok) >= 4 and (tok.startswith(known) or known.startswith(tok)):
                    return True
        return False


def _stem(w: str) -> str:
    return w if len(w) <= 4 else w[: max(4, len(w) - 2)]


def term_pattern(term: str) -> re.Pattern[str]:
    """A forgiving match for a (possibly lemmatised) term in raw, casefolded text: each word by
    its stem, so "Paketstation" finds "Paketstationen" and "kaputt" finds "kaputte"; the parts
    of a German compound may be hyphenated ("Klima-Anlage"), and a hashtag is its word."""
    parts = []
    for token in term.split():
        pieces = [p for w in _words(token) for p in split_compound(w)]
        if not pieces:
            continue
        head = "".join(re.escape(p) + "-?" for p in pieces[:-1])
        parts.append(r"\b" + head + re.escape(_stem(pieces[-1])) + r"\w*")
    return re.compile(r"\W+".join(parts))


@dataclass
class ThemeCandidate:
    term: str
    lang: str
    rows: pd.DataFrame  # the window's negative mentions containing the term
    recent_count: int
    baseline_count: int
    ratio: float | None
    p_value: float
    g2: float
    recent_texts: int
    baseline_texts: int
    related: list[str] = field(default_factory=list)  # other terms of the same mentions


def _text(df: pd.DataFrame) -> pd.Series:
    return (df["title"].fillna("") + " " + df["text"].fillna("")).str.strip()


def find_candidates(
    recent: pd.DataFrame,
    baseline: pd.DataFrame,
    languages: Sequence[str],
    known: KnownTerms,
    emerging: EmergingFn,
    *,
    min_count: int,
    min_authors: int,
    alpha: float,
    pool: pd.DataFrame | None = None,
) -> list[ThemeCandidate]:
    """Themes in the window's complaints (``recent``) vs the baseline's complaints.

    A term is found by keyness among the complaints (at least ``min_authors`` of them must
    hold it, and it must be significant at ``alpha``); it becomes a theme when at least
    ``min_authors`` distinct authors complain with it and the window's mentions that use it
    without praising (``pool``: complaints and neutral mentions) reach ``min_count``, at most
    two per author. Why the neutral ones count towards the size: a new problem is often
    described rather than cursed ("Klimaanlage ausgefallen."), and such a sentence reads
    neutral; why they do not count towards discovery or the author floor: a term in the news
    is not a complaint. One author repeating a word never passes the author floor."""
    out: list[ThemeCandidate] = []
    recent = recent.assign(_t=_text(recent))
    recent = recent[recent["_t"].str.len() > 0]
    pool = recent if pool is None else pool.assign(_t=_text(pool))
    baseline = baseline.assign(_t=_text(baseline))
    baseline = baseline[baseline["_t"].str.len() > 0]
    for lang in languages:
        r = recent[recent["lang"] == lang]
        if r["author_key"].nunique() < min_authors:
            continue
        b = baseline[baseline["lang"] == lang].sort_values("published_at", ascending=False)
        b = b.head(MAX_BASELINE_TEXTS)
        try:
            terms = emerging(list(r["_t"]), list(b["_t"]), lang, top=20, min_count=min_authors, alpha=alpha)
        except Exception as exc:  # keyness must not stop spike and churn detection
            log.warning("emerging themes for %s failed: %s", lang, exc)
            continue
        for t in terms:
            if known.covers(t.term):
                continue
            pat = term_pattern(t.term)
            complaints = r[r["_t"].str.casefold().str.contains(pat)]
            hits = pool[(pool["lang"] == lang) & pool["_t"].str.casefold().str.contains(pat)]
            capped = int(hits.groupby("author_key").size().clip(upper=PER_AUTHOR_CAP).sum())
            if complaints["author_key"].nunique() < min_authors or capped < min_count:
                continue
            out.append(
                ThemeCandidate(
                    term=t.term,
                    lang=lang,
                    rows=hits.drop(columns=["_t"]),
                    recent_count=int(t.recent_count),
                    baseline_count=int(t.baseline_count),
                    ratio=None if t.ratio is None or t.ratio == float("inf") else float(t.ratio),
                    p_value=float(t.p_value),
                    g2=float(t.g2),
                    recent_texts=len(r),
                    baseline_texts=len(b),
                )
            )
    out.sort(key=lambda c: c.g2, reverse=True)
    return _merge_same_mentions(out)[:MAX_THEMES]


def _merge_same_mentions(found: list[ThemeCandidate]) -> list[ThemeCandidate]:
    """One complaint produces several key terms ("Gutschein", "Kasse", "akzeptiert"): a term
    whose mentions are mostly those of a stronger theme is listed as related, not raised."""
    kept: list[ThemeCandidate] = []
    for c in found:
        ids = set(c.rows["id"])
        for k in kept:
            if len(ids & set(k.rows["id"])) >= SAME_MENTIONS * len(ids):
                k.related.append(c.term)
                break
        else:
            kept.append(c)
    return kept


def suggestion(term: str, lang: str) -> str:
    return (
        f'New complaint theme "{term}": add it as a keyword to a topic in the watchlist '
        f"(topics: <name>: keywords: {lang}: [{term}]) to track it from now on."
    )
