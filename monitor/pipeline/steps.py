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
    """Run the selected spiders, each in its own process, storing into the archive."""
    from crawler.launch import run_crawl

    return CrawlStep(run_crawl(wl, source_type=source_type, brand=brand, timeout_s=timeout_s))


# --------------------------------------------------------------------------- import

IMPORT_KINDS = ("mentions", "survey")


def import_records(
    wl: Watchlist, archive: Archive, path: Path, *, kind: str = "mentions", brand: str | None = None
) -> ImportResult:
    """Import a CSV/JSONL file as a crawl would store it: authors pseudonymised when the
    watchlist says so, rows without a brand given to ``brand`` (or the first brand), survey
    comments tagged with topics. Raises ValueError for a bad ``kind`` or unknown ``brand``."""
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

    def summary(self) -> str:
        s = self.stats
        msg = (
            f"{s.enriched} of {s.pending} enriched, {s.failed} failed, "
            f"{s.cache_hits} from cache; model {s.model_version}"
        )
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
    """Enrich what needs it, tag survey comments with topics, then apply retention."""
    from monitor.enrich.run import run_enrich
    from monitor.enrich.survey_topics import tag_survey_topics

    options: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
    if limit is not None:
        options["limit"] = limit
    stats = run_enrich(wl, archive, model=model, progress=progress, **options)
    return EnrichStep(stats, tag_survey_topics(wl, archive), retention(wl, archive))


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

    return run_detect(wl, archive, as_of=as_of)


def detect_summary(changes: list[AlertChange]) -> str:
    what = [f"{c.change} {c.brand}/{c.topic or c.kind}" for c in changes]
    return f"{len(changes)} alert change(s)" + (f": {', '.join(what[:10])}" if what else "")


def digest(
    wl: Watchlist,
    archive: Archive,
    *,
    period: date | None = None,
    send: bool = False,
    out: Path | None = None,
) -> list[DigestResult]:
    """Render the digest of ``period`` for each recipient group; with ``send``, e-mail it
    (the ledger makes a re-run send nothing twice)."""
    from reports.pipeline import run_digest

    return run_digest(wl, archive, period=period, send=send, out=out)


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
