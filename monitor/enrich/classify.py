"""Sentiment for a stream of texts, outside the archive (``brandpulse classify``).

Why streamed in chunks: the input may be far larger than memory, and output must keep the
input order. A line is a JSON object with ``text`` or, when it is not a JSON object, the text
itself (``grep … | brandpulse classify`` needs no JSON). A line that starts with ``{`` but is
not valid JSON, or an object without a string ``text``, is a mistake in a JSONL file: it is
reported through ``on_error`` with its line number and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

DEFAULT_CHUNK = 2000


def language_detector(languages: list[str]) -> Callable[[list[str]], list[str | None]]:
    """Language of each text (lingua, restricted to ``languages``)."""
    from nlp.language import detect_language

    def detect(texts: list[str]) -> list[str | None]:
        return [detect_language(t, languages)[0] for t in texts]

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


def parse_line(line: str) -> dict:
    """``line`` as an object with ``text``: a JSON object as it is, anything else as plain text.
    Raises ValueError for what can only be a broken JSONL line."""
    try:
        obj = json.loads(line)
    except ValueError:
        if line.lstrip().startswith("{"):
            raise ValueError('not valid JSON (a line starting with "{" must be a JSON object)') from None
        return {"text": line.rstrip("\r\n")}
    if not isinstance(obj, dict):
        return {"text": line.rstrip("\r\n")}
    if not isinstance(obj.get("text"), str):
        raise ValueError('expected an object with a string "text"')
    return obj


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
                obj = parse_line(line)
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
