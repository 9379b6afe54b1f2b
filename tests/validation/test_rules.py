"""The dictionary's own rules (sheet Validaties): SQL expressions as polars expressions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from datahub.validation import (
    DataDictionary,
    RuleError,
    compile_rule,
    validate_file,
    validate_records,
)
from datahub.validation._dictionary import FieldSpec, GeneralSpecs, Rule

from .helpers import cat_row, csv_bytes, hip_row, validate_rows

TYPES = {"A": "geheel getal", "B": "decimaal", "D": "datum", "E": "datum", "T": "tekst"}
FRAME = pl.DataFrame(
    {
        "A": [1, 5, None],
        "B": [0.5, 2.5, None],
        "D": [dt.date(2020, 1, 10), dt.date(2020, 3, 1), None],
        "E": [dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1)],
        "T": ["ab", "Xy", None],
    }
)


def evaluate(expression: str) -> list[bool | None]:
    return FRAME.select(compile_rule(expression, TYPES)).to_series().to_list()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("A > 2", [False, True, None]),
        ("A > 2 OR T IS NULL", [False, True, True]),
        ("A > 2 AND T IS NULL", [False, False, None]),
        ("NOT A > 2", [True, False, None]),
        ("A IN (1, 3)", [True, False, None]),
        ("A NOT IN (1, 3)", [False, True, None]),
        ("A BETWEEN 2 AND 5", [False, True, None]),
        ("DATEDIFF(D, E) = 9", [True, False, None]),
        ("YEAR(D) = 2020 AND MONTH(D) = 1 AND DAY(D) = 10", [True, False, None]),
        ("COALESCE(A, 0) < 2", [True, False, True]),
        ("ABS(A - 3) = 2", [True, True, None]),
        ("LENGTH(T) = 2 AND UPPER(T) <> T", [True, True, None]),
        ("LOWER(T) = 'xy'", [False, True, None]),
        ("A * 2 + B / 2 > 3", [False, True, None]),
        ("D >= '2020-02-01'", [False, True, None]),
        ("T = 'ab'", [True, False, None]),
    ],
)
def test_expressions_follow_sql_three_valued_logic(expression: str, expected: list) -> None:
    assert evaluate(expression) == expected


def test_days_between_a_date_and_a_datetime_are_calendar_days() -> None:
    """Noon on 1 January to 2 January is one day: the half day was rounded down to none."""
    frame = pl.DataFrame({"D": [dt.date(2020, 1, 2)], "T": [dt.datetime(2020, 1, 1, 12)]})
    types = {"D": "datum", "T": "datumtijd"}
    for expression in ("DATEDIFF(D, T) = 1", "D - T = 1", "DATEDIFF(T, D) = -1"):
        assert frame.select(compile_rule(expression, types)).item() is True, expression


def test_integer_arithmetic_does_not_wrap_round() -> None:
    """In 64 bits, ABS of the smallest integer stayed negative and 1844674407 * 10^10 wrapped
    to a negative number, so both rules gave the wrong answer without a word."""
    frame = pl.DataFrame({"N": [-9223372036854775808, 1844674407, 3]})
    types = {"N": "geheel getal"}
    expressions = {
        "ABS(N) >= 0": [True, True, True],
        "N * 10000000000 <= 100000000000": [True, False, True],
        "-N > 0": [True, False, False],
        "N + 9223372036854775807 > N": [True, True, True],
    }
    for expression, expected in expressions.items():
        result = frame.select(compile_rule(expression, types)).to_series().to_list()
        assert result == expected, expression


def test_per_value_is_offered_the_largest_parts_that_use_one_field() -> None:
    offered: list[tuple[str, pl.Expr]] = []

    def per_value(name: str, expression: pl.Expr) -> pl.Expr | None:
        if name == "D":
            return None  # kept as it is
        offered.append((name, expression))
        return pl.col(f"part{len(offered) - 1}")

    expression = "(A > 2 AND A < 9) OR LOWER(T) = 'xy' OR T IS NULL OR D > E OR YEAR(D) = 1"
    compiled = compile_rule(expression, TYPES, per_value=per_value)
    assert [name for name, _ in offered] == ["A", "T", "T"]
    parts = FRAME.with_columns(e.alias(f"part{i}") for i, (_, e) in enumerate(offered))
    assert parts.select(compiled).to_series().to_list() == evaluate(expression)


def test_the_remainder_has_the_sign_of_the_dividend_as_in_sql() -> None:
    frame = pl.DataFrame({"A": [-7, 7, -7, 6], "B": [-7.5, 7.5, 1.0, 2.0]})
    types = {"A": "geheel getal", "B": "decimaal"}
    result = frame.select(
        a=compile_rule("A % 3 = -1", types),
        b=compile_rule("A % -3 = 1", types),
        c=compile_rule("B % 3 = -1.5", types),
    )
    assert result.rows() == [(True, False, True), (False, True, False), (True, False, False),
                             (False, False, False)]  # fmt: skip


@pytest.mark.parametrize(
    "expression",
    [
        "A >",
        "Z = 1",
        "EVAL(A) = 1",
        "READ_FILE('x') = 'y'",
        "A IN (SELECT 1)",
        "(SELECT 1) = 1",
        "A = 1; DROP TABLE x",
        "A",
        "T > A",
        "DATEDIFF(MONTH, D, E) > 1",
    ],
)
def test_anything_outside_the_allowed_language_is_refused(expression: str) -> None:
    with pytest.raises(RuleError):
        compile_rule(expression, TYPES)


def test_a_rule_fires_only_when_false_never_when_null(cat: DataDictionary) -> None:
    # 011_COND: ControleDatum IS NULL OR VaCCPO IS NOT NULL
    report = validate_rows(cat, [cat_row(1, VaCCPO=""), cat_row(2, ControleDatum="", VaCCPO="")])
    assert [(f.record, f.code) for f in report.findings] == [(1, "011_COND")]


def test_a_rule_does_not_fire_on_a_value_that_already_has_its_finding(cat: DataDictionary) -> None:
    # A value failing its datatype gets 004 only, an empty required value 002 only: a rule
    # using it does not fire (an empty optional value still counts as NULL).
    # 011_COND: ControleDatum IS NULL OR VaCCPO IS NOT NULL (VaCCPO: optional decimal)
    rows = [cat_row(1, VaCCPO="0,8"), cat_row(2, VaCCPO=""), cat_row(3, VaCCPO=" 0.8 ")]
    report = validate_rows(cat, rows)
    assert [(f.record, f.code) for f in report.findings] == [(1, "004"), (2, "011_COND")]
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "A", datatype="geheel getal", required=True),
            FieldSpec(2, "B"),
            FieldSpec(3, "C", datatype="code", required=True),
            FieldSpec(4, "D", datatype="datum"),
        ),
        rules=(
            Rule("R1", "A", "B IS NULL OR A IS NOT NULL", "fout", "A ontbreekt"),
            Rule(
                "R2", "C", "C IS NOT NULL AND COALESCE(D, '2020-01-01') > '2019-01-01'", "fout", "x"
            ),
        ),
    )
    rows = [
        {"A": "", "B": "x", "C": "k", "D": ""},  # 002 on A only
        {"A": "1.5", "B": "x", "C": "k", "D": ""},  # 004 on A only
        {"A": "1", "B": "x", "C": "", "D": "2018-13-01"},  # 002 on C, 004 on D
        {"A": "1", "B": "x", "C": "k", "D": "2018-01-01"},  # R2 fires
    ]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code, f.field) for f in report.findings] == [
            (1, "002", "A"),
            (2, "004", "A"),
            (3, "002", "C"),
            (3, "004", "D"),
            (4, "R2", "C"),
        ]


def test_rules_on_code_fields_use_their_trimmed_values_in_every_batch() -> None:
    # A rule's parts over a code field alone are computed once per distinct value.
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "K", datatype="code", required=True),
            FieldSpec(2, "L", datatype="code"),
            FieldSpec(3, "A", datatype="geheel getal"),
        ),
        rules=(
            Rule("R1", "L", "K = 'a' OR L IS NOT NULL", "fout", "x"),
            Rule("R2", "A", "UPPER(K) = 'B' OR LENGTH(L) > 1 OR A > 1", "fout", "x"),
        ),
    )
    rows = [
        {"K": " a ", "L": "z", "A": "1"},  # R1 holds; R2 fires
        {"K": "b", "L": "", "A": ""},  # R1 fires; R2 holds
        {"K": "", "L": "", "A": "5"},  # 002 on K only
        {"K": "c", "L": " xy", "A": "0"},  # R1, R2 hold
        {"K": "c", "L": "y ", "A": "0"},  # R2 fires
    ]
    expected = [(1, "R2"), (2, "R1"), (3, "002"), (5, "R2")]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == expected
    data = csv_bytes(made_up.field_names, rows * 40)  # many batches, values seen before
    report = validate_file(made_up, data, file_name="x.csv", chunk_size=64)
    own = [((f.record - 1) % 5 + 1, f.code) for f in report.findings if f.code != "005"]
    assert own == expected * 40


def test_rule_messages_substitute_the_value_and_other_fields(cat: DataDictionary) -> None:
    report = validate_rows(cat, [cat_row(1, ControleDatum="2020-10-01")])
    finding = report.findings[0]
    assert (finding.code, finding.field, finding.level, finding.value) == (
        "003_Y_EQ",
        "ControleDatum",
        "fout",
        "2020-10-01",
    )
    assert finding.message == (
        "ControleDatum bevat waarde 2020-10-01, deze ligt voor de Operatiedatum 2020-11-01"
    )


def test_rule_levels_fout_waarschuwing_and_afkeur(hip: DataDictionary) -> None:
    error = validate_rows(hip, [hip_row(1, Ontslagdatum="2021-03-01")])
    assert [(f.code, f.level) for f in error.findings] == [("H01", "fout")]
    assert error.status == "Afgekeurd"  # 1 of 1 records > 30 %
    warning = validate_rows(hip, [hip_row(1, Pijnscore="9")])
    assert [(f.code, f.level) for f in warning.findings] == [("H02", "waarschuwing")]
    assert warning.status == "Verwerkt met waarschuwingen"
    rejecting = validate_rows(
        hip, [hip_row(i) for i in range(1, 10)] + [hip_row(10, Gewicht="260")]
    )
    assert [(f.code, f.level) for f in rejecting.findings] == [("H03", "afkeur")]
    assert rejecting.status == "Afgekeurd"
    assert rejecting.not_processed == 10


def test_the_cataract_rules(cat: DataDictionary) -> None:
    rows = [
        cat_row(1, Geboortejaar="2021"),
        cat_row(2, Techniek="1", IOLType=""),
        cat_row(3, Techniek="3", IOLType=""),
        cat_row(4, ControleDatum="2021-03-01"),
        cat_row(5, Geboortejaar="2010"),
    ]
    report = validate_rows(cat, rows)
    assert [(f.record, f.code, f.level) for f in report.findings] == [
        (1, "003_Y_EQ", "fout"),
        (1, "021_LEEFTIJD", "waarschuwing"),
        (2, "010_COND", "fout"),
        (4, "020_TERMIJN", "waarschuwing"),
        (5, "021_LEEFTIJD", "waarschuwing"),
    ]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # by zero: NULL (SQLite, MySQL), so the rule does not fire; a float gave inf or NaN
        ("A / (A - A) < 100", [None, None, None]),
        ("A / (A - A) <> A / (A - A)", [None, None, None]),
        ("B / (B - B) <= 1000", [None, None, None]),
        ("B % (B - B) = 0", [None, None, None]),
        ("A % (A - A) IS NULL", [True, True, True]),
        # beyond 128 bits an integer result is NULL instead of wrapping round to a negative
        ("A * 4000000000000 * 4000000000000 * 4000000000000 > 0", [True, None, None]),
        ("A * 99999999999999999999 > 0", [True, True, None]),
        # BETWEEN is low <= x AND x <= high: NULL AND FALSE is FALSE
        ("5 BETWEEN NULL AND A", [False, None, None]),
        ("A NOT BETWEEN NULL AND 0", [True, True, None]),
        # a literal first operand takes the type of the bounds
        ("'2020-02-01' BETWEEN E AND D", [False, True, None]),
        ("'3' BETWEEN A AND 9", [True, False, None]),
        # IN: negative numbers, integers against decimals (2.5 equals no integer)
        ("A IN (-1, 1)", [True, False, None]),
        ("B IN (-0.5, 2.5)", [False, True, None]),
        ("A IN (1.0, 2.5)", [True, False, None]),
        ("A IN (2.5)", [False, False, None]),
        ("A IN (1e40, 5)", [False, True, None]),
        ("A IN (-1e40)", [False, False, None]),
    ],
)
def test_sql_edge_cases_found_by_a_comparison_with_sqlite(expression: str, expected: list) -> None:
    assert evaluate(expression) == expected


def test_a_rule_dividing_by_zero_does_not_fire_in_a_report(hip: DataDictionary) -> None:
    rule = Rule("H9", "Gewicht", "Gewicht / (Pijnscore - 3) < 100", "fout", "te zwaar")
    dictionary = replace(hip, rules=(*hip.rules, rule))
    report = validate_rows(dictionary, [hip_row(1, Pijnscore="3"), hip_row(2, Pijnscore="4")])
    assert report.findings == ()
    report = validate_rows(dictionary, [hip_row(1, Pijnscore="3", Gewicht="250", Opmerking="x")])
    assert [f.code for f in report.findings] == ["H03"]


def test_sums_and_products_of_decimals_are_exact_as_sql_decimal() -> None:
    """In floating point 0.1 + 0.2 is 0.30000000000000004 and 0.29 * 100 is
    28.999999999999996: a correct record got a record error."""
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "ID", required=True),
            FieldSpec(2, "Deel1", datatype="decimaal", decimals=1),
            FieldSpec(3, "Deel2", datatype="decimaal", decimals=1),
            FieldSpec(4, "Totaal", datatype="decimaal", decimals=1),
            FieldSpec(5, "Fractie", datatype="decimaal", decimals=2),
            FieldSpec(6, "Percentage", datatype="geheel getal"),
            FieldSpec(7, "Vrij", datatype="decimaal"),  # no Decimalen
        ),
        rules=(
            Rule("S1", "Totaal", "Totaal = Deel1 + Deel2", "fout", "som"),
            Rule("S2", "Totaal", "Totaal - Deel1 = Deel2", "fout", "verschil"),
            Rule("S3", "Percentage", "Percentage = Fractie * 100", "fout", "procent"),
            Rule("S4", "Totaal", "Totaal * 3 = Deel1 + Deel1 + Deel1 + Deel2 * 3", "fout", "x"),
            Rule("S5", "Fractie", "ABS(-Fractie - 0.01) >= 0.3", "fout", "abs"),
            Rule("S6", "Totaal", "COALESCE(Deel1, 0.15) + 0.05 <> 0.2", "fout", "coalesce"),
        ),
    )
    good = {"ID": "1", "Deel1": "0.1", "Deel2": "0.2", "Totaal": "0.3", "Fractie": "0.29"}
    good |= {"Percentage": "29", "Vrij": ""}
    wrong = good | {"ID": "2", "Totaal": "0.4", "Percentage": "28"}
    coalesced = good | {"ID": "3", "Deel1": "", "Deel2": "0.3", "Totaal": "0.3"}
    rows = [good, wrong, coalesced]
    expected = [(2, "S1"), (2, "S2"), (2, "S4"), (2, "S3"), (3, "S6")]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == expected


def test_decimals_without_decimalen_are_exact_with_the_digits_they_were_written_with() -> None:
    """A decimal field without Decimalen stayed a float in a rule: 0.1 + 0.2 = 0.3 and
    1.1 + 2.2 = 3.3 fired (a review's differential test against exact decimals)."""
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "ID", required=True),
            FieldSpec(2, "P", datatype="decimaal"),
            FieldSpec(3, "Q", datatype="decimaal"),
            FieldSpec(4, "R", datatype="decimaal"),
            FieldSpec(5, "Vast", datatype="decimaal", decimals=1),
        ),
        rules=(
            Rule("S1", "R", "R = P + Q", "fout", "som"),
            Rule("S2", "R", "R - P = Q", "fout", "verschil"),
            Rule("S3", "R", "P * 3 + Vast = R", "fout", "product"),
            Rule("S4", "R", "COALESCE(P, Vast) + Q = R", "fout", "coalesce"),
        ),
    )
    rows = [
        {"ID": "1", "P": "0.1", "Q": "0.2", "R": "0.3", "Vast": "0.0"},
        {"ID": "2", "P": "1.1", "Q": "2.2", "R": "3.3", "Vast": "0.0"},
        {"ID": "3", "P": "1.1", "Q": "2.2", "R": "3.4", "Vast": "0.1"},  # 3.3 + 0.1 = 3.4
        {"ID": "4", "P": "", "Q": "0.05", "R": "0.35", "Vast": "0.3"},
        {"ID": "5", "P": "0.123456789", "Q": "0.000000001", "R": "0.12345679", "Vast": ""},
        # a sum 2e-9 away is a true difference, no floating point error to round away
        {"ID": "6", "P": "0.123456789", "Q": "0.000000001", "R": "0.123456792", "Vast": ""},
    ]
    expected = [(3, "S1"), (3, "S2"), (3, "S4"), (6, "S1"), (6, "S2"), (6, "S4")]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == expected


