"""Full-text queries as people type them: valid FTS5 is used as written, anything else is
searched as plain words.

Why: FTS5 reads ``Paket-Shop`` as "Paket, not in column Shop" and ``Paket?`` as a syntax
error, so a marketing user's ordinary input fails, while analysts rely on the documented
syntax (``liefer*``, ``"zu spät"``, AND/OR/NOT, NEAR()). A query that FTS5 accepts keeps its
meaning; one it rejects becomes each whitespace-separated chunk quoted as an FTS5 string, all
ANDed: ``"Paket-Shop"`` is then the phrase "paket shop", ``"Paket?"`` the word "paket" (the
tokenizer drops the punctuation inside the quotes); a chunk ending in ``*`` stays a prefix.

Validity is tested by running the MATCH on an empty in-memory FTS5 table with the searched
table's columns: FTS5 parses the whole query (column names included) before it looks at any
row, so this is SQLite's own verdict at the cost of a parse. It cannot be asked of the real
table with ``LIMIT 0``: SQLite then never parses the query.

Used by the ``bp_fts_query()`` SQL function of ``brandpulse serve`` (datasette_plugin.py).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

#: The columns of ``mentions_fts`` (monitor/core/schema.py), for connections without it.
COLUMNS = ("title", "text")
#: What a blank query becomes: the empty phrase, valid FTS5 that matches nothing.
NOTHING = '""'

_local = threading.local()


def fts_query(text: object, columns: Sequence[str] = COLUMNS) -> str:
    """The FTS5 query to MATCH for what a user typed (``columns``: the searched table's)."""
    text = "" if text is None else str(text)
    if not text.strip():
        return NOTHING
    return text if is_fts5(text, columns) else plain_words(text)


def plain_words(text: str) -> str:
    """``text`` as plain words: each whitespace-separated chunk an FTS5 string, ANDed.

    A chunk ending in ``*`` (``Paket-Sh*``) stays a prefix query (``"Paket-Sh"*``)."""
    terms = []
    for chunk in text.split():
        stem = chunk.rstrip("*")
        prefix = stem != chunk and any(c.isalnum() for c in stem)
        quoted = '"' + (stem if prefix else chunk).replace('"', '""') + '"'
        terms.append(quoted + "*" if prefix else quoted)
    return " ".join(terms) or NOTHING


def is_fts5(query: str, columns: Sequence[str] = COLUMNS) -> bool:
    """Whether FTS5 accepts ``query`` as a MATCH on a table with ``columns``."""
    try:
        _probe(tuple(columns)).execute("SELECT 1 FROM bp_probe WHERE bp_probe MATCH ?", (query,)).fetchall()
    except sqlite3.Error:
        return False
    return True


def fts_columns(conn: sqlite3.Connection, table: str = "mentions_fts") -> tuple[str, ...]:
    """The columns of ``table`` in ``conn`` (``COLUMNS`` where it has no such table)."""
    try:
        names = tuple(r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,)))
    except sqlite3.Error:
        names = ()
    return names or COLUMNS


def _probe(columns: tuple[str, ...]) -> sqlite3.Connection:
    """An empty FTS5 table with ``columns``, one per thread (Datasette queries from a pool)."""
    probes: dict[tuple[str, ...], sqlite3.Connection] = _local.__dict__.setdefault("probes", {})
    conn = probes.get(columns)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        conn.execute(f"CREATE VIRTUAL TABLE bp_probe USING fts5({cols})")
        probes[columns] = conn
    return conn
