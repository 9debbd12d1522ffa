"""Evidence: the quotes an alert or incident shows, one per author, each a real complaint.

Why strict: a reader judges an alert by its quotes. Five quotes from one angry author make a
systemic problem look like a support case; praise shown as a complaint ("Hut ab vor dem
Kundenservice") or the same words twice ("The chatbot goes in circles… The chatbot goes in
circles…") make the whole alert look wrong. So a quote is

* the clause about the topic (the sentence holding a theme's term), not the whole text;
* from an author not quoted yet, with words not quoted yet;
* never a clause whose own sentiment (the model's verdict on the clause alone, from the
  sentiment cache) is positive, and — when the mention as a whole reads positive — only a
  clause that itself reads negative: a topic hit can be counted as a complaint through its
  sentence or the stars, but it is shown as evidence only when its own words complain;
* clauses that read negative on their own first, then the most clearly negative mentions,
  each next pick preferring a source not yet shown.
"""

from __future__ import annotations

import re
import sqlite3

import pandas as pd

from monitor.core.rows import text_hash

QUOTE_CHARS = 280
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def _clean(text: str) -> str:
    return " ".join(text.split())


def title_and_text(title: object, text: object) -> str:
    """Title and body as one quote, without the title twice when the body repeats it."""
    t = _clean(title) if isinstance(title, str) else ""
    x = _clean(text) if isinstance(text, str) else ""
    stem = t.rstrip(" .…!?").casefold()
    if not t or (stem and x.casefold().startswith(stem)):
        return x
    return f"{t} — {x}" if x else t


def shorten(text: str) -> str:
    text = _clean(text)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def quote_of(row: pd.Series) -> str:
    """The clause that matched the topic when known, else the mention text, shortened."""
    text = row.get("sentence")
    if not isinstance(text, str) or not text.strip():
        text = title_and_text(row.get("title"), row.get("text"))
    return shorten(text)


def sentence_with(text: str, pattern: re.Pattern[str]) -> str | None:
    """The first sentence of ``text`` matching ``pattern`` (casefolded), for theme quotes."""
    for sentence in _SENTENCE.split(text or ""):
        if pattern.search(sentence.casefold()):
            return sentence.strip()
    return None


def clause_verdicts(conn: sqlite3.Connection, rows: pd.DataFrame) -> dict[str, str]:
    """The sentiment the model gave each row's clause on its own (from ``sentiment_cache``),
    by clause text; clauses not in the cache are left out."""
    if rows.empty or "sentence" not in rows or "model_version" not in rows:
        return {}
    pairs = {
        (s, v)
        for s, v in zip(rows["sentence"], rows["model_version"])
        if isinstance(s, str) and s.strip() and isinstance(v, str)
    }
    by_hash = {(text_hash(s), v): s for s, v in pairs}
    out: dict[str, str] = {}
    items = list(by_hash)
    for i in range(0, len(items), 400):
        chunk = items[i : i + 400]
        marks = ",".join("(?, ?)" for _ in chunk)
        args = [x for pair in chunk for x in pair]
        found = conn.execute(
            f"SELECT text_hash, model_version, sentiment FROM sentiment_cache "
            f"WHERE (text_hash, model_version) IN (VALUES {marks})",
            args,
        ).fetchall()
        for h, v, label in found:
            out[by_hash[(h, v)]] = label
    return out


def _eligible(rows: pd.DataFrame, verdicts: dict[str, str]) -> pd.DataFrame:
    """Rows whose clause may be shown as a complaint, with ``_own`` (its own verdict)."""
    own = (
        rows["sentence"].map(verdicts)
        if "sentence" in rows and verdicts
        else pd.Series(None, index=rows.index)
    )
    mention_positive = rows["sentiment"].eq("positive") if "sentiment" in rows else False
    keep = ~own.eq("positive") & ~(mention_positive & ~own.eq("negative"))
    return rows[keep].assign(_own=own[keep])


def pick_examples(
    rows: pd.DataFrame, *, limit: int = 5, verdicts: dict[str, str] | None = None
) -> list[dict]:
    """Up to ``limit`` quotes (see the module docstring), spread over sources."""
    if rows.empty:
        return []
    rows = _eligible(rows, verdicts or {})
    clause_neg = rows["clause_neg"].fillna(False).astype(bool) if "clause_neg" in rows else False
    ranked = rows.assign(
        _o=rows["_own"].eq("negative"),
        _c=clause_neg,
        _p=rows["prob_negative"].fillna(0.0),
    ).sort_values(["_o", "_c", "_p", "published_at"], ascending=[False, False, False, True])
    chosen: list[pd.Series] = []
    authors: set[str] = set()
    quotes: set[str] = set()
    sources: set[str] = set()
    # a star rating without words (or a redacted text) counts, but has nothing to quote
    remaining = [r for _, r in ranked.iterrows() if quote_of(r)]
    while remaining and len(chosen) < limit:
        remaining = [
            r for r in remaining if r["author_key"] not in authors and quote_of(r).casefold() not in quotes
        ]
        if not remaining:
            break
        best = max(remaining, key=lambda r: r["source"] not in sources)  # max keeps the first on ties
        remaining = [r for r in remaining if r is not best]
        chosen.append(best)
        authors.add(best["author_key"])
        quotes.add(quote_of(best).casefold())
        sources.add(best["source"])
    return [
        {
            "mention_id": int(r["mention_id"] if "mention_id" in r else r["id"]),
            "quote": quote_of(r),
            "url": r.get("url") if isinstance(r.get("url"), str) else None,
            "source": r["source"],
            "lang": r.get("lang") if isinstance(r.get("lang"), str) else None,
            "published_at": r["published_at"],
        }
        for r in chosen
    ]