def test_a_coalesce_of_decimals_without_decimalen_takes_the_digits_of_the_value_it_chose() -> None:
    """COALESCE took the most digits of all its values (8 + 6 = 14 for the product, past what
    can be rounded): an exact product fired. Trailing zeros count for nothing."""
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "ID", required=True),
            FieldSpec(2, "Q", datatype="decimaal"),
            FieldSpec(3, "R", datatype="decimaal"),
            FieldSpec(4, "S", datatype="decimaal"),
        ),
        rules=(
            Rule("C1", "S", "COALESCE(Q, S) * R = S", "fout", "coalesce"),
            Rule("C2", "S", "Q * R = S", "fout", "product"),
        ),
    )
    rows = [
        {"ID": "1", "Q": "0.47", "R": "0.476263", "S": "0.22384361"},
        {"ID": "2", "Q": "0.470000000000000", "R": "0.4762630000", "S": "0.223843610000000"},
        {"ID": "3", "Q": "0.47", "R": "0.476263", "S": "0.22384362"},
    ]
    expected = [(3, "C1"), (3, "C2")]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == expected


def test_a_value_with_more_decimals_than_its_field_has_is_not_rounded_to_them() -> None:
    """Rounding a sum to its fields' Decimalen made a record whose value already broke them
    (006) fail a rule its exact value meets: 0.25 + 0.11 is 0.36, not 0.4."""
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "Deel1", datatype="decimaal", decimals=1),
            FieldSpec(2, "Deel2", datatype="decimaal", decimals=1),
            FieldSpec(3, "Totaal", datatype="decimaal", decimals=2),
        ),
        rules=(Rule("S1", "Totaal", "Totaal = Deel1 + Deel2", "fout", "som"),),
    )
    rows = [{"Deel1": "0.25", "Deel2": "0.11", "Totaal": "0.36"}]
    rows.append({"Deel1": "0.25", "Deel2": "0.11", "Totaal": "0.4"})
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == [
            (1, "006"),
            (1, "006"),
            (2, "006"),
            (2, "006"),
            (2, "S1"),
        ]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("B + 0.1 * 3 = 0.8", [True, False, None]),  # 0.1 * 3: 0.30000000000000004
        ("B - 0.2 - 0.1 = 0.2", [True, False, None]),
        ("B * 1.1 = 0.55", [True, False, None]),  # 0.5 * 1.1: 0.5500000000000002
        ("(B + 0.7) % 0.4 = 0.0", [True, True, None]),  # 1.2 % 0.4: 0.3999999999999999
        ("(B + 3.4) % 1.3 = 0.0", [True, False, None]),  # 3.9 % 1.3: 1.2999999999999998
        ("0.3 % 0.1 = 0 AND -3.9 % 1.3 = 0 AND B > 0", [True, True, None]),
        ("B - 0.3 - 0.2 = 0", [True, False, None]),  # 0.5 - 0.3: 0.2 ... 2.8e-17 left
        ("B / 3 * 3 = B", [True, True, None]),  # a quotient stays a float
    ],
)
def test_decimal_arithmetic_is_rounded_to_its_exact_scale(expression: str, expected) -> None:
    frame = FRAME.with_columns(pl.Series("B", [0.5, 2.5, None]))
    decimals = {"B": 1}
    result = frame.select(compile_rule(expression, TYPES, decimals=decimals)).to_series()
    assert result.to_list() == expected


