"""Status, counts, the JSON and CSV report, English messages, valid records."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import FrozenInstanceError, replace

import orjson
import pytest

from datahub.validation import (
    CHECKS,
    TECHNICAL,
    DataDictionary,
    _report,
    iter_valid_records,
    translate_message,
    validate_file,
    validate_records,
)
from datahub.validation._report import Finding, findings_from_columns, safe_cell

from .helpers import cat_row, csv_bytes, hip_row, validate_rows


def test_status_verwerkt_without_findings(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1), cat_row(2)])
    assert (report.status, report.total, report.processed, report.not_processed) == (
        "Verwerkt",
        2,
        2,
        0,
    )
    assert (report.errors, report.warnings) == (0, 0)


def test_status_with_errors_counts_records_not_processed(cat: DataDictionary) -> None:
    rows = [cat_row(i) for i in range(1, 11)]
    rows[2]["Geslacht"] = "7"
    rows[2]["ODS"] = "X"
    rows[5]["Operatiedatum"] = ""
    rows[7]["ControleDatum"] = "2021-06-01"  # warning only
    report = validate_rows(cat, rows)
    assert report.status == "Verwerkt met fouten"
    assert (report.total, report.processed, report.not_processed) == (10, 8, 2)
    assert (report.errors, report.warnings) == (3, 1)
    assert report.error_records == frozenset({3, 6})


def test_more_than_the_rejection_percentage_rejects_the_delivery(cat: DataDictionary) -> None:
    half = [cat_row(i, ODS="X" if i <= 5 else "OD") for i in range(1, 11)]
    assert validate_rows(cat, half).status == "Verwerkt met fouten"  # exactly 50 %: not more
    more = [cat_row(i, ODS="X" if i <= 6 else "OD") for i in range(1, 11)]
    report = validate_rows(cat, more)
    assert report.status == "Afgekeurd"
    assert (report.processed, report.not_processed) == (0, 10)


def test_without_a_rejection_percentage_errors_never_reject(iknl: DataDictionary) -> None:
    row = {
        "PatientCode": "P1",
        "Geboortejaar": "1950",
        "Geslacht": "7",
        "Diagnosedatum": "2019-02-11",
        "ISS": "2",
        "MProteine": "IGG",
        "Behandellijn": "1",
        "StartBehandeling": "2019-03-01",
        "Respons": "",
        "Stamceltransplantatie": "J",
        "Overlijdensdatum": "",
    }
    report = validate_rows(iknl, [row])
    assert report.status == "Verwerkt met fouten"


def test_the_json_report_has_exactly_the_specs_shape(cat: DataDictionary) -> None:
    data = csv_bytes(cat.field_names, [cat_row(1, VaCCPO="200.00")])
    report = validate_file(cat, data, file_name="11111111_0_CAT_1.4_1_20201214_PROD.csv")
    document = json.loads(report.to_json())
    assert list(document) == [
        "file",
        "dictionary",
        "status",
        "records",
        "errors",
        "warnings",
        "findings",
    ]
    assert document["file"] == "11111111_0_CAT_1.4_1_20201214_PROD.csv"
    assert document["dictionary"] == {"code": "CAT", "version": "1.4"}
    assert document["records"] == {"total": 1, "processed": 0, "not_processed": 1}
    assert document["findings"][1] == {
        "record": 1,
        "line": 2,
        "level": "fout",
        "code": "015_X_Y_EQ",
        "field": "VaCCPO",
        "value": "200.00",
        "message": "VaCCPO bevat een waarde buiten de afgesproken limiet [0, 3].",
        "keys": {
            "OperatieID": "11000001",
            "Operatiedatum": "2020-11-01",
            "PatientCode": "1100055508",
            "ODS": "OD",
        },
    }


def test_the_csv_report_has_a_bom_the_columns_and_neutralised_formulas(cat) -> None:
    rows = [
        cat_row(1, PatientCode="=HYPERLINK(1)", ODS="@SUM(1)"),
        cat_row(2, ODS="-1+1"),
        cat_row(3, SEPO="-10.5", Streefrefractie="+6"),
    ]
    report = validate_rows(cat, rows)
    data = report.to_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == [
        "Recordnummer",
        "OperatieID",
        "Operatiedatum",
        "PatientCode",
        "ODS",
        "Fout / waarschuwing",
        "Foutcode",
        "Veld",
        "Waarde",
        "Omschrijving",
    ]
    assert table[1][:4] == ["1", "11000001", "2020-11-01", "'=HYPERLINK(1)"]
    assert table[1][4] == "'@SUM(1)" and table[1][8] == "'@SUM(1)"
    assert table[2][8] == "'-1+1"
    # a delivered negative number is shown as delivered: it is no formula
    assert [(row[7], row[8]) for row in table[3:]] == [("Streefrefractie", "+6"), ("SEPO", "-10.5")]
    assert len(table) == 1 + len(report.findings)
    for cell in (c for row in table[1:3] for c in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_the_csv_report_is_safe_in_a_spreadsheet_that_splits_at_semicolons(cat) -> None:
    """Excel in a Dutch locale opens a .csv file with ";" as its separator and honours a quote
    only at the start of a field: ``x;=cmd|...`` became a cell ``=cmd|...`` (a review found
    it), and so did a line of a quoted value with a line break."""
    rows = [
        cat_row(1, ODS="x;=cmd|' /C calc'!A0", PatientCode="1;@SUM(1)"),
        cat_row(2, Opmerking="", ODS="y\n=HYPERLINK(1);\r\n  +A1"),
    ]
    data = validate_rows(cat, rows).to_csv().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(data)))
    assert [row[8] for row in table[1:]] == [
        "x;'=cmd|' /C calc'!A0",
        "y\n'=HYPERLINK(1);'\r\n'  +A1",  # (a CR may start a formula too)
    ]
    assert table[1][3] == "1;'@SUM(1)"
    # as Excel reads it in a Dutch locale: every line break and ";" starts a cell
    cells = [cell for line in re.split("\r\n|\r|\n", data) for cell in line.split(";")]
    assert len(cells) > len(table) * 2
    for cell in cells:
        assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t")), cell


def test_messages_are_available_in_english(cat: DataDictionary) -> None:
    rows = [cat_row(1, Geslacht="", ODS="X", Operatiedatum="2020-02-30")]
    report = validate_rows(cat, rows, lang="en")
    assert [f.message for f in report.findings] == [
        "Geslacht is required but empty",
        "Operatiedatum contains value 2020-02-30, which is not a valid date",
        "ODS contains value X, which is not in the reference list",
    ]
    header = b",".join(n.encode() for n in cat.field_names) + b"\n"
    assert validate_file(cat, header, file_name="x.csv", lang="en").findings[0].message == (
        "The file contains no records"
    )


def test_valid_records_skip_records_with_errors(hip: DataDictionary) -> None:
    rows = [hip_row(1), hip_row(2, Zijde="Q"), hip_row(3, Pijnscore="9")]
    data = csv_bytes(hip.field_names, rows)
    report = validate_file(hip, data, file_name="x.csv")
    assert report.status == "Afgekeurd"  # 1 of 3 > 30 %
    assert list(iter_valid_records(hip, data, report, file_name="x.csv")) == []
    rows += [hip_row(i) for i in range(4, 10)]
    data = csv_bytes(hip.field_names, rows)
    report = validate_file(hip, data, file_name="x.csv")
    valid = list(iter_valid_records(hip, data, report, file_name="x.csv"))
    assert [r["PatientID"] for r in valid] == ["P00001", "P00003"] + [
        f"P0000{i}" for i in range(4, 10)
    ]
    assert valid[0]["Opmerking"] is None


def test_a_stream_and_a_path_give_the_same_report(hip: DataDictionary, tmp_path) -> None:
    data = csv_bytes(hip.field_names, [hip_row(1, Gewicht="x")])
    path = tmp_path / "11111111_0_HEUP_3_1_20210401_TEST.csv"
    path.write_bytes(data)
    from_path = validate_file(hip, path)
    with path.open("rb") as stream:
        from_stream = validate_file(hip, stream, file_name=path.name)
    assert from_path.to_dict() == from_stream.to_dict()
    assert from_path.file == path.name


def test_progress_is_reported(hip: DataDictionary) -> None:
    seen: list[tuple[int, int | None]] = []
    data = csv_bytes(hip.field_names, [hip_row(i) for i in range(1, 50)])
    validate_file(hip, data, file_name="x.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (len(data), len(data))


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
def test_the_json_text_is_what_the_standard_library_writes(
    cat: DataDictionary, indent: int | None
) -> None:
    tricky = "".join(chr(i) for i in range(32)) + '\x7f"\\ é\u2028😀'
    rows = [cat_row(1, Opmerking=tricky + "x" * 200), cat_row(2, ODS=tricky), cat_row(3)]
    report = validate_file(cat, csv_bytes(cat.field_names, rows), file_name="ü.csv")
    assert len(report.findings) >= 2
    expected = json.dumps(report.to_dict(), ensure_ascii=False, indent=indent)
    assert report.to_json(indent=indent) == expected
    lone = replace(report, findings=(replace(report.findings[0], value="\ud800"),))
    expected = json.dumps(lone.to_dict(), ensure_ascii=False, indent=indent)
    assert lone.to_json(indent=indent) == expected


@pytest.mark.parametrize("batch", [1, 2, 3, 10**6])
def test_the_json_and_csv_written_a_batch_at_a_time_are_the_whole_text(
    cat: DataDictionary, monkeypatch, batch: int
) -> None:
    """The CLI writes the report a batch of findings at a time (one text of a report with
    millions of findings took gigabytes, and a write over 2 GiB to a pipe lost the rest)."""
    rows = [cat_row(i, ODS="X" if i % 2 else "OD", Opmerking='é\n"x"') for i in range(1, 6)]
    report = validate_file(cat, csv_bytes(cat.field_names, rows), file_name="ü.csv")
    whole_csv = report.to_csv()
    monkeypatch.setattr(_report, "_WRITE_BATCH", batch)
    for shown in (
        report,
        replace(report, findings=()),
        replace(report, findings=report.findings[:1]),
    ):
        out = io.BytesIO()
        shown.write_json(out)
        assert out.getvalue().decode() == json.dumps(shown.to_dict(), ensure_ascii=False, indent=2)
    out = io.BytesIO()
    report.write_csv(out)
    assert out.getvalue() == report.to_csv() == whole_csv
    assert whole_csv.decode("utf-8-sig").count("\r\n") > len(report.findings)
    lone = replace(report, findings=(replace(report.findings[0], value="\ud800"), *report.findings))
    out = io.BytesIO()
    lone.write_json(out)
    assert json.loads(out.getvalue()) == lone.to_dict()  # escaped, as UTF-8 cannot hold it


def test_a_lone_surrogate_from_another_channel_refuses_it_and_shows_a_replacement_character(
    cat: DataDictionary,
) -> None:
    """Text that cannot be UTF-8 is refused as in a file (T01); two values differing only in
    their surrogates are not made equal silently."""
    rows = [dict(cat_row(1), ODS="O\ud800"), dict(cat_row(2)), dict(cat_row(3), Opmerking="\udfff")]
    report = validate_records(cat, rows)
    assert report.status == "Afgekeurd"
    assert [(f.code, f.record, f.value) for f in report.findings] == [
        ("T01", None, None),
        ("T01", None, None),
        ("001_RefTab", 1, "O\ufffd"),
    ]
    assert report.findings[0].message == "Record 1: ODS bevat tekens die geen geldige Unicode zijn"
    assert "Record 3: Opmerking" in report.findings[1].message
    assert json.loads(report.to_json())["findings"][2]["value"] == "O\ufffd"
    english = validate_records(cat, rows, lang="en").findings[0].message
    assert english == "Record 1: ODS holds characters that are not valid Unicode"
    assert translate_message("T01", report.findings[0].message, "en") == english


@pytest.mark.parametrize("value", [b"OD", 1948, 0.00001, True, ["OD"]])
def test_a_value_from_another_channel_that_is_not_text_is_a_programming_error(
    cat: DataDictionary, value: object
) -> None:
    """``str()`` would pass ``b"OD"`` as the text "b'OD'" and 0.00001 as "1e-05": the channel
    must give the text."""
    with pytest.raises(TypeError, match="record 2: the value of Geboortejaar is"):
        validate_records(cat, [cat_row(1), dict(cat_row(2), Geboortejaar=value)])


@pytest.mark.parametrize(
    ("code", "dutch", "english"),
    [
        (
            "006",
            "X bevat waarde 1.234, deze voldoet niet aan het formaat 2 decimalen",
            "X contains value 1.234, which does not match the format 2 decimals",
        ),
        (
            "015_X_Y_EQ",
            "VaCCPO bevat een waarde buiten de afgesproken limiet [0, 3].",
            "VaCCPO contains a value outside the agreed limit [0, 3].",
        ),
        (
            "001_RefTab",  # the value itself holds the template's words
            "ODS bevat waarde a, deze komt niet voor in de referentielijst, x",
            "ODS bevat waarde a, deze komt niet voor in de referentielijst, x",
        ),
        (
            "001_RefTab",
            "ODS bevat waarde a, deze komt niet voor, x, deze komt niet voor in de referentielijst",
            "ODS contains value a, deze komt niet voor, x, which is not in the reference list",
        ),
        ("T04", "Regel 3: aanhalingsteken wordt niet gesloten", "Line 3: a quote is never closed"),
        (
            "T08",
            "Versie in het bestand (1.3) komt niet overeen met de aanlevering (1.4)",
            "Version in the file (1.3) does not match the delivery (1.4)",
        ),
        (
            "T06",
            "XML-fout op regel 4: onbekend attribuut x",
            "XML error on line 4: unknown attribute x",
        ),
        (
            "005",
            "Rij komt meerdere malen voor in het bestand.",
            "Row occurs more than once in the file.",
        ),
        ("010_COND", "IOLType is verplicht bij techniek 1", "IOLType is verplicht bij techniek 1"),
    ],
)
def test_stored_dutch_messages_are_shown_in_english(code, dutch, english) -> None:
    assert translate_message(code, dutch, "en") == english
    assert translate_message(code, dutch, "nl") == dutch


def test_every_template_translates_back_from_its_own_dutch() -> None:
    for code, (_, dutch, english) in CHECKS.items():
        values = {name: f"<{name}>" for name in re.findall(r"\{(\w+)\}", dutch)}
        assert translate_message(code, dutch.format(**values), "en") == english.format(**values)
    for code, keys in TECHNICAL.items():
        for dutch, english in keys.values():
            values = {name: f"<{name}>" for name in re.findall(r"\{(\w+)\}", dutch)}
            assert translate_message(code, dutch.format(**values), "en") == english.format(**values)


def test_a_value_holding_the_templates_own_words_translates_as_the_engine_writes_it(
    cat, hip
) -> None:
    """The English report page read the value back up to the first ", deze is langer dan" it
    held, and put the rest in the length: the value must take all it can."""
    from .helpers import cat_row, hip_row, validate_rows

    remark = "nieuwe lens, deze is langer dan de vorige en " + "goed geplaatst " * 12
    cases = [
        (hip, [hip_row(1, Opmerking=remark)]),
        (cat, [cat_row(1, Operatiedatum="x, dit is geen geldige datum")]),
        (cat, [cat_row(1, ODS="X, deze komt niet voor in de referentielijst")]),
    ]
    for dictionary, rows in cases:
        dutch, english = (validate_rows(dictionary, rows, lang=lang) for lang in ("nl", "en"))
        assert dutch.findings, rows
        for nl, en in zip(dutch.findings, english.findings, strict=True):
            assert translate_message(nl.code, nl.message, "en") == en.message


def test_findings_built_column_by_column_equal_findings_made_one_by_one() -> None:
    columns = [
        [1, None],
        [2, 7],
        ["fout", "afkeur"],
        ["002", "T01"],
        ["A", None],
        [None, "ü"],
        ["leeg", "kapot"],
    ]
    keys = [{"A": "1"}, {"A": None}]
    made = findings_from_columns(columns, keys)
    rows = zip(*columns, strict=True)
    one_by_one = [Finding(*row, keys=k) for row, k in zip(rows, keys, strict=True)]
    assert made == one_by_one
    assert [hash(f) for f in made] == [hash(f) for f in one_by_one]
    assert orjson.dumps(made) == orjson.dumps(one_by_one)
    assert [f.keys for f in findings_from_columns(columns)] == [{}, {}]
    with pytest.raises(FrozenInstanceError):
        made[0].code = "004"  # type: ignore[misc]
    with pytest.raises(ValueError, match="lengths"):
        findings_from_columns([[1], *columns[1:]])


def test_the_rejection_percentage_is_compared_exactly(cat: DataDictionary) -> None:
    """69 of 375 records is exactly 18.4 %: not more. In floats, 18.4 * 375 is 6899.999...,
    and the delivery at the threshold was rejected."""
    strict = replace(cat, general=replace(cat.general, rejection_percentage=18.4))
    rows = [cat_row(i, ODS="X" if i <= 69 else "OD") for i in range(1, 376)]
    assert validate_rows(strict, rows).status == "Verwerkt met fouten"
    rows[69]["ODS"] = "X"  # 70 of 375: more
    assert validate_rows(strict, rows).status == "Afgekeurd"


def test_valid_records_are_given_on_trimmed_as_they_were_checked(cat: DataDictionary) -> None:
    """The checks trim spaces only: a tab belongs to the value, in the checks (two different
    keys) as in what is forwarded (the same key twice, after a trim of all whitespace)."""
    rows = [cat_row(1, OperatieID="11000001"), cat_row(2, OperatieID="11000001\t")]
    data = csv_bytes(cat.field_names, rows)
    report = validate_file(cat, data, file_name="x.csv")
    assert report.status == "Verwerkt"
    valid = list(iter_valid_records(cat, data, report, file_name="x.csv"))
    assert [r["OperatieID"] for r in valid] == ["11000001", "11000001\t"]


def test_a_formula_after_spaces_and_a_report_field_named_as_a_formula_are_neutralised(
    cat: DataDictionary,
) -> None:
    """A spreadsheet may trim a cell's leading spaces, and the header holds the report fields'
    names from the operator's workbook: both reached the CSV as formulas (a security review)."""
    data = cat.to_dict()
    base = dict(data["fields"][0], required=False, length=None, fhirpath=None)
    data["fields"] = [
        dict(base, order=1, name="=Sleutel"),
        dict(base, order=2, name="Getal", datatype="geheel getal", required=True),
    ]
    data["rules"] = []
    data["general"] = dict(
        data["general"], key_fields=["=Sleutel"], report_fields=["=Sleutel"], period_field=None
    )
    odd = DataDictionary.from_dict(data)
    report = validate_file(odd, b'=Sleutel,Getal\n"=HYPERLINK(1)", =1+1\n', file_name="x.csv")
    table = list(csv.reader(io.StringIO(report.to_csv().decode("utf-8-sig"))))
    assert table[0][:2] == ["Recordnummer", "'=Sleutel"]
    assert table[1][:2] == ["1", "'=HYPERLINK(1)"]
    assert (table[1][3], table[1][5]) == ("004", "' =1+1")
    assert safe_cell(" -0.25") == " -0.25"  # a signed number after a space is still a number
