"""CLI command of the enrichment stage: ``brandpulse enrich [--limit N] [--batch-size N] [--json]``."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    load_config,
    open_archive,
)


def register(app: typer.Typer) -> None:
    @app.command(name="enrich")
    def enrich(
        ctx: typer.Context,
        limit: int | None = typer.Option(None, "--limit", min=1, help="Enrich at most N mentions."),
        batch_size: int = typer.Option(128, "--batch-size", min=1, max=10_000, help="Mentions per commit."),
        as_json: bool = typer.Option(False, "--json", help="Print the run's figures as JSON."),
        cluster: str | None = typer.Option(
            None,
            "--cluster",
            help="Dask scheduler address (tcp://HOST:8786): run the work on its workers "
            "(default: cluster.address; docs/scaling.md).",
        ),
    ) -> None:
        """Detect language, sentiment, topics and aspect sentiment of every mention that needs it,
        tag survey comments with topics and apply the retention limit (as the daemon does).

        Only mentions never enriched, or enriched by another model or taxonomy version, are
        processed; each batch is committed, so an interrupted run resumes where it stopped.
        """
        from monitor.cluster.client import ClusterError, use_cluster
        from monitor.pipeline import steps
        from nlp.language import UnknownLanguageError
        from nlp.sentiment import ModelError

        try:
            use_cluster(cluster)
        except ClusterError as exc:
            fail(str(exc), EXIT_USAGE)
        wl = load_config(ctx)
        # The model is loaded inside the step, and only when there is work (or a cluster's
        # workers hold it): a run with nothing new answers in a moment.
        archive = open_archive(wl)
        try:
            with Progress(
                TextColumn("enrich"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
                disable=as_json,
            ) as bar:
                task = bar.add_task("enrich", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                step = steps.enrich(
                    wl, archive, model=None, progress=progress, batch_size=batch_size, limit=limit
                )
        except UnknownLanguageError as exc:
            fail(f"languages: {exc}", EXIT_USAGE)
        except ModelError as exc:
            fail(str(exc), EXIT_USAGE)
        except ValueError as exc:  # load_model's verdict on the sentiment settings
            fail(f"sentiment settings: {exc}", EXIT_USAGE)
        except ClusterError as exc:
            fail(str(exc), EXIT_FAILED)
        finally:
            archive.close()
        stats = step.stats
        if as_json:
            figures = {**stats.__dict__, "mentions_per_s": round(stats.mentions_per_s, 2)}
            figures["surveys_tagged"] = step.surveys_tagged
            figures["retention_redacted"] = step.retention.mentions if step.retention else 0
            console.print_json(json.dumps(figures))
        elif stats.pending == 0:
            console.print(
                "Nothing to enrich: every mention is up to date "
                f"(model {stats.model_version}, taxonomy {stats.taxonomy_version})."
            )
        else:
            console.print(
                f"Enriched {stats.enriched} of {stats.pending} mentions in {stats.elapsed_s:.1f} s "
                f"({stats.mentions_per_s:.1f}/s): {stats.topic_hits} topic hits, "
                f"{stats.texts_classified} texts classified, {stats.cache_hits} from the cache."
            )
        if step.surveys_tagged and not as_json:  # --json: stdout is one JSON document
            console.print(f"{step.surveys_tagged} survey comment(s) tagged with topics.")
        if step.retention and step.retention.mentions and not as_json:
            console.print(
                f"Retention: {step.retention.mentions} mention(s) published before "
                f"{step.retention.cutoff} redacted."
            )
        if stats.failed:
            for line in stats.errors:
                err_console.print(escape(f"  {line}"), highlight=False)
            fail(
                f"{stats.failed} mentions could not be enriched; they are retried on the next run",
                EXIT_FAILED,
            )