def test_a_true_remainder_near_its_divisor_is_not_taken_for_zero() -> None:
    """A remainder within a millionth of a millionth of the dividend of its divisor was set to
    0: 1000000000999 % 1000 (999) passed a rule asking for a multiple of 1000."""
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (FieldSpec(1, "X", datatype="decimaal", decimals=2),),
        rules=(Rule("M1", "X", "X % 1000 = 0", "fout", "geen veelvoud"),),
    )
    rows = [{"X": "1000000000999"}, {"X": "1000000001000"}, {"X": "3.9"}]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == [(1, "M1"), (3, "M1")]


def test_a_field_s_findings_stay_together_with_hundreds_of_rules() -> None:
    """Findings are ordered by field, then check: with 90 rules or more, a rule on the first
    field sorted after the second field's findings."""
    rules = tuple(Rule(f"R{i:03d}", "A", "A > 0", "fout", f"regel {i}") for i in range(150))
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (
            FieldSpec(1, "A", datatype="geheel getal"),
            FieldSpec(2, "B", datatype="geheel getal", required=True, maximum="5"),
            FieldSpec(3, "C", required=True),
        ),
        rules=rules,
    )
    rows = [{"A": "-1", "B": "9", "C": ""}, {"A": "-1", "B": "1", "C": "x"}]
    expected = [(1, rule.code) for rule in rules] + [(1, "015_X_Y_EQ"), (1, "002")]
    expected += [(2, rule.code) for rule in rules]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [(f.record, f.code) for f in report.findings] == expected


