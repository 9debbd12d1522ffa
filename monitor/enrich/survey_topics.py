"""Topics of survey comments, stored in ``survey_topics`` for the survey NPS view.

Why stored and not matched at query time: SQL cannot lemmatise or split German compounds,
and analysts query the archive without Python. The same lemma/compound matcher as for
mentions (``nlp.topics``) tags each comment once per taxonomy version; a changed taxonomy
re-tags every comment.
"""

from __future__ import annotations

from monitor.core.archive import Archive
from monitor.core.config import Watchlist


def tag_survey_topics(wl: Watchlist, archive: Archive, *, batch_size: int = 500) -> int:
    """Tag comments not yet tagged with the current taxonomy; return how many were tagged."""
    from monitor.enrich.run import watchlist_taxonomy
    from nlp.language import detect_language

    if not wl.topics:
        return 0
    taxonomy = watchlist_taxonomy(wl)
    conn = archive.conn
    pending = conn.execute(
        """SELECT r.id, r.comment FROM survey_responses r
           WHERE r.comment IS NOT NULL AND trim(r.comment) != ''
             AND r.taxonomy_version IS NOT ?
           ORDER BY r.id""",
        (taxonomy.version,),
    ).fetchall()
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        rows = []
        for rid, comment in chunk:
            lang, _ = detect_language(comment, wl.languages)
            for hit in taxonomy.analyse(comment, lang or wl.languages[0]):
                rows.append((rid, hit.topic, hit.keyword, taxonomy.version))
        ids = [rid for rid, _ in chunk]
        marks = ",".join("?" * len(ids))
        with conn:
            conn.execute(f"DELETE FROM survey_topics WHERE response_id IN ({marks})", ids)
            conn.executemany(
                "INSERT INTO survey_topics (response_id, topic, keyword, taxonomy_version)"
                " VALUES (?, ?, ?, ?)",
                sorted(set(rows)),
            )
            conn.execute(
                f"UPDATE survey_responses SET taxonomy_version = ? WHERE id IN ({marks})",
                (taxonomy.version, *ids),
            )
    return len(pending)
