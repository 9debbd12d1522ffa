"""One own brand against the competitors it tracks: share of voice, complaints per topic,
and the critics who name a competitor.

Why through ``mention_brands``: a post comparing two brands belongs to both (schema_brands.py),
so it counts for us *and* for the competitor, and share of voice is each brand's part of all
brand links of the period (as ``v_share_of_voice`` counts). Sentiment is per brand where
enrichment could tell the brands' words apart (``mention_brands.sentiment``): a post that
scolds us and praises them is negative for us and positive for them, so our complaints do not
raise their negative share. Where it could not (both named in one clause, "Paketwerk oder
Warenblitz?"), both brands take the mention's own sentiment.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from monitor.core.times import Window
from reports.queries.mentions import MentionView, churn_reason
from reports.queries.mentions import critics as critic_mentions
from reports.queries.period import PeriodStats, period_stats

#: "Worse" needs at least this many complaints of ours about the topic ...
MIN_COMPLAINTS = 3
#: ... and at least this many mentions of the topic on both sides (a share of 2 says nothing).
MIN_MENTIONS = 5
#: ... and our complaint share this much above theirs (0.10 = 10 points): with thousands of
#: mentions a trivial gap is "significant" too, and nobody should act on it.
MIN_GAP = 0.10
#: Family-wise error rate over all (topic, competitor) tests of one comparison.
ALPHA = 0.05
#: The digest's topic table and switching-to list show at most this many.
MAX_TOPICS = 8
SWITCH_LIMIT = 10


@dataclass
class BrandFigures:
    """One brand's period and the period before, with its share of voice in each."""

    brand: str
    competitor: bool  # False: the own brand the comparison is for
    current: PeriodStats
    previous: PeriodStats
    share: float | None  # of all links of the compared brands in the period
    previous_share: float | None


@dataclass
class TopicShare:
    mentions: int = 0
    complaints: int = 0

    @property
    def share(self) -> float | None:
        return self.complaints / self.mentions if self.mentions else None


@dataclass
class WorseTopic:
    """A topic where our complaint share is clearly above one competitor's."""

    topic: str
    competitor: str
    ours: TopicShare
    theirs: TopicShare
    p_value: float  # one-sided Fisher exact, Holm-adjusted over the comparison's tests


@dataclass
class TopicComparison:
    """One topic: our complaints against each compared competitor's."""

    topic: str
    ours: TopicShare
    theirs: dict[str, TopicShare]
    worse_than: list[str] = field(default_factory=list)  # competitors we are clearly worse than


@dataclass
class SwitchLead:
    """A critic of ours who names a competitor."""

    mention: MentionView
    competitor: str
    cue: bool  # True: a switch cue ("ich wechsle zu …"); False: the post only names them


@dataclass
class Comparison:
    brand: str
    brands: list[BrandFigures]  # ours first, then the competitors in watchlist order
    topics: list[TopicComparison] = field(default_factory=list)
    worse: list[WorseTopic] = field(default_factory=list)
    switching: list[SwitchLead] = field(default_factory=list)
    switching_total: int = 0
    full: bool = False  # topics and switching-to were computed (a week or a month)

    @property
    def ours(self) -> BrandFigures:
        return self.brands[0]

    @property
    def competitors(self) -> list[BrandFigures]:
        return self.brands[1:]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def share_of_voice(
    conn: sqlite3.Connection, brand: str, competitors: Sequence[str], win: Window, previous: Window
) -> list[BrandFigures]:
    """``brand`` and each competitor: the period's figures (:func:`period_stats`, so they are
    the headline's own), the period before, and the share of voice in both."""
    names = [brand, *competitors]
    now = [period_stats(conn, b, win) for b in names]
    before = [period_stats(conn, b, previous) for b in names]
    total_now = sum(s.mentions for s in now)
    total_before = sum(s.mentions for s in before)
    return [
        BrandFigures(
            b,
            i > 0,
            cur,
            prev,
            _share(cur.mentions, total_now),
            _share(prev.mentions, total_before),
        )
        for i, (b, cur, prev) in enumerate(zip(names, now, before))
    ]


