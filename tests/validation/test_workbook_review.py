"""Workbook reading defects found by a review (2026-11-29): each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from datahub.validation import DictionaryError, _workbook, load_dictionary
from datahub.validation._xlsx_scan import scan

from .helpers import hip_sheets, write_sheets

GENERAL = "Aanleverspecificaties algemeen"  # the first sheet: xl/worksheets/sheet1.xml
FIELDS = "Bestandsinhoud"  # the second
EXAMPLES = "Voorbeeld bestandsinhoud"


def _patched(source: Path, sheet: int, before_end: str = "", replace: tuple[str, str] = ("", "")):
    """The workbook with XML added at the end of sheet ``sheet``'s data, or a text replaced."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{sheet}.xml":
                data = data.replace(b"</sheetData>", before_end.encode() + b"</sheetData>")
                if replace[0]:
                    assert replace[0].encode() in data
                    data = data.replace(replace[0].encode(), replace[1].encode(), 1)
            copy.writestr(item.filename, data)
    return buffer.getvalue()


def test_cells_without_a_reference_are_counted_where_the_reader_puts_them(hip_path) -> None:
    """``r`` is optional: one value after 16,383 empty cells in row 1,048,576 passed the size
    check and made the reader ask for 512 GB and abort the process."""
    far = '<row r="1048576">' + "<c/>" * 16383 + '<c t="inlineStr"><is><t>x</t></is></c></row>'
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(_patched(hip_path, 1, far))
    problem = refused.value.problems[0]
    assert problem.sheet == GENERAL  # the message names the sheet
    assert "te veel cellen (1048576 rijen x 16384 kolommen" in problem.nl


def test_rows_and_cells_with_only_a_format_take_no_room(hip_path) -> None:
    """Excel keeps a row's height or a cell's format after its contents are deleted: a
    dictionary with such a row far below its data was refused as too big."""
    empty = '<row r="800000" ht="30" customHeight="1"/><row r="900000"><c r="M900000" s="0"/></row>'
    dictionary = load_dictionary(_patched(hip_path, 2, empty))
    assert dictionary == load_dictionary(hip_path)


