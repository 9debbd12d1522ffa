"""The brandpulse dashboard of ``brandpulse serve`` (datasette-dashboards) and its canned queries.

Filters are *local* days, as the digest's links and detection count them
(:mod:`monitor.analyst.local_days` writes the zone's offsets into each query).

Why HTML is escaped in SQL: the plugin's table charts put every cell into ``innerHTML``, and
mention texts, authors and URLs are written by strangers. Every text cell is escaped and only
``http(s)`` URLs become links, so a review cannot run script or load anything into the page.

Why filters sit in ``[[ … ]]``: the plugin drops such a clause when its filter is empty, so an
empty filter costs nothing. Without ``date_start`` the charts show the 90 local days up to
``date_end`` (or up to the newest mention's day): an archive's whole history would be slow.
"""

from __future__ import annotations

from typing import Any

from monitor.analyst.local_days import Clock

SLUG = "brandpulse"
#: The filters' names: the digest builds its links with them (reports/links.py).
FILTERS = ("brand", "source", "language", "date_start", "date_end")
DEFAULT_DAYS = 90
#: Rows of the table cards (the plugin renders every row it gets).
TABLE_ROWS = 50

#: A critic, as in the digest's reply list (reports/queries/mentions.py).
CRITIC = "(e.sentiment = 'negative' OR (m.rating >= 1 AND m.rating <= 2))"
#: A critic of the brand of a ``scope`` row: its sentiment about that brand (a post scolding
#: only a competitor is no critic of ours).
BRAND_CRITIC = "(s.sentiment = 'negative' OR (m.rating >= 1 AND m.rating <= 2))"
_TILDE_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def tilde(name: str) -> str:
    """Datasette's encoding of a database name in a path (as ``reports.links`` spells it)."""
    return "".join(
        chr(b) if b in _TILDE_SAFE else "+" if b == 0x20 else f"~{b:02X}" for b in name.encode("utf-8")
    )


def esc(expr: str, *, attribute: bool = False) -> str:
    """SQL that HTML-escapes ``expr`` for element text (``&``, ``<``) or, with ``attribute``,
    for a double-quoted attribute value (also ``"``). NULL stays NULL."""
    pairs = [("&", "&amp;"), ("<", "&lt;")] + ([('"', "&quot;")] if attribute else [])
    for raw, entity in pairs:
        expr = f"replace({expr}, '{raw}', '{entity}')"
    return expr


def link(url: str, label: str) -> str:
    """SQL for an ``<a>`` to ``url`` when it is http(s), else ''. Both are SQL expressions;
    ``label`` must already be escaped."""
    return (
        f"CASE WHEN {url} LIKE 'http://%' OR {url} LIKE 'https://%' THEN "
        f'\'<a href="\' || {esc(url, attribute=True)} || \'" target="_blank" rel="noopener noreferrer nofollow">\''
        f" || {label} || '</a>' ELSE '' END"
    )


# --------------------------------------------------------------------------- charts


def _quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


