"""``brandpulse serve``: the archive in Datasette, read-only, documented, searchable.

Why a subprocess (``python -m datasette serve``) and not an embedded server: Datasette's own
CLI does its start-up work (schema refresh, startup hooks) exactly as documented, and the
optional dependency stays out of brandpulse's import graph. The archive is opened read-only
(Datasette's default for a "mutable" file is ``mode=ro``), not ``immutable``: the daemon keeps
writing to it, and an immutable open would ignore the WAL. ``--immutable`` is for copies.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.analyst.dashboard import SLUG, Charts, dashboard
from monitor.analyst.guard import PLUGIN, allowed_hosts
from monitor.analyst.local_days import clock_for
from monitor.core.archive import database_name
from monitor.core.config import Watchlist

log = logging.getLogger(__name__)
#: The plugin that draws the dashboard (``/-/dashboards/brandpulse``).
DASHBOARDS = "datasette-dashboards"


class DatasetteMissing(RuntimeError):
    pass


#: What each table holds, for analysts (column docs come from the schema's own comments).
TABLES = {
    "mentions": "One row per post/review about a brand, as crawled or imported. Times are UTC "
    "ISO 8601. duplicate_of marks near-identical reposts; redacted_at marks rows "
    "whose text/author were removed by retention or forget.",
    "enrichments": "Language and overall sentiment per mention, with the model version.",
    "mention_topics": "Topic keyword hits per mention, with the sentence and its aspect sentiment.",
    "sentiment_cache": "Classifier results by text hash, so identical texts are scored once.",
    "crawl_runs": "Every crawl of every source: status, counts, errors.",
    "crawl_cursors": "Where each source's next crawl continues.",
    "alerts": "Detected incidents (spikes, emerging themes, churn) with their statistics and "
    "example mentions.",
    "digests": "Ledger of rendered/sent digests (never sent twice).",
    "survey_responses": "Imported NPS survey responses (0-10).",
    "survey_topics": "Topics named in survey comments.",
    "job_runs": "Scheduler job history.",
    "v_daily_sentiment": "Per UTC day, brand and source: mentions, sentiment counts, negative "
    "share, net sentiment, average rating (reposts excluded).",
    "v_topic_daily": "Per UTC day, brand and topic: mentions and negative share (aspect "
    "sentiment where known).",
    "v_open_alerts": "Alerts still open (open, rising, peaked) with their evidence.",
    "v_alert_evidence": "One row per example mention of an open alert.",
    "v_review_nps_monthly": "Review NPS per month, brand and source: 4-5 stars promote, 1-3 stars detract.",
    "v_survey_nps_monthly": "Survey NPS per month and brand (9-10 promote, 0-6 detract) and "
    "the topics detractors name.",
    "mention_brands": "Every brand a mention belongs to: the brand whose source fetched it "
    "(via = source) and each brand its text names (via = text). Count a brand's mentions "
    "through this table, not mentions.brand: a post comparing two brands counts for both.",
    "brands": "The watchlist's brands as the archive last saw them: competitor = 1 marks a "
    "competitor tracked for comparison; compared_with lists the competitors a brand faces.",
    "v_share_of_voice": "Per UTC day and brand: the brand's share of all tracked brands' "
    "mentions that day, with its negative share and star average (reposts excluded).",
    "incidents": "The alerts of one problem grouped into one incident: headline, lead alert, "
    "severity, status (open, acknowledged, resolved). incident_mentions lists its mentions.",
    "incident_events": "What happened to an incident (opened, escalated, resolved, "
    "acknowledged), once per incident, event and local day.",
}
HIDDEN = ("fts_batch",)

#: Whose terms govern the archived content; texts remain their authors' copyright.
SOURCE_TERMS = {
    "appstore": ("Apple Media Services Terms", "https://www.apple.com/legal/internet-services/itunes/"),
    "google_play": ("Google Play Terms of Service", "https://play.google.com/about/play-terms/"),
    "trustpilot": ("Trustpilot Terms", "https://legal.trustpilot.com/"),
    "reddit": ("Reddit User Agreement", "https://www.redditinc.com/policies/user-agreement"),
    "hackernews": ("Y Combinator legal", "https://www.ycombinator.com/legal/"),
    "mastodon": ("the terms of each Mastodon instance", None),
    "bluesky": ("Bluesky Terms of Service", "https://bsky.social/about/support/tos"),
    "feed": ("the terms of each feed's publisher", None),
    "schemaorg": ("the terms of each site", None),
    "import": ("your own data", None),
}

#: How full-text search reads its input (the canned ``search`` query and the mentions page).
SEARCH_HELP = (
    'Full-text search supports prefixes (liefer*), phrases ("zu spät"), AND/OR/NOT and NEAR().'
    " Text that is not valid in that syntax is searched as plain words, all of them required:"
    ' wo ist mein Paket? finds "wo", "ist", "mein" and "Paket"; Paket-Shop the phrase "Paket Shop".'
)

#: Canned queries: the questions the views answer, with parameters (empty = all).
CANNED = {
    "daily_sentiment": {
        "title": "Daily sentiment per brand and source",
        "sql": "SELECT * FROM v_daily_sentiment WHERE (:brand = '' OR brand = :brand)"
        " AND day BETWEEN coalesce(nullif(:since, ''), '0000')"
        " AND coalesce(nullif(:until, ''), '9999') ORDER BY day, brand, source",
    },
    "topic_trend": {
        "title": "Topics per day with negative share",
        "sql": "SELECT * FROM v_topic_daily WHERE (:brand = '' OR brand = :brand)"
        " AND (:topic = '' OR topic = :topic)"
        " AND day BETWEEN coalesce(nullif(:since, ''), '0000')"
        " AND coalesce(nullif(:until, ''), '9999') ORDER BY day, brand, topic",
    },
    "open_alerts": {
        "title": "Open alerts with their evidence",
        "sql": "SELECT * FROM v_alert_evidence WHERE (:brand = '' OR brand = :brand)"
        " ORDER BY alert_id, mention_id",
    },
    "review_nps": {
        "title": "Review NPS per month",
        "sql": "SELECT * FROM v_review_nps_monthly WHERE (:brand = '' OR brand = :brand)"
        " ORDER BY month, brand, source",
    },
    "survey_nps": {
        "title": "Survey NPS per month with detractor topics",
        "sql": "SELECT * FROM v_survey_nps_monthly WHERE (:brand = '' OR brand = :brand)"
        " ORDER BY month, brand",
    },
    "share_of_voice": {
        "title": "Share of voice: a brand and the competitors it is compared with (empty: all)",
        "sql": "SELECT * FROM v_share_of_voice WHERE (:brand = '' OR brand = :brand"
        " OR brand IN (SELECT j.value FROM brands b, json_each(b.compared_with) j WHERE b.name = :brand)"
        " OR brand IN (SELECT b.name FROM brands b, json_each(b.compared_with) j WHERE j.value = :brand))"
        " AND day BETWEEN coalesce(nullif(:since, ''), '0000')"
        " AND coalesce(nullif(:until, ''), '9999') ORDER BY day, brand",
    },
    "search": {
        "title": 'Full-text search (prefix: liefer*, phrase: "zu spät")',
        "description": SEARCH_HELP + " No search text: the newest mentions.",
        # bp_fts_query (datasette_plugin.py, monitor/analyst/fts.py) turns a blank q into a
        # query matching nothing; the second branch then lists the newest mentions instead.
        # Each branch sorts and limits itself: FTS5 then ranks inside the index and snippet()
        # runs for the 200 rows shown only.
        "sql": "SELECT id, brand, source, published_at, sentiment, rating, snippet, url FROM ("
        "SELECT * FROM (SELECT m.id, m.brand, m.source, m.published_at, e.sentiment, m.rating,"
        " snippet(mentions_fts, 1, '[', ']', '…', 12) AS snippet, m.url, rank AS score"
        " FROM mentions_fts JOIN mentions m ON m.id = mentions_fts.rowid"
        " LEFT JOIN enrichments e ON e.mention_id = m.id"
        " WHERE mentions_fts MATCH bp_fts_query(:q) AND (:brand = '' OR m.brand = :brand)"
        " ORDER BY rank LIMIT 200)"
        " UNION ALL SELECT * FROM ("
        "SELECT m.id, m.brand, m.source, m.published_at, e.sentiment, m.rating,"
        " substr(m.text, 1, 160) AS snippet, m.url, NULL AS score"
        " FROM mentions m LEFT JOIN enrichments e ON e.mention_id = m.id"
        " WHERE trim(:q, ' ' || char(9, 10, 13)) = '' AND (:brand = '' OR m.brand = :brand)"
        " ORDER BY m.published_at DESC LIMIT 200)"
        ") ORDER BY score, published_at DESC, id LIMIT 200",
    },
}

_COLUMN_COMMENT = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s+[A-Z]+[^-\n]*--\s*(.+?)\s*$", re.M)


def column_comments(create_sql: str) -> dict[str, str]:
    """Column docs from the ``-- comment`` after each column in the schema's CREATE TABLE."""
    return {m.group(1): m.group(2) for m in _COLUMN_COMMENT.finditer(create_sql or "")}


