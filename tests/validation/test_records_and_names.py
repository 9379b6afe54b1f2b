"""Records from other channels, file names and periods."""

from __future__ import annotations

import datetime as dt

import pytest

from datahub.validation import (
    DataDictionary,
    parse_file_name,
    parse_period,
    technical_finding,
    validate_records,
)

from .helpers import hip_row


def test_records_from_another_channel_get_the_same_checks(hip: DataDictionary) -> None:
    records = [hip_row(1), hip_row(2, Gewicht="zwaar", Zijde=None), {"PatientID": "P00003"}]
    report = validate_records(hip, records, period="2021K1")
    assert [(f.record, f.line, f.code, f.field) for f in report.findings] == [
        (2, None, "002", "Zijde"),
        (2, None, "004", "Gewicht"),
        (3, None, "002", "Opnamedatum"),
        (3, None, "002", "Zijde"),
        (3, None, "002", "Gewicht"),
    ]
    assert report.status == "Afgekeurd"  # 2 of 3 records > 30 %


def test_no_records_is_t07(hip: DataDictionary) -> None:
    assert [f.code for f in validate_records(hip, []).findings] == ["T07"]


def test_a_conventional_file_name_is_split_into_its_parts() -> None:
    parts, problems = parse_file_name("11111111_0_CAT_1.4_1_20201214_PROD.xml")
    assert problems == []
    assert parts is not None
    assert (parts.institution, parts.unit, parts.code, parts.version, parts.sequence) == (
        "11111111",
        0,
        "CAT",
        "1.4",
        1,
    )
    assert (parts.created, parts.test, parts.extension) == (dt.date(2020, 12, 14), False, "xml")


@pytest.mark.parametrize("version", ["1.4a", "1.4-beta", "2024-1", "v2"])
def test_every_version_a_dictionary_may_have_fits_a_file_name(version: str, tmp_path) -> None:
    """The import takes digits, letters, dots and hyphens; the file name took digits and dots
    only, so no file of such a registry could be delivered."""
    from datahub.validation import load_dictionary

    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    general = sheets["Aanleverspecificaties algemeen"]
    next(row for row in general if row[0] == "Versie")[1] = version
    dictionary = load_dictionary(write_sheets(tmp_path / "h.xlsx", sheets))
    name = f"11111111_0_HEUP_{dictionary.general.version}_1_20201214_PROD.csv"
    parts, problems = parse_file_name(name)
    assert problems == [] and parts is not None and parts.version == version


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("rapport.csv", "vorm"),
        ("1111111_0_CAT_1.4_1_20201214_PROD.csv", "8 cijfers"),
        ("11111111_0_CAT_1.4_1_20201314_PROD.csv", "geen geldige datum"),
        ("11111111_0_CAT_1.4_1_20201214_ACC.csv", "PROD of TEST"),
        ("11111111_0_CAT_1.4_1_20201214_PROD.xlsx", ".csv of .xml"),
        ("11111111_x_CAT_1.4_1_20201214_PROD.csv", "onderdeel"),
        ("11111111_\u00b2_CAT_1.4_1_20201214_PROD.csv", "onderdeel"),  # superscript two
        ("11111111_0_CAT_1.4_\u00b3_20201214_PROD.csv", "volgnummer"),
        ("11111111_0_CAT_1.4_\u0661_20201214_PROD.csv", "volgnummer"),  # Arabic-Indic one
        ("11111111_0_cat_1.4_1_20201214_PROD.csv", "code"),
        ("11111111_0_CAT_1.4+x_1_20201214_PROD.csv", "versie"),
        ("11111111_0_CAT_.4_1_20201214_PROD.csv", "versie"),
    ],
)
def test_a_file_name_off_the_convention_gives_t05(name: str, reason: str) -> None:
    parts, problems = parse_file_name(name)
    assert parts is None
    assert problems[0].code == "T05"
    assert reason in problems[0].nl


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2019", (dt.date(2019, 1, 1), dt.date(2019, 12, 31))),
        ("2019H1", (dt.date(2019, 1, 1), dt.date(2019, 6, 30))),
        ("2020K3", (dt.date(2020, 7, 1), dt.date(2020, 9, 30))),
        ("2020M02", (dt.date(2020, 2, 1), dt.date(2020, 2, 29))),
        ("totaal", None),
    ],
)
def test_periods(period: str, bounds) -> None:
    assert parse_period(period) == bounds


@pytest.mark.parametrize(
    "period", ["2020H3", "2020K5", "2020M13", "2020M7", "2020K04", "2020H01", "20", "Q1"]
)
def test_unknown_periods_are_refused(period: str) -> None:
    with pytest.raises(ValueError, match="periode"):
        parse_period(period)


def test_intake_findings_t05_and_t08_reject_a_report(hip: DataDictionary) -> None:
    report = validate_records(hip, [hip_row(1)])
    _, problems = parse_file_name("heup.csv")
    t05 = technical_finding("T05", "name", naam="heup.csv", reden="vorm")
    t08 = technical_finding("T08", "mismatch", kenmerk="Versie", bestand="2", verwacht="3")
    rejected = report.with_technical([t05, t08])
    assert problems[0].code == t05.code == "T05"
    assert [f.code for f in rejected.findings] == ["T05", "T08"]
    assert (rejected.status, rejected.processed, rejected.not_processed) == ("Afgekeurd", 0, 1)
    assert t08.message == "Versie in het bestand (2) komt niet overeen met de aanlevering (3)"
    assert report.with_technical([]) is report
