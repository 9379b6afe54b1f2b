"""The report's contract where a review found the engine or the command departing from the
spec: how a rule combines with the field it is reported on, codes reserved for the fixed
checks, a header with columns the dictionary does not know, a terminal that is not UTF-8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from datahub.validation import (
    DictionaryError,
    load_dictionary,
    load_stored_dictionary,
    validate_file,
)
from datahub.validation.cli import main
from tests.dictionaries.workbooks import knee_workbook

from .helpers import FIXTURES, cat_row, csv_bytes

ROOT = Path(__file__).resolve().parents[2]
HEADER = "IngreepNr,Patient,Ingreepdatum,Zijde,BMI"


def _rules(*rows: list[str]) -> Any:
    def edit(sheet: list[list[Any]]) -> None:
        del sheet[1:]
        sheet.extend(rows)

    return edit


def _json(capsys: Any, workbook: Path, data: Path) -> tuple[int, dict[str, Any]]:
    code = main(["--dictionary", str(workbook), "--format", "json", str(data)])
    return code, json.loads(capsys.readouterr().out)


def _findings(report: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(f["record"], f["code"], f["field"]) for f in report["findings"]]


def test_a_value_with_its_002_or_004_gets_no_rule_reported_on_its_field(
    tmp_path: Path, capsys: Any
) -> None:
    """Spec: an empty value gets ``002`` and nothing else; a value failing its datatype gets
    ``004`` only. Also from a rule reported on that field whose expression does not use it."""
    workbook = tmp_path / "knie.xlsx"
    workbook.write_bytes(
        knee_workbook(
            Validaties=_rules(
                ["K02", "BMI", "Zijde = 'L'", "fout", "BMI {waarde} alleen links"],
                ["K03", "Ingreepdatum", "Zijde = 'L'", "fout", "datum alleen links"],
            )
        )
    )
    data = tmp_path / "knie.csv"
    data.write_text(
        f"{HEADER}\n"
        "K1,P1,2024-02-03,R,abc\n"  # BMI 004: not also K02
        "K2,P2,,R,27.5\n"  # Ingreepdatum 002: not also K03; BMI is fine, so K02 fires
        # Ingreepdatum 004: not also K03. An empty BMI has no finding of its own (not
        # required): the rule reported on it fires, as one that uses it would.
        "K3,P3,2024-02-30,R,\n"
    )
    code, report = _json(capsys, workbook, data)
    assert code == 1
    assert _findings(report) == [
        (1, "K03", "Ingreepdatum"),
        (1, "004", "BMI"),
        (2, "002", "Ingreepdatum"),
        (2, "K02", "BMI"),
        (3, "004", "Ingreepdatum"),
        (3, "K02", "BMI"),
    ]


@pytest.mark.parametrize("code", ["002", "015_X_Y_EQ", "001_RefTab", "T03", "T99"])
def test_a_rule_may_not_take_a_fixed_checks_code(code: str) -> None:
    """Spec: the per-field checks' codes are fixed, so reports look the same for every
    registry, and technical findings' codes start with T."""
    rule = [code, "BMI", "BMI < 60", "waarschuwing", "BMI {waarde} is erg hoog"]
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(knee_workbook(Validaties=_rules(rule)))
    assert f"foutcode {code} is voorbehouden" in str(refused.value)
    own = ["K01", "BMI", "BMI < 60", "waarschuwing", "BMI {waarde} is erg hoog"]
    assert [r.code for r in load_dictionary(knee_workbook(Validaties=_rules(own))).rules] == ["K01"]


def test_columns_the_dictionary_does_not_know_refuse_the_file_yet_its_records_are_checked() -> None:
    dictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
    names = [*dictionary.field_names[:3], "Extra", *dictionary.field_names[3:], "Nog een"]
    rows = [dict(cat_row(1), Extra="x"), dict(cat_row(2, Geslacht="7"), Extra="y")]
    report = validate_file(dictionary, csv_bytes(names, rows), file_name="cat.csv")
    assert report.status == "Afgekeurd"
    assert [(f.code, f.record, f.field) for f in report.findings] == [
        ("T02", None, None),
        ("T02", None, None),
        ("001_RefTab", 2, "Geslacht"),
    ]
    assert "Extra" in report.findings[0].message and "Nog een" in report.findings[1].message
    assert report.total == 2


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("OperatieID,OperatieID", "komt meerdere malen voor"),  # which one holds the value?
        ("Operatie_ID", "verkeerd gespeld"),  # a guess is not read as the field
        ("", "ontbreekt"),  # a missing column
    ],
)
def test_other_header_problems_still_leave_the_records_unchecked(header: str, problem: str) -> None:
    dictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
    names = [n for n in dictionary.field_names if n != "OperatieID"]
    names += [n for n in header.split(",") if n]
    rows = [dict(cat_row(1, Geslacht="7"), Operatie_ID="1")]
    rows[0] = {n: rows[0].get(n, "1") for n in names}
    report = validate_file(dictionary, csv_bytes(names, rows), file_name="cat.csv")
    assert {f.code for f in report.findings} == {"T02"}
    assert any(problem in f.message for f in report.findings)


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_a_terminal_that_is_not_utf8_gets_the_report_not_a_traceback(
    tmp_path: Path, fmt: str
) -> None:
    workbook = tmp_path / "knie.xlsx"
    workbook.write_bytes(knee_workbook())
    data = tmp_path / "knie.csv"
    data.write_text(f"{HEADER}\nKë1,P1,2024-02-03,L,27.5\n", encoding="utf-8")
    command = [sys.executable, "-m", "datahub.cli", "validate", "--dictionary", str(workbook)]
    command += ["--format", fmt, str(data)]
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    if fmt == "text":  # what the terminal cannot show is replaced
        assert b"K?1" in done.stdout
    else:  # a file: UTF-8
        assert "Kë1" in done.stdout.decode("utf-8-sig")


@pytest.mark.parametrize("name", ["__rec", "__line", "__id", "__bad"])
def test_a_field_may_not_take_a_name_of_the_engines_own_columns(name: str) -> None:
    """Such a field was imported, and then every validation crashed (a duplicate column)."""

    def rename(sheet: list[list[Any]]) -> None:
        sheet[5][1] = name  # BMI

    with pytest.raises(DictionaryError) as refused:
        load_dictionary(knee_workbook(Bestandsinhoud=rename, Voorbeeld_bestandsinhoud=_rules()))
    assert f"veldnaam {name} begint met __, dat is voorbehouden" in str(refused.value)
    stored = load_dictionary(knee_workbook()).to_dict()
    stored["fields"][4]["name"] = name
    stored["examples"] = []
    with pytest.raises(DictionaryError, match="voorbehouden aan de datahub"):
        load_stored_dictionary(stored)
