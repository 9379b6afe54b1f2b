"""CSV and XML defects found by a fuzzing review (2026-11-30): each test failed before its
fix."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import threading
import time

import pytest

from datahub.validation import (
    DataDictionary,
    DictionaryError,
    load_stored_dictionary,
    validate_file,
    validate_records,
)
from datahub.validation._dictionary import (
    FieldSpec,
    GeneralSpecs,
    ReferenceCode,
    ReferenceTable,
    Rule,
)

from .helpers import cat_row, csv_bytes, hip_row
from .test_xml import xml_bytes


def test_a_header_wider_than_a_worksheet_is_refused_without_reading_the_records(
    cat: DataDictionary,
) -> None:
    """polars holds a column for each of the header's columns: a 0.9 MB file of one record
    with 450,000 empty columns after the dictionary's took 12 s and 3 GB."""
    data = csv_bytes(cat.field_names, [cat_row(1)]).replace(b"\n", b"," * 450_000 + b"\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = validate_file(cat, data, file_name="x.csv")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # KiB
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        (
            "T02",
            1,
            "De kopregel heeft 450019 kolommen, meer dan een werkblad kan bevatten (16384); de"
            " records zijn niet gelezen",
        )
    ]
    assert (report.status, report.total, report.not_processed) == ("Afgekeurd", 1, 1)  # counted
    wide = validate_file(cat, data.replace(b"," * 450_000, b"," * 16_000), file_name="x.csv")
    assert [f.message for f in wide.findings] == ["Kolommen zonder naam in de kopregel: 16000"]
    assert (wide.status, wide.total) == ("Afgekeurd", 1)  # (read, and checked)


def test_an_xml_file_cut_off_anywhere_says_so(hip: DataDictionary) -> None:
    """Cut inside a tag, the report gave libxml2's English ("Couldn't find end of Start Tag
    Pat") or, cut after a "<", told the hospital to write &lt; for a "<" it never wrote:
    792 and 74 of 1,072 cuts of a two-record file."""
    data = xml_bytes(hip, [hip_row(1), hip_row(2)])
    last_line = data.count(b"\n") + 1
    ends = ("het bestand houdt halverwege op", "het bestand houdt op voordat element")
    for end in range(data.index(b"<record>"), len(data) - len(b"</HEUP>\n")):
        cut = data[:end]
        if cut.rstrip().endswith(b">"):
            continue  # (a file cut between elements ends before its elements are closed)
        report = validate_file(hip, cut, file_name="x.xml")
        (finding,) = [f for f in report.findings if f.code == "T06"]
        assert finding.message.split(": ", 1)[1].startswith(ends), (end, finding.message)
        assert finding.line == cut.rstrip().count(b"\n") + 1 <= last_line, (end, finding)
    english = validate_file(
        hip, data[: data.index(b"<Opnamedatum>") + 4], lang="en", file_name="x.xml"
    )
    assert [f.message for f in english.findings] == [
        "XML error on line 5: the file stops halfway, in the middle of an element or a value"
        " (was it cut off when saved or sent?)"
    ]
    # a "<" in a value of a whole file is still named so
    whole = data.replace(b"<PatientID>P00001", b"<PatientID>P<1", 1)
    assert (
        "een < dat geen element begint"
        in validate_file(hip, whole, file_name="x.xml").findings[0].message
    )


def test_the_line_of_a_root_with_its_attributes_wrapped_is_where_it_starts(
    hip: DataDictionary,
) -> None:
    """libxml2 names the line where the start tag ends: T08 of <HEUP\\n versie="9"> was a
    line late (each line of attributes one more)."""
    data = xml_bytes(hip, [hip_row(1)]).replace(
        b'<HEUP versie="3">', b'<!-- made by\n a tool -->\n<HEUP\n  xmlns:q="urn:q"\n  versie="9">'
    )
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.line) for f in report.findings] == [("T08", 4)]


