"""A digest on disk: HTML, text, its chart images and the spreadsheet, side by side.

Why the HTML on disk differs from the mailed one in one respect: the mail refers to its
charts as ``cid:`` parts, which a browser cannot open, so the file refers to the PNG files
beside it (``digest-2026-11-21-marketing-b0-mentions.png``). Converting back gives the very
message that was sent, so a group's remaining addresses get the same digest as the first.
"""

from __future__ import annotations

import os
import re
import tempfile
from html import unescape
from pathlib import Path

from reports.render import Rendered

_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
_CID_SRC = re.compile(r'src="cid:([A-Za-z0-9_.-]+)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def slug(group: str) -> str:
    return _SLUG.sub("_", group).strip("_") or "group"


def file_stem(key: str, group: str) -> str:
    """ "digest-2026-11-21-marketing", "digest-2026-W47-marketing", "digest-2026-11-marketing"."""
    return f"digest-{key}-{slug(group)}"


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def image_path(html_path: Path, cid: str) -> Path:
    return html_path.with_name(f"{html_path.stem}-{cid}.png")


def write_digest(html_path: Path, text_path: Path, rendered: Rendered) -> list[Path]:
    """Images first, then text and HTML (the HTML last: it is what marks a digest written).
    Returns the image paths."""
    images = []
    for cid, png in rendered.images.items():
        path = image_path(html_path, cid)
        write_atomic(path, png)
        images.append(path)
    prefix = html_path.stem + "-"
    write_atomic(text_path, rendered.text)
    write_atomic(html_path, _CID_SRC.sub(lambda m: f'src="{prefix}{m.group(1)}.png"', rendered.html))
    return images


def read_digest(html_path: Path, text_path: Path, fallback_subject: str) -> Rendered:
    """A digest as it was written (and partly sent) before; the subject is its <title>."""
    html = html_path.read_text(encoding="utf-8")
    prefix = re.escape(html_path.stem + "-")
    images = {}

    def to_cid(m: re.Match) -> str:
        cid = m.group(1)
        images[cid] = image_path(html_path, cid).read_bytes()
        return f'src="cid:{cid}"'

    html = re.sub(rf'src="{prefix}([A-Za-z0-9_.-]+)\.png"', to_cid, html)
    title = _TITLE.search(html)
    subject = unescape(title.group(1)).strip() if title else fallback_subject
    return Rendered(subject=subject, html=html, text=text_path.read_text(encoding="utf-8"), images=images)