def metadata(wl: Watchlist) -> dict[str, Any]:
    """Datasette metadata: descriptions, licences of sources, FTS settings, canned queries and
    the brandpulse dashboard (monitor/analyst/dashboard.py)."""
    path = wl.archive_path
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = dict(
            conn.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()
        )
        sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM mentions ORDER BY 1")]
        oldest, newest = conn.execute("SELECT min(published_at), max(published_at) FROM mentions").fetchone()
    finally:
        conn.close()
    db = database_name(path)
    lang = wl.digest.language
    labels = {key: t.label.get(lang) or key for key, t in wl.topics.items()}
    charts = Charts(clock_for(wl.tz, oldest, newest), db, lang=lang, topic_labels=labels)
    queries = {
        **CANNED,
        "incident_mentions": {
            "title": "The mentions behind an incident (incident = incidents.id)",
            "description": "Complaints of the incident's brand in its local days that match one of "
            "its alerts (topic spike: the topic's complaints; brand total: negative mentions; "
            "theme: complaints containing the term; rating drop: 1-2 stars), and every mention "
            "its alerts quote. Newest first.",
            "sql": charts.incident_mentions(),
            "hide_sql": True,
        },
    }
    tables: dict[str, Any] = {}
    for name, text in TABLES.items():
        if name not in schema:
            continue
        entry: dict[str, Any] = {"description": text}
        cols = column_comments(schema[name])
        if cols:
            entry["columns"] = cols
        tables[name] = entry
    for name in HIDDEN:
        if name in schema:
            tables[name] = {"hidden": True}
    # searchmode stays Datasette's default, "escaped" (not "raw"): the plugin replaces its
    # escape_fts() with fts_query (datasette_plugin.py), so ?_search= takes FTS5 and plain words.
    tables["mentions"].update(
        {
            "fts_table": "mentions_fts",
            "fts_pk": "id",
            "description_html": _terms_html(sources),
            "license": "Mixed: each text stays its author's; see the source terms below",
        }
    )
    return {
        "title": f"brandpulse archive — {', '.join(b.name for b in wl.brands)}",
        "description": "Read-only. Days in views are UTC dates; the digest and the dashboard "
        f"(/-/dashboards/{SLUG}) use {wl.timezone} days. " + SEARCH_HELP,
        "databases": {db: {"tables": tables, "queries": queries}},
        "plugins": {DASHBOARDS: {SLUG: dashboard(charts, wl.timezone)}},
    }


