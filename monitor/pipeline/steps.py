"""Each stage step, defined once: crawl, enrich (with survey tagging and retention), detect,
digest.

Why one place: ``brandpulse enrich``, the daemon's enrich job and the demo must do the same
thing, and each used to carry its own copy of the sequence. A step takes the watchlist (and an
open archive where the stage writes one), runs the stage, and returns its outcome with a
one-line ``summary()`` that the daemon records in ``job_runs`` and the CLI can print.
Stage modules are imported when a step runs, so ``brandpulse --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.core.archive import Archive
from monitor.core.config import Watchlist

if TYPE_CHECKING:
    from crawler.launch import CrawlOutcome
    from monitor.core.importer import ImportResult
    from monitor.detect.lifecycle import AlertChange
    from monitor.enrich.run import EnrichStats
    from monitor.notify.send import NotifyResult
    from monitor.privacy.erasure import RetentionReport
    from reports.pipeline import DigestResult

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- crawl


@dataclass
class CrawlStep:
    outcomes: list[CrawlOutcome]

    @property
    def new(self) -> int:
        return sum(o.items_new for o in self.outcomes)

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)

    def summary(self) -> str:
        seen = sum(o.items_seen for o in self.outcomes)
        statuses = ",".join(o.status for o in self.outcomes) or "none"
        return f"{self.new} new, {seen} seen; crawl {statuses}"

    def problems(self) -> str:
        """The first line of each problem (``crawl_runs`` keeps the full message)."""
        return "; ".join(o.message.splitlines()[0] for o in self.outcomes if o.message and o.status != "ok")


def crawl(
    wl: Watchlist,
    *,
    source_type: str | None = None,
    brand: str | None = None,
    timeout_s: float | None = None,
) -> CrawlStep:
    """Run the selected spiders, each in its own process (on the cluster's workers when one is
    set, see ``cluster``), storing into the archive."""
    if address := cluster(wl):
        from monitor.cluster.crawl import crawl_on_cluster

        return CrawlStep(
            crawl_on_cluster(wl, address, source_type=source_type, brand=brand, timeout_s=timeout_s)
        )
    from crawler.launch import run_crawl

    return CrawlStep(run_crawl(wl, source_type=source_type, brand=brand, timeout_s=timeout_s))


def cluster(wl: Watchlist) -> str | None:
    """The Dask scheduler the crawl and enrich steps run their work on (``--cluster`` or
    ``cluster.address``); None: everything runs in this process, as without the extra."""
    from monitor.cluster.client import cluster_address

    return cluster_address(wl)


# --------------------------------------------------------------------------- import

IMPORT_KINDS = ("mentions", "survey")


def import_records(
    wl: Watchlist, archive: Archive, path: Path, *, kind: str = "mentions", brand: str | None = None
) -> ImportResult:
    """Import a CSV/JSONL file as a crawl would store it: authors pseudonymised when the
    watchlist says so, rows without a brand given to ``brand`` (or the first brand), survey
    comments tagged with topics. Raises ValueError for a bad ``kind`` or unknown ``brand``, and
    ``MissingKey`` when authors must be pseudonymised but the key is not set — both before a
    single row is stored, so the caller can report them as usage errors."""
    from monitor.core.importer import import_file
    from monitor.core.pseudonyms import ingest_transform
    from monitor.enrich.survey_topics import tag_survey_topics

    if kind not in IMPORT_KINDS:
        raise ValueError("--kind must be 'mentions' or 'survey'")
    names = {b.name for b in wl.brands}
    if brand and brand not in names:
        raise ValueError(f"--brand {brand!r} is not in the watchlist ({', '.join(sorted(names))})")
    prepare = ingest_transform(wl) if kind == "mentions" else None
    result = import_file(
        archive,
        path,
        kind=kind,
        default_brand=brand or wl.brands[0].name,
        known_brands=names,
        prepare=prepare,
    )
    if kind == "survey" and result.stats.new:
        tag_survey_topics(wl, archive)
    return result


# --------------------------------------------------------------------------- enrich


@dataclass
class EnrichStep:
    stats: EnrichStats
    surveys_tagged: int = 0
    retention: RetentionReport | None = None
    brand_links: int = 0

    def summary(self) -> str:
        s = self.stats
        msg = (
            f"{s.enriched} of {s.pending} enriched, {s.failed} failed, "
            f"{s.cache_hits} from cache; model {s.model_version}"
        )
        if self.brand_links:
            msg += f"; {self.brand_links} mention(s) linked to a further brand they name"
        if self.surveys_tagged:
            msg += f"; {self.surveys_tagged} survey comment(s) tagged"
        if self.retention and self.retention.mentions:
            msg += f"; retention redacted {self.retention.mentions} mention(s) before {self.retention.cutoff}"
        if s.errors:
            msg += f" — {'; '.join(s.errors[:3])[:300]}"
        return msg


def load_model(wl: Watchlist) -> Any:
    """The watchlist's sentiment model (raises ``nlp.sentiment.ModelError`` or ValueError)."""
    from monitor.enrich.run import load_configured_model

    return load_configured_model(wl)


