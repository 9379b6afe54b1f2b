"""Hostile files found by a review of worst cases: each ends in the same report as before, in
time linear in the file and with bounded memory."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from unittest.mock import patch

import pytest

from datahub.validation import DataDictionary, _chunk_records, validate_file
from datahub.validation._chunk_records import chunk_records
from datahub.validation._csv import CsvReader, _fields, tokenize
from datahub.validation._encodings import encoding_problems

from .helpers import CAT_ROW, FIXTURES, cat_row, csv_bytes


def _naive_encoding_problems(chunk: bytes, line: int, offset: int) -> dict[int, int]:
    bad, start = {}, 0
    for number, raw in enumerate(chunk.split(b"\n"), start=line):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad[number] = offset + start + error.start
        start += len(raw) + 1
    return bad


@pytest.mark.parametrize("seed", range(30))
def test_the_lines_that_are_not_utf8_are_found_with_their_first_bad_byte(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [b"ab", b"\n", b"\r\n", b"\xff", b"\xc3\xa9", b"\xc3", b"\xe2\x82", b"\xe2\x82\xac"]
    chunk = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 3000)))
    expected = _naive_encoding_problems(chunk, 7, 100)
    assert encoding_problems(chunk, 7, 100, most=10**9) == expected
    first = dict(list(expected.items())[:5])
    assert encoding_problems(chunk, 7, 100, most=5) == first


def test_a_quoted_value_of_a_million_bad_lines_is_read_in_linear_time(cat: DataDictionary) -> None:
    """Each bad line copied the rest of the piece and counted its lines from the start: a
    4 MB value took minutes, a 15 MB one hours."""
    head = csv_bytes(cat.field_names, [cat_row(i) for i in range(1, 201)])
    row = dict(CAT_ROW, Opmerking="")
    last = ",".join(row[n] for n in cat.field_names).encode() + b'"' + b"ab\xff\n" * 2**20
    data = head + last + b'"\n'
    started = time.perf_counter()
    report = validate_file(cat, data, file_name="x.csv")
    assert time.perf_counter() - started < 30  # linear: well under a second here
    assert report.status == "Afgekeurd"
    assert [f.code for f in report.findings].count("T01") == 1000
    assert (
        report.findings[0].message
        == f"Regel 202 is geen geldige UTF-8 (byte {len(head) + len(last) - 4 * 2**20 + 2},"
        " in Windows-1252 het teken 'ÿ'): lever het bestand aan in UTF-8"
    )
    assert report.findings[-1].code == "T99"


_CROWDED = r"""
import resource, sys
from datahub.validation import load_dictionary, validate_file
head = b'<?xml version="1.0" encoding="UTF-8"?>\n<CAT versie="1.4">\n'
if sys.argv[2] == "attributes":
    inside = b" ".join(b'a%d=""' % i for i in range(1_300_000))
    data = head + b"<record " + inside + b"><OperatieID>1</OperatieID></record></CAT>\n"
elif sys.argv[2] == "field attributes":
    inside = b" ".join(b'a%d=""' % i for i in range(1_300_000))
    data = head + b"<record><OperatieID " + inside + b">1</OperatieID></record></CAT>\n"
else:
    data = head + b"<record>" + b"<a/>" * 4_000_000 + b"</record></CAT>\n"
report = validate_file(load_dictionary(sys.argv[1]), data, file_name="x.xml")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
print(len(report.findings), report.findings[0].message, report.findings[-1].code)
"""


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        ("attributes", "XML-fout op regel 3: onbekend attribuut a0 op element record"),
        ("elements", "XML-fout op regel 3: onbekend element a"),
        ("field attributes", "XML-fout op regel 3: onbekend attribuut a0 op element OperatieID"),
    ],
)
def test_a_record_crowded_with_attributes_or_elements_takes_bounded_memory(
    kind: str, first: str
) -> None:
    """libxml2's schema validation logged an error per attribute or element, all kept: a
    14 MB record took 2.2 GB. Such a record is now read by the engine's own structure check."""
    command = [sys.executable, "-c", _CROWDED, str(FIXTURES / "CAT_1.4.xlsx"), kind]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    peak, summary = done.stdout.splitlines()
    assert summary == f"1001 {first} T99"
    assert int(peak) < 1200, f"{peak} MiB"


