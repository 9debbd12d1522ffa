"""Representative, diverse example quotes for an alert.

Why diverse: five quotes from one angry author on one site make a systemic problem look like
a support case (and vice versa). We take the most clearly negative mentions first, but each
next pick prefers an author and then a source not yet shown.
"""

from __future__ import annotations

import pandas as pd

QUOTE_CHARS = 280


def quote_of(row: pd.Series) -> str:
    """The sentence that matched the topic when known, else the mention text, shortened."""
    text = row.get("sentence")
    if not isinstance(text, str) or not text.strip():
        parts = [p for p in (row.get("title"), row.get("text")) if isinstance(p, str) and p.strip()]
        text = " — ".join(parts)
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def pick_examples(rows: pd.DataFrame, *, limit: int = 5) -> list[dict]:
    """Up to ``limit`` examples, most negative first, spread over authors and sources."""
    if rows.empty:
        return []
    ranked = rows.assign(_p=rows["prob_negative"].fillna(0.0)).sort_values(
        ["_p", "published_at"], ascending=[False, True]
    )
    chosen: list[pd.Series] = []
    authors: set[str] = set()
    sources: set[str] = set()
    remaining = [r for _, r in ranked.iterrows()]
    while remaining and len(chosen) < limit:

        def novelty(r: pd.Series) -> tuple[int, int]:
            return (r["author_key"] not in authors, r["source"] not in sources)

        best = max(remaining, key=novelty)  # max keeps the first (most negative) on ties
        if best["author_key"] in authors and len(chosen) >= 3:
            break  # only repeats left: three quotes from different people are enough
        remaining = [r for r in remaining if r is not best]
        chosen.append(best)
        authors.add(best["author_key"])
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
