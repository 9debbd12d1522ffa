"""What enrichment reads of a mention: its text (cut to a documented length), the
watchlist's taxonomy and brand terms, and the cap on topic rows.

Why apart from the run loop: the local run, the survey tagging and the cluster workers must
prepare texts identically, or the same mention gets different labels in different places.
"""

from __future__ import annotations

from monitor.core.config import Watchlist
from nlp.topics import Taxonomy, TopicHit

#: Characters of a mention that language, topic and aspect analysis read (the archive keeps
#: the whole text). Why: parsing time and topic hits grow with the text, and a pasted log or
#: a scraped page can be megabytes; a review or post says what it means long before this,
#: and the sentiment model reads only its first ``sentiment.max_length`` tokens anyway.
MAX_ANALYSIS_CHARS = 10_000
#: Topic rows stored per mention. Why: detection counts a mention (and its author) once per
#: topic, so more rows add nothing but size and aspect classifications; every topic of the
#: mention keeps its first hit (so a taxonomy of more topics than this may exceed it).
MAX_TOPIC_ROWS = 50


def analysis_text(text: str) -> str:
    """``text`` cut to :data:`MAX_ANALYSIS_CHARS`, at a word boundary where there is one."""
    if len(text) <= MAX_ANALYSIS_CHARS:
        return text
    cut = text[:MAX_ANALYSIS_CHARS]
    space = cut.rfind(" ", MAX_ANALYSIS_CHARS - 200)
    return cut[:space] if space > 0 else cut


def capped_hits(hits: list[TopicHit]) -> list[TopicHit]:
    """At most :data:`MAX_TOPIC_ROWS` hits in text order, the first hit of every topic kept."""
    if len(hits) <= MAX_TOPIC_ROWS:
        return hits
    keep: set[int] = set()
    seen: set[str] = set()
    for i, hit in enumerate(hits):
        if hit.topic not in seen:
            seen.add(hit.topic)
            keep.add(i)
    for i in range(len(hits)):
        if len(keep) >= MAX_TOPIC_ROWS:
            break
        keep.add(i)
    return [hit for i, hit in enumerate(hits) if i in keep]


def mention_text(title: str | None, text: str | None) -> str:
    """The text a mention is judged by: its title as a first sentence, then its body."""
    title = (title or "").strip()
    body = (text or "").strip()
    if title and body:
        if title[-1] not in ".!?…":
            title += "."
        return f"{title} {body}"
    return title or body


def brand_terms(wl: Watchlist) -> list[str]:
    """Every name the watchlist gives a company: brands, their aliases, their competitors."""
    terms = [t for b in wl.brands for t in (*b.terms, *b.competitors)]
    return list(dict.fromkeys(t for t in terms if t.strip()))


def watchlist_taxonomy(wl: Watchlist) -> Taxonomy:
    """The watchlist's topics, with its brand names kept out of topic matching."""
    return Taxonomy(wl.topics, brands=brand_terms(wl))
