"""Coded fields (codes, numbers, dates) are checked once per distinct value: the report must be
the same as checking every record, across batches, with spaces and with missing values."""

from __future__ import annotations

import gc
import threading
import time

import polars as pl
import pytest

from datahub.validation import DataDictionary, load_dictionary, validate_file, validate_records
from datahub.validation._checks import BatchChecker
from datahub.validation._codes import _NAMESPACE, BAD, CodedField, learn, run_id

from .helpers import FIXTURES, cat_row, csv_bytes, found

CAT: DataDictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")


def cat_file(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(CAT.field_names, rows, newline="\r\n")


def test_coded_fields_are_the_repeating_datatypes() -> None:
    checker = BatchChecker(CAT)
    assert set(checker.coded) == {
        s.name for s in CAT.fields if s.datatype in ("code", "geheel getal", "decimaal", "datum")
    }
    assert "OperatieID" not in checker.coded  # free text is checked record by record
    assert isinstance(checker.schema["ODS"], pl.Categorical)
    assert checker.schema["Opmerking"] == pl.String()


@pytest.mark.parametrize("spaced_first", [True, False])
@pytest.mark.parametrize("chunk", [512, 16 * 1024 * 1024])
def test_records_equal_after_trimming_are_duplicates_across_batches(
    spaced_first: bool, chunk: int
) -> None:
    rows = [cat_row(i) for i in range(1, 40)]
    spaced = cat_row(900, ODS=" OD", Geboortejaar="1948 ", Operatiedatum=" 2020-11-01")
    plain = cat_row(900)
    rows[0], rows[-1] = (spaced, plain) if spaced_first else (plain, spaced)
    report = validate_file(CAT, cat_file(rows), file_name="x.csv", chunk_size=chunk)
    assert found(report, "005") == [(1, None), (39, None)]
    assert not found(report, "008")
    assert report.findings[0].keys["ODS"] == "OD"  # report values are trimmed


def test_a_value_first_seen_in_a_later_batch_is_checked() -> None:
    rows = [cat_row(i) for i in range(1, 60)]
    rows[55]["ODS"] = "OX"  # not in the reference table, first seen in the last batch
    rows[57]["Operatiedatum"] = "2020-02-30"
    report = validate_file(CAT, cat_file(rows), file_name="x.csv", chunk_size=600)
    assert found(report, "001_RefTab") == [(56, "ODS")]
    assert (58, "Operatiedatum") in found(report, "004")


def test_missing_values_of_other_channels_count_as_empty() -> None:
    record: dict[str, str | None] = dict(cat_row(1))
    record["ODS"] = None
    del record["Geslacht"]
    report = validate_records(CAT, [record, dict(cat_row(2), ODS="")])
    assert found(report, "002") == [(1, "Geslacht"), (1, "ODS"), (2, "ODS")]
    assert {f.value for f in report.findings} == {None}


def test_the_report_is_the_same_in_every_batch_size() -> None:
    rows = [cat_row(i, Opmerking="a,\nb" if i % 9 == 0 else "") for i in range(1, 200)]
    rows[10]["Geslacht"] = "7"
    rows[20]["VaCCPre"] = "0.45"
    rows[21]["Streefrefractie"] = "-0.255"
    rows[30]["Streefrefractie"] = "-12"
    rows[40]["Techniek"] = "2 "
    rows[41]["IOLType"] = ""
    rows[42]["ControleDatum"] = "2021-06-01"
    rows[150] = dict(rows[3])
    rows[160] = dict(rows[5], ODS="OS")
    data = cat_file(rows)
    whole = validate_file(CAT, data, file_name="x.csv").to_dict()
    for chunk in (300, 2000, 9000):
        assert validate_file(CAT, data, file_name="x.csv", chunk_size=chunk).to_dict() == whole
    codes = {f["code"] for f in whole["findings"]}
    assert {"001_RefTab", "006", "015_X_Y_EQ", "005", "008", "010_COND", "020_TERMIJN"} <= codes


def test_the_reader_thread_checks_the_batch_still_waiting_at_the_end(monkeypatch) -> None:
    """When the caller is behind, the worker that read the file checks the waiting batch,
    beside the caller's check (both learn values): the report is the same."""
    rows = [cat_row(i) for i in range(1, 120)]
    rows[100]["ODS"] = "OX"  # values first seen in the last batches
    rows[110].update(Geboortejaar=" 1931", Operatiedatum="2020-02-30", Streefrefractie="-0.255")
    rows[115] = dict(rows[2])
    data = cat_file(rows)
    whole = validate_file(CAT, data, file_name="x.csv").to_dict()
    checked_in: list[str] = []
    check = BatchChecker.check

    def slow(self: BatchChecker, batch: pl.DataFrame) -> pl.DataFrame:
        checked_in.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.02)  # the caller is behind: batches wait for it
        return check(self, batch)

    monkeypatch.setattr(BatchChecker, "check", slow)
    chunked = validate_file(CAT, data, file_name="x.csv", chunk_size=1500).to_dict()
    assert chunked == whole
    assert checked_in.count("datahub-csv-reader") == 1
    assert checked_in.count("MainThread") == len(checked_in) - 1 > 3
    codes = {f["code"] for f in whole["findings"]}
    assert {"001_RefTab", "004", "005", "006"} <= codes