def enrich(
    wl: Watchlist,
    archive: Archive,
    *,
    model: Any = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    limit: int | None = None,
) -> EnrichStep:
    """Enrich what needs it, tag survey comments with topics, then apply retention. With a
    cluster set (``cluster``), the batches are analysed by its workers' model (``model`` is
    not used) and written here."""
    from monitor.enrich.run import run_enrich
    from monitor.enrich.survey_topics import tag_survey_topics

    links = link_brands(wl, archive)
    options: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
    if limit is not None:
        options["limit"] = limit
    if address := cluster(wl):
        from monitor.cluster.enrich import enrich_on_cluster

        stats = enrich_on_cluster(wl, archive, address, progress=progress, **options)
    else:
        idle = None if model is not None else nothing_to_enrich(wl, archive)
        stats = idle or run_enrich(wl, archive, model=model, progress=progress, **options)
    return EnrichStep(stats, tag_survey_topics(wl, archive), retention(wl, archive), links)


def link_brands(wl: Watchlist, archive: Archive) -> int:
    """Link new mentions to every further brand they name (``mention_brands``); all of them
    when the brands changed. Cheap (no model), so each step that counts runs it first."""
    from monitor.enrich.brand_links import link_brands as link

    return link(archive, wl).linked


def nothing_to_enrich(wl: Watchlist, archive: Archive) -> EnrichStats | None:
    """The figures of a run with nothing to do, found without loading the model; None when
    there is work (or only a load can tell the model's version: a hub id). Why: loading the
    model is most of a small run, and a run after a quiet crawl has nothing to do."""
    from monitor.enrich.run import EnrichStats, pending_ids, watchlist_taxonomy
    from nlp.model_store import model_version

    version = model_version(wl.sentiment.model)
    if version is None:
        return None
    taxonomy = watchlist_taxonomy(wl)
    if pending_ids(archive, version, taxonomy.version):
        return None
    return EnrichStats(model_version=version, taxonomy_version=taxonomy.version)


def retention(wl: Watchlist, archive: Archive) -> RetentionReport | None:
    """Redact mentions older than ``privacy.retention_days`` (None when no limit is set)."""
    if not wl.privacy.retention_days:
        return None
    from monitor.privacy.erasure import apply_retention

    return apply_retention(archive, wl.privacy.retention_days)


# --------------------------------------------------------------------------- detect, digest


def detect(wl: Watchlist, archive: Archive, *, as_of: date | None = None) -> list[AlertChange]:
    """Open, update or resolve alerts for one window (``as_of``: a local day to replay)."""
    from monitor.detect.run import run_detect

    link_brands(wl, archive)
    return run_detect(wl, archive, as_of=as_of)


def detect_summary(changes: list[AlertChange]) -> str:
    what = [f"{c.change} {c.brand}/{c.topic or c.kind}" for c in changes]
    return f"{len(changes)} alert change(s)" + (f": {', '.join(what[:10])}" if what else "")


def notify(wl: Watchlist, archive: Archive) -> NotifyResult:
    """Push the incident events not yet told to the watchlist's channels (``notify:``), once
    each (the ``notifications`` ledger); nothing without channels. Run right after ``detect``
    so that an incident is pushed within the detection cycle that found it."""
    from monitor.notify.send import run_notify

    return run_notify(wl, archive)


def digest(
    wl: Watchlist,
    archive: Archive,
    *,
    period: date | None = None,
    send: bool = False,
    out: Path | None = None,
    interrupted: str = "keep",
) -> list[DigestResult]:
    """Render the digest of ``period`` for each recipient group; with ``send``, e-mail it
    (the ledger makes a re-run send nothing twice; ``interrupted``: what to do with sends a
    killed process left unfinished, see reports.pipeline)."""
    from reports.pipeline import run_digest

    link_brands(wl, archive)
    options = {"interrupted": interrupted} if interrupted != "keep" else {}
    return run_digest(wl, archive, period=period, send=send, out=out, **options)


def digest_summary(period: date, results: list[DigestResult], *, send: bool) -> str:
    statuses = [s for r in results for s in r.recipients.values()]
    failed = [e for r in results for e in r.failed]
    msg = (
        f"period {period.isoformat()}: {len(results)} group(s), "
        f"{statuses.count('sent')} sent, {len(failed)} failed"
        + ("" if send else " (no recipients configured: rendered only)")
    )
    errors = "; ".join(f"{e}: {err}" for r in results for e, err in r.errors.items())
    return msg + (f" — {errors[:300]}" if errors else "")
