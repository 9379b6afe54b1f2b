"""Completeness: per field, how many records have a value (``Report.filled``).

"A value" is exactly what the required-field check does not call empty: trimmed of spaces,
nothing left is empty; other white space (a tab) is a value. Counted for CSV, XML and records
from other channels; a file rejected as a file has no counts.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from datahub.validation import (
    DataDictionary,
    Finding,
    validate_file,
    validate_records,
)

from .helpers import csv_bytes, found, hip_row, validate_rows
from .test_xml import xml_bytes


def _rows() -> list[dict[str, str]]:
    """Four hip records: a value, spaces only, nothing, and a tab in the free-text field."""
    return [
        hip_row(1, Pijnscore="3", Opmerking="goed", Tijdstip="2021-03-02T10:15:00"),
        hip_row(2, Pijnscore="  ", Opmerking="   ", Tijdstip=" ", Zijde=" "),
        hip_row(3, Pijnscore="", Opmerking="", Tijdstip="", Ontslagdatum="", Zijde=""),
        hip_row(4, Pijnscore=" 7 ", Opmerking="\t", Dosis=""),
    ]


EXPECTED = {
    "PatientID": 4,
    "Opnamedatum": 4,
    "Ontslagdatum": 3,
    "Tijdstip": 2,  # a timestamp is checked as text, record by record
    "Zijde": 2,  # a code: " " is the empty value too
    "Gewicht": 4,
    "Pijnscore": 2,  # " 7 " has a value, "  " has none
    "Dosis": 3,
    "Opmerking": 2,  # a tab is a value (only spaces are trimmed)
}


def test_a_csv_file_counts_the_records_with_a_value_per_field(hip: DataDictionary) -> None:
    report = validate_rows(hip, _rows())
    assert report.filled == EXPECTED
    assert list(report.filled) == list(hip.field_names)  # in the dictionary's order
    assert report.total == 4


def test_an_xml_file_counts_the_same_as_the_csv_file(hip: DataDictionary) -> None:
    rows = _rows()
    rows[2]["Opmerking"] = "\t"  # (an element holding white space alone is empty in XML)
    data = xml_bytes(hip, rows)  # an empty value is left out: a missing element
    report = validate_file(hip, data, file_name="test.xml")
    assert not [f for f in report.findings if f.technical]
    assert report.filled == EXPECTED | {"Opmerking": 3}
    spaces = data.replace(b"<Opmerking>\t</Opmerking>", b"<Opmerking>  </Opmerking>")
    blank = validate_file(hip, spaces, file_name="test.xml")
    assert blank.filled == EXPECTED | {"Opmerking": 1}


def test_records_of_another_channel_count_missing_and_none_as_empty(hip: DataDictionary) -> None:
    rows: list[dict[str, str | None]] = [dict(r) for r in _rows()]
    rows[2]["Pijnscore"] = None
    del rows[2]["Opmerking"]
    report = validate_records(hip, rows)
    assert report.filled == EXPECTED


def test_empty_means_exactly_what_the_required_field_check_reports(
    hip: DataDictionary,
) -> None:
    every_field_required = replace(hip, fields=tuple(replace(f, required=True) for f in hip.fields))
    report = validate_rows(every_field_required, _rows())
    assert report.filled is not None
    missing = found(report, "002")
    for name, filled in report.filled.items():
        assert report.total - filled == sum(1 for _r, f in missing if f == name), name


def test_the_counts_add_up_over_batches(hip: DataDictionary) -> None:
    rows = _rows() * 300
    rows = [dict(r, PatientID=f"P{n:05d}") for n, r in enumerate(rows)]
    data = csv_bytes(hip.field_names, rows)
    whole = validate_file(hip, data, file_name="test.csv")
    pieces = validate_file(hip, data, file_name="test.csv", chunk_size=4096)
    assert whole.filled == pieces.filled == {n: 300 * c for n, c in EXPECTED.items()}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PatientID,Onbekend\nP00001,x\n", "T02"),  # the header is wrong
        (b"", "T07"),  # no records
    ],
)
def test_a_file_rejected_as_a_file_has_no_counts(hip: DataDictionary, data, code) -> None:
    report = validate_file(hip, data, file_name="test.csv")
    assert report.rejected and code in [f.code for f in report.findings]
    assert report.filled is None


def test_a_file_with_a_broken_line_has_no_counts_though_other_lines_were_read(
    hip: DataDictionary,
) -> None:
    data = csv_bytes(hip.field_names, _rows()) + b"P00009,too,few\n"
    report = validate_file(hip, data, file_name="test.csv")
    assert "T04" in [f.code for f in report.findings]
    assert report.filled is None


def test_technical_findings_added_later_drop_the_counts(hip: DataDictionary) -> None:
    report = validate_rows(hip, _rows())
    t08 = Finding(None, None, "afkeur", "T08", None, None, "de instelling klopt niet")
    assert report.filled is not None
    assert report.with_technical([t08]).filled is None


def test_a_delivery_rejected_for_its_share_of_errors_keeps_its_counts(
    hip: DataDictionary,
) -> None:
    """Every record was read and checked: the counts are those of the whole file."""
    rows = [hip_row(n, Gewicht="") for n in range(1, 5)]
    report = validate_rows(hip, rows)
    assert report.rejected  # more than the 30 % allowed has an error
    assert report.filled is not None and report.filled["Gewicht"] == 0


def test_the_counts_are_not_part_of_the_json_or_csv_report(hip: DataDictionary) -> None:
    report = validate_rows(hip, _rows())
    assert report.filled == EXPECTED
    document = json.loads(report.to_json())
    assert set(document) == {
        "file", "dictionary", "status", "records", "errors", "warnings", "findings"
    }  # fmt: skip
    assert report.to_dict() == document
