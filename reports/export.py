"""The digest's numbers as a spreadsheet: one row per brand and day, for Excel.

Why CSV with a byte order mark and the locale's separators: Excel opens a double-clicked CSV
with the system's list separator and decimal mark and guesses the encoding. A German Excel
expects ``;`` and a decimal comma and reads UTF-8 only with a BOM (without it "Zürich"
turns into "ZÃ¼rich"). Only counts are written — no mention texts or authors — so the
file holds no personal data and needs no erasure (``brandpulse forget``).
"""

from __future__ import annotations

import csv
import io

from reports.build import DigestView

HEADERS = {
    "de": [
        "Datum",
        "Marke",
        "im Zeitraum",
        "Erwähnungen",
        "negativ",
        "positiv",
        "klassifiziert",
        "Anteil negativ",
        "Ø Sterne",
        "Bewertungen",
        "1★",
        "2★",
        "3★",
        "4★",
        "5★",
    ],
    "en": [
        "date",
        "brand",
        "in period",
        "mentions",
        "negative",
        "positive",
        "classified",
        "negative share",
        "avg stars",
        "ratings",
        "1★",
        "2★",
        "3★",
        "4★",
        "5★",
    ],
}
#: Per language: (field separator, decimal mark, yes, no).
DIALECT = {"de": (";", ",", "ja", "nein"), "en": (",", ".", "yes", "no")}
COMPLAINTS = {"de": "Beschwerden: {topic}", "en": "complaints: {topic}"}


def period_csv(v: DigestView) -> str:
    """The period and the baseline days before it (as the charts show them), every brand;
    complaints per topic in one column each. Starts with a BOM."""
    sep, decimal, yes, no = DIALECT[v.language]

    def number(value: float | None, digits: int) -> str:
        return "" if value is None else f"{value:.{digits}f}".replace(".", decimal)

    topics = sorted({t for b in v.brands for t in b.charts.topics})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(HEADERS[v.language] + [COMPLAINTS[v.language].format(topic=t) for t in topics])
    for b in v.brands:
        first = v.period.first
        for i, d in enumerate(b.charts.daily):
            row = [
                d.day.isoformat(),
                b.name,
                yes if d.day >= first else no,
                d.mentions,
                d.negative,
                d.positive,
                d.classified,
                number(d.negative_share, 3),
                number(d.avg_rating, 2),
                d.rated,
                *d.stars,
            ]
            row += [b.charts.topics[t][i] if t in b.charts.topics else "" for t in topics]
            writer.writerow(row)
    return "\ufeff" + out.getvalue()
