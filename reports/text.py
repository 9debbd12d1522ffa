"""Text safety and layout shared by the HTML and the plain-text part.

Why here: mention texts are untrusted (control characters, endless reviews, ``javascript:``
links), and the plain-text part must read well in any mail client: lines of at most
``TEXT_WIDTH`` characters (RFC 5322 recommends 78), wrapped between words and never inside a
URL (or a command to copy), so a link stays clickable.
"""

from __future__ import annotations

import re
import textwrap
from urllib.parse import urlsplit

QUOTE_CHARS = 280
TEXT_WIDTH = 78
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: What a wrapped line repeats or indents under: leading spaces, then a quote mark or a bullet.
_PREFIX = re.compile(r"^(\s*)(> |\* |\+ |- |\d+\. )?")
#: A line that is a shell command to copy ("  $ brandpulse export …"): never wrapped.
_COMMAND = re.compile(r"^\s*\$ ")
#: What a title may end with where the text goes on ("Endlich da!", "Paket kaputt…").
_TITLE_TAIL = " \t.…!?:;,-–—"


def clip(text: str | None, limit: int = QUOTE_CHARS) -> str:
    """Whitespace collapsed, control characters dropped, cut at a word near ``limit``."""
    s = _SPACE.sub(" ", _CONTROL.sub("", text or "")).strip()
    if len(s) <= limit:
        return s
    cut = s[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _folded(text: str | None) -> str:
    return _SPACE.sub(" ", _CONTROL.sub("", text or "")).strip().casefold()


def title_repeated(title: str | None, text: str | None) -> bool:
    """Whether the text starts with the title, so showing both would say it twice. App Store
    and Trustpilot titles are often the text's first words ("Paket kaputt" / "Paket kaputt,
    und keiner …"), sometimes cut with "…". Case and spacing do not count; the title must end
    at a word boundary of the text ("Gut" does not repeat "Gute Lieferung")."""
    head = _folded(title).rstrip(_TITLE_TAIL).removesuffix("...").rstrip(_TITLE_TAIL)
    body = _folded(text)
    if not head or not body.startswith(head):
        return False
    rest = body[len(head) :]
    return not rest or not rest[0].isalnum()


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None (no javascript:/data: links)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(c in url for c in ' "<>`'):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def wrap_line(line: str, width: int = TEXT_WIDTH) -> list[str]:
    """One line wrapped to ``width``: a quoted line ("  > …") keeps its quote mark on every
    line, a bullet's continuation is indented under its text. A word longer than the width (a
    URL) stays whole on a line of its own; a command line ("  $ …") stays whole, to copy."""
    if len(line) <= width or _COMMAND.match(line):
        return [line]
    lead, mark = _PREFIX.match(line).groups()
    prefix = lead + (mark or "")
    follow = lead + (mark if mark == "> " else " " * len(mark or ""))
    return textwrap.wrap(
        line[len(prefix) :],
        width=width,
        initial_indent=prefix,
        subsequent_indent=follow,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [line]


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Every line of ``text`` wrapped with :func:`wrap_line`."""
    return "\n".join(part for line in text.split("\n") for part in wrap_line(line, width))