def topic_comparison(
    conn: sqlite3.Connection,
    brand: str,
    competitors: Sequence[str],
    win: Window,
    *,
    topics: Iterable[str] | None = None,
) -> list[TopicComparison]:
    """Per topic, mentions and complaints of ``brand`` and of each competitor in ``win``.

    Counted by detection's own rows (:func:`monitor.detect.counts.load_events`): reposts left
    out, a mention counted once per topic and brand it names, a complaint by
    :func:`monitor.detect.counts.topic_complaint` — so "Lieferung: 40 % Beschwerden" here is
    the same figure the alerts and the topics table use. ``worse_than`` is filled by
    :func:`worse_topics`. Sorted by our complaints, then all mentions of the topic."""
    from monitor.detect.counts import load_events

    names = [brand, *competitors]
    # Days are not used here, only the window: any zone will do.
    rows = load_events(conn, names, win.start, win.end, ZoneInfo("UTC"), topics=topics).topics
    counts: dict[str, dict[str, TopicShare]] = {}
    for b, topic, negative in zip(rows["brand"], rows["topic"], rows["negative"]):
        s = counts.setdefault(topic, {}).setdefault(b, TopicShare())
        s.mentions += 1
        s.complaints += int(bool(negative))
    out = [
        TopicComparison(
            topic, per.get(brand, TopicShare()), {c: per.get(c, TopicShare()) for c in competitors}
        )
        for topic, per in counts.items()
    ]
    out.sort(
        key=lambda t: (
            -t.ours.complaints,
            -(t.ours.mentions + sum(s.mentions for s in t.theirs.values())),
            t.topic,
        )
    )
    return out


def worse_topics(rows: Sequence[TopicComparison], *, alpha: float = ALPHA) -> list[WorseTopic]:
    """The (topic, competitor) pairs where our complaint share is clearly above theirs; marks
    them in ``rows[].worse_than``. Worst gap first.

    Why a test and not the raw difference: a week's topic often has a handful of mentions, and
    3 of 5 against 1 of 5 is a 40-point gap that chance makes every other week. Fisher's exact
    test (one-sided: are *our* complaints more frequent?) is exact at such counts, where the
    z-test's normal approximation is not. A digest asks this for every topic and competitor,
    so the p-values are Holm-adjusted: a "worse" topic comes up by chance in at most ``alpha``
    of the digests, not in most of them. The floors (``MIN_COMPLAINTS``, ``MIN_MENTIONS``,
    ``MIN_GAP``) keep out what a test passes but no one should act on: two complaints, or a
    2-point gap in a large week."""
    from scipy.stats import fisher_exact
    from statsmodels.stats.multitest import multipletests

    tested: list[tuple[TopicComparison, str, float]] = []
    for row in rows:
        ours = row.ours
        for competitor, theirs in row.theirs.items():
            if ours.complaints < MIN_COMPLAINTS or min(ours.mentions, theirs.mentions) < MIN_MENTIONS:
                continue
            if (ours.share or 0.0) - (theirs.share or 0.0) < MIN_GAP:
                continue
            table = [
                [ours.complaints, ours.mentions - ours.complaints],
                [theirs.complaints, theirs.mentions - theirs.complaints],
            ]
            tested.append((row, competitor, float(fisher_exact(table, alternative="greater").pvalue)))
    if not tested:
        return []
    reject, adjusted, _, _ = multipletests([p for _, _, p in tested], alpha=alpha, method="holm")
    worse = []
    for (row, competitor, _), hit, p in zip(tested, reject, adjusted):
        if hit:
            row.worse_than.append(competitor)
            worse.append(WorseTopic(row.topic, competitor, row.ours, row.theirs[competitor], float(p)))
    worse.sort(key=lambda w: (-((w.ours.share or 0) - (w.theirs.share or 0)), w.p_value, w.topic))
    return worse


