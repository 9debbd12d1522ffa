"""The demo's steps: prepare the folder, serve the snapshots, run every stage.

Why the watchlist is written to disk with the server's address: ``crawler.launch`` runs
each spider in a child process that reads the watchlist *file*, so the base_url overrides
must be in the file, not only in memory. The committed watchlist carries the unusable
placeholder ``http://127.0.0.1:0`` instead, so that it can never reach a real site.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rich.console import Console

from crawler.localserver import FixtureServer, Hit, Route
from monitor.core.archive import Archive
from monitor.core.config import ConfigError, Watchlist, load_watchlist
from monitor.pipeline import steps
from monitor.pipeline.runs import recorded

PACKAGE = Path(__file__).parent
WATCHLIST = PACKAGE / "watchlist.yaml"
SNAPSHOTS = PACKAGE / "snapshots"
PLACEHOLDER = "http://127.0.0.1:0"
MARKER = "# brandpulse demo watchlist"
#: The last day of the bundled data (Europe/Berlin): the digest is this day's.
DEMO_DAY = date(2026, 11, 21)
#: Detection is replayed day by day over the last week, as the daily scheduler would have run
#: it: alerts then open on the day an incident starts and are updated as it grows, and each
#: day's baseline leaves out the days an alert was already open.
DETECT_DAYS = 7

log = logging.getLogger(__name__)


class DemoError(Exception):
    """Something the user can act on (a folder that is not a demo folder, a stage missing)."""


# --------------------------------------------------------------------------- folder


def prepare_directory(directory: Path, server_url: str) -> Path:
    """Write ``DIR/watchlist.yaml`` pointing at ``server_url``; refuse to overwrite a
    watchlist that the demo did not write (it may be someone's real configuration)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "watchlist.yaml"
    if target.exists() and not target.read_text(encoding="utf-8").startswith(MARKER):
        raise DemoError(
            f"{target} exists and is not the demo's watchlist; run the demo in another folder "
            "(brandpulse demo DIR) so that your own configuration and archive stay untouched"
        )
    text = WATCHLIST.read_text(encoding="utf-8")
    if PLACEHOLDER not in text:
        raise DemoError(f"{WATCHLIST} lost its {PLACEHOLDER} placeholders; reinstall brandpulse")
    text = text.replace(_SHIPPED_NOTE, _WRITTEN_NOTE.format(url=server_url))
    target.write_text(text.replace(PLACEHOLDER, server_url), encoding="utf-8")
    return target


#: The shipped file's note on addresses, and what the copy in the demo folder says instead:
#: the copy points at the snapshot server of the run that wrote it, gone once that run ends.
_SHIPPED_NOTE = """# OFFLINE: every source's base_url is replaced at run time by the address of a local server
# on 127.0.0.1 that plays the snapshots back; the placeholder below (port 0) can never reach
# a real site, so this file never sends traffic anywhere by mistake."""
_WRITTEN_NOTE = """# OFFLINE: every source's base_url is {url}, the local server on 127.0.0.1 that played the
# snapshots back while `brandpulse demo` ran. It stops with the demo, so `crawl` with this file
# fails afterwards (connection refused); run `brandpulse demo` again to crawl the snapshots
# anew. Every other command (status, query, digest, detect, serve, ...) works on the archive."""


def load_demo_watchlist(path: Path) -> Watchlist:
    try:
        return load_watchlist(path)
    except ConfigError as exc:  # only a broken installation gets here
        raise DemoError(f"the demo watchlist is invalid: {exc}") from None


# --------------------------------------------------------------------------- routes


def load_manifest(snapshots: Path = SNAPSHOTS) -> dict:
    path = snapshots / "manifest.json"
    if not path.exists():
        raise DemoError(f"{path} is missing; regenerate it with `python -m tools.demo_data.generate`")
    return json.loads(path.read_text(encoding="utf-8"))


def play_token(body: bytes) -> str:
    """The paging token inside a Google Play batchexecute request body ("" for page one)."""
    form = parse_qs(body.decode("utf-8"))
    envelope = json.loads(form["f.req"][0])
    inner = json.loads(envelope[0][0][1])
    return inner[2][2][2] or ""


def _play_route(files: dict[str, Path]):
    def answer(hit: Hit) -> Route:
        try:
            token = play_token(hit.body)
        except (KeyError, IndexError, TypeError, ValueError):
            return Route(body="malformed f.req", status=400, content_type="text/plain")
        if token not in files:
            return Route(body="unknown page token", status=400, content_type="text/plain")
        return Route(file=files[token], content_type="application/json; charset=utf-8")

    return answer


def _trustpilot_route(pages: list[Path]):
    def answer(hit: Hit) -> Route:
        try:
            n = int(hit.query.get("page", "1"))
        except ValueError:
            n = 0
        if not 1 <= n <= len(pages):
            return Route(body="not found", status=404, content_type="text/plain")
        return Route(file=pages[n - 1], content_type="text/html; charset=utf-8")

    return answer


def build_routes(wl: Watchlist, manifest: dict, snapshots: Path = SNAPSHOTS) -> dict[str, Any]:
    """The FixtureServer route table: each configured source's requests → snapshot files."""
    r = manifest["routes"]
    rival = r.get("competitor", {})
    routes: dict[str, Any] = {}
    for brand in wl.brands:
        for s in brand.sources:
            if s.type == "appstore":
                for n, rel in enumerate(rival.get("appstore", {}).get(s.app_id) or r["appstore"]["pages"], 1):
                    path = f"/{s.country}/rss/customerreviews/page={n}/id={s.app_id}/sortby=mostrecent/json"
                    routes[path] = Route(file=snapshots / rel, content_type="application/json; charset=utf-8")
            elif s.type == "google_play":
                files = {tok: snapshots / rel for tok, rel in r["google_play"]["by_token"].items()}
                routes["/_/PlayStoreUi/data/batchexecute"] = _play_route(files)
            elif s.type == "trustpilot":
                own = rival.get("trustpilot", {}).get(s.domain) or r["trustpilot"]["pages"]
                pages = [snapshots / rel for rel in own]
                routes[f"/review/{s.domain}"] = _trustpilot_route(pages)
            elif s.type == "feed":
                path = urlsplit(s.url).path
                feed = next((f for f in r["feeds"] if f["path"] == path), None)
                if feed is None:
                    raise DemoError(f"no snapshot for the feed {s.url}")
                kind = "application/atom+xml" if feed["file"].endswith(".atom") else "application/rss+xml"
                routes[path] = Route(file=snapshots / feed["file"], content_type=f"{kind}; charset=utf-8")
            else:
                raise DemoError(f"the demo has no snapshots for {s.type} sources")
    return routes


# --------------------------------------------------------------------------- stages


@contextmanager
def _progress(console: Console) -> Iterator[Any]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        yield progress


def _tick(progress: Any, task: Any):
    """The enrich progress callback: ``progress(done, total)`` after every batch."""

    def tick(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return tick


def crawl(wl: Watchlist, progress: Any) -> list[Any]:
    """Crawl every demo source, one source type at a time so that the bar moves."""
    types = list(dict.fromkeys(s.type for b in wl.brands for s in b.sources if s.enabled))
    task = progress.add_task("crawl: snapshots on 127.0.0.1", total=len(types))
    outcomes = []
    for source_type in types:
        progress.update(task, description=f"crawl: {source_type}")
        outcomes += steps.crawl(wl, source_type=source_type).outcomes
        progress.advance(task)
    progress.update(task, description="crawl: done")
    return outcomes


def run_demo_steps(directory: Path, *, console: Console | None = None, snapshots: Path = SNAPSHOTS) -> Path:
    """All stages, in order, each recorded in ``job_runs`` as the daemon would (so that
    ``brandpulse status`` after the demo shows them); returns the digest HTML path."""
    err_console = console or Console(stderr=True)
    manifest = load_manifest(snapshots)

    with FixtureServer() as server:
        path = prepare_directory(directory, server.url)
        wl = load_demo_watchlist(path)
        server.routes.update(build_routes(wl, manifest, snapshots))
        err_console.print(
            f"[bold]brandpulse demo[/] in {directory} — snapshots served on {server.url}", highlight=False
        )
        with _progress(err_console) as progress:
            outcomes = crawl(wl, progress)
            report_crawl(outcomes, err_console)
            with Archive.open(wl.archive_path) as archive:
                task = progress.add_task("enrich: language, sentiment, topics", total=None)
                with recorded(archive, "enrich") as run:
                    step = steps.enrich(wl, archive, progress=_tick(progress, task))
                    run.message = f"demo: {step.summary()}"
                stats = step.stats
                progress.update(task, completed=stats.pending, total=stats.pending)
                days = [DEMO_DAY - timedelta(days=n) for n in range(DETECT_DAYS - 1, -1, -1)]
                task = progress.add_task(f"detect: {days[0]} .. {DEMO_DAY}", total=len(days))
                with recorded(archive, "detect") as run:
                    for day in days:
                        changes = steps.detect(wl, archive, as_of=day)
                        progress.advance(task)
                    run.message = f"demo: {steps.detect_summary(changes)}"
                task = progress.add_task(f"digest: {DEMO_DAY}", total=1)
                with recorded(archive, "digest") as run:
                    results = steps.digest(wl, archive, period=DEMO_DAY, send=False)
                    run.message = f"demo: {steps.digest_summary(DEMO_DAY, results, send=False)}"
                progress.advance(task)
    err_console.print(
        f"enrich: {stats.enriched} mention(s) in {stats.elapsed_s:.1f}s "
        f"({stats.texts_classified} texts through {stats.model_version}, {stats.cache_hits} from the cache"
        f"{f', {stats.failed} failed' if stats.failed else ''})",
        highlight=False,
    )
    err_console.print(
        f"detect: {len(changes)} alert change(s) on {DEMO_DAY}"
        + "".join(f"\n  {c.change} {c.kind} {c.topic or ''}".rstrip() for c in changes),
        highlight=False,
    )
    if not results:
        raise DemoError("the digest stage produced no digest")
    return Path(results[0].html_path)


def report_crawl(outcomes: list[Any], err_console: Console) -> None:
    """One line per source; failed sources are named but do not stop the demo."""
    for o in outcomes:
        colour = "green" if o.status == "ok" and not o.parse_errors else "red"
        err_console.print(
            f"  [{colour}]{o.status:7}[/] {o.source_key}: {o.items_new} new, {o.items_seen} seen, "
            f"{o.items_irrelevant} off-brand, {o.parse_errors} parse / {o.http_errors} HTTP errors",
            highlight=False,
            soft_wrap=True,
        )
    if outcomes and all(o.status != "ok" for o in outcomes):
        detail = "; ".join(f"{o.source_key}: {o.message}" for o in outcomes if o.message)
        raise DemoError(f"every demo source failed to crawl: {detail[:800]}")
