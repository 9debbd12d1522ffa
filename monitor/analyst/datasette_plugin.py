"""The Datasette plugin ``brandpulse serve`` loads (``--plugins-dir``): wraps Datasette in
:class:`monitor.analyst.guard.HostAndMethodGuard` and gives full-text search
:func:`monitor.analyst.fts.fts_query`.

Only the Datasette process imports this file (Datasette is an optional extra). The allowed
hosts come from the metadata brandpulse writes: ``plugins.brandpulse-guard.allowed_hosts``.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

from datasette import hookimpl

from monitor.analyst.fts import fts_columns, fts_query
from monitor.analyst.guard import LOCAL_HOSTS, PLUGIN, HostAndMethodGuard


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    config = datasette.plugin_config(PLUGIN) or {}
    hosts = config.get("allowed_hosts") or list(LOCAL_HOSTS)

    def wrap(app: Any) -> HostAndMethodGuard:
        return HostAndMethodGuard(app, hosts)

    return wrap


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    """``bp_fts_query(q)`` for the canned ``search`` query, and the same function as
    ``escape_fts``: a table page's ``?_search=`` (searchmode escaped) goes through it, so the
    mentions search box takes plain words and FTS5 syntax alike. ``trylast``: Datasette's
    own ``escape_fts`` (which quotes every word, so ``liefer*`` would lose its prefix) is
    registered first and replaced here."""
    search = functools.partial(fts_query, columns=fts_columns(conn))
    conn.create_function("bp_fts_query", 1, search, deterministic=True)
    conn.create_function("escape_fts", 1, search, deterministic=True)