_WIDE_LINE = r"""
import resource, sys
from datahub.validation import load_dictionary, validate_file
dictionary = load_dictionary(sys.argv[1])
head = ",".join(dictionary.field_names).encode() + b"\n"
row = ",".join(["1"] * 19).encode() + b"\n"
for data in (head + b"," * 4_000_000 + b"\n", head + row + b"," * 4_000_000 + b"\n" + row):
    report = validate_file(dictionary, data, file_name="x.csv", chunk_size=1_000_000)
    print([(f.code, f.line, f.message) for f in report.findings if f.code == "T04"])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_a_line_of_millions_of_fields_takes_bounded_memory() -> None:
    """polars takes a chunk's first line's fields for columns before it refuses them: a line
    of 4 million commas took 1.9 GB (16 million: 7 GB and half a minute)."""
    command = [sys.executable, "-c", _WIDE_LINE, str(FIXTURES / "CAT_1.4.xlsx")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    *reports, peak = done.stdout.splitlines()
    assert reports == [
        "[('T04', 2, 'Regel 2 heeft 4000001 velden, verwacht 19')]",
        "[('T04', 3, 'Regel 3 heeft 4000001 velden, verwacht 19')]",
    ]
    assert int(peak) < 700, f"{peak} MiB"


def test_a_first_record_with_commas_in_a_value_over_lines_takes_the_fast_path(
    cat: DataDictionary,
) -> None:
    """The check for a first record of millions of fields counted the commas inside a quoted
    value over several lines: every chunk starting so was read the slow way (24x slower)."""
    rows = [cat_row(n, Opmerking="a, b\nc") for n in range(1, 3001)]
    data = csv_bytes(cat.field_names, rows)
    with patch.object(CsvReader, "_failed", side_effect=AssertionError("slow path")):
        report = validate_file(cat, data, file_name="x.csv", chunk_size=20_000)
    assert report.total == 3000


def test_a_header_of_many_names_is_judged_in_linear_time(cat: DataDictionary) -> None:
    """Each name was counted in the whole header: 40,000 names took 31 s."""
    data = b",".join(b"%x" % i for i in range(40_000)) + b"\n1,2\n"
    started = time.perf_counter()
    report = validate_file(cat, data, file_name="x.csv")
    assert time.perf_counter() - started < 10
    assert report.status == "Afgekeurd"


def test_the_grammars_cut_ends_a_value_at_the_files_last_cr() -> None:
    """The tokenizer ends a record at a quoted value and a CR that ends the file; the cut by
    the grammar took that CR for broken quoting and cut inside the value."""
    from datahub.validation._csv import _split

    assert _split(b'"a\nb"\r') is None
    assert [r.fields for r in tokenize('"a\nb"\r', 1)] == [["a\nb"]]


_EVERY_VALUE_WRONG = r"""
import sys, tracemalloc
from datahub.validation import load_dictionary, validate_file
dictionary = load_dictionary(sys.argv[1])
names = dictionary.field_names
text = {"OperatieID": "{i}", "PatientCode": "P{i}", "Opmerking": ""}
lines = [",".join(names)]
for i in range(20_000):
    lines.append(",".join(text.get(n, "x{j}").format(i=i, j=i % 50) for n in names))
