"""``brandpulse classify [FILE|-]``: sentiment for texts, streamed.

Input: one JSON object a line with ``text`` (optional ``lang``, ``id`` and any other keys), or
plain text: a line that is not a JSON object is the text itself.
Output: one JSON object per input line, in input order, with ``label``, ``score`` and ``lang``
added (label and score null for a blank ``text``; ``lang`` kept when given, else detected). The
streaming is ``monitor.enrich.classify``; this module parses arguments and prints. Bad lines (a
line starting with ``{`` that is not valid JSON, an object without ``text``) are reported on
stderr with their line number and skipped; the exit code is then 1.
"""

from __future__ import annotations

import gc
import io
import sys
from pathlib import Path
from typing import IO

import typer
from rich.markup import escape

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    err_console,
    fail,
    load_config,
    state,
)
from monitor.core.config import default_config_path
from monitor.enrich.classify import DEFAULT_CHUNK, classify_stream, language_detector


def _settings(ctx: typer.Context):
    """(sentiment settings, languages) from the watchlist; defaults when no watchlist is present."""
    from monitor.core.config import SentimentSettings

    explicit = state(ctx).config_path
    if explicit is not None or default_config_path().exists():
        wl = load_config(ctx)
        return wl.sentiment, list(wl.languages)
    return SentimentSettings(), ["de", "en"]


def _count_lines(path: Path) -> int | None:
    try:
        with open(path, "rb") as f:
            return sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return None


def register(app: typer.Typer) -> None:
    @app.command(name="classify")
    def classify(
        ctx: typer.Context,
        file: str = typer.Argument(
            "-", help='Texts, one a line: {"text": ...} JSON or plain text; - for stdin.'
        ),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
        model: str | None = typer.Option(None, "--model", help="Override sentiment.model."),
        batch_size: int | None = typer.Option(
            None, "--batch-size", min=1, help="Override sentiment.batch_size."
        ),
        chunk_size: int = typer.Option(DEFAULT_CHUNK, "--chunk-size", min=1, help="Lines read per chunk."),
        progress: bool | None = typer.Option(
            None,
            "--progress/--no-progress",
            help="Progress bar on stderr (default: when stderr is a terminal).",
        ),
    ) -> None:
        """Add sentiment (label, score) and lang to texts (JSONL or plain lines), streamed."""
        from nlp.sentiment import ModelError, load_model

        # Loading the model imports torch: a great many long-lived objects that the cyclic
        # garbage collector would traverse during the import and once more at exit, where a
        # one-sentence run spends a good part of its time. Hardly any of them is garbage, so
        # the collector is off while loading and they are frozen (never traversed again) once
        # loaded; the streaming runs with it on.
        gc.disable()
        try:
            cfg, languages = _settings(ctx)
            detect = language_detector(languages)
            try:
                sm = load_model(
                    model or cfg.model,
                    threads=cfg.threads,
                    batch_size=batch_size or cfg.batch_size,
                    max_length=cfg.max_length,
                    quantize=cfg.quantize,
                    label_map=cfg.labels,
                )
            except (ModelError, ValueError) as exc:
                fail(str(exc), EXIT_USAGE)
        finally:
            gc.freeze()
            gc.enable()

        if file == "-":
            src: IO[str] = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
            total = None
        else:
            path = Path(file)
            if not path.is_file():
                fail(f"{file}: no such file", EXIT_USAGE)
            src = open(path, encoding="utf-8", errors="replace")
            total = None
        dst: IO[str] = open(output, "w", encoding="utf-8") if output else sys.stdout
        show = err_console.is_terminal if progress is None else progress
        if show and file != "-":
            total = _count_lines(Path(file))
        bad_lines: list[int] = []

        def on_error(n: int, msg: str) -> None:
            bad_lines.append(n)
            if len(bad_lines) <= 20:
                err_console.print(
                    f"[yellow]{escape(f'{file}:{n}')}[/]: skipped: {escape(msg)}", highlight=False
                )

        try:
            if show:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                with Progress(
                    TextColumn("classify"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=err_console,
                    transient=False,
                ) as bar:
                    task = bar.add_task("classify", total=total, rate="")

                    def tick(n: int) -> None:
                        bar.advance(task, n)
                        t = bar.tasks[0]
                        if t.speed:
                            bar.update(task, rate=f"{t.speed:,.0f} texts/s")

                    written, bad = classify_stream(
                        src,
                        dst,
                        sm,
                        chunk_size=chunk_size,
                        detect_lang=detect,
                        on_error=on_error,
                        progress=tick,
                    )
            else:
                written, bad = classify_stream(
                    src, dst, sm, chunk_size=chunk_size, detect_lang=detect, on_error=on_error
                )
        except BrokenPipeError:  # e.g. `| head`
            raise typer.Exit(0) from None
        finally:
            if output:
                dst.close()
            if file != "-":
                src.close()
        if bad:
            err_console.print(
                f"[yellow]{bad} bad line(s) skipped[/] ({written} classified, model {sm.version})",
                highlight=False,
            )
            raise typer.Exit(EXIT_FAILED)
