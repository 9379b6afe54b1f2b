"""Every per-field and per-record check, with the spec's codes, levels and messages."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from datahub.validation import DataDictionary
from datahub.validation._file_checks import FileChecks
from datahub.validation._frames import LINE, REC

from .helpers import cat_row, codes, found, hip_row, validate_rows


def only(report, record: int = 1) -> list[tuple[str, str | None]]:
    return [(f.code, f.field) for f in report.findings if f.record == record]


def test_a_valid_record_has_no_findings(cat: DataDictionary, hip: DataDictionary) -> None:
    assert validate_rows(cat, [cat_row(1), cat_row(2, ODS="OS")]).findings == ()
    assert validate_rows(hip, [hip_row(1), hip_row(2)]).findings == ()


def test_001_a_code_outside_the_reference_table(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, Geslacht="3", ODS="od")])
    assert only(report) == [("001_RefTab", "Geslacht"), ("001_RefTab", "ODS")]
    first = report.findings[0]
    assert first.level == "fout" and first.value == "3"
    assert first.message == "Geslacht bevat waarde 3, deze komt niet voor in de referentielijst"


def test_001_codes_are_compared_after_trimming_spaces(cat: DataDictionary) -> None:
    assert validate_rows(cat, [cat_row(1, ODS=" OD ", Geslacht=" 2")]).findings == ()


def test_001_a_decimal_field_compares_reference_codes_numerically(cat, hip) -> None:
    assert validate_rows(cat, [cat_row(1, VaCCPO="1", VaCCPre="0.40")]).findings == ()
    assert validate_rows(hip, [hip_row(1, Dosis="1"), hip_row(2, Dosis="2.0")]).findings == ()
    assert only(validate_rows(hip, [hip_row(1, Dosis="0.7")])) == [("001_RefTab", "Dosis")]


def test_002_a_required_field_left_empty(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, Geslacht="", Techniek="   ")])
    assert only(report) == [("002", "Geslacht"), ("002", "Techniek")]
    assert report.findings[0].message == "Geslacht is verplicht maar niet gevuld"


def test_an_empty_value_gets_only_002_and_nothing_else(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, Operatiedatum="")])
    assert only(report) == [("002", "Operatiedatum")]


def test_an_empty_optional_field_gets_nothing(cat: DataDictionary) -> None:
    row = cat_row(1, ControleDatum="", VaCCPO="", SEPO="", PostOpComplicatie="")
    assert validate_rows(cat, [row]).findings == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Geboortejaar", "+1948"),
        ("Geboortejaar", "1948.0"),
        ("Geboortejaar", "1e3"),
        ("Geboortejaar", "１９４８"),
        ("Geboortejaar", "19 48"),
        ("VaCCPre", "0,4"),
        ("VaCCPre", ".4"),
        ("VaCCPre", "4."),
        ("VaCCPre", "NaN"),
        ("VaCCPre", "inf"),
        ("VaCCPre", "4e-1"),
        ("Operatiedatum", "2020-02-30"),
        ("Operatiedatum", "2021-02-29"),
        ("Operatiedatum", "01-11-2020"),
        ("Operatiedatum", "2020-11-1"),
        ("Operatiedatum", "2020-11-01T00:00:00"),
        ("Operatiedatum", "2020-01- 5"),
        ("Operatiedatum", "+202-01-05"),
        ("Operatiedatum", "２020-11-01"),
    ],
)
def test_004_only_the_canonical_form_of_a_datatype_is_accepted(
    cat: DataDictionary, field: str, value: str
) -> None:
    report = validate_rows(cat, [cat_row(1, **{field: value})])
    assert only(report) == [("004", field)]
    assert report.findings[0].value == value
    assert f"{field} bevat waarde {value}, dit is geen geldige" in report.findings[0].message


@pytest.mark.parametrize(
    "value",
    [
        "2021-03-02T24:00:00",
        "2021-03-02T10:15:60",
        "2021-03-02T 1:15:00",
        "2021-03-02 10:15:00",
        "2021-02-29T10:00:00",
        "2021-03-02",
    ],
)
def test_004_datetimes_must_be_canonical_and_exist(hip: DataDictionary, value: str) -> None:
    assert only(validate_rows(hip, [hip_row(1, Tijdstip=value)])) == [("004", "Tijdstip")]


def test_canonical_values_with_surrounding_spaces_and_signs_are_accepted(cat) -> None:
    row = cat_row(1, Geboortejaar=" 1948 ", Streefrefractie="-0.25", SEPO="-1", VaCCPO="0.800")
    assert validate_rows(cat, [row]).findings == ()


def test_a_value_failing_its_datatype_counts_as_empty_for_rules(cat: DataDictionary) -> None:
    # Geboortejaar <= YEAR(Operatiedatum) would fire for 2030 if the date counted.
    report = validate_rows(cat, [cat_row(1, Geboortejaar="2030", Operatiedatum="2020-13-01")])
    assert only(report) == [("004", "Operatiedatum")]


def test_005_every_copy_of_a_repeated_record_is_reported(cat: DataDictionary) -> None:
    rows = [cat_row(1), cat_row(2), cat_row(1), cat_row(3), cat_row(1)]
    report = validate_rows(cat, rows)
    assert found(report, "005") == [(1, None), (3, None), (5, None)]
    assert report.findings[0].message == "Rij komt meerdere malen voor in het bestand."
    assert report.findings[0].keys["OperatieID"] == "11000001"


def test_006_a_value_not_matching_the_whole_format(proms: DataDictionary, hip) -> None:
    base = {
        "PatientCode": "P1",
        "Vragenlijst": "QLQC30",
        "Meetmoment": "T0",
        "Afnamedatum": "2019-02-20",
        "Totaalscore": "66.7",
    }
    report = validate_rows(
        proms, [base | {"Taal": "NL"}, base | {"Taal": "n", "PatientCode": "P2"}]
    )
    assert found(report, "006") == [(1, "Taal"), (2, "Taal")]
    assert report.findings[0].message == (
        "Taal bevat waarde NL, deze voldoet niet aan het formaat [a-z]{2}"
    )
    assert only(validate_rows(hip, [hip_row(1, PatientID="P1234X")])) == [("006", "PatientID")]


def test_006_too_many_decimals(cat: DataDictionary, proms: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, Streefrefractie="-0.125")])
    assert only(report) == [("006", "Streefrefractie")]
    assert "deze voldoet niet aan het formaat 2 decimalen" in report.findings[0].message


def test_006_one_decimal_is_singular(cat: DataDictionary) -> None:
    one = _changed(cat, "Streefrefractie", decimals=1)
    report = validate_rows(one, [cat_row(1, Streefrefractie="-0.12")])
    assert report.findings[0].message.endswith("deze voldoet niet aan het formaat 1 decimaal")
    english = validate_rows(one, [cat_row(1, Streefrefractie="-0.12")], lang="en")
    assert english.findings[0].message.endswith("does not match the format 1 decimal")
    from datahub.validation import translate_message

    assert translate_message("006", report.findings[0].message, "en") == (
        english.findings[0].message
    )


def _changed(dictionary: DataDictionary, name: str, **changes: object) -> DataDictionary:
    """``dictionary`` with the field ``name`` changed."""
    fields = tuple(
        replace(f, **changes) if f.name == name else f  # type: ignore[arg-type]
        for f in dictionary.fields
    )
    return replace(dictionary, fields=fields)


def test_006_names_what_is_wrong_the_format_or_the_decimals(cat: DataDictionary) -> None:
    """A value that matches the ``Formaat`` but has too many decimals was told it did not
    match the format."""
    formatted = _changed(cat, "Streefrefractie", format=r"-?[0-9]\.[0-9]+")
    rows = [cat_row(1, Streefrefractie="-0.125"), cat_row(2, Streefrefractie="-1")]
    report = validate_rows(formatted, rows)
    assert [(f.code, f.record) for f in report.findings] == [("006", 1), ("006", 2)]
    assert [f.message.rsplit(" ", 2)[-2:] for f in report.findings] == [
        ["2", "decimalen"],
        ["formaat", r"-?[0-9]\.[0-9]+"],
    ]


def test_007_a_value_longer_than_its_length(hip: DataDictionary) -> None:
    report = validate_rows(hip, [hip_row(1, Opmerking="x" * 21)])
    assert only(report) == [("007", "Opmerking")]
    assert report.findings[0].message.endswith("deze is langer dan 20 tekens")
    assert validate_rows(hip, [hip_row(1, Opmerking="x" * 20)]).findings == ()


def test_a_huge_value_is_shown_clipped_in_its_findings(hip: DataDictionary) -> None:
    """A few megabytes in a field must not make a report of many copies of them: the value
    and the message show its first 1,000 characters."""
    huge = "y" * 3_000_000
    report = validate_rows(hip, [hip_row(1, Opmerking=huge), hip_row(2, Opmerking="x" * 999)])
    first, second = report.findings
    assert (first.code, first.record) == ("007", 1)
    assert first.value == "y" * 999 + "…"
    assert len(first.message) < 1100 and ("y" * 999 + "…") in first.message
    assert second.value == "x" * 999  # not clipped: within the limit
    assert len(report.to_json()) < 10_000


def test_a_huge_key_is_shown_clipped_in_the_whole_file_findings(cat: DataDictionary) -> None:
    key = "9" * 5000
    report = validate_rows(cat, [cat_row(1, OperatieID=key), cat_row(2, OperatieID=key, ODS="OS")])
    conflicts = [f for f in report.findings if f.code == "008"]
    assert len(conflicts) == 2
    for finding in conflicts:
        assert finding.keys["OperatieID"] == "9" * 999 + "…"
        assert len(finding.message) < 1200


def test_008_every_record_sharing_a_key_with_different_content(cat: DataDictionary) -> None:
    rows = [cat_row(1), cat_row(2), cat_row(1, ODS="OS"), cat_row(3), cat_row(1, Geslacht="1")]
    report = validate_rows(cat, rows)
    assert found(report, "008") == [(1, None), (3, None), (5, None)]
    message = report.findings[0].message
    assert message == "De sleutel 11000001 komt meerdere malen voor met verschillende inhoud"


def test_008_skips_a_key_that_is_not_of_its_datatype(cat: DataDictionary, hip) -> None:
    """A value that fails its datatype gets 004 and counts as empty for every other check:
    records with such a key have no key, so no conflict (as for an empty key)."""
    by_year = replace(cat, general=replace(cat.general, key_fields=("Geboortejaar",)))
    years = ["x", "x", "1950", "1950"]
    rows = [cat_row(i, Geboortejaar=year) for i, year in enumerate(years, start=1)]
    expected = [("004", 1), ("004", 2), ("008", 3), ("008", 4)]
    assert [(f.code, f.record) for f in validate_rows(by_year, rows).findings] == expected
    by_time = replace(hip, general=replace(hip.general, key_fields=("Tijdstip",)))
    rows = [hip_row(1, Tijdstip="gisteren"), hip_row(2, Tijdstip="gisteren")]
    rows += [hip_row(3), hip_row(4)]
    assert [(f.code, f.record) for f in validate_rows(by_time, rows).findings] == expected


def test_008_uses_every_key_field(hip: DataDictionary) -> None:
    rows = [hip_row(1), hip_row(1, Zijde="R"), hip_row(1, Zijde="R", Gewicht="80")]
    report = validate_rows(hip, rows)
    assert found(report, "008") == [(2, None), (3, None)]
    assert "P00001, R" in report.findings[0].message


def test_identical_records_are_005_not_008(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1), cat_row(1)])
    assert codes(report) == ["005", "005"]


def test_005_and_008_compare_whole_hashes_where_their_low_bits_agree() -> None:
    # Candidates are found by the hashes' low 32 bits; whole hashes decide.
    checks = FileChecks(("A",), ("A",), (), {}, "nl")
    high = 1 << 32
    checks._states = [
        pl.DataFrame(
            {
                REC: [1, 2, 3, 4],
                LINE: [2, 3, 4, 5],
                "h1": [1, 1 + high, 5, 5],
                "h2": [7, 7, 7, 7],
                "k1": [9, 9 + high, 9, 3],
                "k2": [1, 1, 1, 1],
                "kok": [True, True, True, True],
                "__s:A": ["a", "b", "c", "d"],
            },
            schema_overrides={REC: pl.UInt32, LINE: pl.UInt32}
            | dict.fromkeys(["h1", "h2", "k1", "k2"], pl.UInt64),
        )
    ]
    findings = checks.findings()
    assert list(zip(findings["record"], findings["code"], strict=True)) == [
        (3, "005"),
        (4, "005"),
        (1, "008"),
        (3, "008"),
    ]


def test_records_whose_codes_trade_places_are_not_copies(cat: DataDictionary) -> None:
    # Codes are hashed two fields at a time, exactly: (1, 2) and (2, 1) stay apart.
    rows = [
        cat_row(1, EersteTweedeOog="1", Comorbiditeit="0"),
        cat_row(2, EersteTweedeOog="2", Comorbiditeit="2"),
        cat_row(3, EersteTweedeOog="1", Comorbiditeit="2"),
        cat_row(3, EersteTweedeOog="2", Comorbiditeit="0"),
        cat_row(3, EersteTweedeOog="2", Comorbiditeit="0"),
    ]
    report = validate_rows(cat, rows)
    assert [(f.record, f.code) for f in report.findings] == [
        (3, "008"),
        (4, "005"),
        (4, "008"),
        (5, "005"),
        (5, "008"),
    ]


@pytest.mark.parametrize(
    ("period", "warned"),
    [
        ("2020", False),
        ("2020H2", False),
        ("2020K4", False),
        ("2020M11", False),
        ("TOTAAL", False),
        (None, False),
        ("2020H1", True),
        ("2021", True),
        ("2020K3", True),
        ("2020M10", True),
    ],
)
def test_009_a_period_field_outside_the_period_is_a_warning(
    cat: DataDictionary, period: str | None, warned: bool
) -> None:
    report = validate_rows(cat, [cat_row(1)], period=period)
    assert bool(found(report, "009")) is warned
    if warned:
        finding = report.findings[0]
        assert finding.level == "waarschuwing" and finding.field == "Operatiedatum"
        assert finding.message == (
            f"Operatiedatum bevat waarde 2020-11-01, deze valt buiten de periode {period}"
        )
        assert report.status == "Verwerkt met waarschuwingen"


def test_015_a_number_outside_its_limits(cat: DataDictionary, hip: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, Geboortejaar="1899")])
    # 121 years old at the operation: also the registry's own plausibility warning.
    assert only(report) == [("015_X_Y_EQ", "Geboortejaar"), ("021_LEEFTIJD", "Geboortejaar")]
    assert report.findings[0].message == (
        "Geboortejaar bevat een waarde buiten de afgesproken limiet [1900, 2100]."
    )
    assert only(validate_rows(hip, [hip_row(1, Pijnscore="-1")])) == [("015_X_Y_EQ", "Pijnscore")]
    assert validate_rows(hip, [hip_row(1, Pijnscore="0", Gewicht="20")]).findings == ()


def test_015_a_limit_left_open_is_shown_as_infinite(cat: DataDictionary) -> None:
    """Not ``[, 2100]``: a bound the dictionary leaves empty is no bound."""
    open_below = _changed(cat, "Geboortejaar", minimum=None)
    report = validate_rows(open_below, [cat_row(1, Geboortejaar="2101")])
    assert report.findings[0].message == (
        "Geboortejaar bevat een waarde buiten de afgesproken limiet [-∞, 2100]."
    )
    open_above = _changed(cat, "Geboortejaar", maximum=None)
    report = validate_rows(open_above, [cat_row(1, Geboortejaar="1899")], lang="en")
    assert report.findings[0].message.endswith("[1900, ∞].")


def test_015_date_limits(hip: DataDictionary) -> None:
    report = validate_rows(hip, [hip_row(1, Opnamedatum="1999-12-31", Ontslagdatum="")])
    assert only(report) == [("015_X_Y_EQ", "Opnamedatum")]


def test_015_date_and_time_limits(tmp_path) -> None:
    """A ``datumtijd`` field's limits were refused at import ("geen geldige grens")."""
    import datetime as dt

    from datahub.validation import generate_xsd, load_dictionary

    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    field = next(r for r in sheets["Bestandsinhoud"] if r[1] == "Tijdstip")
    field[8] = dt.datetime(2021, 1, 1)  # a date cell: its midnight
    field[9] = "2021-12-31T18:00:00"
    dictionary = load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    times = ["2020-12-31T23:59:59", "2021-01-01T00:00:00", "2021-12-31T18:00:00"]
    times += ["2021-12-31T18:00:01"]
    rows = [hip_row(n, Tijdstip=t) for n, t in enumerate(times, start=1)]
    report = validate_rows(dictionary, rows)
    assert [(f.record, f.code, f.field) for f in report.findings] == [
        (1, "015_X_Y_EQ", "Tijdstip"),
        (4, "015_X_Y_EQ", "Tijdstip"),
    ]
    assert report.findings[0].message == (
        "Tijdstip bevat een waarde buiten de afgesproken limiet"
        " [2021-01-01T00:00:00, 2021-12-31T18:00:00]."
    )
    xsd = generate_xsd(dictionary).decode()
    assert '<xs:minInclusive value="2021-01-01T00:00:00"/>' in xsd


def test_the_manuals_example_gets_both_015_and_001(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, VaCCPO="200.00")])
    assert only(report) == [("001_RefTab", "VaCCPO"), ("015_X_Y_EQ", "VaCCPO")]
    assert report.findings[1].message == (
        "VaCCPO bevat een waarde buiten de afgesproken limiet [0, 3]."
    )


def test_001_006_007_015_are_independent_of_each_other(hip: DataDictionary) -> None:
    report = validate_rows(hip, [hip_row(1, Dosis="3.125")])
    assert only(report) == [("001_RefTab", "Dosis"), ("006", "Dosis")]
    report = validate_rows(hip, [hip_row(1, PatientID="X1234567")])
    assert only(report) == [("006", "PatientID"), ("007", "PatientID"), ("H04", "Zijde")]
