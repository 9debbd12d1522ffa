"""A real browser renders the digest: headless Chromium at 375 px and 1200 px.

The digest is served from a local HTTP server; Chromium resolves no other host
(--host-resolver-rules) and writes a net log, from which every request the *page* started
(those carrying the page's origin as initiator) is read back. Chromium's own background
calls (no page initiator) are not the digest's doing and are ignored. A control page with an
external image proves the check would catch one.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import struct
import subprocess
import threading
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from monitor.core.archive import Archive
from reports.pipeline import run_digest
from tests.helpers.digest import (
    DAY,
    add_mention,
    digest_watchlist,
    local_time,
    seed_full_day,
)

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium not installed (Debian: apt-get install -y chromium); "
        ".ci/run installs it, so CI always runs this test",
    ),
]
HEIGHT = 1600


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def site(tmp_path):
    """(folder, base URL) of a local HTTP server on 127.0.0.1."""
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def chromium(tmp_path: Path, url: str, *, width: int, extra: list[str]) -> tuple[Path, str]:
    """Run headless Chromium on ``url``; return the net log path and its stdout."""
    profile = tmp_path / f"profile-{width}"
    netlog = tmp_path / f"netlog-{width}-{len(list(tmp_path.glob('netlog-*')))}.json"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        f"--window-size={width},{HEIGHT}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--log-net-log={netlog}",
        *extra,
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return netlog, proc.stdout


def page_requests(netlog: Path, origin: str) -> list[str]:
    """URLs of every request the page itself started (initiator = the page's origin)."""
    data = json.loads(netlog.read_text(encoding="utf-8", errors="replace"))
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in data["events"]
        if e.get("type") == start and e.get("params", {}).get("initiator") == origin
    ]


def png_stats(path: Path) -> tuple[int, int, float]:
    """(width, height, share of distinct pixel rows): close to 0 for a blank page.

    Rows are compared as filtered bytes straight from the IDAT stream: identical image
    rows give identical filtered rows, so no full PNG decoder (or Pillow) is needed."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 4
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, body = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4, 0: 1, 4: 2}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    data = zlib.decompress(idat)
    stride = width * channels + 1
    assert len(data) == stride * height
    rows = {data[i * stride : (i + 1) * stride] for i in range(height)}
    return width, height, len(rows) / height


@pytest.fixture
def digest_html(tmp_path):
    wl = digest_watchlist(tmp_path)
    arc = Archive.open(wl.archive_path)
    seed_full_day(arc)
    # hostile content must not leak requests either
    add_mention(
        arc,
        text='<img src="https://evil.example/x.png"> 😀 ' + "lang " * 2500,
        rating=1,
        published=local_time(DAY, 12),
        external_id="hostile",
        url="https://evil.example/review",
        author="<script>x</script>",
    )
    (result,) = run_digest(wl, arc, period=DAY, out=tmp_path / "out" / "digest.html")
    arc.close()
    return result.html_path.parent


def publish(root: Path, digest_dir: Path) -> list[str]:
    """Copy the digest and its chart images into the served folder; return the image names."""
    images = sorted(p.name for p in digest_dir.glob("digest-*.png"))
    assert len(images) == 3, images
    for p in [digest_dir / "digest.html", *(digest_dir / n for n in images)]:
        shutil.copy(p, root / p.name)
    return images


@pytest.mark.parametrize("width", [375, 1200])
def test_digest_renders_without_external_requests(tmp_path, site, digest_html, width):
    root, base = site
    images = publish(root, digest_html)
    (root / "blank.html").write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    shot = tmp_path / f"digest-{width}.png"
    netlog, _ = chromium(tmp_path, f"{base}/digest.html", width=width, extra=[f"--screenshot={shot}"])
    w, h, filled = png_stats(shot)
    assert (w, h) == (width, HEIGHT)
    assert filled > 0.3, f"only {filled:.0%} distinct rows: a blank render?"
    blank_shot = tmp_path / f"blank-{width}.png"
    chromium(tmp_path, f"{base}/blank.html", width=width, extra=[f"--screenshot={blank_shot}"])
    assert png_stats(blank_shot)[2] < 0.05  # the measure tells blank from content
    requests = page_requests(netlog, base)
    assert requests, "the net log recorded no page requests: the check itself is broken"
    assert all(u.startswith(base + "/") for u in requests), requests
    assert {f"{base}/{name}" for name in images} <= set(requests)  # the charts were loaded


def test_dark_mode_keeps_the_charts_light_and_the_page_dark(tmp_path, site, digest_html):
    """Forced dark mode: the page background turns dark, the chart images stay opaque white."""
    root, base = site
    publish(root, digest_html)
    shot = tmp_path / "dark.png"
    chromium(
        tmp_path,
        f"{base}/digest.html",
        width=375,
        extra=[f"--screenshot={shot}", "--force-dark-mode", "--blink-settings=preferredColorScheme=0"],
    )
    w, h, filled = png_stats(shot)
    assert (w, h) == (375, HEIGHT) and filled > 0.3
    dark = Image.open(shot).convert("L")
    assert dark.getpixel((2, 2)) < 60  # the page is dark
    white = sum(dark.histogram()[250:]) / (dark.width * dark.height)
    assert white > 0.05, f"only {white:.1%} white pixels: the charts went dark or missing"
    light = tmp_path / "light.png"
    chromium(tmp_path, f"{base}/digest.html", width=375, extra=[f"--screenshot={light}"])
    assert Image.open(light).convert("L").getpixel((2, 2)) > 200


def test_the_request_check_catches_an_external_image(tmp_path, site):
    root, base = site
    (root / "ext.html").write_text(
        '<html><body><img src="https://tracker.example.com/p.gif"></body></html>', encoding="utf-8"
    )
    netlog, _ = chromium(tmp_path, f"{base}/ext.html", width=375, extra=["--dump-dom"])
    assert "https://tracker.example.com/p.gif" in page_requests(netlog, base)


def test_no_horizontal_scrolling_at_375_px(tmp_path, site, digest_html):
    """A same-origin frame of 375 px: its document must not be wider than the frame."""
    root, base = site
    publish(root, digest_html)
    (root / "frame.html").write_text(
        '<!DOCTYPE html><html><head><title>-</title></head><body style="margin:0">'
        '<iframe id="f" src="digest.html" style="width:375px;height:1000px;border:0" '
        "onload=\"document.title='W'+this.contentDocument.documentElement.scrollWidth\">"
        "</iframe></body></html>",
        encoding="utf-8",
    )
    _, dom = chromium(
        tmp_path, f"{base}/frame.html", width=800, extra=["--dump-dom", "--virtual-time-budget=5000"]
    )
    found = re.search(r"<title>W(\d+)</title>", dom)
    assert found, dom[:500]
    assert int(found.group(1)) <= 375