class Charts:
    """The dashboard's SQL; each optional filter clause is on one line (the plugin's syntax)."""

    def __init__(self, clock: Clock, db: str, lang: str = "en", topic_labels: dict[str, str] | None = None):
        self.clock, self.db, self.lang = clock, db, lang
        self.topic_labels = topic_labels or {}

    def topic_label(self, column: str) -> str:
        """SQL naming a topic key by the watchlist's label in the digest language."""
        if not self.topic_labels:
            return column
        whens = " ".join(f"WHEN {_quote(k)} THEN {_quote(v)}" for k, v in sorted(self.topic_labels.items()))
        return f"CASE {column} {whens} ELSE {column} END"

    def window(self) -> str:
        """CTE ``win(lo, hi)``: the stored UTC times of [date_start, date_end] in local days;
        without date_end the local day of the newest mention, without date_start the
        DEFAULT_DAYS local days up to the end."""
        c = self.clock
        newest = c.day("(SELECT max(published_at) FROM mentions)")
        return _lines(
            f"win(lo, hi) AS (SELECT {c.start('s')}, {c.end('e')} FROM (",
            f"  SELECT coalesce(nullif(:date_start, ''), date(e, '-{DEFAULT_DAYS - 1} days')) AS s, e FROM (",
            f"    SELECT coalesce(nullif(:date_end, ''), {newest}) AS e)))",
        )

    def scope(self, brand: str = "[[ AND mb.brand = :brand ]]", extra: str = "") -> str:
        """CTE ``scope``: one row per (mention, brand) the filters keep, reposts left out; its
        sentiment is about that brand (``mention_brands.sentiment``, else the mention's)."""
        return _lines(
            "scope AS (",
            f"SELECT m.id, mb.brand, m.source, coalesce(e.lang, m.lang) AS lang, m.published_at,"
            " m.rating, coalesce(mb.sentiment, e.sentiment) AS sentiment,"
            f" {self.clock.day('mb.published_at')} AS day",
            "FROM mention_brands mb",
            "JOIN mentions m ON m.id = mb.mention_id",
            "LEFT JOIN enrichments e ON e.mention_id = m.id",
            "WHERE m.duplicate_of IS NULL",
            "  AND mb.published_at >= (SELECT lo FROM win) AND mb.published_at < (SELECT hi FROM win)",
            "  AND m.published_at >= (SELECT lo FROM win) AND m.published_at < (SELECT hi FROM win)",
            f"  {brand}",
            "  [[ AND m.source = :source ]]",
            "  [[ AND coalesce(e.lang, m.lang) = :language ]]",
            f"  {extra}",
            ")",
        )

    def _with(self, *ctes: str, window: bool = True) -> str:
        return "WITH " + ",\n".join([self.clock.tables(), *([self.window()] if window else []), *ctes])

    def mentions_per_day(self) -> str:
        return _lines(
            self._with(self.scope()),
            "SELECT day, brand, count(*) AS mentions FROM scope GROUP BY day, brand ORDER BY day, brand",
        )

    def negative_share(self) -> str:
        return _lines(
            self._with(self.scope()),
            "SELECT day, brand, count(sentiment) AS enriched, sum(sentiment = 'negative') AS negative,",
            "       round(1.0 * sum(sentiment = 'negative') / count(sentiment), 4) AS negative_share",
            "FROM scope WHERE sentiment IS NOT NULL GROUP BY day, brand ORDER BY day, brand",
        )

    def rating_trend(self) -> str:
        # Weeks start on Monday: 6 days back, then forward to the next Monday.
        return _lines(
            self._with(self.scope()),
            "SELECT date(day, '-6 days', 'weekday 1') AS week, brand, count(rating) AS rated,",
            "       round(avg(rating), 2) AS avg_rating",
            "FROM scope WHERE rating IS NOT NULL GROUP BY week, brand ORDER BY week, brand",
        )

    #: The chosen brand, the competitors it is compared with, and the own brands that name it
    #: as their competitor (when a competitor is chosen).
    SOV_BRANDS = (
        "[[ AND (mb.brand = :brand"
        " OR mb.brand IN (SELECT j.value FROM brands b, json_each(b.compared_with) j WHERE b.name = :brand)"
        " OR mb.brand IN (SELECT b.name FROM brands b, json_each(b.compared_with) j WHERE j.value = :brand)) ]]"
    )

    def share_of_voice(self) -> str:
        """As ``v_share_of_voice``, but over the shown brands and the filters' sources,
        languages and local days."""
        return _lines(
            self._with(self.scope(self.SOV_BRANDS)),
            "SELECT s.day, s.brand, coalesce(b.competitor, 0) AS competitor, count(*) AS mentions,",
            "       round(1.0 * count(*) / sum(count(*)) OVER (PARTITION BY s.day), 4) AS share,",
            "       round(1.0 * sum(s.sentiment = 'negative') / nullif(count(s.sentiment), 0), 4)"
            " AS negative_share,",
            "       round(avg(s.rating), 2) AS avg_rating",
            "FROM scope s LEFT JOIN brands b ON b.name = s.brand",
            "GROUP BY s.day, s.brand ORDER BY s.day, s.brand",
        )

    def complaints_per_topic(self) -> str:
        # A complaint about a topic: its clause is negative, or (unknown) the mention is; a
        # clause about one brand of a comparison (t.brand) is that brand's only.
        return _lines(
            self._with(self.scope()),
            f"SELECT {self.topic_label('t.topic')} AS topic, s.brand, count(DISTINCT s.id) AS complaints",
            "FROM scope s JOIN mention_topics t ON t.mention_id = s.id AND (t.brand IS NULL OR t.brand = s.brand)",
            "WHERE coalesce(t.sentiment, s.sentiment) = 'negative'",
            "GROUP BY t.topic, s.brand ORDER BY complaints DESC",
        )

    def open_incidents(self) -> str:
        href = f"'/{tilde(self.db)}/incident_mentions?incident=' || i.id"
        headline = "i.headline_de" if self.lang == "de" else "i.headline_en"
        label = f"'<a href=\"' || {href} || '\">' || {esc(headline)} || '</a>'"
        alert_has = (
            "EXISTS (SELECT 1 FROM alerts a, json_each(CASE WHEN json_valid(a.{col}) THEN a.{col}"
            " ELSE '[]' END) j WHERE a.incident_id = i.id AND j.value = :{param})"
        )
        return _lines(
            "WITH found AS (",
            f'SELECT {label} AS "Incident", {esc("i.brand")} AS "Brand", i.status AS "Status",',
            '       round(i.severity, 1) AS "Severity", coalesce(i.authors, \'\') AS "Authors",',
            '       i.first_seen AS "Since", i.last_seen AS "Last seen", i.severity AS _order',
            "FROM incidents i",
            "WHERE i.status IN ('open', 'acknowledged')",
            "  [[ AND i.brand = :brand ]]",
            "  [[ AND i.last_seen >= :date_start ]]",
            "  [[ AND i.first_seen <= :date_end ]]",
            f"  [[ AND {alert_has.format(col='sources', param='source')} ]]",
            f"  [[ AND {alert_has.format(col='languages', param='language')} ]]",
            f"ORDER BY i.severity DESC, i.id DESC LIMIT {TABLE_ROWS}",
            ")",
            'SELECT "Incident", "Brand", "Status", "Severity", "Authors", "Since", "Last seen" FROM (',
            "  SELECT * FROM found",
            "  UNION ALL SELECT 'No open incident', '', '', '', '', '', '', -1"
            " WHERE NOT EXISTS (SELECT 1 FROM found)",
            ") ORDER BY _order DESC",
        )

    def answer_today(self) -> str:
        """Critics nobody answered yet, newest first (the plugin's tables need one row, so an
        empty list says so)."""
        c = self.clock
        text = "coalesce(nullif(m.title, '') || ' — ', '') || coalesce(m.text, '')"
        author = "coalesce(m.author, '')"
        open_link = link("m.url", "'open'")
        snippet = f"{esc(f'substr({text}, 1, 280)')} || CASE WHEN length({text}) > 280 THEN '…' ELSE '' END"
        return _lines(
            self._with(
                self.scope(extra="AND mb.brand NOT IN (SELECT name FROM brands WHERE competitor = 1)"),
                _lines(
                    "found AS (",
                    f'SELECT {c.local_time("m.published_at")} AS "Published",',
                    f'       {esc("group_concat(DISTINCT s.brand)")} AS "Brand", {esc("m.source")} AS "Source",',
                    "       coalesce(substr('★★★★★', 1, CAST(m.rating AS INTEGER)), '') AS \"Stars\",",
                    f'       coalesce(s.sentiment, \'\') AS "Sentiment", {esc(author)} AS "Author",',
                    f'       {snippet} AS "Mention", {open_link} AS "Link",',
                    "       m.published_at AS _order",
                    "FROM scope s JOIN mentions m ON m.id = s.id LEFT JOIN enrichments e ON e.mention_id = m.id",
                    f"WHERE m.replied_at IS NULL AND m.redacted_at IS NULL AND {BRAND_CRITIC}",
                    f"GROUP BY m.id ORDER BY m.published_at DESC LIMIT {TABLE_ROWS}",
                    ")",
                ),
            ),
            'SELECT "Published", "Brand", "Source", "Stars", "Sentiment", "Author", "Mention", "Link" FROM (',
            "  SELECT * FROM found",
            "  UNION ALL SELECT 'Nothing to answer', '', '', '', '', '', '', '', ''"
            " WHERE NOT EXISTS (SELECT 1 FROM found)",
            ") ORDER BY _order DESC",
        )

    # ----------------------------------------------------------------------- canned query

    def incident_mentions(self) -> str:
        """Every mention behind an incident: the complaints of its brand in its local days that
        match one of its alerts — as detection counts them (``monitor.detect.counts``) — and
        every mention its alerts quote (churn leads are known only by their quotes)."""
        c = self.clock
        complaint = (
            "((c.sentiment = 'negative' OR c.rating BETWEEN 1 AND 2) AND NOT coalesce(c.rating >= 4, 0))"
        )
        negative = "c.sentiment = 'negative'"  # the brand total counts its verdict about the brand
        topic_hit = _lines(
            "EXISTS (SELECT 1 FROM mention_topics t WHERE t.mention_id = c.id AND t.topic = a.topic",
            "  AND (t.brand IS NULL OR t.brand = c.brand) AND (",
            "      t.sentiment = 'negative'",
            "      OR ((t.sentiment IS NULL OR (t.sentiment = 'neutral' AND NOT t.negated))",
            f"          AND {complaint}",
            "          AND NOT EXISTS (SELECT 1 FROM mention_topics o WHERE o.mention_id = c.id",
            "                          AND (o.brand IS NULL OR o.brand = c.brand)",
            "                          AND o.topic <> t.topic AND o.sentiment = 'negative'))))",
        )
        return _lines(
            self._with(
                "inc AS (SELECT * FROM incidents WHERE id = :incident)",
                "members AS (SELECT * FROM alerts WHERE incident_id = :incident)",
                _lines(
                    "cand AS (",
                    "SELECT m.id, m.title, m.text, m.rating, coalesce(mb.sentiment, e.sentiment) AS sentiment, mb.brand",
                    "FROM inc JOIN mention_brands mb ON mb.brand = inc.brand",
                    "JOIN mentions m ON m.id = mb.mention_id LEFT JOIN enrichments e ON e.mention_id = m.id",
                    f"WHERE mb.published_at >= {c.start('inc.first_seen')}",
                    f"  AND mb.published_at < {c.end('inc.last_seen')} AND m.duplicate_of IS NULL",
                    ")",
                ),
                _lines(
                    "why AS (",
                    "SELECT c.id, a.kind || coalesce(': ' || a.topic, '') AS reason",
                    "FROM cand c JOIN members a ON",
                    f"  (a.kind = 'spike' AND a.topic IS NULL AND {negative})",
                    f"  OR (a.kind = 'spike' AND {topic_hit})",
                    f"  OR (a.kind = 'theme' AND {complaint}",
                    "      AND instr(lower(coalesce(c.title, '') || ' ' || coalesce(c.text, '')), lower(a.topic)) > 0)",
                    "  OR (a.kind = 'rating_drop' AND c.rating <= 2)",
                    "UNION",
                    "SELECT CAST(json_extract(j.value, '$.mention_id') AS INTEGER), 'quoted by ' || a.kind",
                    "FROM members a, json_each(CASE WHEN json_valid(a.examples) THEN a.examples ELSE '[]' END) j",
                    ")",
                ),
                window=False,
            ),
            f"SELECT m.id, {c.local_time('m.published_at')} AS published, m.source, e.sentiment, m.rating,",
            "       group_concat(DISTINCT w.reason) AS why, m.author, m.title, m.text, m.url",
            "FROM why w JOIN mentions m ON m.id = w.id LEFT JOIN enrichments e ON e.mention_id = m.id",
            "GROUP BY m.id ORDER BY m.published_at DESC",
        )