def _terms_html(sources: list[str]) -> str:
    from html import escape

    items = []
    for s in sources or list(SOURCE_TERMS):
        label, url = SOURCE_TERMS.get(s, (f"the terms of {s}", None))
        text = escape(label)
        if url:
            text = f'<a href="{escape(url)}">{text}</a>'
        items.append(f"<li><code>{escape(s)}</code>: {text}</li>")
    return (
        f"<p>{escape(TABLES['mentions'])}</p><p>Archived under the terms of each "
        f"source; texts remain their authors' copyright:</p><ul>{''.join(items)}</ul>"
    )


def ensure_datasette() -> None:
    if importlib.util.find_spec("datasette") is None:
        raise DatasetteMissing(
            "Datasette is not installed: pip install 'brandpulse[serve]' "
            "(or use `brandpulse query` / `brandpulse export`)"
        )


def command(
    wl: Watchlist,
    metadata_path: Path,
    *,
    host: str,
    port: int,
    immutable: bool = False,
    plugins_dir: Path | None = None,
) -> list[str]:
    path = str(served_path(wl.archive_path, metadata_path.parent))
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *(["-i", path] if immutable else [path]),
        "--metadata",
        str(metadata_path),
        *(["--plugins-dir", str(plugins_dir)] if plugins_dir else []),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "max_returned_rows",
        "5000",
        "--setting",
        "allow_download",
        "off",
    ]


