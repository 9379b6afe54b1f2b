"""Workbooks that were read wrongly or that crashed the reader, the engine or the import: each
is now refused with a clear problem, or read as the workbook shows it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from datahub.validation import DictionaryError, load_dictionary, validate_file
from datahub.validation.cli import main
from tests.dictionaries.workbooks import knee_sheets, workbook_bytes

KNEE_CSV = b"IngreepNr,Patient,Ingreepdatum,Zijde,BMI\nK1,P1,2024-02-03,L,27.5\n"
GENERAL = "Aanleverspecificaties algemeen"


def _knee(**edits: Any) -> bytes:
    sheets = knee_sheets()
    for sheet, edit in edits.items():
        edit(sheets[sheet.replace("_", " ")])
    return workbook_bytes(sheets)


def _rule(expression: str) -> Any:
    def edit(rows: list[list[Any]]) -> None:
        rows[1][2] = expression

    return edit


def _no_examples(rows: list[list[Any]]) -> None:
    del rows[1:]


def _field(row: int, column: int, value: Any) -> Any:
    def edit(rows: list[list[Any]]) -> None:
        rows[row][column] = value

    return edit


def _refusal(data: bytes) -> str:
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(data)
    return str(refused.value)


@pytest.mark.parametrize(
    "expression", [" OR ".join(["BMI = 1"] * 200), "(" * 1000 + "BMI < 60" + ")" * 1000]
)
def test_a_long_or_deeply_nested_rule_is_refused(tmp_path: Path, expression: str) -> None:
    data = _knee(Validaties=_rule(expression))
    assert "te lang of te diep genest" in _refusal(data)
    workbook, csv = tmp_path / "KNIE_3.0.xlsx", tmp_path / "knie.csv"
    workbook.write_bytes(data)
    csv.write_bytes(KNEE_CSV)
    assert main(["--dictionary", str(workbook), str(csv)]) == 2  # a message, no traceback


@pytest.mark.parametrize("expression", ["BMI < 60 AND NULL", "NULL OR BMI < 60", "NULL"])
def test_a_rule_that_is_always_unknown_never_fires(expression: str) -> None:
    for examples in ({}, {"Voorbeeld_bestandsinhoud": _no_examples}):
        dictionary = load_dictionary(_knee(Validaties=_rule(expression), **examples))
        report = validate_file(dictionary, KNEE_CSV, file_name="knie.csv")
        assert report.status == "Verwerkt", report.findings


@pytest.mark.parametrize(
    ("row", "column", "value", "problem"),
    [
        (1, 7, "(?x)K[0-9]+ #id", "ongeldige reguliere expressie"),  # a comment eats the anchor
        (5, 6, 10_000_000, "kies 0 tot en met 100"),  # Decimalen: too big a regex
        (5, 6, -5, "kies 0 tot en met 100"),
        (1, 5, -1, "lengte -1 is kleiner dan 1"),  # every value would be "too long"
    ],
)
def test_a_field_the_engine_could_not_check_is_refused(
    row: int, column: int, value: Any, problem: str
) -> None:
    data = _knee(Bestandsinhoud=_field(row, column, value), Voorbeeld_bestandsinhoud=_no_examples)
    assert problem in _refusal(data)


def _formatted(cell: str, value: Any, number_format: str) -> bytes:
    """The knee workbook with a number in ``cell`` of the general sheet, shown by a format."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in knee_sheets().items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook[GENERAL][cell] = value
    workbook[GENERAL][cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_rejection_percentage_shown_as_a_percentage_is_read_as_that_percentage() -> None:
    # Excel shows 20% and holds 0.2: read as 0.2 %, deliveries were rejected far too early;
    # 100% (never reject) was read as 1 %. The cell's format says it is a percentage.
    for value, percentage in ((0.2, 20), (1.0, 100), (0.055, 5.5)):  # (5.5, though 6% shows)
        general = load_dictionary(_formatted("B16", value, "0%")).general
        assert general.rejection_percentage == percentage
    assert load_dictionary(_formatted("B16", 20, "0")).general.rejection_percentage == 20
    # a bare number below 1 may still be a percentage in disguise: refused, not guessed
    assert "als percentage opgemaakt" in _refusal(_formatted("B16", 0.2, "General"))


def test_a_small_decimal_stored_as_a_number_is_read_as_a_decimal() -> None:
    sheets = knee_sheets()
    sheets["Bestandsinhoud"][5][6] = None  # no Decimalen
    sheets["Bestandsinhoud"][5][8] = 0  # Minimum 0
    sheets["Voorbeeld bestandsinhoud"][1][4] = 0.00001  # not "1e-05"
    dictionary = load_dictionary(workbook_bytes(sheets))
    assert dictionary.examples[0][4] == "0.00001"


def test_two_sheets_of_one_name_are_refused_not_one_silently_dropped() -> None:
    sheets = knee_sheets()
    sheets["Referentietabellen "] = [["Tabel", "Code"], ["ZIJDE", "L"]]  # an old copy
    assert "tabblad komt meer dan eens voor" in _refusal(workbook_bytes(sheets))