# --------------------------------------------------------------------------- the config


def _temporal(field: str, title: str | None) -> dict[str, Any]:
    return {"field": field, "type": "temporal", "timeUnit": "utcyearmonthdate", "title": title}


def _brand_color() -> dict[str, Any]:
    return {"field": "brand", "type": "nominal", "title": "Brand"}


def _vega(spec: dict[str, Any]) -> dict[str, Any]:
    # No action menu: "Open in Vega Editor" would post the data to vega.github.io.
    return {"height": 220, "usermeta": {"embedOptions": {"actions": False}}, **spec}


def _line(x: str, y: dict[str, Any]) -> dict[str, Any]:
    return _vega(
        {
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {"x": _temporal(x, None), "y": y, "color": _brand_color()},
        }
    )


def dashboard(charts: Charts, tz_name: str) -> dict[str, Any]:
    """The ``datasette-dashboards`` config of the brandpulse dashboard."""
    db = charts.db
    chart_sql = {
        "open-incidents": (
            "Open incidents (click one for its mentions)",
            "table",
            charts.open_incidents(),
            None,
        ),
        "mentions-per-day": (
            "Mentions per day",
            "vega-lite",
            charts.mentions_per_day(),
            _line("day", {"field": "mentions", "type": "quantitative", "title": "Mentions"}),
        ),
        "negative-share": (
            "Negative share per day (of classified mentions)",
            "vega-lite",
            charts.negative_share(),
            _line(
                "day",
                {
                    "field": "negative_share",
                    "type": "quantitative",
                    "title": "Negative",
                    "axis": {"format": "%"},
                },
            ),
        ),
        "rating-trend": (
            "Average star rating per week",
            "vega-lite",
            charts.rating_trend(),
            _line(
                "week",
                {"field": "avg_rating", "type": "quantitative", "title": "★", "scale": {"domain": [1, 5]}},
            ),
        ),
        "share-of-voice": (
            "Share of voice (the brand and the competitors it is compared with)",
            "vega-lite",
            charts.share_of_voice(),
            _vega(
                {
                    "mark": {"type": "area", "tooltip": True},
                    "encoding": {
                        "x": _temporal("day", None),
                        "y": {
                            "aggregate": "sum",
                            "field": "mentions",
                            "type": "quantitative",
                            "stack": "normalize",
                            "title": "Share of mentions",
                            "axis": {"format": "%"},
                        },
                        "color": _brand_color(),
                    },
                }
            ),
        ),
        "complaints-per-topic": (
            "Complaints per topic",
            "vega-lite",
            charts.complaints_per_topic(),
            _vega(
                {
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "y": {"field": "topic", "type": "nominal", "sort": "-x", "title": None},
                        "x": {
                            "aggregate": "sum",
                            "field": "complaints",
                            "type": "quantitative",
                            "title": "Complaints",
                        },
                        "color": _brand_color(),
                    },
                }
            ),
        ),
        "answer-today": (
            "Answer today: critics without an answer, newest first",
            "table",
            charts.answer_today(),
            None,
        ),
    }
    out: dict[str, Any] = {}
    for slug, (title, library, sql, display) in chart_sql.items():
        out[slug] = {"title": title, "db": db, "query": sql, "library": library}
        if display is not None:
            out[slug]["display"] = display
    return {
        "title": "brandpulse",
        "description": f"Days are local days ({tz_name}), both dates included. Without a start "
        f"date: the {DEFAULT_DAYS} days up to the end date (or the newest mention's day). Reposts are "
        "left out; a mention naming two brands counts for both.",
        "layout": [
            ["open-incidents", "open-incidents"],
            ["mentions-per-day", "negative-share"],
            ["share-of-voice", "rating-trend"],
            ["complaints-per-topic", "complaints-per-topic"],
            ["answer-today", "answer-today"],
        ],
        "filters": {
            "brand": {
                "name": "Brand",
                "type": "select",
                "db": db,
                "query": "SELECT name FROM brands UNION SELECT brand FROM mention_brands ORDER BY 1",
            },
            "source": {
                "name": "Source",
                "type": "select",
                "db": db,
                "query": "SELECT DISTINCT source FROM mentions ORDER BY 1",
            },
            "language": {
                "name": "Language",
                "type": "select",
                "db": db,
                "query": "SELECT lang FROM enrichments WHERE lang IS NOT NULL"
                " UNION SELECT lang FROM mentions WHERE lang IS NOT NULL ORDER BY 1",
            },
            "date_start": {"name": "From (local day)", "type": "date"},
            "date_end": {"name": "To (local day)", "type": "date"},
        },
        "charts": out,
    }