def test_a_far_cell_within_the_limit_costs_the_reading_of_its_rows_only(
    hip_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader gives a sheet as a dense table up to its last cell: one cell at XFD600 in
    each sheet of an 11 KB workbook (within the limit of 10 million cells) made the reading
    walk every empty cell, 37 s and 750 MB. The rows are now walked as far as their contents
    go; what the dictionary says is unchanged."""
    calls = 0
    text = _workbook._text

    def counted(cell: object) -> str | None:
        nonlocal calls
        calls += 1
        return text(cell)

    monkeypatch.setattr(_workbook, "_text", counted)
    far = '<row r="60"><c r="XFD60" t="inlineStr"><is><t>x</t></is></c></row>'
    assert load_dictionary(_patched(hip_path, 2, far)) == load_dictionary(hip_path)
    assert calls < 50_000  # (walking the dense table: 60 rows x 16,384 columns, twice)


def test_an_opendocument_file_named_xlsx_is_refused(tmp_path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DictionaryError, match="geen Excel-werkmap"):
        load_dictionary(buffer.getvalue())


def test_an_error_cell_or_a_formula_without_a_value_is_refused_with_its_place(hip_path) -> None:
    """The reader reads #N/A, #REF! and a formula without a computed value as empty: Verplicht
    from a VLOOKUP that failed became 'nee' without a word."""
    error = '<row r="40"><c r="E40" t="e"><v>#N/A</v></c><c r="F40"><f>SUM(A1:A2)</f></c></row>'
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(_patched(hip_path, 2, error))
    found = [(p.sheet, p.row, p.nl.split(" ", 2)[1]) for p in refused.value.problems]
    assert found == [(FIELDS, 40, "E40"), (FIELDS, 40, "F40")]
    assert "bevat een fout" in refused.value.problems[0].nl
    assert "formule zonder berekende waarde" in refused.value.problems[1].nl


def test_an_error_cell_in_a_column_the_dictionary_does_not_know_is_left_aside(
    hip_path,
) -> None:
    """Unknown columns are ignored with a warning: a #N/A in a helper column refused the whole
    workbook. In a known column (and anywhere in the examples) it still is refused."""
    header = ('<c r="Z1" t="inlineStr"><is><t>Interne notitie</t></is></c>', "Z1")
    error = '<row r="40"><c r="Z40" t="e"><f>VLOOKUP(B4,L!A:B,2,FALSE)</f><v>#N/A</v></c></row>'
    data = _patched(hip_path, 2, error, replace=("</row>", header[0] + "</row>"))
    dictionary = load_dictionary(data)
    assert [str(w) for w in dictionary.warnings] == [
        "Bestandsinhoud, rij 1: onbekende kolom 'Interne notitie' genegeerd"
    ]
    known = error.replace("Z40", "E40")
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(_patched(hip_path, 2, known, replace=("</row>", header[0] + "</row>")))
    assert [(p.row, p.nl.split(" ", 2)[1]) for p in refused.value.problems] == [(40, "E40")]


def test_the_scan_counts_as_the_reader_does() -> None:
    xml = (
        b'<row><c><v>1</v></c><c r="D1"><v>2</v></c><c><f>A1</f><v>3</v></c></row>'
        b'<row r="7" spans="1:9"><c t="inlineStr"><is><t>x</t></is></c></row><row/>'
    )
    found = scan(io.BytesIO(xml))
    assert (found.rows, found.columns, found.errors, found.formulas) == (7, 5, [], [])


def _examples(tmp_path: Path, edit) -> list:
    sheets = hip_sheets()
    edit(sheets[EXAMPLES])
    try:
        return list(load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets)).examples)
    except DictionaryError as error:
        return [(p.sheet, p.row, p.column, p.nl) for p in error.problems]


def test_a_datetime_example_at_midnight_is_one(tmp_path) -> None:
    """The reader gives a midnight datetime as a date: 2021-03-02 was refused as datumtijd."""

    def midnight(rows):
        rows[1][3] = dt.datetime(2021, 3, 2)

    assert _examples(tmp_path, midnight)[0][3] == "2021-03-02T00:00:00"


def test_a_number_is_read_with_the_15_digits_excel_shows(tmp_path) -> None:
    """A formula's 20.7 + 0.4 is stored as 21.099999999999998: refused for Decimalen 1."""

    def noisy(rows):
        rows[1][5] = 20.7 + 0.4

    assert _examples(tmp_path, noisy)[0][5] == "21.1"


def test_a_column_given_twice_in_the_examples_is_refused(tmp_path) -> None:
    def twice(rows):
        rows[0].append("Zijde")
        rows[1].append("X")
        rows[2].append("R")

    assert _examples(tmp_path, twice) == [(EXAMPLES, 1, "Zijde", "kolom komt meer dan eens voor")]


@pytest.mark.parametrize("blank_rows", [0, 2])
def test_the_examples_header_is_located_on_its_own_row(tmp_path, blank_rows: int) -> None:
    def unknown(rows):
        rows[0].append("Onbekend")
        rows[:0] = [[] for _ in range(blank_rows)]
        rows.insert(blank_rows + 1, [])  # a blank row between the header and the examples

    assert _examples(tmp_path, unknown) == [
        (EXAMPLES, blank_rows + 1, "Onbekend", "onbekend veld Onbekend")
    ]


def test_an_unreadable_sheet_is_not_also_called_missing(hip_path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(hip_path) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            if item.filename != "xl/worksheets/sheet2.xml":
                copy.writestr(item.filename, original.read(item.filename))
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(buffer.getvalue())
    assert [(p.sheet, p.nl.split(" (")[0]) for p in refused.value.problems] == [
        (FIELDS, "tabblad kan niet worden gelezen")
    ]


def test_codes_and_versions_are_read_as_their_format_shows_them(tmp_path) -> None:
    """The reader gives a number without its format: a code 1 shown as 01 through the format
    00 was read as 1 (every delivered 01 then a 001_RefTab), Versie 3 shown as 3.0 as 3."""
    from openpyxl import load_workbook

    path = write_sheets(tmp_path / "HEUP_3.xlsx", hip_sheets())
    workbook = load_workbook(path)
    tables = workbook["Referentietabellen"]
    tables.append(["ZIJDE", 1, "Onbekend"])
    tables.cell(tables.max_row, 2).number_format = "00"
    workbook[GENERAL]["B6"].number_format = "0.0"
    workbook.save(path)
    dictionary = load_dictionary(path)
    assert "01" in dictionary.table("ZIJDE").codes
    assert dictionary.general.version == "3.0"


def test_numbers_that_are_numbers_keep_their_value_whatever_their_format(tmp_path) -> None:
    """A format is only read for text (codes, versions): a Lengte of 20 shown as 20.00, a
    limit of 90.5 shown as 91 or one of 0.5 shown as 50% are still 20, 72.5 and 0.5."""
    from openpyxl import load_workbook

    path = write_sheets(tmp_path / "HEUP_3.xlsx", hip_sheets())
    workbook = load_workbook(path)
    fields = workbook[FIELDS]
    header = [cell.value for cell in fields[1]]
    row = next(r for r in range(2, fields.max_row + 1) if fields.cell(r, 2).value == "Gewicht")
    for column, value, number_format in (
        ("Lengte", 20, "0.00"),
        ("Minimum", 0.5, "0%"),
        ("Maximum", 90.5, "0"),
        ("Volgorde", 6, "0.0"),
    ):
        cell = fields.cell(row, header.index(column) + 1)
        cell.value, cell.number_format = value, number_format
    workbook.save(path)
    spec = load_dictionary(path).field("Gewicht")
    assert (spec.length, spec.minimum, spec.maximum, spec.order) == (20, "0.5", "90.5", 6)


def test_a_formula_openpyxl_saved_without_its_value_is_refused(tmp_path) -> None:
    """openpyxl writes a formula with an empty cached value: it was read as empty."""
    from openpyxl import load_workbook

    path = write_sheets(tmp_path / "HEUP_3.xlsx", hip_sheets())
    workbook = load_workbook(path)
    workbook[FIELDS]["M2"] = "=1+1"
    workbook.save(path)
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(path)
    assert [(p.sheet, p.row) for p in refused.value.problems] == [(FIELDS, 2)]
    assert "cel M2 heeft een formule zonder berekende waarde" in refused.value.problems[0].nl


def test_excel_s_formula_whose_text_is_empty_is_an_empty_cell(hip_path) -> None:
    """Excel saves =IF(...;"x";"") that gave "" as t="str" with an empty value: it was refused
    as a formula without a computed value, which saving again in Excel cannot mend."""
    computed = '<row r="40"><c r="M40" t="str"><f>IF(A1&gt;100,"x","")</f><v/></c></row>'
    dictionary = load_dictionary(_patched(hip_path, 2, computed))
    assert len(dictionary.fields) == 9
