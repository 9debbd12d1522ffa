"""Regenerate the digest screenshots in docs/img/ (needs the `chromium` package).

    .venv/bin/python docs/make_digest_screenshot.py

Seeds a throw-away archive the way the digest tests do (real App Store reviews, a German
churn review, an alert, a broken source, survey answers), renders the German and English
digest for 2026-11-21 and photographs them with headless Chromium, offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from monitor.core.archive import Archive  # noqa: E402
from reports.pipeline import run_digest  # noqa: E402
from tests.helpers.digest import DAY, digest_watchlist, seed_full_day  # noqa: E402

SHOTS = [  # (language, width, height, dark mode, file)
    ("de", 375, 3900, False, "digest-de-375.png"),
    ("en", 375, 1500, True, "digest-en-dark-375.png"),
    ("en", 1200, 1500, False, "digest-en-1200.png"),
]


def main() -> None:
    chromium = shutil.which("chromium") or sys.exit("install chromium first")
    out_dir = ROOT / "docs" / "img"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for language, width, height, dark, name in SHOTS:
            work = tmp_path / name
            work.mkdir()
            wl = digest_watchlist(work, language=language)
            with Archive.open(wl.archive_path) as arc:
                seed_full_day(arc)
                (result,) = run_digest(wl, arc, period=DAY, out=work / "digest.html")
            cmd = [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={work / 'profile'}",
                "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--window-size={width},{height}",
                f"--screenshot={out_dir / name}",
                *(["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []),
                result.html_path.as_uri(),
            ]
            subprocess.run(cmd, check=True, capture_output=True, timeout=120)
            print(out_dir / name)


if __name__ == "__main__":
    main()