def test_waarde_in_a_rule_message_is_the_rule_field_s_value_beside_a_field_named_so() -> None:
    made_up = DataDictionary(
        GeneralSpecs(code="X1", version="1"),
        (FieldSpec(1, "A", datatype="geheel getal"), FieldSpec(2, "waarde")),
        rules=(Rule("R1", "A", "A > 0", "fout", "A is {waarde}, waarde is {B}"),),
    )
    rows = [{"A": "-3", "waarde": "ZZZ"}]
    for report in (validate_rows(made_up, rows), validate_records(made_up, rows)):
        assert [f.message for f in report.findings] == ["A is -3, waarde is {B}"]


def test_rules_the_import_crashed_on_or_refused_are_taken(tmp_path) -> None:
    """``Pijnscore IN (1, 2.5)`` crashed the import (a TypeError, a 500 in the portal) and
    ``IN (-1, 0)`` was refused as not constant."""
    from datahub.validation import load_dictionary

    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    sheets["Validaties"][2][2] = "Pijnscore IN (0, 1, 2.5) OR Pijnscore IN (-1, 3.0)"
    sheets["Validaties"][3][2] = "Gewicht BETWEEN -0.5 AND 250 AND Gewicht NOT IN (-1, 0.5)"
    dictionary = load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    report = validate_rows(dictionary, [hip_row(1, Pijnscore="3"), hip_row(2, Pijnscore="2")])
    assert [(f.record, f.code) for f in report.findings] == [(2, "H02")]


