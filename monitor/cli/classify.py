"""``brandpulse classify [FILE|-]``: sentiment for JSONL texts, streamed.

Input: one JSON object a line with ``text`` (optional ``lang``, ``id`` and any other keys).
Output: the same objects, in input order, with ``label``, ``score`` and ``lang`` added (label and
score null for a blank ``text``; ``lang`` kept when given, else detected when ``nlp.language`` is
available, else null). Lines are read and written in chunks, so the input may be far larger than
memory. Bad lines (not JSON, no ``text``) are reported on stderr with their line number and
skipped; the exit code is then 1.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import typer

from monitor.cli.support import (
    EXIT_FAILED,
    EXIT_USAGE,
    err_console,
    fail,
    load_config,
    state,
)
from monitor.core.config import default_config_path

DEFAULT_CHUNK = 2000


def _settings(ctx: typer.Context):
    """(sentiment settings, languages) from the watchlist; defaults when no watchlist is present."""
    from monitor.core.config import SentimentSettings

    explicit = state(ctx).config_path
    if explicit is not None or default_config_path().exists():
        wl = load_config(ctx)
        return wl.sentiment, list(getattr(wl, "languages", None) or ["de", "en"])
    return SentimentSettings(), ["de", "en"]


def _language_detector(languages: list[str]) -> Callable[[list[str]], list[str | None]] | None:
    """Language of each text via nlp.language (lingua, restricted to ``languages``), if present."""
    try:
        from nlp import language  # type: ignore[attr-defined]
    except Exception:
        return None
    fn = getattr(language, "detect_language", None)
    if not callable(fn):
        return None

    def detect(texts: list[str]) -> list[str | None]:
        return [fn(t, languages)[0] for t in texts]

    return detect


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    buf: list[tuple[int, str]] = []
    for n, line in enumerate(lines, 1):
        buf.append((n, line))
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def classify_stream(
    lines: Iterable[str],
    out: IO[str],
    model,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    detect_lang: Callable[[list[str]], list[Any]] | None = None,
    on_error: Callable[[int, str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Classify JSONL ``lines`` into ``out``; returns (written, bad)."""
    written = bad = 0
    for chunk in _chunks(lines, chunk_size):
        objs: list[dict] = []
        for n, line in chunk:
            if not line.strip():
                if progress:
                    progress(1)
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise ValueError('expected an object with a string "text"')
            except ValueError as exc:
                bad += 1
                if on_error:
                    on_error(n, str(exc))
                if progress:
                    progress(1)
                continue
            objs.append(obj)
        texts = [o["text"] for o in objs]
        # blank texts keep their place in the output but get no sentiment (label/score null):
        # the model would otherwise invent one for nothing
        filled = [i for i, t in enumerate(texts) if t.strip()]
        predicted = model.predict([texts[i] for i in filled], progress=progress)
        if progress and len(filled) < len(texts):
            progress(len(texts) - len(filled))
        results: list[Any] = [None] * len(texts)
        for i, r in zip(filled, predicted):
            results[i] = r
        need = [i for i, o in enumerate(objs) if not o.get("lang")]
        langs: list[Any] = [None] * len(need)
        if need and detect_lang is not None:
            try:
                langs = detect_lang([texts[i] for i in need])
            except Exception:  # detection is best effort
                langs = [None] * len(need)
        for i, lg in zip(need, langs):
            objs[i]["lang"] = lg or None
        for o, r in zip(objs, results):
            o["label"] = r.label if r is not None else None
            o["score"] = round(r.score, 4) if r is not None else None
            out.write(json.dumps(o, ensure_ascii=False) + "\n")
        out.flush()
        written += len(objs)
    return written, bad


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
        file: str = typer.Argument("-", help='JSONL file with {"text": ...} per line, or - for stdin.'),
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
        """Add sentiment (label, score) and lang to JSONL texts, in input order, streamed."""
        from nlp.sentiment import ModelError, load_model

        cfg, languages = _settings(ctx)
        detect = _language_detector(languages)
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
                err_console.print(f"[yellow]{file}:{n}[/]: skipped: {msg}", highlight=False)

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