def test_a_value_table_is_learned_once_per_value() -> None:
    calls: list[list[str]] = []

    def derive(values: pl.LazyFrame) -> pl.LazyFrame:
        calls.append(values.collect()["A"].to_list())
        t = pl.col("A").str.strip_chars(" ")
        return values.with_columns(t.alias("t"), (pl.col("A") == "x").alias("__bad"))

    field = CodedField("A", run_id(), derive)
    for batch in (["y", "x", "y"], ["x", "y"], ["z", " y", "x"]):
        learn([(field, field.encode(pl.Series("A", batch)).to_physical().max())])
    assert calls == [["y", "x"], ["z", " y"]]
    assert field.bad_codes().to_list() == [1]
    ids = field.ids(field.encode(pl.Series("A", ["y", " y", "z"])).to_physical())
    assert ids.to_list() == [0, 0, 2]  # " y" counts as "y"


def test_a_runs_categories_are_freed_with_its_checker() -> None:
    checker = BatchChecker(CAT)
    field = checker.coded["ODS"]
    field.encode(pl.Series(["OD", "OS"]))
    name = field.dtype.categories.name()
    assert pl.Categories(name, namespace=_NAMESPACE).to_series().to_list() == ["OD", "OS"]
    del checker, field
    gc.collect()
    assert pl.Categories(name, namespace=_NAMESPACE).to_series().len() == 0


def test_many_distinct_failing_values_are_all_found() -> None:
    rows = [cat_row(i, Geslacht=f"x{i}" if i % 2 else "2") for i in range(1, 301)]
    report = validate_file(CAT, cat_file(rows), file_name="x.csv", chunk_size=4000)
    assert found(report, "001_RefTab") == [(i, "Geslacht") for i in range(1, 301, 2)]


def test_a_lookup_is_the_tables_column_for_each_code() -> None:
    def derive(values: pl.LazyFrame) -> pl.LazyFrame:
        text = pl.col("A").str.strip_chars()
        return values.with_columns(
            text.alias("t"),
            text.str.to_date(strict=False).alias("date"),
            text.cast(pl.Float64, strict=False).alias("number"),
            text.cast(pl.Int64, strict=False).alias("whole"),
            text.alias("text"),
            (text == "").alias(BAD),
        )

    field = CodedField("A", run_id(), derive)
    values = pl.Series("A", ["2020-01-02", "", "7", "x", "2020-01-02", "7", "", "x"])
    codes = field.encode(values).to_physical()
    learn([(field, codes.max())])
    for name in ("date", "number", "whole", "text", BAD):
        looked_up = pl.select(field.lookup(name, codes)).to_series()
        assert looked_up.equals(field.column(name, codes), check_names=False), name
        assert looked_up.dtype == field.table[name].dtype