def test_a_nul_character_in_xml_is_named_as_any_invalid_character(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1)]).replace(b"<PatientID>P", b"<PatientID>P\x00", 1)
    for lang, expected in (("nl", "ongeldig teken (code 0)"), ("en", "invalid character (code 0)")):
        report = validate_file(hip, data, file_name="x.xml", lang=lang)
        assert report.findings[0].message.endswith(expected), report.findings[0].message


class _Raw(io.RawIOBase):
    """A stream that can neither peek nor seek, giving each read in full."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        block = self.data.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)


def test_a_stream_that_can_neither_peek_nor_seek_gets_the_same_report(hip: DataDictionary) -> None:
    """Its first bytes were not looked at: XML named .csv got 22 findings (T04s, a T02 for
    every column) instead of the one T05 a path or bytes get."""
    data = xml_bytes(hip, [hip_row(1)])
    as_bytes = validate_file(hip, data, file_name="x.csv")
    assert [f.code for f in as_bytes.findings] == ["T05"]
    assert validate_file(hip, _Raw(data), file_name="x.csv").findings == as_bytes.findings
    rows = csv_bytes(hip.field_names, [hip_row(1), hip_row(2, Zijde="X")])
    expected = validate_file(hip, rows, file_name="x.csv")
    assert validate_file(hip, _Raw(rows), file_name="x.csv").findings == expected.findings


@pytest.mark.parametrize("after", [b"trailing text", b"\x1a", b"\x00" * 10, "\u00a0".encode()])
def test_content_after_a_whole_file_is_not_taken_for_a_cut(hip: DataDictionary, after) -> None:
    """The review of the cut-off finding: a whole file with something after its root was
    told it had been cut off (and to send it again)."""
    report = validate_file(hip, xml_bytes(hip, [hip_row(1)]) + after, file_name="x.xml")
    assert [f.message.split(": ", 1)[1] for f in report.findings] == [
        "inhoud na het einde van het root-element"
    ]


def test_an_error_before_the_cut_of_a_one_line_file_is_named(hip: DataDictionary) -> None:
    """On one line every error is on line 1: a bare & at the start of a file cut off at
    its end was reported as the cut."""
    data = xml_bytes(hip, [hip_row(1), hip_row(2)]).replace(b"\n", b"")
    data = data.replace(b"<record>", b"<record>&", 1)[:-20]
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.message for f in report.findings] == [
        "XML-fout op regel 1: een & dat geen entiteit begint (schrijf &amp;)"
    ]


def test_an_xml_attribute_is_named_with_its_prefix(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1)]).replace(b"<record>", b'<record xml:lang="nl">')
    messages = [
        validate_file(hip, data, file_name="x.xml", lang=lang).findings[0].message
        for lang in ("nl", "en")
    ]
    assert messages == [
        "XML-fout op regel 3: onbekend attribuut xml:lang op element record",
        "XML error on line 3: unknown attribute xml:lang on element record",
    ]


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_a_file_of_a_byte_order_mark_alone_is_empty_not_cut(hip: DataDictionary, data) -> None:
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.message.split(": ", 1)[1] for f in report.findings] == [
        "het bestand is leeg of bevat geen XML-element"
    ]


@pytest.mark.parametrize("after", [b"x", b"\x1a"])
def test_a_wrong_end_tag_before_one_last_character_is_named(hip: DataDictionary, after) -> None:
    """libxml2 names the mismatch at the column after the tag: that of the last character,
    which made it look like the cut."""
    data = xml_bytes(hip, [hip_row(1)]).replace(b"</HEUP>\n", b"</HEUPX>" + after)
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.message.split(": ", 1)[1] for f in report.findings] == [
        "eindtag </HEUPX> past niet bij begintag <HEUP> (regel 2)"
    ]


@pytest.mark.parametrize("text", [b"\n  stray\n", b"\n\n\n  stray\n  more\n\n", b"stray"])
def test_text_after_the_last_record_is_named_on_its_line(hip: DataDictionary, text) -> None:
    """It was named on the line where the last record starts (counted back from the root's
    end tag now, as text between records is from the next record)."""
    data = xml_bytes(hip, [hip_row(1), hip_row(2)]).replace(b"</HEUP>", text + b"</HEUP>")
    report = validate_file(hip, data, file_name="x.xml")
    line = data[: data.index(b"stray")].count(b"\n") + 1
    assert [(f.code, f.line) for f in report.findings] == [("T06", line)]


class _Trickle(_Raw):
    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        block = self.data.read(min(len(buffer), 3))
        buffer[: len(block)] = block
        return len(block)


def test_a_stream_giving_little_at_a_time_gets_the_same_report(hip: DataDictionary) -> None:
    """A buffered stream's peek gave its first three bytes: XML named .csv got T02s and T04s
    instead of its one T05."""
    data = xml_bytes(hip, [hip_row(1)])
    expected = validate_file(hip, data, file_name="x.csv").findings
    source = io.BufferedReader(_Trickle(data))
    assert validate_file(hip, source, file_name="x.csv").findings == expected


class _SeekableTrickle(_Trickle):
    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.data.seek(offset, whence)

    def tell(self) -> int:
        return self.data.tell()


def test_a_seekable_stream_or_a_named_pipe_gets_the_same_report(
    hip: DataDictionary, tmp_path
) -> None:
    """The first bytes were taken from the stream's own peek, which may give only the few it
    has: a seekable stream giving little at a time, or a path that is a named pipe (which the
    CLI reads), got T02s and T04s for XML named .csv instead of its one T05."""
    data = xml_bytes(hip, [hip_row(1)])
    expected = validate_file(hip, data, file_name="x.csv").findings
    source = io.BufferedReader(_SeekableTrickle(data))
    assert validate_file(hip, source, file_name="x.csv").findings == expected
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb", buffering=0) as pipe:
            pipe.write(data[:3])
            time.sleep(0.2)
            pipe.write(data[3:])

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert validate_file(hip, fifo).findings == expected
    finally:
        writer.join()


def test_a_comment_after_the_root_is_not_taken_for_its_end_tag(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2)]).replace(b"</HEUP>", b"stray\n</HEUP>")
    data += b"\n\n\n<!-- see </x -->\n"
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.line) for f in report.findings] == [("T06", 13)]  # (the last record's)


def test_a_stream_of_text_or_one_that_does_not_wait_is_a_clear_error(hip: DataDictionary) -> None:
    """A traceback of the readers ("can't concat NoneType to bytes") said neither."""
    with pytest.raises(TypeError, match="open the file in binary mode"):
        validate_file(hip, io.StringIO("PatientID\n"), file_name="x.csv")
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    try:
        with (
            open(reader, "rb", buffering=0) as stream,
            pytest.raises(BlockingIOError, match="pass a blocking stream"),
        ):
            validate_file(hip, stream, file_name="x.csv")
    finally:
        os.close(writer)


def test_a_code_with_other_white_space_matches_the_same_value() -> None:
    """Codes were trimmed of all white space, values of spaces only (a differential review):
    the value A<nbsp>, exactly a code, got 001_RefTab, and A, which is none, passed."""
    general = GeneralSpecs(code="TST", version="1")
    fields = (FieldSpec(1, "C", datatype="code", reference_table="R"), FieldSpec(2, "X"))
    tables = (ReferenceTable("R", (ReferenceCode("A\u00a0"), ReferenceCode("\tB"))),)
    dictionary = DataDictionary(general, fields, reference_tables=tables)
    values = ["A\u00a0", "A", "\tB", " \tB ", "B"]
    records = [{"C": value, "X": str(number)} for number, value in enumerate(values)]
    report = validate_records(dictionary, records)
    assert [(f.record, f.code) for f in report.findings] == [(2, "001_RefTab"), (5, "001_RefTab")]


@pytest.mark.parametrize(
    "data", [b'<?xml version="1.0" enc', b"<?xml ver", b'\xef\xbb\xbf<?xml version="1.0"']
)
def test_a_file_cut_in_its_xml_declaration_says_so(hip: DataDictionary, data) -> None:
    """libxml2 names what it expected where the declaration stops ("'?>' expected"), a few
    characters before the end: the cut was not recognised."""
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.message.split(": ", 1)[1][:31] for f in report.findings] == [
        "het bestand houdt halverwege op"
    ]


@pytest.mark.parametrize(
    ("datatype", "decimals", "terms"), [("geheel getal", None, 60), ("decimaal", 1, 30)]
)
def test_a_long_sum_in_a_rule_is_checked_at_once(datatype, decimals, terms) -> None:
    """Each sum checked its result with its operands' own expressions again: the expression
    doubled (integers, past 127 bits) or quadrupled (decimals, rounded to their scale) with
    each term. A questionnaire's total of 42 items aborted the import at 10.8 GB; ten
    decimal fields hung the validation."""
    names = [f"Q{i}" for i in range(1, terms + 1)]
    fields = tuple(
        FieldSpec(i, name, datatype=datatype, decimals=decimals)
        for i, name in enumerate(["Totaal", *names], start=1)
    )
    rule = Rule("R1", "Totaal", "Totaal = " + " + ".join(names), "fout", "Totaal klopt niet")
    dictionary = load_stored_dictionary(
        DataDictionary(GeneralSpecs(code="TST", version="1"), fields, (rule,)).to_dict()
    )
    value = "0.1" if decimals else "2"
    right = str(round(0.1 * terms, 1)) if decimals else str(2 * terms)
    records = [{"Totaal": total, **dict.fromkeys(names, value)} for total in (right, "1")]
    started = time.perf_counter()
    report = validate_records(dictionary, records)
    assert time.perf_counter() - started < 10
    assert [(f.record, f.code) for f in report.findings] == [(2, "R1")]


_COALESCE = """
import datetime as dt, sys
from datahub.validation import DataDictionary, load_stored_dictionary, validate_records
from datahub.validation._dictionary import FieldSpec, GeneralSpecs, Rule
fields = (FieldSpec(1, "DT", datatype="datum"), FieldSpec(2, "TS", datatype="datumtijd"),
          FieldSpec(3, "I", datatype="geheel getal"))
