"""Rendered digests that quote a person: found, redacted, or deleted when redaction cannot be
verified — part of ``forget``.

Why redaction first: a digest file is the record of what was sent; the other people and
figures in it are not the erased person's data. Their quotes are cut and collapsed by the
digest (``reports.render.clip``) and HTML-escaped, so they are found as runs of the
person's normalised text; their name is replaced wherever it stands as a word. A file that
still names or quotes them after that (an unusual encoding, a line-wrapped copy) is deleted:
erasure must not depend on a best effort.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

REDACTED = "[removed]"
SUFFIXES = (".html", ".txt", ".eml", ".csv")
#: Words in a row that must match a person's text before a file counts as quoting them.
SHINGLE_WORDS = 5
#: Characters of a person's text that must match in a row before a run is redacted.
SEED_CHARS = 24
#: Shorter texts are too generic to look for ("Danke!").
MIN_TEXT_CHARS = 20

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"<[^>]*>")


@dataclass
class DigestCleanup:
    redacted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> reason


def _normalised(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


def _forms(text: str, is_html: bool) -> set[str]:
    """The shapes the digest writes a text in: collapsed, escaped in HTML files, with doubled
    quotes in its spreadsheet (``.csv``)."""
    plain = _normalised(text)
    forms = {plain, plain.replace('"', '""')}
    return forms | {str(escape(plain)), html.escape(plain)} if is_html else forms


def _name_pattern(name: str) -> re.Pattern[str]:
    """The name as a word, in any case: "jo" is not found in "journey"."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def _shingles(text: str) -> set[tuple[str, ...]]:
    """Runs of SHINGLE_WORDS words (all of a shorter text): a cheap index of what it says."""
    words = _normalised(text).casefold().split()
    n = min(SHINGLE_WORDS, len(words))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)} if n else set()


def _body_shingles(body: str) -> set[tuple[str, ...]]:
    words = _normalised(_TAG.sub(" ", html.unescape(body))).casefold().split()
    return {tuple(words[i : i + n]) for n in range(1, SHINGLE_WORDS + 1) for i in range(len(words) - n + 1)}


def quoted_texts(body: str, texts: list[str]) -> list[str]:
    """Those of ``texts`` that ``body`` quotes (a run of their words, across markup)."""
    index = _body_shingles(body)
    return [t for t in texts if len(t) >= MIN_TEXT_CHARS and _shingles(t) & index]


def quotes_them(body: str, variants: list[str], texts: list[str]) -> bool:
    """Whether ``body`` names one of ``variants`` or quotes one of ``texts``."""
    unescaped = html.unescape(body)
    names = [v.strip() for v in variants if v and v.strip()]
    if any(_name_pattern(n).search(b) for n in names for b in (body, unescaped)):
        return True
    return bool(quoted_texts(body, texts))


def files_quoting(folder: Path | None, variants: list[str], texts: list[str]) -> list[Path]:
    """Digest files under ``folder`` that name or quote the person."""
    if not folder or not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix.lower() in SUFFIXES
        and quotes_them(path.read_text(encoding="utf-8", errors="replace"), variants, texts)
    ]


def _quote_spans(body: str, form: str) -> list[tuple[int, int]]:
    """Spans of ``body`` that repeat at least SEED_CHARS consecutive characters of ``form``."""
    spans: list[tuple[int, int]] = []
    if len(form) < MIN_TEXT_CHARS:
        return spans
    seed_len = min(SEED_CHARS, len(form))
    starts = [0] + [m.end() for m in re.finditer(r"\s+", form)]
    for i in starts:
        seed = form[i : i + seed_len]
        if len(seed) < seed_len:
            break
        pos = body.find(seed)
        while pos != -1:
            if not any(s <= pos < e for s, e in spans):
                j = seed_len
                while pos + j < len(body) and i + j < len(form) and body[pos + j] == form[i + j]:
                    j += 1
                spans.append((pos, pos + j))
            pos = body.find(seed, pos + 1)
    return spans


def redact(body: str, variants: list[str], texts: list[str], *, is_html: bool) -> str:
    """``body`` with runs of the person's texts and their name replaced by ``[removed]``."""
    spans = [
        span
        for t in quoted_texts(body, texts)
        for form in _forms(t, is_html)
        for span in _quote_spans(body, form)
    ]
    out, last = [], 0
    for start, end in sorted(spans):
        if end <= last:
            continue
        out.append(body[last : max(start, last)])
        out.append(REDACTED)
        last = end
    out.append(body[last:])
    body = "".join(out)
    for name in {v.strip() for v in variants if v and v.strip()}:
        forms = {name, str(escape(name)), html.escape(name)} if is_html else {name}
        for form in forms:
            body = _name_pattern(form).sub(REDACTED, body)
    return body


def _write_atomic(path: Path, content: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_digests(folder: Path | None, variants: list[str], texts: list[str]) -> DigestCleanup:
    """Redact every digest file quoting the person; delete those still quoting them after."""
    result = DigestCleanup()
    for path in files_quoting(folder, variants, texts):
        try:
            body = path.read_text(encoding="utf-8", errors="replace")
            new = redact(body, variants, texts, is_html=path.suffix.lower() == ".html")
            if quotes_them(new, variants, texts):
                path.unlink()
                result.deleted.append(str(path))
            else:
                _write_atomic(path, new)
                result.redacted.append(str(path))
        except OSError as exc:
            result.failed[str(path)] = exc.strerror or str(exc)
    return result