def test_a_field_named_null_in_a_rule_is_refused_unless_quoted(tmp_path) -> None:
    """``Null IS NOT NULL`` with a field Null: SQL reads NULL, so the rule never fired."""
    from datahub.validation import DictionaryError, load_dictionary

    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    row = next(r for r in sheets["Bestandsinhoud"] if r[1] == "Opmerking")
    row[1] = "Null"
    example = sheets["Voorbeeld bestandsinhoud"][0]
    example[example.index("Opmerking")] = "Null"
    sheets["Validaties"][2][2] = "Pijnscore < 8 OR Null IS NOT NULL"
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    assert refused.value.problems[0].message() == (
        'Validaties, rij 3, kolom Controle: schrijf het veld Null hier als "Null" (tussen '
        "dubbele aanhalingstekens): zonder is het de waarde NULL"
    )
    sheets["Validaties"][2][2] = 'Pijnscore < 8 OR "Null" IS NOT NULL'
    dictionary = load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    rows = [hip_row(n, Pijnscore="9") for n in (1, 2)]
    for row, remark in zip(rows, ("", "pijn na val"), strict=True):
        del row["Opmerking"]
        row["Null"] = remark
    report = validate_rows(dictionary, rows)
    assert [(f.record, f.code) for f in report.findings] == [(1, "H02")]