def linked_competitors(
    conn: sqlite3.Connection, mention_ids: Sequence[int], competitors: Sequence[str]
) -> dict[int, list[str]]:
    """For each mention, the competitors (of ``competitors``) it is linked to in
    ``mention_brands``, in the order given."""
    if not mention_ids or not competitors:
        return {}
    order = {c: i for i, c in enumerate(competitors)}
    out: dict[int, list[str]] = {}
    marks = ",".join("?" * len(competitors))
    ids = list(mention_ids)
    for i in range(0, len(ids), 500):  # SQLite caps the number of host parameters
        chunk = ids[i : i + 500]
        rows = conn.execute(
            f"SELECT mention_id, brand FROM mention_brands WHERE brand IN ({marks}) "
            f"AND mention_id IN ({','.join('?' * len(chunk))})",
            (*competitors, *chunk),
        ).fetchall()
        for mid, b in rows:
            out.setdefault(mid, []).append(b)
    return {mid: sorted(names, key=order.__getitem__) for mid, names in out.items()}


def churn_hint(
    m: MentionView,
    competitors: Sequence[str] = (),
    *,
    churn_topic: bool = False,
    linked: Sequence[str] = (),
) -> str | None:
    """Why a critic may leave: "switch to <competitor>", "names <competitor>",
    "cancellation", "leaving" or None.

    The one definition the answer-today list and the switching-to list share: detection's
    churn rule (:func:`churn_reason`, so the churn alerts agree) first; where it names no
    competitor, a critic linked to a tracked competitor (``linked``: it names them, e.g.
    "bei KaufNest ging das in zwei Tagen") is a lead too, "names <competitor>" — a critic
    weighing us against a competitor is what a competitor comparison is for, but without a
    switch cue the digest does not claim they leave."""
    text = f"{m.title or ''} {m.text}"
    hint = churn_reason(text, competitors, custom_topic=churn_topic, topic_match="churn" in m.topics)
    if hint and hint.startswith("switch to "):
        return hint
    if linked:
        return f"names {linked[0]}"
    return hint


def switching_to(
    conn: sqlite3.Connection,
    brand: str,
    tracked: Sequence[str],
    win: Window,
    *,
    competitors: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
    churn_topic: bool = False,
    limit: int = SWITCH_LIMIT,
) -> tuple[list[SwitchLead], int]:
    """Critics of ``brand`` in ``win`` (classified negative or rated 1-2★, as the answer-today
    list) who name a competitor (:func:`churn_hint`): linked to one of the ``tracked``
    competitors, or switching to one of ``competitors`` (``Watchlist.rival_names``: the
    brand's ``competitors:`` and the tracked ones' aliases) by the churn rule; ``aliases``
    (casefolded alias -> brand name) names the tracked brand where the author used an alias.
    Answered critics stay in: they said it all the same. Switch cues first, then newest
    first; returns the first ``limit`` and how many there are."""
    critics = critic_mentions(conn, brand, win, unanswered=False, limit=None)
    linked = linked_competitors(conn, [m.id for m in critics], tracked)
    leads = []
    for m in critics:  # newest first
        hint = churn_hint(m, competitors, churn_topic=churn_topic, linked=linked.get(m.id, ()))
        if hint and hint.startswith(("switch to ", "names ")):
            cue = hint.startswith("switch to ")
            name = hint.removeprefix("switch to " if cue else "names ")
            leads.append(SwitchLead(m, (aliases or {}).get(name.casefold(), name), cue))
    leads.sort(key=lambda s: not s.cue)  # stable: switch cues first, newest first within
    return leads[:limit], len(leads)


def comparison(
    conn: sqlite3.Connection,
    brand: str,
    tracked: Sequence[str],
    win: Window,
    previous: Window,
    *,
    full: bool,
    topics: Iterable[str] | None = None,
    competitors: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
    churn_topic: bool = False,
    switch_limit: int = SWITCH_LIMIT,
) -> Comparison:
    """``brand`` against its ``tracked`` competitors in ``win``. ``full`` (a week or a month)
    adds the topics and the switching-to list; a day's digest shows only the figures."""
    out = Comparison(brand, share_of_voice(conn, brand, tracked, win, previous), full=full)
    if full:
        rows = topic_comparison(conn, brand, tracked, win, topics=topics)
        out.worse = worse_topics(rows)
        out.topics = rows[:MAX_TOPICS]
        out.switching, out.switching_total = switching_to(
            conn,
            brand,
            tracked,
            win,
            competitors=competitors,
            aliases=aliases,
            churn_topic=churn_topic,
            limit=switch_limit,
        )
    return out
