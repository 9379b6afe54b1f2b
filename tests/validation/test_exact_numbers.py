"""Numbers compared exactly: limits (015), decimal reference codes (001) and integers of any
length, by their digits and never through a float (whose nearest value can be the limit)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from datahub.validation import DataDictionary
from datahub.validation import _types as types

from .helpers import cat_row, hip_row, validate_rows


def only(report) -> list[tuple[str, str | None]]:
    return [(f.code, f.field) for f in report.findings]


def _changed(dictionary: DataDictionary, name: str, **changes: object) -> DataDictionary:
    fields = tuple(replace(f, **changes) if f.name == name else f for f in dictionary.fields)
    return replace(dictionary, fields=fields)


def test_a_decimal_just_above_its_maximum_is_015(hip: DataDictionary) -> None:
    """200.00000000000000001 is 200.0 as a float."""
    hip = _changed(hip, "Gewicht", decimals=None, maximum="200")
    report = validate_rows(hip, [hip_row(1, Gewicht="200.00000000000000001")])
    assert only(report) == [("015_X_Y_EQ", "Gewicht")]
    report = validate_rows(hip, [hip_row(1, Gewicht="19.999999999999999999")])
    assert only(report) == [("015_X_Y_EQ", "Gewicht")]
    report = validate_rows(hip, [hip_row(1, Gewicht="200.000"), hip_row(2, Gewicht="20")])
    assert report.findings == ()


def test_a_decimal_limit_is_compared_by_its_digits(hip: DataDictionary) -> None:
    narrow = _changed(hip, "Gewicht", minimum="-0.3", maximum="0.3", decimals=None)
    rows = [
        hip_row(1, Gewicht="0.30000000000000001"),
        hip_row(2, Gewicht="-0.30000000000000001"),
        hip_row(3, Gewicht="0.3"),
        hip_row(4, Gewicht="-0.300"),
        hip_row(5, Gewicht="-0"),
    ]
    report = validate_rows(narrow, rows)
    assert [(f.record, f.code) for f in report.findings] == [(1, "015_X_Y_EQ"), (2, "015_X_Y_EQ")]


def test_an_integer_limit_beyond_a_float_s_precision(hip: DataDictionary) -> None:
    """2**53 + 1 is 2**53 as a float."""
    wide = _changed(hip, "Pijnscore", minimum="0", maximum="9007199254740992")
    rows = [
        hip_row(1, Pijnscore="9007199254740993", Opmerking="x"),  # (no H02: Pijnscore >= 8)
        hip_row(2, Pijnscore="9007199254740992", Opmerking="x"),
    ]
    report = validate_rows(wide, rows)
    assert [(f.record, f.code) for f in report.findings] == [(1, "015_X_Y_EQ")]


def test_a_valid_integer_of_up_to_30_digits_is_no_004_and_rules_see_it(hip) -> None:
    """The spec's integer is digits with an optional minus: 20 digits were a 004. Rules
    compute with such values (128 bits); only beyond 30 digits is a value refused."""
    wide = _changed(hip, "Pijnscore", minimum=None, maximum=None)
    rows = [
        hip_row(1, Pijnscore="12345678901234567890", Opmerking="x"),
        hip_row(2, Pijnscore="-9223372036854775809"),
        hip_row(3, Pijnscore="9" * 30, Opmerking="x"),
    ]
    assert validate_rows(wide, rows).findings == ()
    # H02: Pijnscore < 8 OR Opmerking IS NOT NULL - a large value without a remark fires it
    report = validate_rows(wide, [hip_row(1, Pijnscore="99999999999999999999")])
    assert only(report) == [("H02", "Pijnscore")]
    report = validate_rows(wide, [hip_row(1, Pijnscore="1" + "0" * 30, Opmerking="x")])
    assert only(report) == [("004", "Pijnscore")]
    report = validate_rows(hip, [hip_row(1, Pijnscore="12345678901234567890", Opmerking="x")])
    assert only(report) == [("015_X_Y_EQ", "Pijnscore")]
    report = validate_rows(hip, [hip_row(1, Pijnscore="-" + "1" * 29, Opmerking="x")])
    assert only(report) == [("015_X_Y_EQ", "Pijnscore")]


def test_a_decimal_reference_code_is_matched_exactly(cat: DataDictionary, hip) -> None:
    """The table of Dosis has 1 and 2: 1.0000000000000001 is 1.0 as a float, not as a number."""
    hip = _changed(hip, "Dosis", decimals=None)
    report = validate_rows(hip, [hip_row(1, Dosis="1.0000000000000001")])
    assert only(report) == [("001_RefTab", "Dosis")]
    assert validate_rows(hip, [hip_row(1, Dosis="001.000"), hip_row(2, Dosis="2")]).findings == ()
    assert validate_rows(cat, [cat_row(1, VaCCPO="1.00", VaCCPre="0.4")]).findings == ()


def test_year_0000_is_no_date(cat: DataDictionary, hip: DataDictionary) -> None:
    """The calendar has no year 0 (nor has Python's date, which reads the limits)."""
    report = validate_rows(cat, [cat_row(1, ControleDatum="0000-01-01")])
    assert only(report) == [("004", "ControleDatum")]
    report = validate_rows(hip, [hip_row(1, Tijdstip="0000-02-29T10:00:00")])
    assert only(report) == [("004", "Tijdstip")]


_DIGITS = st.text("0123456789", min_size=1, max_size=25)
_NUMBER = st.builds(
    lambda sign, whole, decimals: sign + whole + (f".{decimals}" if decimals else ""),
    st.sampled_from(["", "-"]),
    _DIGITS,
    st.one_of(st.just(""), _DIGITS),
)


@given(st.lists(_NUMBER, min_size=1, max_size=20), _NUMBER)
def test_comparisons_and_keys_agree_with_decimal_arithmetic(values: list[str], limit: str) -> None:
    parts = types.number_parts(limit)
    assert parts is not None
    below, above = types.compared(pl.col("v"), parts)
    frame = pl.DataFrame({"v": values}).select(
        below.alias("below"), above.alias("above"), types.number_key(pl.col("v")).alias("key")
    )
    bound = Decimal(limit)
    for value, row in zip(values, frame.iter_rows(named=True), strict=True):
        number = Decimal(value)
        assert (row["below"], row["above"]) == (number < bound, number > bound), (value, limit)
        assert (row["key"] == types.key_of(parts)) == (number == bound), (value, limit)
