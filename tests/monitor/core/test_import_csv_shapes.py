"""CSV files as teams make them: German Excel (BOM, `;`, decimal comma), tab-separated, rows of
empty cells; and a `"` that is never closed, which must not swallow the rows after it unseen:
every data line is stored or named."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from monitor.cli.app import app
from monitor.core.importer import import_file, separator

runner = CliRunner()


def write(tmp_path, text: str, name: str = "m.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def stored(archive, cols: str = "external_id, text") -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute(f"SELECT {cols} FROM mentions ORDER BY external_id")]


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("id;text;published_at;brand\r\n", ";"),
        ("id\ttext\tpublished_at\n", "\t"),
        ("id,text,published_at\n", ","),
        ('id;"Bewertung, Sterne";text\n', ";"),  # a comma inside a quoted column name
        ("text\n", ","),  # one column: nothing to separate
        ("id,text;x\n", ","),  # a tie goes to the comma
    ],
)
def test_the_separator_is_the_one_the_header_line_holds_most(header, sep):
    assert separator(header) == sep


def test_a_german_excel_file_imports_with_its_decimal_commas(archive, tmp_path):
    path = write(
        tmp_path,
        "\ufeffid;text;published_at;brand;rating;reach\r\n"
        "f1;Lieferung kam, aber spät;2026-11-28T10:00:00Z;Acme;4,5;1200\r\n"
        'f2;"Zwei; Felder? Nein, eins";2026-11-28T11:00:00+01:00;;1,0;\r\n'
        "f3;Nur Text;;;;\r\n"
        ";;;;;\r\n"  # a row of empty cells under the table
        "\r\n",
    )
    result = import_file(archive, path, default_brand="Acme")
    assert result.errors == [] and result.stats.new == 3
    assert stored(archive, "external_id, text, rating, reach, published_at, brand, source") == [
        ("f1", "Lieferung kam, aber spät", 4.5, 1200, "2026-11-28T10:00:00Z", "Acme", "import"),
        ("f2", "Zwei; Felder? Nein, eins", 1.0, None, "2026-11-28T10:00:00Z", "Acme", "import"),
        ("f3", "Nur Text", None, None, stored(archive, "published_at")[2][0], "Acme", "import"),
    ]


def test_a_tab_separated_file_imports_and_a_decimal_comma_in_a_comma_file_is_named(archive, tmp_path):
    tsv = write(tmp_path, "id\ttext\trating\nt1\tgut, sehr gut\t4,5\n", name="m.tsv")
    assert import_file(archive, tsv, default_brand="Acme").stats.new == 1
    assert stored(archive, "text, rating") == [("gut, sehr gut", 4.5)]
    # With `,` between fields a comma cannot be a decimal mark: "4,5" is refused, not guessed.
    plain = write(tmp_path, 'id,text,rating\nc1,gut,"4,5"\n')
    [error] = import_file(archive, plain, default_brand="Acme").errors
    assert error.line == 2 and error.reason.startswith("rating:")


def test_empty_cells_and_short_rows_take_the_defaults(archive, tmp_path):
    path = write(tmp_path, "id,text,source,source_key,author\ne1,Paket weg,,,\ne2,Paket da\n")
    result = import_file(archive, path, default_brand="Acme")
    assert result.errors == [] and result.stats.new == 2
    assert stored(archive, "source, source_key, author") == [("import", None, None)] * 2


def test_a_utf16_file_is_refused_with_what_to_save_instead(archive, tmp_path):
    path = write(tmp_path, "\ufeffid\ttext\n1\tgut\n", encoding="utf-16-le")
    [error] = import_file(archive, path, default_brand="Acme").errors
    assert error.line == 1 and "UTF-16" in error.reason and "CSV UTF-8" in error.reason


def test_more_fields_than_the_header_are_counted(archive, tmp_path):
    path = write(tmp_path, "id,text\n1,Lieferung kam, aber spät\n")
    [error] = import_file(archive, path, default_brand="Acme").errors
    assert error.reason == "more fields than the header has (3, the header has 2)"


# --------------------------------------------------------------------------- unclosed quotes

HEADER = "id,text,author,published_at,rating,brand,source\n"


def row(i: int, text: str = "Text", brand: str = "Acme") -> str:
    return f"c{i},{text},Autor {i},2026-11-28T1{i}:00:00Z,4,{brand},import\n"


def test_an_unclosed_quote_to_the_end_of_the_file_swallows_no_row(archive, tmp_path):
    """broken.csv of the QA: the quote on line 8 ran on to line 9, which vanished uncounted."""
    body = "".join(row(i) for i in range(1, 7)) + row(7, '"Unclosed quote') + row(8, "Letzte Zeile")
    result = import_file(archive, write(tmp_path, HEADER + body), default_brand="Acme")
    [error] = result.errors
    assert result.stats.new + len(result.errors) == 8  # every data line is stored or named
    assert error.line == 8 and error.last is None
    assert error.reason.startswith("lines 8-9 were read as one record (2 field(s), the header has 7")
    assert 'a " on line 8 that is never closed' in error.reason and "line 9 read again" in error.reason
    assert ("c8", "Letzte Zeile") in stored(archive)


def test_an_unclosed_quote_closed_by_a_later_row_swallows_no_row(archive, tmp_path):
    """The run-on ends at the next quoted text and has the header's width: it looks like one
    good record with a long text, and used to be stored as one, the rows inside it lost."""
    body = row(1) + row(2, '"Paket kam nie') + row(3) + row(4, '"Lieferung zu spät"') + row(5)
    result = import_file(archive, write(tmp_path, HEADER + body), default_brand="Acme")
    [error] = result.errors
    assert (error.line, result.stats.new) == (3, 4)
    assert error.reason.startswith('lines 3-5 were read as one record (a " on line 5 ends a quoted field')
    assert "lines 4-5 read again on their own" in error.reason
    assert [t for _, t in stored(archive)] == ["Text", "Text", "Lieferung zu spät", "Text"]


def test_a_run_on_that_cannot_be_read_apart_is_named_as_one_range(archive, tmp_path):
    body = row(1) + 'c2,"Paket kam nie,Anna\nnoch eine Zeile\n' + row(3)
    result = import_file(archive, write(tmp_path, HEADER + body), default_brand="Acme")
    [error] = result.errors
    assert (error.line, error.last) == (3, 5) and result.stats.new == 1
    assert error.reason.startswith("lines 3-5 were read as one record")
    assert "never closed" in error.reason and "none of these lines was imported" in error.reason


def test_a_quote_left_open_in_the_header_stops_the_import_with_its_reason(archive, tmp_path):
    result = import_file(archive, write(tmp_path, 'id,"text\n1,gut\n2,schlecht\n'), default_brand="Acme")
    [error] = result.errors
    assert (error.line, error.last, result.stats.new) == (1, 3, 0)
    assert error.reason.startswith('lines 1-3 were read as the header: a " in line 1 is never closed')


def test_a_quote_left_open_on_the_last_line_is_named(archive, tmp_path):
    result = import_file(archive, write(tmp_path, HEADER + row(1) + 'c2,"offen'), default_brand="Acme")
    [error] = result.errors
    assert error.line == 3 and "never closed" in error.reason and result.stats.new == 1


def test_a_quote_closed_in_mid_field_is_named_where_it_mixes_up_the_fields(archive, tmp_path):
    body = row(1, '"ok offen').replace("Autor 1", '"Ben"') + row(2, '"Super" Service')
    result = import_file(archive, write(tmp_path, HEADER + body), default_brand="Acme")
    [error] = result.errors
    assert error.line == 2 and "ends a quoted field but text follows it" in error.reason
    assert "(6, the header has 7)" in error.reason
    # where the fields still come out right, the text is read as before
    assert stored(archive) == [("c2", "Super Service")]


def test_texts_over_several_lines_stay_one_mention(archive, tmp_path):
    """Quoted line breaks are not unclosed quotes, even with commas on the inner lines or the
    text as the first column."""
    path = write(
        tmp_path,
        HEADER
        + row(1)
        + 'c2,"Erstens, zweitens,\ndrittens, viertens, fünftens, sechstens, siebtens\nEnde",A,'
        "2026-11-28T12:00:00Z,2,Acme,import\n"
        # its last line read alone has the header's width: 2 cells of text + 5 after it
         + 'c3,"Zeile eins\nZeile zwei, mit Komma",A,2026-11-28T13:00:00Z,2,Acme,import\n' + row(4),
    )
    result = import_file(archive, path, default_brand="Acme")
    assert result.errors == [] and result.stats.new == 4
    assert ("c3", "Zeile eins\nZeile zwei, mit Komma") in stored(archive)
    first = write(tmp_path, 'text,id,rating\n"Hallo\nWelt",x1,4\n"eins\nzwei, drei",x2,4\n', "first.csv")
    result = import_file(archive, first, default_brand="Acme")
    assert result.errors == [] and result.stats.new == 2
    assert ("x1", "Hallo\nWelt") in stored(archive)


def test_a_run_on_past_the_csv_field_limit_keeps_the_rows_after_it(archive, tmp_path):
    rows = 2 * csv.field_size_limit() // 60
    body = row(1, '"offen') + "".join(
        f"r{i},Text {i} mit etwas mehr Inhalt,Anna,,,Acme,import\n" for i in range(rows)
    )
    result = import_file(archive, write(tmp_path, HEADER + body), default_brand="Acme")
    [error] = result.errors
    assert error.line == 2 and "grew too long" in error.reason and "never closed" in error.reason
    assert result.stats.new == rows


def test_cli_names_the_unclosed_quote_and_the_counts_add_up(watchlist_file, tmp_path):
    body = row(1) + row(2, '"Unclosed quote') + row(3, "Letzte Zeile", brand="Unbekannt")
    path = write(tmp_path, HEADER + body)
    res = runner.invoke(app, ["--config", str(watchlist_file), "import", str(path)])
    assert res.exit_code == 1, res.output
    assert "1 new, 0 already in the archive, 2 bad row(s)" in res.output
    assert f"{path}:3: lines 3-4 were read as one record" in res.output
    assert f"{path}:4: brand 'Unbekannt' is not in the watchlist" in res.output