def test_dates_compare_with_datetimes_as_their_midnight() -> None:
    """``Operatiedatum <= Ontslagtijdstip`` was refused at import (date against datetime)."""
    frame = pl.DataFrame(
        {
            "D": [dt.date(2020, 1, 1), dt.date(2020, 1, 2), None],
            "T": [dt.datetime(2020, 1, 1, 12), dt.datetime(2020, 1, 1), None],
        }
    )
    types = {"D": "datum", "T": "datumtijd"}
    expressions = {
        "D <= T": [True, False, None],
        "T >= D": [True, False, None],
        "D = T": [False, False, None],
        "COALESCE(D, T) < '2020-01-02'": [True, False, None],
        "DATEDIFF(T, '2019-12-31T23:00:00') = 1": [True, True, None],
    }
    for expression, expected in expressions.items():
        result = frame.select(compile_rule(expression, types)).to_series().to_list()
        assert result == expected, expression


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("A IN (1, NULL)", [True, None, None]),  # TRUE, or NULL: never FALSE
        ("A NOT IN (1, NULL)", [False, None, None]),  # FALSE, or NULL: never TRUE
        ("B IN (NULL)", [None, None, None]),
    ],
)
def test_a_null_in_an_in_list_is_sqls_unknown(expression: str, expected: list) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "UPPER(NULL) IS NULL",
        "LENGTH(NULL) IS NULL",
        "ABS(NULL) IS NULL",
        "-NULL IS NULL",
        "YEAR(NULL) IS NULL",
        "DATEDIFF(D, NULL) IS NULL",
        "(0.5 - NULL) IS NULL",
    ],
)
def test_a_function_of_null_is_null(expression: str) -> None:
    """polars refused these (a null literal has no string, date or number type)."""
    assert set(evaluate(expression)) == {True}  # (one value when no field is used)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("LENGTH(T, 5) = 2", "LENGTH is given an argument too many (LENGTH(T, 5))"),
        ("DATEDIFF(D, E, 7) > 3", "DATEDIFF counts the days between two dates"),
        ("A = '1_000'", "the value '1_000' does not fit type int"),
        ("A = '\u0661\u0662'", "the value '\u0661\u0662' does not fit type int"),
        ("A IN ('1_0', 2)", "the value '1_0' does not fit type int"),
        ("B < 'inf'", "the value 'inf' does not fit type float"),
        ("B = 'nan'", "the value 'nan' does not fit type float"),
        ("B = '+1'", "the value '+1' does not fit type float"),
        ("B > 1e999", "the number 1e999 is too large"),
        ("D = '2020-W01-1'", "the value '2020-W01-1' does not fit type date"),
        ("YEAR('2020-W01-1') = 2020", "the value '2020-W01-1' does not fit type date"),
    ],
)
def test_what_pythons_lenient_parsers_took_is_refused_with_its_reason(
    expression: str, reason: str
) -> None:
    """``LENGTH(T, 5)`` was read as ``LENGTH(T)``, ``'1_000'`` as 1000, Arabic-Indic digits as
    a number, ``'inf'`` and ``1e999`` as infinity (equal to any other large value), and
    ``'2020-W01-1'`` (an ISO week date) as 30 December 2019: none is a delivered value."""
    with pytest.raises(RuleError) as refused:
        compile_rule(expression, TYPES)
    assert refused.value.en.startswith(reason)


def test_a_date_time_literal_is_read_as_a_delivered_value_or_as_sql_writes_it(tmp_path) -> None:
    """A time zone (the values have none) was taken at import and then refused by polars with
    its own message; a space for the ``T`` and no seconds are as SQL writes a date and time."""
    from datahub.validation import DictionaryError, load_dictionary

    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    sheets["Validaties"][4][1:3] = ["Tijdstip", "Tijdstip >= '2021-03-02T10:15:00+02:00'"]
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    assert refused.value.problems[0].message() == (
        "Validaties, rij 5, kolom Controle: de waarde '2021-03-02T10:15:00+02:00' past niet "
        "bij het type datetime"
    )
    sheets["Validaties"][4][2] = "Tijdstip >= '2021-03-02 10:15' AND Opnamedatum > '2021-03-01'"
    dictionary = load_dictionary(write_sheets(tmp_path / "HEUP_3.xlsx", sheets))
    late, early = hip_row(1), hip_row(2, Tijdstip="2021-03-02T10:14:59")
    report = validate_rows(dictionary, [late, early])
    assert [(f.record, f.code) for f in report.findings] == [(2, "H04")]
