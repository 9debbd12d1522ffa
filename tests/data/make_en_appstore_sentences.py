"""Build the sentence skeleton for tests/data/en_appstore_sentences.jsonl.

Reads the real Apple App Store RSS fixture (50 reviews of app id 284815942, the Google app for
iOS; origin fabiouu/appvox@e6d1f51785475aeec06c2e976d0660668ee11229,
appvox-appstore/src/test/resources/review/itunesrss/itunes_rss_reviews.json, Apache-2.0) and,
for each review in order, emits the title as one unit (part "title") followed by the content split
into sentences with spaCy's rule-based sentencizer (part "content"). Empty / whitespace-only
sentences are skipped; every other sentence is kept, also those about no topic.

The skeleton (empty ``aspects``) is written ONLY if the output file does not exist yet, so the
hand-assigned labels are never overwritten. ``sentences()`` is importable for validation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIXTURE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "fixtures"
    / "appstore_rss"
    / "itunes_rss_reviews.json"
)
OUT = Path(__file__).with_name("en_appstore_sentences.jsonl")
SOURCE = "fabiouu/appvox@e6d1f51785475aeec06c2e976d0660668ee11229"
PATH = "appvox-appstore/src/test/resources/review/itunesrss/itunes_rss_reviews.json"


def sentences(fixture: Path = FIXTURE) -> list[dict]:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    feed = json.loads(fixture.read_text(encoding="utf-8"))
    rows: list[dict] = []
    for entry in feed["feed"]["entry"]:
        base = {
            "review_id": "as:" + entry["id"]["label"],
            "stars": int(entry["im:rating"]["label"]),
        }
        units = [("title", entry["title"]["label"])]
        units += [("content", s.text) for s in nlp(entry["content"]["label"]).sents]
        for part, text in units:
            text = text.strip()
            if not text:
                continue
            rows.append(
                {
                    "text": text,
                    "lang": "en",
                    "aspects": [],
                    "review_id": base["review_id"],
                    "stars": base["stars"],
                    "part": part,
                    "source": SOURCE,
                    "path": PATH,
                }
            )
    return rows


def main() -> int:
    if OUT.exists():
        print(f"{OUT} exists; not overwriting (labels are hand-made)")
        return 0
    rows = sentences()
    with OUT.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
