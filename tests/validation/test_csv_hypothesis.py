"""Property tests: any bytes a hospital can send end in a report, never an exception."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datahub.validation import STATUSES, DataDictionary, load_dictionary, validate_file
from datahub.validation._csv import CsvReader

from .helpers import FIXTURES, cat_row, csv_bytes, hip_row

PROMS: DataDictionary = load_dictionary(FIXTURES / "MMYPROMS_2.1.xlsx")
VALID = csv_bytes(
    PROMS.field_names,
    [
        {
            "PatientCode": f"P{i}",
            "Vragenlijst": "QLQC30",
            "Meetmoment": "T0",
            "Afnamedatum": "2019-02-20",
            "Totaalscore": "66.7",
            "Taal": "nl",
        }
        for i in range(8)
    ],
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_report(data: bytes) -> None:
    report = validate_file(PROMS, data, file_name="x.csv")
    assert report.status in STATUSES
    assert report.processed + report.not_processed == report.total
    technical = [f for f in report.findings if f.code.startswith("T")]
    if technical:
        assert report.status == "Afgekeurd"
    for finding in report.findings:
        assert finding.message
        assert finding.record is None or 1 <= finding.record <= report.total


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    check_report(data)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_header_never_raise(data: bytes) -> None:
    check_report(VALID.split(b"\n", 1)[0] + b"\n" + data)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(VALID) - 1),
            st.sampled_from([b"", b'"', b",", b"\n", b"\r\n", b"\xff", b"\x00", b'""', b"\xc3"]),
            st.integers(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_valid_files_never_raise(edits: list[tuple[int, bytes, int]]) -> None:
    data = bytearray(VALID)
    for position, insert, remove in edits:
        position = min(position, len(data))
        data[position : position + remove] = insert
    check_report(bytes(data))


@SETTINGS
@given(st.lists(st.text(alphabet='ab,"\n\r é', max_size=12), min_size=1, max_size=5))
def test_quoted_text_values_round_trip(values: list[str]) -> None:
    hip_names = ("PatientCode", "Vragenlijst", "Meetmoment", "Afnamedatum", "Totaalscore", "Taal")
    rows = [
        {
            "PatientCode": f"P{i}",
            "Vragenlijst": "QLQC30",
            "Meetmoment": "T0",
            "Afnamedatum": "2019-02-20",
            "Totaalscore": "66.7",
            "Taal": value,
        }
        for i, value in enumerate(values)
    ]
    report = validate_file(PROMS, csv_bytes(hip_names, rows), file_name="x.csv")
    assert not [f for f in report.findings if f.code.startswith("T")]
    assert report.total == len(values)
    shown = {f.record: f.value for f in report.findings if f.field == "Taal"}
    for record, value in shown.items():
        assert value == values[record - 1]


def test_helpers_are_consistent() -> None:
    assert hip_row(2)["PatientID"] == "P00002"


CAT: DataDictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
CAT_VALID = csv_bytes(
    CAT.field_names,
    [
        cat_row(i, Opmerking='a,"b"\nc' if i % 3 == 0 else ("x, y" if i % 5 == 0 else ""))
        for i in range(1, 25)
    ],
    newline="\r\n",
)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(CAT_VALID) - 1),
            st.sampled_from(
                [b"", b'"', b",", b"\n", b"\r\n", b"\r", b'""', b" ", b'","', b'"\n"', b"\xff"]
            ),
            st.integers(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_fast_path_agrees_with_the_careful_tokenizer(edits) -> None:
    data = bytearray(CAT_VALID)
    for position, insert, remove in edits:
        position = min(position, len(data))
        data[position : position + remove] = insert
    fast = validate_file(CAT, bytes(data), file_name="x.csv").to_dict()
    with patch.object(CsvReader, "_fast", lambda self, chunk, line: None):
        careful = validate_file(CAT, bytes(data), file_name="x.csv").to_dict()
    assert fast == careful


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=len(CAT_VALID.split(b"\n", 1)[0]) + 1, max_value=len(CAT_VALID)),
            st.sampled_from([b'"', b'x"', b'""', b'"\n"', b",", b"\n"]),
            st.integers(min_value=0, max_value=2),
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([150, 400, 1000]),
)
def test_a_stray_quote_gives_the_same_report_whatever_the_chunks(edits, chunk_size) -> None:
    """A quote that opens no value (``ab"c``) is one T04: the file is cut into chunks as the
    careful tokenizer reads it whole, not by pairs of quotes (which took every newline after
    a stray quote for one inside a value, and cut quoted values of later records in two)."""
    data = bytearray(CAT_VALID)
    for position, insert, remove in edits:
        data[position : position + remove] = insert
    with patch.object(CsvReader, "_fast", lambda self, chunk, line: None):
        whole = validate_file(CAT, bytes(data), file_name="x.csv").to_dict()
    chunked = validate_file(CAT, bytes(data), file_name="x.csv", chunk_size=chunk_size)
    assert chunked.to_dict() == whole