rules = [Rule(f"R{n}", "I", text, "fout", "m") for n, text in enumerate(sys.argv[1:])]
d = DataDictionary(GeneralSpecs(code="TST", version="1"), fields, tuple(rules))
try:
    d = load_stored_dictionary(d.to_dict())
except Exception as error:
    print("refused", type(error).__name__)
    raise SystemExit
rows = [{"DT": "2020-01-10", "TS": "2020-01-01T10:00:00", "I": "1"}, {"I": "9"}]
print(sorted((f.record, f.code) for f in validate_records(d, rows).findings))
"""


def test_a_coalesce_with_a_text_literal_is_typed_the_same_in_every_process() -> None:
    """The result's type was taken from a set ({text, date}) in whatever order the process's
    hash seed gave: one process refused the rule, another accepted it and then crashed on
    every delivery ("casting from string to datetime is not supported")."""
    rules = ["TS > COALESCE('2020-01-10', DT)", "COALESCE('5', I) + 1 = 6"]
    outputs = set()
    for seed in ("0", "1", "2", "5", "6"):
        done = subprocess.run(
            [sys.executable, "-c", _COALESCE, *rules],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout.strip())
    assert outputs == {"[(1, 'R0')]"}  # (COALESCE takes the literal 5: 5 + 1 = 6)


def test_between_symmetric_is_refused_not_read_as_between() -> None:
    """I BETWEEN SYMMETRIC 3 AND 1 fired for I = 1: the flag was dropped."""
    fields = (FieldSpec(1, "I", datatype="geheel getal"),)
    rule = Rule("R1", "I", "I BETWEEN SYMMETRIC 3 AND 1", "fout", "m")
    with pytest.raises(DictionaryError, match="is niet toegestaan"):
        load_stored_dictionary(
            DataDictionary(GeneralSpecs(code="TST", version="1"), fields, (rule,)).to_dict()
        )