def served_path(archive: Path, workdir: Path) -> Path:
    """The archive itself, or a link to it in ``workdir`` named so that Datasette serves it as
    :func:`~monitor.core.archive.database_name` (SQLite follows the link: journal and WAL stay
    beside the real file)."""
    name = database_name(archive)
    if name == archive.stem:
        return archive
    link = workdir / f"{name}.db"
    if not link.is_symlink():
        link.symlink_to(archive.resolve())
    return link


def start(
    wl: Watchlist,
    workdir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    immutable: bool = False,
    allow_hosts: Sequence[str] = (),
    **popen: Any,
) -> subprocess.Popen:
    """Start Datasette; the caller owns the process (tests stop it, `serve` waits for it).

    Datasette runs behind :mod:`monitor.analyst.guard` (its plugin is copied into
    ``workdir``): requests must carry ``host`` (or a loopback name, one of ``allow_hosts``, or
    the host of ``serve.public_url``: the operator named it as where serve is reached) as their
    Host header, and only reads are accepted."""
    ensure_datasette()
    if importlib.util.find_spec("datasette_dashboards") is None:
        log.warning(
            "datasette-dashboards is not installed: no dashboard at /-/dashboards/%s "
            "(pip install 'brandpulse[serve]')",
            SLUG,
        )
    meta = metadata(wl)
    public = urlsplit(wl.serve.public_url).hostname if wl.serve.public_url else None
    hosts = allowed_hosts(host, [*allow_hosts, *([public] if public else [])])
    meta["plugins"][PLUGIN] = {"allowed_hosts": hosts}
    meta_path = workdir / "metadata.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    plugins_dir = workdir / "plugins"
    plugins_dir.mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("datasette_plugin.py"), plugins_dir / "brandpulse_guard.py")
    return subprocess.Popen(
        command(wl, meta_path, host=host, port=port, immutable=immutable, plugins_dir=plugins_dir),
        **popen,
    )


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def serve(
    wl: Watchlist, *, host: str, port: int, immutable: bool = False, allow_hosts: Sequence[str] = ()
) -> int:
    """Run Datasette until it exits, Ctrl-C or SIGTERM; never leave it running orphaned."""
    if not immutable:
        bring_up_to_date(wl)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with tempfile.TemporaryDirectory(prefix="brandpulse-serve-") as d:
            proc = start(wl, Path(d), host=host, port=port, immutable=immutable, allow_hosts=allow_hosts)
            try:
                return proc.wait()
            except (KeyboardInterrupt, SystemExit):
                return 0
            finally:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    finally:
        signal.signal(signal.SIGTERM, previous)


def bring_up_to_date(wl: Watchlist) -> None:
    """Migrate the archive and link its mentions to every brand they name before Datasette
    opens it read-only: the dashboard counts through ``mention_brands``, which an archive of
    an older brandpulse (or one not enriched since) lacks. A file this user may not write is
    served as it is, with a warning."""
    from monitor.core.archive import Archive
    from monitor.pipeline.steps import link_brands

    try:
        with Archive.open(wl.archive_path) as archive:
            link_brands(wl, archive)
    except sqlite3.OperationalError as exc:
        log.warning("could not bring %s up to date (%s): serving it as it is", wl.archive_path, exc)
