"""A dictionary with problems is refused with every problem located by sheet, row, column."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from datahub.validation import DictionaryError, DictionaryProblem, _workbook, load_dictionary

from .helpers import hip_sheets, write_sheets

FIELDS = "Bestandsinhoud"
RULES = "Validaties"
GENERAL = "Aanleverspecificaties algemeen"


def refused(tmp_path: Path, sheets: dict[str, list[list[Any]]]) -> list[DictionaryProblem]:
    with pytest.raises(DictionaryError) as raised:
        load_dictionary(write_sheets(tmp_path / "bad.xlsx", sheets))
    return raised.value.problems


def located(problems: list[DictionaryProblem]) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.sheet, p.row, p.column) for p in problems]


def test_an_unknown_datatype_is_refused_at_its_cell(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][3][3] = "getal"
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(FIELDS, 4, "Datatype")]
    assert "onbekend datatype 'getal'" in problems[0].nl
    assert "unknown datatype" in problems[0].message("en")


def test_a_reference_table_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][5][10] = "KANT"
    assert located(refused(tmp_path, sheets)) == [(FIELDS, 6, "Referentietabel")]


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("Gewicht <", "kan niet worden gelezen"),
        ("Lengte > 3", "onbekend veld Lengte"),
        ("Lengte > 3 AND Breedte > 1", "onbekende velden Lengte, Breedte"),
        (
            "YEAR(Opnamedatum) > 2000 AND YEER(Opnamedatum) = 1 AND Onbekend > 1",
            "YEER is niet toegestaan (toegestaan: YEAR",
        ),
        ("YEER(Opnamedatum) = 1 AND Onbekend > 1", "; onbekend veld Onbekend"),
        ("DATEDIFF(day, Opnamedatum, Opnamedatum) > 1", "DATEDIFF telt dagen"),
        ("SLEEP(Gewicht) > 1", "SLEEP is niet toegestaan"),
        ("Gewicht IN (SELECT 1)", "niet toegestaan"),
        ("Gewicht IN (Pijnscore, 2)", "IN (...) mag alleen vaste waarden bevatten"),
        ("Gewicht", "geen voorwaarde"),
        ("Zijde > Gewicht", "kunnen niet worden vergeleken"),
        ("Opnamedatum > 'gisteren'", "past niet bij het type date"),
    ],
)
def test_a_rule_expression_that_cannot_be_used_is_refused(
    tmp_path: Path, expression: str, reason: str
) -> None:
    sheets = hip_sheets()
    sheets[RULES][2][2] = expression
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(RULES, 3, "Controle")]
    assert reason in problems[0].nl
    assert "onbekend veld day" not in problems[0].nl  # (a unit of SQL Server's DATEDIFF)


def test_report_key_and_period_fields_must_exist(tmp_path: Path) -> None:
    sheets = hip_sheets()
    general = sheets[GENERAL]
    general[12][1] = "PatientID, Heup"
    general[13][1] = "Kamer"
    general[14][1] = "Gewicht"
    problems = refused(tmp_path, sheets)
    assert located(problems) == [
        (GENERAL, 13, "Waarde"),
        (GENERAL, 14, "Waarde"),
        (GENERAL, 15, "Waarde"),
    ]
    assert "Heup" in problems[0].nl and "Kamer" in problems[1].nl
    assert "geen datum" in problems[2].nl


def test_example_rows_must_pass_validation(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets["Voorbeeld bestandsinhoud"][2][5] = "999"
    sheets["Voorbeeld bestandsinhoud"][2][1] = "2021-02-30"
    problems = refused(tmp_path, sheets)
    assert located(problems) == [
        ("Voorbeeld bestandsinhoud", 3, "Opnamedatum"),
        ("Voorbeeld bestandsinhoud", 3, "Gewicht"),
        ("Voorbeeld bestandsinhoud", 3, "Gewicht"),
    ]
    assert [p.nl.split()[3] for p in problems] == ["004", "015_X_Y_EQ", "H03"]


def test_a_duplicate_field_name_is_refused(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][9][1] = "Gewicht"
    sheets["Voorbeeld bestandsinhoud"] = [sheets["Voorbeeld bestandsinhoud"][0]]
    problems = refused(tmp_path, sheets)
    assert (FIELDS, 10, "Veldnaam") in located(problems)


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][1][3] = "string"
    sheets[FIELDS][8][10] = "NOPE"
    sheets[RULES][1][3] = "kritiek"
    sheets[FIELDS][9][7] = "([a-z"
    problems = refused(tmp_path, sheets)
    assert located(problems) == [
        (FIELDS, 2, "Datatype"),
        (FIELDS, 9, "Referentietabel"),
        (FIELDS, 10, "Formaat"),
        (RULES, 2, "Niveau"),
    ]


def test_cell_values_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][1][5] = "zes"
    sheets[FIELDS][1][4] = "misschien"
    sheets[GENERAL][6][1] = "1 januari"
    assert located(refused(tmp_path, sheets)) == [
        (GENERAL, 7, "Waarde"),
        (FIELDS, 2, "Verplicht"),
        (FIELDS, 2, "Lengte"),
    ]


def test_a_missing_sheet_or_column_is_refused(tmp_path: Path) -> None:
    sheets = hip_sheets()
    del sheets["Referentietabellen"]
    assert located(refused(tmp_path, sheets)) == [("Referentietabellen", None, None)]
    sheets = hip_sheets()
    sheets[FIELDS] = [row[:3] + row[4:] for row in sheets[FIELDS]]
    assert located(refused(tmp_path, sheets)) == [(FIELDS, 1, "Datatype")]


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(DictionaryError, match="geen Excel-werkmap"):
        load_dictionary(b"Volgorde,Veldnaam\n1,A\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(DictionaryError, match="geen Excel-werkmap"):
        load_dictionary(buffer.getvalue())


def test_a_password_protected_workbook_is_refused_clearly() -> None:
    encrypted = _workbook.OLE_MAGIC + b"\x00" * 4096
    with pytest.raises(DictionaryError) as raised:
        load_dictionary(encrypted)
    assert "wachtwoord" in raised.value.problems[0].nl
    assert "password" in raised.value.problems[0].en


def test_a_too_big_workbook_is_refused(monkeypatch: pytest.MonkeyPatch, hip_path: Path) -> None:
    monkeypatch.setattr(_workbook, "MAX_WORKBOOK", 1000)
    with pytest.raises(DictionaryError, match="te groot"):
        load_dictionary(hip_path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match="kan niet worden gelezen"):
        load_dictionary(tmp_path / "nope.xlsx")


def _with_far_cell(source: Path, reference: str, spelling: str = "plain") -> bytes:
    """The workbook with one more cell, far away, in its first sheet, written as XML allows
    (``spelling``): plainly, with single quotes, with spaces around "=", after an attribute of
    another namespace named r too or after one whose value holds a ">", or in a sheet part
    outside ``xl/worksheets/`` (the relations name it), also one whose name does not end in
    .xml."""
    row = int("".join(c for c in reference if c.isdigit()))
    far = f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'
    if spelling == "single quotes":
        far = far.replace('"', "'")
    elif spelling == "spaces":
        far = far.replace('r="', 'r = "')
    elif spelling == "prefixed":
        far = far.replace('<c r="', '<c xmlns:q="urn:q" q:r="A1" r="')
    elif spelling == "angle":
        far = far.replace('<c r="', '<c q=">" r="')
    elif spelling == "quoted":  # r="A1" inside another attribute's value
        far = far.replace('<c r="', '<c x=\'note r="A1"\' r="')
    elif spelling == "twice":  # the reader takes the last
        far = far.replace('<c r="', '<c r="A1" r="')
    moved = spelling in ("moved", "no extension")
    target = b"sheets/sheet1" if spelling == "no extension" else b"sheets/sheet1.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            name, data = item.filename, original.read(item.filename)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", far.encode() + b"</sheetData>")
                name = "xl/" + target.decode() if moved else name
            elif moved and name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"worksheets/sheet1.xml", target)
            copy.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "spelling",
    [
        "plain",
        "single quotes",
        "spaces",
        "prefixed",
        "angle",
        "quoted",
        "twice",
        "moved",
        "no extension",
    ],
)
@pytest.mark.parametrize("reference", ["XFD1048576", "GR200000"])
def test_a_sheet_spanning_too_many_cells_is_refused_before_it_is_read(
    hip_path: Path, reference: str, spelling: str
) -> None:
    # One far cell in an 11 KB file made the reader ask for 512 GB and abort the process.
    with pytest.raises(DictionaryError, match="te veel cellen"):
        load_dictionary(_with_far_cell(hip_path, reference, spelling))


def test_a_workbook_unpacking_to_too_much_is_refused(
    monkeypatch: pytest.MonkeyPatch, hip_path: Path
) -> None:
    monkeypatch.setattr(_workbook, "MAX_UNPACKED", 10_000)
    with pytest.raises(DictionaryError, match="uitgepakt te groot"):
        load_dictionary(hip_path)


def test_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    sheets = hip_sheets()
    column = sheets[FIELDS][0].index("Verplicht")
    for row in sheets[FIELDS]:
        row.append(row[column] if row is sheets[FIELDS][0] else "nee")
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(FIELDS, 1, "Verplicht")]
    assert problems[0].nl == "kolom komt meer dan eens voor"


@pytest.mark.parametrize("version", ["1/5", "1_5", "1 5", "_1"])
def test_a_version_that_cannot_be_in_a_file_name_or_address_is_refused(
    tmp_path: Path, version: str
) -> None:
    sheets = hip_sheets()
    row = next(r for r in sheets[GENERAL] if r[0] == "Versie")
    row[1] = version
    problems = refused(tmp_path, sheets)
    assert [p.column for p in problems] == ["Waarde"]
    assert "geen versienummer" in problems[0].nl


_NUMBER_LIMITS = ["2e1", "1_0", "+5", ".5", "nan", "inf", "20,5"]
_TIME_LIMITS = ["gisteren", "2021-01-01 10:00", "2021-13-01", "2021-01-01T25:00:00"]


@pytest.mark.parametrize(
    ("field", "column", "limit"),
    [("Gewicht", "Minimum", limit) for limit in _NUMBER_LIMITS]
    + [("Tijdstip", "Maximum", limit) for limit in _TIME_LIMITS],
)
def test_a_limit_is_written_as_the_data_write_it(
    tmp_path: Path, field: str, column: str, limit: str
) -> None:
    """The checks and the XSD compare a limit by its digits (or as a date and time): ``2e1``
    or ``nan`` would be read by a float and by no XSD, so the import names it."""
    sheets = hip_sheets()
    row = next(n for n, r in enumerate(sheets[FIELDS]) if r[1] == field)
    sheets[FIELDS][row][8 if column == "Minimum" else 9] = limit
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(FIELDS, row + 1, column)]
    datatype = sheets[FIELDS][row][3]
    assert f"{limit!r} is geen geldige grens voor {datatype}" in problems[0].nl


# -- found by a review on 2026-11-30 ---------------------------------------------------------


@pytest.mark.parametrize(("row", "kind"), [(12, "Sleutelvelden"), (13, "Rapportvelden")])
def test_a_field_listed_twice_as_key_or_report_field_is_refused(
    tmp_path: Path, row: int, kind: str
) -> None:
    """It crashed the import (a polars DuplicateError), or every validation after it."""
    sheets = hip_sheets()
    sheets[GENERAL][row][1] = "PatientID, Zijde, PatientID"
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(GENERAL, row + 1, "Waarde")]
    assert problems[0].nl == f"{kind}: veld PatientID staat er meer dan eens in"


def test_a_length_beyond_any_value_is_refused(tmp_path: Path) -> None:
    """Lengte 1e40 crashed the import (polars: integer too large)."""
    sheets = hip_sheets()
    sheets[FIELDS][9][5] = 1e40
    problems = refused(tmp_path, sheets)
    assert located(problems) == [(FIELDS, 10, "Lengte")]
    assert problems[0].nl == "de lengte is groter dan 1000000000"


def test_without_bestandsformaten_the_xsd_must_still_be_possible(tmp_path: Path) -> None:
    """No formats means every format, XML included: a dictionary whose XSD cannot be made was
    taken (an integer field with a reference table of decimals)."""
    sheets = hip_sheets()
    sheets[GENERAL][10][1] = None
    sheets[FIELDS][7][10] = "DOSIS"  # Pijnscore, geheel getal, on a table of decimals
    for row in sheets["Voorbeeld bestandsinhoud"][1:]:
        row[6] = 2  # (its codes)
    problems = refused(tmp_path, sheets)
    # at the field's row, without the place in the generated schema the author never sees
    assert located(problems) == [(FIELDS, 8, None)]
    assert problems[0].nl.startswith("veld Pijnscore: er kan geen XSD worden gemaakt (")
    assert "line" not in problems[0].nl


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value"),
    [
        (GENERAL, 6, 1, "2021-W01-1"),  # Geldig vanaf: an ISO week date
        ("Aanleverschema", 1, 1, "2021-W20-6"),
        (FIELDS, 2, 8, "20000101"),  # a datum Minimum in ISO's basic form
    ],
)
def test_dates_are_written_jjjj_mm_dd_only(
    tmp_path: Path, sheet: str, row: int, column: int, value: str
) -> None:
    sheets = hip_sheets()
    sheets[sheet][row][column] = value
    problems = refused(tmp_path, sheets)
    assert [p.row for p in problems] == [row + 1]
    assert value in problems[0].nl


def test_a_date_and_time_limit_may_have_spaces_around_it(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets[FIELDS][4][8] = "2000-01-01T00:00:00 "  # Tijdstip, datumtijd: Minimum
    dictionary = load_dictionary(write_sheets(tmp_path / "h.xlsx", sheets))
    assert dictionary.field("Tijdstip").minimum == "2000-01-01T00:00:00"


def test_an_example_s_problems_are_each_in_their_own_english(tmp_path: Path) -> None:
    """The English text was the first finding's with the same code."""
    sheets = hip_sheets()
    example = sheets["Voorbeeld bestandsinhoud"]
    header = example[0]
    example[1][header.index("PatientID")] = None
    example[1][header.index("Opnamedatum")] = None
    problems = refused(tmp_path, sheets)
    assert [(p.column, p.en) for p in problems] == [
        ("PatientID", "example fails: 002 PatientID is required but empty"),
        ("Opnamedatum", "example fails: 002 Opnamedatum is required but empty"),
    ]