data = "\n".join(lines).encode()
tracemalloc.start()
report = validate_file(dictionary, data, file_name="x.csv")
print(tracemalloc.get_traced_memory()[0] // len(report.findings), len(report.findings))
"""


def test_the_findings_of_a_file_where_every_value_is_wrong_share_their_repeated_values() -> None:
    """Each finding held its own level, code, field, message and keys dict: 1.3 KB, so 1M
    records with every value wrong (16M findings) needed over 20 GB. Equal values are now
    one object, and a record's findings share one keys dict."""
    command = [sys.executable, "-c", _EVERY_VALUE_WRONG, str(FIXTURES / "CAT_1.4.xlsx")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    per_finding, findings = map(int, done.stdout.split())
    assert findings == 20_000 * 16
    assert per_finding < 250, f"{per_finding} bytes per finding"


@pytest.mark.parametrize("quotes", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_broken_lines_found_directly_give_the_careful_tokenizers_report(
    cat: DataDictionary, seed: int, quotes: bool
) -> None:
    """A chunk that fails the fast path has its suspect records read carefully and the runs
    between them parsed again (instead of halving the chunk and parsing each half again: a
    second per broken line). Files with lines broken in every way, with quoted values over
    several lines or without quotes, at small chunk sizes and short runs, give the careful
    tokenizer's report. (This comparison also caught a relaxation of the CR rule that let a
    dropped CR stand for a missing separator.)"""
    rng = random.Random(seed)
    inserts = [b"", b",", b"\n", b"\r\n", b"\r", b"\r,", b"\xff", b" ", b"\n\n", b"x^"]
    remarks = ["", "x\ry", "opm"]
    if quotes:
        inserts += [b'"', b'""', b',"', b'"\n']
        remarks += ["a,b", 'zei "ja"', "regel\nnieuw", "regel\r\nnieuw", "\n\n"]
    for _ in range(40):
        rows = [cat_row(i, Opmerking=rng.choice(remarks)) for i in range(1, rng.randrange(2, 120))]
        newline = rng.choice(["\n", "\r\n"])
        data = bytearray(csv_bytes(cat.field_names, rows, newline=newline))
        if not quotes:
            data = data.replace(b'"', b"")
        for _ in range(rng.randrange(0, 6)):
            at = rng.randrange(len(data))
            data[at : at + rng.randrange(0, 3)] = rng.choice(inserts)
        chunk = rng.choice([None, 700, 3000])
        with patch.object(_chunk_records, "_MIN_RUN", rng.choice([1, 2, 5, 2000])):
            report = validate_file(cat, bytes(data), file_name="x.csv", chunk_size=chunk)
        with (
            patch.object(CsvReader, "_fast", lambda self, chunk, line: None),
            patch.object(CsvReader, "_failed", _careful_only),
        ):
            careful = validate_file(cat, bytes(data), file_name="x.csv", chunk_size=chunk)
        assert report.to_dict() == careful.to_dict(), bytes(data)


def _careful_only(self: CsvReader, chunk: bytes, line: int, offset: int) -> tuple[object, int]:
    """A chunk read by the careful tokenizer alone."""
    return self._careful(chunk, line, offset), chunk.count(b"\n")


def test_a_few_broken_records_among_quoted_values_are_read_carefully_alone(
    cat: DataDictionary,
) -> None:
    """In a chunk with quoted values (some over several lines), a record cut short, a stray
    quote and a CR inside a value are found directly: only those records are read by the
    careful tokenizer, and the runs between them parsed again. (The chunk used to be split in
    halves down to pieces of 256 KiB read carefully: about a second per broken record in a
    file of a million.)"""
    remarks = ["", "a,b", "", 'zei "ja"', "", "regel\nnieuw"]
    rows = [cat_row(i, Opmerking=remarks[i % len(remarks)]) for i in range(1, 30_001)]
    lines = csv_bytes(cat.field_names, rows, newline="\r\n").split(b"\r\n")
    lines[5_000] = b"11005000,1,2"  # (record 5,000) cut short
    lines[15_001] = lines[15_001].replace(b",OD,", b',O"D,').replace(b",OS,", b',O"S,')  # "a,b"
    lines[25_001] = lines[25_001].replace(b",OD,", b",O\rD,").replace(b",OS,", b",O\rS,")
    data = b"\r\n".join(lines)
    careful: list[bytes] = []
    read = CsvReader._careful

    def counted(self: CsvReader, chunk: bytes, line: int, offset: int) -> object:
        careful.append(chunk)
        return read(self, chunk, line, offset)

    with patch.object(CsvReader, "_careful", counted):
        report = validate_file(cat, data, file_name="x.csv")
    assert [c.split(b",")[0] for c in careful] == [b"11005000", b"11015001", b"11025001"]
    assert [c.count(b"\n") for c in careful] == [1, 1, 2]  # (the last: "regel\nnieuw")

    def line(record: int) -> int:
        return data[: data.find(b"\n%d," % (11_000_000 + record))].count(b"\n") + 2

    technical = [(f.code, f.message) for f in report.findings if f.code.startswith("T")]
    assert technical == [
        ("T04", f"Regel {line(5_000)} heeft 3 velden, verwacht 19"),
        ("T04", f"Regel {line(15_001)} heeft ongeldige aanhalingstekens"),
    ]
    assert report.total == 30_000


@pytest.mark.parametrize("seed", range(3))
def test_the_records_of_a_failed_chunk_are_the_careful_tokenizers(seed: int) -> None:
    """A failed chunk's records (by the column of lines, and the grammar from the lines with
    quotes that are no record of one line) start where the careful tokenizer's start."""
    rng = random.Random(seed)
    alphabet = [b"a", b",", b'"', b'""', b"\n", b"\r", b"\r\n", b"\xff", b" ", b"x^", b'"a,\nb"']
    for _ in range(1000):
        chunk = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        separators = rng.randrange(0, 3)
        records = chunk_records(chunk, separators)
        if records is None:
            continue
        text = chunk.decode("utf-8", errors="replace")
        assert records.lines.to_list() == [r.line for r in tokenize(text, 0)], chunk


def test_a_record_over_two_lines_at_the_end_without_a_line_end_is_judged_whole() -> None:
    """The last record of a file without a line end lost its last byte to the check."""
    # a quote, then "x": broken, so the record is its first line, and "b"x" another
    assert chunk_records(b'1,"a\nb"x', 1).suspect == [0, 1]
    assert chunk_records(b'1,"a\nb"', 1).suspect == []


def test_a_dictionary_of_thousands_of_fields_gives_a_report(cat: DataDictionary) -> None:
    """The regular expression of a record of 4,300 fields passes polars' size limit: the
    chunk's records are then found by halving, as before, instead of an error."""
    data = cat.to_dict()
    base = dict(data["fields"][0], required=False, length=None, fhirpath=None)
    data["fields"] = [dict(base, order=i + 1, name=f"F{i}") for i in range(4300)]
    data["rules"] = []
    data["general"] = dict(data["general"], key_fields=["F0"], report_fields=["F0"])
    data["general"]["period_field"] = None
    wide = DataDictionary.from_dict(data)
    names = ",".join(wide.field_names).encode()
    good = b",".join([b"1"] * 4300)
    rows = [b'"a",' + b",".join([b"1"] * 4299), b"1,2", good]
    report = validate_file(wide, b"\n".join([names, *rows, b""]), file_name="x.csv")
    assert [(f.code, f.line) for f in report.findings] == [("T04", 3)]


def _by_the_grammar(text: str, line: int) -> list[tuple[int, int, list[str], str | None, bool]]:
    """The careful tokenizer's records, every field read by the grammar (``_fields``)."""
    records, position, size = [], 0, len(text)
    while position < size:
        start = position
        fields, error, position = _fields(text, position)
        if error is not None:  # on at the second line; broken past the first: not closed on it
            newline = text.find("\n", start)
            error = "unterminated" if newline != -1 and position > newline else error
            position = size if newline == -1 else newline + 1
        end_line = line + text.count("\n", start, max(start, position - 1))
        empty = error is None and len(fields) == 1 and not text[start:position].strip(" \t\r\n")
        records.append((line, end_line, fields, error, empty))
        line += text.count("\n", start, position)
    return records


@pytest.mark.parametrize("seed", range(5))
def test_a_line_without_quotes_is_split_at_its_commas_as_the_grammar_reads_it(seed: int) -> None:
    """The careful tokenizer splits a line without quotes at its commas (several times faster
    than a regular expression per field: a file with some hundreds of broken lines took a
    minute); the records are the grammar's."""
    rng = random.Random(seed)
    alphabet = ["a", ",", '"', "\n", "\r", "\r\n", " ", "\t", '""', "b,c", "é"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25)))
        records = [(r.line, r.end_line, r.fields, r.error, r.empty) for r in tokenize(text, 3)]
        assert records == _by_the_grammar(text, 3), repr(text)
