"""Technical (file-level) checks of CSV files: every problem, with its line."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import polars as pl
import pytest

from datahub.validation import (
    DataDictionary,
    _csv,
    load_dictionary,
    translate_message,
    validate_file,
)
from datahub.validation._checks import BatchChecker
from datahub.validation._technical import TechnicalSink

from .helpers import cat_row, csv_bytes, hip_row, hip_sheets, quote, write_sheets


def technical(report) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in report.findings if f.code.startswith("T")]


def body(dictionary: DataDictionary, rows) -> list[str]:
    return [",".join(quote(r[n]) for n in dictionary.field_names) for r in rows]


def validate_text(dictionary: DataDictionary, text: bytes, **options):
    return validate_file(dictionary, text, file_name="x.csv", **options)


def test_a_bom_and_crlf_line_endings_are_accepted(cat: DataDictionary) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(cat.field_names, [cat_row(1), cat_row(2)], newline="\r\n")
    report = validate_text(cat, data)
    assert report.findings == () and report.total == 2 and report.status == "Verwerkt"


@pytest.mark.parametrize("last", [b"\r", b"\r\n", b""])
def test_cr_line_endings_are_one_clear_t04_not_a_header_of_every_line(
    cat: DataDictionary, last: bytes
) -> None:
    # Excel's "CSV (Macintosh)" ends lines with a CR alone: read as LF lines, the whole file
    # would be one header of dozens of unknown and duplicated columns and "no records"
    data = csv_bytes(cat.field_names, [cat_row(1), cat_row(2)], newline="\r")
    report = validate_text(cat, data.removesuffix(b"\r") + last)
    assert [(f.code, f.line, f.level) for f in report.findings] == [("T04", 1, "afkeur")]
    assert "CR" in report.findings[0].message and "LF" in report.findings[0].message
    assert report.status == "Afgekeurd" and report.total == 2  # counted, not read


def test_cr_line_endings_with_a_crlf_at_the_end_or_a_newline_in_a_value_are_found(
    cat: DataDictionary,
) -> None:
    rows = [cat_row(1, Opmerking="a\nb"), cat_row(2)]  # quoted, with an LF inside
    data = csv_bytes(cat.field_names, rows, newline="\r")
    for variant in (data, data.removesuffix(b"\r") + b"\r\n"):
        report = validate_text(cat, variant)
        assert [(f.code, f.line) for f in report.findings] == [("T04", 1)]
        assert "CR" in report.findings[0].message


@pytest.mark.parametrize(
    "header",
    [
        ";;;;",  # an empty first row, as Excel writes it
        "OperatieID,PatientCode,Jaar,Sekse,Datum,Zijde,X1,X2,X3,X4,X5,X6,X7,X8,X9,X10,X11,X12,X13",
        "",
    ],
)
def test_cr_line_endings_under_a_wrong_header_are_one_clear_t04(
    cat: DataDictionary, header: str
) -> None:
    # not a header of every line's values, with hundreds of unknown and duplicated columns
    rows = csv_bytes(cat.field_names, [cat_row(1), cat_row(2)], newline="\r")
    data = header.encode() + b"\r" + rows.split(b"\r", 1)[1]
    report = validate_text(cat, data)
    assert [(f.code, f.line) for f in report.findings] == [("T04", 1)]
    assert "CR" in report.findings[0].message and report.total == 2


def test_a_stray_quote_does_not_take_the_lines_up_to_the_next_quote(cat: DataDictionary) -> None:
    """A stray quote at a field's start opened a value that closed at the next stray quote,
    however far: the lines between were neither records nor findings (a review: 400,000
    records with a stray quote in every 400th were counted as 200,000)."""
    rows = body(cat, [cat_row(n) for n in range(1, 6)])
    rows[0] = '"' + rows[0]
    rows[1] += ",extra"
    rows[2] = rows[2].replace(",OD,", ",XX,")
    rows[3] = '"' + rows[3]
    data = (",".join(cat.field_names) + "\n" + "\n".join(rows) + "\n").encode()
    many = (",".join(cat.field_names) + "\n").encode() + b"".join(
        ("\n".join(body(cat, [cat_row(n) for n in range(k * 10, k * 10 + 5)])) + "\n").encode()
        if k % 2
        else ("\n".join(rows) + "\n").encode()
        for k in range(1, 201)
    )
    for size in (None, 64, 1000):
        report = validate_text(cat, data, chunk_size=size)
        assert report.total == 5
        assert [(f.code, f.line) for f in report.findings] == [
            ("T04", 2),
            ("T04", 3),
            ("T04", 5),
            ("001_RefTab", 4),
        ]
        assert report.findings[0].message == "Regel 2: aanhalingsteken wordt niet gesloten"
        lots = validate_text(cat, many, chunk_size=size)
        assert lots.total == 1_000
        assert sum(f.code == "T04" for f in lots.findings) == 300


def test_stray_crs_in_a_header_or_binary_data_are_no_line_ending_finding(
    cat: DataDictionary,
) -> None:
    header = ",".join(cat.field_names).encode().replace(b",", b"\r,", 2)
    data = header + b"\n" + csv_bytes(cat.field_names, [cat_row(1)]).split(b"\n", 1)[1]
    messages = [f.message for f in validate_text(cat, data).findings]
    assert "Kolom OperatieID\\r is verkeerd gespeld, verwacht OperatieID" in messages
    assert not any("CR-teken" in m for m in messages)
    packed = validate_text(cat, b"\x1f\x8b\x08\x00\r\x00\r\x00")  # gzip, named .csv
    assert packed.findings[0].message.endswith("(een gzip-bestand)")
    assert not any("CR-teken" in f.message for f in packed.findings)


def test_a_single_stray_cr_in_the_header_is_no_line_ending_finding(cat: DataDictionary) -> None:
    names = list(cat.field_names)
    data = csv_bytes(names, [cat_row(1)]).replace(b",", b",\r", 1)
    report = validate_text(cat, data)
    assert not any("CR" in f.message for f in report.findings)
    assert {f.code for f in report.findings} == {"T02"}


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
def test_a_utf16_or_utf32_file_is_one_t01_that_names_its_encoding(
    cat: DataDictionary, encoding: str, name: str
) -> None:
    # Excel's "Unicode text": read as UTF-8, every line was a T01 and every column a T02 of
    # names with NUL characters between their letters
    text = csv_bytes(cat.field_names, [cat_row(1), cat_row(2)]).decode()
    report = validate_text(cat, text.encode(encoding))
    assert [(f.code, f.line) for f in report.findings] == [("T01", 1)]
    assert report.findings[0].message == (
        f"Het bestand is gecodeerd als {name}; alleen UTF-8 is toegestaan"
    )
    assert report.status == "Afgekeurd" and report.total == 0


@pytest.mark.parametrize(("separator", "shown"), [(";", "';'"), ("\t", "tabs"), ("|", "'|'")])
def test_a_file_separated_by_semicolons_is_one_t02_that_says_so(
    cat: DataDictionary, separator: str, shown: str
) -> None:
    # Excel on a Dutch computer saves "CSV" with semicolons (and decimal commas): read with
    # commas, every column was missing, the header one unknown column, every line a T04
    rows = [cat_row(1), cat_row(2, Opmerking="twee\nregels"), cat_row(3)]
    text = csv_bytes(cat.field_names, rows).decode()
    data = text.replace(",", separator).replace(".", ",").encode() + b"\n"  # and an empty line
    report = validate_text(cat, data)
    assert [(f.code, f.line) for f in report.findings] == [("T02", 1)]
    assert f"gescheiden door {shown} in plaats van door komma's" in report.findings[0].message
    # its records are not read, but counted: the report says how many were not processed
    assert report.status == "Afgekeurd"
    assert (report.total, report.processed, report.not_processed) == (3, 0, 3)
    english = validate_text(cat, data, lang="en").findings[0].message
    assert english == translate_message("T02", report.findings[0].message, "en")
    assert english.startswith(f"The header's columns are separated by {shown} instead of")


def _semicolons(cat: DataDictionary, rows: list[dict[str, str]], newline: str = "\n") -> bytes:
    text = csv_bytes(cat.field_names, rows, newline=newline).decode()
    return text.replace(",", ";").encode()


def test_a_rejected_files_records_are_counted_as_its_reader_would_read_them(
    cat: DataDictionary,
) -> None:
    """A stray quote (an inch sign) took every following line into its record, and a header
    that ended the first read left the count at 0 (a review)."""
    rows = [
        cat_row(1, Opmerking='lens 12" '),
        cat_row(2),
        cat_row(3, Opmerking='a "b"'),
        cat_row(4),
    ]
    commas = validate_file(cat, _semicolons(cat, rows).replace(b";", b","), file_name="x.csv")
    assert commas.total == 4
    assert validate_text(cat, _semicolons(cat, rows)).total == 4
    quoted = [cat_row(1, Opmerking='x;"y"\n\nz'), cat_row(2, Opmerking='""')]
    assert validate_text(cat, b"\xef\xbb\xbf" + _semicolons(cat, quoted) + b"  \n\t\n").total == 2
    # Excel on a Dutch Mac: semicolons and lines ending in a lone CR
    mac = validate_text(cat, _semicolons(cat, rows, newline="\r"))
    assert [f.code for f in mac.findings] == ["T04", "T02"]
    assert (mac.total, mac.not_processed) == (4, 4)


def test_the_count_reads_on_when_the_header_filled_the_first_read(cat: DataDictionary) -> None:
    class Trickle(io.BytesIO):  # a stream that gives the header line alone first
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.first = data.index(b"\n") + 1

        def read(self, size: int | None = -1) -> bytes:
            size, self.first = (self.first, None) if self.first else (size, None)
            return super().read(size)

    data = _semicolons(cat, [cat_row(1), cat_row(2), cat_row(3)])
    sink = TechnicalSink()
    reader = _csv.CsvReader(Trickle(data), cat.field_names, sink)
    assert list(reader.batches()) == [] and sink.unread
    assert reader.records == 3


def test_a_header_of_one_unknown_column_is_no_separator_problem(cat: DataDictionary) -> None:
    data = b"Operatie;Patient;Iets\n1;2;3\n"  # none of them the dictionary's
    messages = [f.message for f in validate_text(cat, data).findings if f.code == "T02"]
    assert "Kolom Operatie;Patient;Iets is onbekend" in messages
    assert not any("gescheiden" in m for m in messages)


def test_a_last_line_without_newline_is_a_record(cat: DataDictionary) -> None:
    data = csv_bytes(cat.field_names, [cat_row(1), cat_row(2)]).rstrip(b"\n")
    assert validate_text(cat, data).total == 2


@pytest.mark.parametrize("fast", [True, False])
def test_a_last_line_ending_in_a_cr_alone_is_a_record(
    hip: DataDictionary, monkeypatch, fast
) -> None:
    if not fast:  # the careful tokenizer reads the same
        monkeypatch.setattr(_csv.CsvReader, "_fast", lambda self, chunk, line: None)
    rows = [hip_row(1), hip_row(2, Opmerking="a,b"), hip_row(3, Opmerking="c")]
    data = csv_bytes(hip.field_names, rows, newline="\r\n").removesuffix(b"\n")
    assert data.endswith(b"c\r")
    for ending in (data, data.replace(b"c\r", b'"c"\r')):
        report = validate_text(hip, ending)
        assert report.findings == () and report.total == 3


def test_quoted_fields_with_commas_newlines_and_quotes_are_values(hip: DataDictionary) -> None:
    rows = [hip_row(1, Opmerking='a,"b"'), hip_row(2, Opmerking="x\r\ny"), hip_row(3)]
    data = csv_bytes(hip.field_names, rows)
    report = validate_text(hip, data + data.split(b"\n", 1)[1].replace(b"P0000", b"P0001"))
    assert report.findings == ()
    assert report.total == 6


def test_lines_are_counted_physically_after_a_quoted_newline(hip: DataDictionary) -> None:
    rows = [hip_row(1, Opmerking="een\ntwee\ndrie"), hip_row(2, Gewicht="x")]
    report = validate_text(hip, csv_bytes(hip.field_names, rows))
    assert [(f.record, f.line, f.code) for f in report.findings] == [(2, 5, "004")]


def test_t01_invalid_utf8_with_line_and_byte_offset(cat: DataDictionary) -> None:
    rows = body(cat, [cat_row(1), cat_row(2), cat_row(3)])
    rows[1] = rows[1].replace("OD", "Ö")
    data = (",".join(cat.field_names) + "\n" + "\n".join(rows) + "\n").encode("latin-1")
    report = validate_text(cat, data)
    assert technical(report) == [("T01", 3)]
    offset = data.index(b"\xd6")
    assert report.findings[0].message == (
        f"Regel 3 is geen geldige UTF-8 (byte {offset}, in Windows-1252 het teken 'Ö'): lever"
        " het bestand aan in UTF-8"
    )
    assert report.status == "Afgekeurd" and report.total == 3 and report.not_processed == 3


@pytest.mark.parametrize(
    ("end", "cut"),
    [
        ("é".encode()[:1], True),  # UTF-8 cut off in a character of two bytes
        ("€".encode()[:2], True),  # of three
        ("€".encode()[:1] + b"\n", False),  # a byte that is no UTF-8, then the line ends
        (b"\xe9", False),  # é in Windows-1252 (it also starts a character of three bytes)
    ],
)
def test_t01_a_file_that_ends_in_the_middle_of_a_character_seems_cut_off(
    cat: DataDictionary, end: bytes, cut: bool
) -> None:
    rows = body(cat, [cat_row(1), cat_row(2, Opmerking="caf")])
    data = (",".join(cat.field_names) + "\n" + "\n".join(rows)).encode() + end
    offset = len(data) - len(end)
    for lang in ("nl", "en"):
        report = validate_text(cat, data, lang=lang)
        assert technical(report) == [("T01", 3)]
        message = report.findings[0].message
        if not cut:
            assert "Windows-1252" in message and "afgebroken" not in message
        elif lang == "nl":
            assert message == (
                f"Regel 3 eindigt midden in een teken (byte {offset}): het bestand lijkt"
                " afgebroken, lever het volledige bestand aan"
            )
        else:
            assert message == (
                f"Line 3 ends in the middle of a character (byte {offset}): the file seems cut"
                " off, deliver the whole file"
            )


def test_t01_a_cut_character_after_other_bytes_that_are_no_utf8_is_windows_1252(
    cat: DataDictionary,
) -> None:
    rows = body(cat, [cat_row(1, Opmerking="Ö"), cat_row(2, Opmerking="caf")])
    data = (",".join(cat.field_names) + "\n" + "\n".join(rows)).encode("latin-1") + b"\xc3"
    report = validate_text(cat, data)
    assert technical(report) == [("T01", 2), ("T01", 3)]
    assert "'Ã'" in report.findings[1].message  # the whole file is "ANSI", not cut off


def test_t01_a_header_alone_cut_off_in_a_character(cat: DataDictionary) -> None:
    data = ",".join(cat.field_names).encode() + "ë".encode()[:1]
    report = validate_text(cat, data)
    assert report.findings[0].code == "T01"
    assert report.findings[0].message.startswith("Regel 1 eindigt midden in een teken")


def test_t01_in_the_header_counts_the_bom_in_its_byte_offset(cat: DataDictionary) -> None:
    header = ",".join(cat.field_names).replace("ODS", "\xd6DS").encode("latin-1")
    data = b"\xef\xbb\xbf" + header + b"\n" + "\n".join(body(cat, [cat_row(1)])).encode() + b"\n"
    report = validate_text(cat, data)
    offset = data.index(b"\xd6")
    assert report.findings[0].message.startswith(f"Regel 1 is geen geldige UTF-8 (byte {offset},")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_t03_empty_lines_before_the_header_are_reported_once_each(
    cat: DataDictionary, newline: str
) -> None:
    lines = ["", "", ",".join(cat.field_names), *body(cat, [cat_row(1), cat_row(2, ODS="X")])]
    report = validate_text(cat, b"\xef\xbb\xbf" + (newline.join(lines) + newline).encode())
    # not a wrong header and a T04 for every line: the header is the first line with text
    assert technical(report) == [("T03", 1), ("T03", 2)]
    assert [(f.code, f.record, f.line) for f in report.findings[2:]] == [("001_RefTab", 2, 5)]
    assert report.total == 2 and report.status == "Afgekeurd"


def test_t02_names_each_missing_unknown_duplicated_and_misspelt_column(cat) -> None:
    names = list(cat.field_names)
    names[0] = "operatieid"
    names[1] = "Kleur"
    names.remove("Opmerking")
    names.append("ODS")
    header = ",".join(names).encode() + b"\n"
    report = validate_text(cat, header + b"1,2\n")
    messages = [f.message for f in report.findings if f.code == "T02"]
    assert messages == [
        "Kolom ODS komt meerdere malen voor in de kopregel",
        "Kolom operatieid is verkeerd gespeld, verwacht OperatieID",
        "Kolom Kleur is onbekend",
        "Kolom PatientCode ontbreekt in de kopregel",
        "Kolom Opmerking ontbreekt in de kopregel",
    ]
    assert report.status == "Afgekeurd"


def test_columns_in_another_order_are_matched_by_name(hip: DataDictionary) -> None:
    names = list(reversed(hip.field_names))
    report = validate_text(hip, csv_bytes(names, [hip_row(1, Gewicht="x")]))
    assert [(f.code, f.field, f.value) for f in report.findings] == [("004", "Gewicht", "x")]


def test_t03_and_t04_every_bad_line_is_reported(cat: DataDictionary) -> None:
    good = body(cat, [cat_row(i) for i in range(1, 7)])
    lines = [
        ",".join(cat.field_names),
        good[0],
        "",
        good[1] + ",extra",
        good[2].rsplit(",", 1)[0],
        good[3].replace("OD", 'O"D'),
        good[4].replace(",OD,", ',"OD"x,'),
        good[5],
        "",
    ]
    report = validate_text(cat, ("\n".join(lines) + "\n").encode())
    assert technical(report) == [
        ("T03", 3),
        ("T04", 4),
        ("T04", 5),
        ("T04", 6),
        ("T04", 7),
        ("T03", 9),
    ]
    assert report.findings[1].message == "Regel 4 heeft 20 velden, verwacht 19"
    assert report.findings[3].message == "Regel 6 heeft ongeldige aanhalingstekens"
    assert report.total == 6 and report.status == "Afgekeurd"


def test_a_line_of_spaces_is_empty_and_one_field_is_one_veld(cat: DataDictionary) -> None:
    """A line of spaces or tabs was a record of one field: "Regel 3 heeft 1 velden"."""
    good = body(cat, [cat_row(i) for i in range(1, 4)])
    lines = [",".join(cat.field_names), good[0], "  \t ", good[1], "x", good[2]]
    report = validate_text(cat, ("\r\n".join(lines) + "\r\n").encode())
    assert technical(report) == [("T03", 3), ("T04", 5)]
    assert report.findings[1].message == "Regel 5 heeft 1 veld, verwacht 19"
    english = validate_text(cat, ("\r\n".join(lines) + "\r\n").encode(), lang="en")
    assert english.findings[1].message == "Line 5 has 1 field, expected 19"
    assert report.total == 4


def test_t04_an_unterminated_quote_is_found_and_reading_resumes(hip: DataDictionary) -> None:
    lines = [",".join(hip.field_names), *body(hip, [hip_row(i) for i in range(1, 5)])]
    lines[2] = lines[2].replace("P00002", '"P00002')
    lines[4] = lines[4].replace("L", "Q", 1)
    report = validate_text(hip, ("\n".join(lines) + "\n").encode())
    assert technical(report) == [("T04", 3)]
    assert report.findings[0].message == "Regel 3: aanhalingsteken wordt niet gesloten"
    assert [(f.code, f.line) for f in report.findings[1:]] == [("001_RefTab", 5), ("H04", 5)]


class _Pipe(io.RawIOBase):
    """A stream that can only be read (as a decrypted upload): no seek, no file number."""

    def __init__(self, data: bytes, most: int = 7000) -> None:
        self._data = io.BytesIO(data)
        self._most = most

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        block = self._data.read(min(len(buffer), self._most))
        buffer[: len(block)] = block
        return len(block)


def as_source(data: bytes, kind: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same content as bytes, as a file on disk (read through a map), or as a pipe."""
    if kind == "file":
        path = tmp_path / "x.csv"
        path.write_bytes(data)
        return path
    return _Pipe(data) if kind == "pipe" else data


SOURCES = ["bytes", "file", "pipe"]


@pytest.mark.parametrize("chunk", [32 * 1024, 64 * 1024])  # below and at MAX_RECORD
@pytest.mark.parametrize("kind", SOURCES)
def test_t04_a_huge_single_line_is_refused_without_reading_it_whole(
    hip: DataDictionary, monkeypatch: pytest.MonkeyPatch, kind: str, tmp_path: Path, chunk: int
) -> None:
    monkeypatch.setattr(_csv, "MAX_RECORD", 64 * 1024)
    monkeypatch.setattr(_csv, "BLOCK_SIZE", 16 * 1024)
    header = ",".join(hip.field_names).encode() + b"\n"
    rows = body(hip, [hip_row(1), hip_row(2)])
    # a line a little longer than MAX_RECORD, after a record (the buffer once grew past the
    # limit when the line started just after a cut, and took it in whole)
    huge = b"x" * (64 * 1024 + 4096)
    data = header + rows[0].encode() + b"\n" + huge + b"\n" + rows[1].encode() + b"\n"
    source = as_source(data, kind, tmp_path)
    report = validate_file(hip, source, file_name="x.csv", chunk_size=chunk)
    assert technical(report) == [("T04", 3)]
    assert "te lang" in report.findings[0].message
    assert report.total == 3


def test_a_file_of_only_a_huge_line_is_refused(hip: DataDictionary, monkeypatch) -> None:
    monkeypatch.setattr(_csv, "MAX_HEADER", 64 * 1024)
    report = validate_text(hip, b"A" * 200_000)
    assert [f.code for f in report.findings] == ["T04"]


def test_t07_a_file_with_only_a_header(cat: DataDictionary) -> None:
    report = validate_text(cat, ",".join(cat.field_names).encode() + b"\r\n")
    assert technical(report) == [("T07", None)]
    assert report.findings[0].message == "Het bestand bevat geen records"
    assert report.status == "Afgekeurd" and report.total == 0


def test_an_empty_file_has_no_header_and_no_records(cat: DataDictionary) -> None:
    report = validate_text(cat, b"")
    assert [f.code for f in report.findings] == ["T02", "T07"]


def test_binary_garbage_is_one_t05_that_says_it_is_no_text(cat: DataDictionary) -> None:
    for garbage in (bytes(range(256)) * 50, random.Random(4).randbytes(100_000)):
        report = validate_text(cat, garbage)
        assert report.status == "Afgekeurd"
        assert [f.code for f in report.findings] == ["T05"]
        assert report.findings[0].message == (
            "De extensie .csv past niet bij de inhoud (binaire gegevens, geen tekst)"
        )


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"\x1f\x8b\x08\x00", "een gzip-bestand"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "een 7-Zip-bestand"),
        (b"Rar!\x1a\x07\x01\x00", "een RAR-bestand"),
        (b"$FL2@(#) IBM SPSS STATISTICS", "een SPSS-bestand"),
    ],
)
def test_a_packed_or_statistics_file_named_csv_is_one_t05_that_names_it(
    cat: DataDictionary, start: bytes, kind: str
) -> None:
    report = validate_text(cat, start + b"A,B\n" * 100)
    assert [f.message for f in report.findings] == [
        f"De extensie .csv past niet bij de inhoud ({kind})"
    ]
    english = validate_text(cat, start + b"A,B\n", lang="en").findings[0].message
    assert english == translate_message("T05", report.findings[0].message, "en")


def test_a_compressed_body_is_not_unpacked(cat: DataDictionary) -> None:
    header = ",".join(cat.field_names).encode() + b"\r\n"
    packed = gzip.compress(("\r\n".join(body(cat, [cat_row(1), cat_row(2)])) + "\r\n").encode())
    report = validate_text(cat, header + packed)
    assert report.status == "Afgekeurd"
    assert "T01" in {code for code, _ in technical(report)}
    for start in (b"\x1f\x8b\x00\x01", b"(\xb5/\xfd\x00", b"x\x9c\x01"):
        report = validate_text(cat, header + start)
        assert report.status == "Afgekeurd" and technical(report)


@pytest.mark.parametrize("chunk", [64, 16 * 1024 * 1024])
def test_a_record_starting_like_a_compressed_stream_is_read(hip: DataDictionary, chunk) -> None:
    rows = [hip_row(1), hip_row(2, Opmerking="x"), hip_row(3)]
    lines = [",".join(hip.field_names), *body(hip, rows)]
    lines[1] = "x^" + lines[1]  # the first chunk starts like zlib; PatientID is too long
    report = validate_text(hip, ("\n".join(lines) + "\n").encode(), chunk_size=chunk)
    assert not technical(report)
    assert [(f.record, f.field, f.value) for f in report.findings if f.code == "007"] == [
        (1, "PatientID", "x^P00001")
    ]


def test_technical_findings_are_capped(hip: DataDictionary, monkeypatch) -> None:
    header = ",".join(hip.field_names).encode() + b"\n"
    report = validate_text(hip, header + b"x\n" * 3000)
    assert len(report.findings) == 1001
    assert report.findings[-1].code == "T99"
    # the file has 3,000 records; the report counts those read, and says so
    assert report.total == 1001
    assert report.findings[-1].message == (
        "Meer dan 1000 technische fouten; de controle is gestopt (de aantallen tellen alleen "
        "de records tot hier)"
    )


def test_content_checks_still_run_on_the_good_lines_of_a_broken_file(cat) -> None:
    lines = [",".join(cat.field_names), *body(cat, [cat_row(1, ODS="XX")]), "1,2"]
    report = validate_text(cat, ("\n".join(lines) + "\n").encode())
    assert [(f.code, f.line) for f in report.findings] == [("T04", 3), ("001_RefTab", 2)]


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("chunk", [256, 1000, 4096])
def test_small_chunks_give_the_same_report(
    hip: DataDictionary, chunk: int, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [hip_row(i, Opmerking="a,\nb" if i % 7 == 0 else "") for i in range(1, 300)]
    rows[50]["Gewicht"] = "x"
    rows[120] = rows[3]
    lines = [",".join(hip.field_names), *body(hip, rows)]
    lines.insert(200, "kapot")
    data = ("\r\n".join(lines) + "\r\n").encode()
    whole = validate_file(hip, data, file_name="x.csv")
    source = as_source(data, kind, tmp_path)
    batches: list[int] = []
    check = BatchChecker.check

    def counted(self: BatchChecker, batch: pl.DataFrame) -> pl.DataFrame:
        batches.append(batch.height)
        return check(self, batch)

    monkeypatch.setattr(BatchChecker, "check", counted)
    chunked = validate_file(hip, source, file_name="x.csv", chunk_size=chunk)
    assert chunked.to_dict() == whole.to_dict()
    assert len(batches) >= len(data) // chunk // 2  # the file was read in chunks of about that size
    assert [(f.code, f.record) for f in whole.findings] == [
        ("T04", None),
        ("005", 4),
        ("004", 51),
        ("005", 121),
    ]


@pytest.mark.parametrize("most", [1, 3, 100_000])
def test_quotes_are_counted_alike_one_by_one_or_in_bulk(monkeypatch, most: int) -> None:
    buffer = b'a,"b,""c""",d\n"e\nf",g\n' * 5
    assert _csv._quotes(buffer, len(buffer), most) == buffer.count(b'"') == 40
    assert _csv._quotes(buffer, 10, most) == buffer[:10].count(b'"') == 5
    assert _csv._quotes(b"no quotes\n", 10, most) == 0


def test_the_file_map_is_released_after_reading(cat: DataDictionary, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(cat.field_names, [cat_row(1)]))
    with path.open("rb") as stream:
        reader = _csv.CsvReader(stream, cat.field_names, _csv.TechnicalSink())
        assert reader._map is not None
        assert [b.height for b in reader.batches()] == [1]
        assert reader._map is None


@pytest.mark.parametrize(
    ("name", "data", "content"),
    [
        (
            "x.csv",
            b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100,
            "een Excel-werkmap of zip-bestand",
        ),
        (
            "x.csv",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "een oud Excel- of Office-bestand",
        ),
        ("x.csv", b"%PDF-1.7\n", "een PDF-bestand"),
        ("x.csv", b'\xef\xbb\xbf<?xml version="1.0"?><CAT/>', "XML"),
        ("x.xml", b"OperatieID,PatientCode\n1,2\n", "geen XML"),
        ("x.csv", b'<CAT versie="1.4"><record><ODS>OD</ODS></record></CAT>', "XML"),
    ],
)
def test_content_that_is_not_what_the_extension_says_is_one_clear_t05(
    cat: DataDictionary, name: str, data: bytes, content: str
) -> None:
    report = validate_file(cat, data, file_name=name)
    assert report.status == "Afgekeurd"
    assert [f.code for f in report.findings] == ["T05"]
    extension = name.rsplit(".", 1)[1]
    assert report.findings[0].message == (
        f"De extensie .{extension} past niet bij de inhoud ({content})"
    )
    english = validate_file(cat, data, file_name=name, lang="en").findings[0].message
    assert english.startswith(f"The extension .{extension} does not match the content (")
    from datahub.validation import translate_message

    assert translate_message("T05", report.findings[0].message, "en") == english


def test_a_stream_giving_little_at_a_time_reads_a_header_after_empty_lines(cat) -> None:
    data = b"\r\n\n" + csv_bytes(cat.field_names, [cat_row(1)])
    whole = validate_file(cat, data, file_name="x.csv").to_dict()

    class Trickle(_Pipe):
        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
            block = self._data.read(min(len(buffer), 3))
            buffer[: len(block)] = block
            return len(block)

    assert [f["code"] for f in whole["findings"]] == ["T03", "T03"]
    assert validate_file(cat, Trickle(data), file_name="x.csv").to_dict() == whole


def test_the_cut_finds_the_record_boundary_before_a_long_quoted_value() -> None:
    """The cut looked back at most 10,000 lines: a quoted value of more lines across the end
    of a 16 MiB buffer made it give up, and the record was then read line by line, in pieces."""
    before = b"1,a\n" * 100
    buffer = before + b'2,"' + b"r\n" * 30_000  # the value goes on past the buffer's end
    assert _csv._cut(buffer) == len(before)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("remark", ["", "a, b", 'a "b"\nc'])
def test_well_formed_chunks_take_the_fast_path(
    cat: DataDictionary, monkeypatch: pytest.MonkeyPatch, newline: str, remark: str
) -> None:
    """Files with LF or CRLF, with or without quoted values (also over several lines), are
    proven well-formed without the careful tokenizer."""
    careful: list[int] = []
    tokenizer = _csv.CsvReader._careful

    def counted(self: _csv.CsvReader, chunk: bytes, line: int, offset: int) -> pl.DataFrame | None:
        careful.append(line)
        return tokenizer(self, chunk, line, offset)

    monkeypatch.setattr(_csv.CsvReader, "_careful", counted)
    rows = [cat_row(i, Opmerking=remark if i % 3 == 0 else "") for i in range(1, 40)]
    data = csv_bytes(cat.field_names, rows, newline=newline)
    report = validate_file(cat, data, file_name="x.csv")
    assert report.total == 39 and not [f for f in report.findings if f.code.startswith("T")]
    assert careful == []


@pytest.mark.parametrize("quoted", [False, True], ids=["some-quoted", "all-quoted"])
@pytest.mark.parametrize("chunk", [300, 2000, 1 << 20])
def test_a_stray_quote_is_one_t04_whatever_the_chunks(
    cat: DataDictionary, quoted: bool, chunk: int
) -> None:
    """A quote inside a plain value opens nothing: one T04 for its line, and the quoted
    values over several lines further on are read whole. The cut paired quotes, so after the
    stray one it cut such values in two: dozens of T04s, and more records than the file had."""
    rows = [cat_row(i, Opmerking="begin\neind" if i % 4 == 0 else "") for i in range(1, 80)]
    lines = [
        ",".join(f'"{v}"' for v in (row[n] for n in cat.field_names)) if quoted else line
        for row, line in zip(rows, body(cat, rows), strict=True)
    ]
    lines[9] = lines[9].replace(",OD,", ',O"D,') if not quoted else lines[9] + 'x"'
    data = ("\r\n".join([",".join(cat.field_names), *lines]) + "\r\n").encode()
    report = validate_text(cat, data, chunk_size=chunk)
    assert technical(report) == [("T04", 13)]  # two values over two lines before it
    assert report.total == 79
    assert not [f for f in report.findings if not f.code.startswith("T")]


def test_excel_exports_in_other_forms_get_one_clear_finding_however_they_vary(
    cat: DataDictionary,
) -> None:
    """Found by a review: each gave the old report of many findings, or the wrong one."""
    names = cat.field_names
    text = csv_bytes(names, [cat_row(1), cat_row(2)])
    semicolons = text.replace(b",", b";")
    quoted = b"\n".join(
        b";".join(b'"' + v + b'"' for v in line.split(b";")) for line in semicolons.splitlines()
    )
    cases = {  # file: its only finding
        "semicolons, every value quoted": (quoted, "T02", "gescheiden door ';'"),
        "semicolons, empty columns at the end": (
            semicolons.replace(b"Opmerking\n", b"Opmerking;;;;;\n"),
            "T02",
            "gescheiden door ';'",
        ),
        "UTF-16 after a UTF-8 byte-order mark": (
            b"\xef\xbb\xbf" + text.decode().encode("utf-16-le"),
            "T01",
            "UTF-16",
        ),
    }
    for name, (data, code, words) in cases.items():
        findings = validate_text(cat, data).findings
        assert [(f.code, f.line) for f in findings] == [(code, 1)], name
        assert words in findings[0].message, name
    # Excel on a Dutch Mac: both problems at once, not one after the other delivery
    findings = validate_text(cat, semicolons.replace(b"\n", b"\r")).findings
    assert [(f.code, f.line) for f in findings] == [("T04", 1), ("T02", 1)]
    assert "CR-teken" in findings[0].message and "door ';'" in findings[1].message


def test_cr_cr_lf_line_endings_are_one_clear_t04(cat: DataDictionary) -> None:
    """Python's csv writer on Windows, in text mode, ends lines with CR CR LF: every last value
    ends in a CR, and the header's last name was 'misspelt' as one that reads the same."""
    data = csv_bytes(cat.field_names, [cat_row(1)]).replace(b"\n", b"\r\r\n")
    findings = validate_text(cat, data).findings
    assert [(f.code, f.line) for f in findings] == [("T04", 1)]
    assert findings[0].message.startswith("Regel 1 eindigt op CR CR LF (zoals Pythons csv-module")
    english = validate_text(cat, data, lang="en").findings[0].message
    assert english.startswith("Line 1 ends with CR CR LF (as Python's csv module writes")


def test_t02_names_a_duplicated_column_once_and_columns_without_a_name_together(
    cat: DataDictionary,
) -> None:
    """Excel adds empty columns after the last (up to its 16,384): each was a duplicated
    column of an empty name, to the cap of findings (T99), hiding the header's real problem."""
    names = [*cat.field_names, "ODS", "ODS", "ODS"]
    data = csv_bytes(names, []) + b"\n".join([b""])
    findings = validate_text(cat, data).findings
    assert [f.message for f in findings if f.code == "T02"] == [
        "Kolom ODS komt meerdere malen voor in de kopregel"
    ]
    header = ",".join(cat.field_names) + "," * 16_000
    rows = body(cat, [cat_row(1), cat_row(2, Geslacht="7")])
    data = (header + "\n" + "\n".join(r + "," * 16_000 for r in rows) + "\n").encode()
    report = validate_text(cat, data)
    # the rows are read, as with an unknown column
    assert [(f.code, f.record, f.message) for f in report.findings] == [
        ("T02", None, "Kolommen zonder naam in de kopregel: 16000"),
        ("001_RefTab", 2, "Geslacht bevat waarde 7, deze komt niet voor in de referentielijst"),
    ]
    misspelt = validate_text(cat, data.replace(b"Geslacht", b"Geslaht", 1)).findings
    assert [f.message for f in misspelt] == [
        "Kolommen zonder naam in de kopregel: 16000",
        "Kolom Geslaht is verkeerd gespeld, verwacht Geslacht",
    ]


def test_t02_shows_spaces_around_a_name_and_characters_one_cannot_see(cat: DataDictionary) -> None:
    names = [f" {n} " if n == "ODS" else n for n in cat.field_names]
    names = [f"{n}\u00a0" if n == "Opmerking" else n for n in names]
    data = csv_bytes(names, [cat_row(1)])
    messages = [f.message for f in validate_text(cat, data).findings if f.code == "T02"]
    assert messages == [
        "Kolom ' ODS ' heeft spaties voor of na de naam, verwacht ODS",
        "Kolom Opmerking\\xa0 is verkeerd gespeld, verwacht Opmerking",
    ]
    english = [f.message for f in validate_text(cat, data, lang="en").findings]
    assert english[0] == "Column ' ODS ' has spaces before or after its name, expected ODS"
    from datahub.validation import translate_message

    assert translate_message("T02", messages[0], "en") == english[0]


def test_a_stray_cr_in_an_lf_header_is_the_column_it_spoils_not_mac_line_endings(
    cat: DataDictionary,
) -> None:
    names = cat.field_names
    header = ",".join(names[:10]) + "\r" + ",".join(names[10:])
    data = (header + "\n").encode() + csv_bytes(names, [cat_row(1)]).split(b"\n", 1)[1]
    report = validate_text(cat, data)
    messages = [f.message for f in report.findings]
    assert "Kolom Streefrefractie\\rTechniek is onbekend" in messages
    assert not any("CR-teken" in m for m in messages) and report.total == 1


@pytest.mark.parametrize("most", [1, 2, 3])
def test_utf16_without_a_mark_is_known_from_a_stream_that_gives_a_few_bytes_at_a_time(
    cat: DataDictionary, most: int
) -> None:
    text = csv_bytes(cat.field_names, [cat_row(1)]).decode()
    xml = '<CAT versie="1.4"><record/></CAT>'
    for content, name in ((text, "x.csv"), (xml, "x.xml")):
        stream = _Pipe(content.encode("utf-16-le"), most=most)  # read() gives `most` bytes
        report = validate_file(cat, stream, file_name=name)
        assert [(f.code, f.message) for f in report.findings] == [
            ("T01", "Het bestand is gecodeerd als UTF-16; alleen UTF-8 is toegestaan")
        ], name


def test_a_byte_that_is_no_letter_in_windows_1252_either_gets_the_plain_t01(
    cat: DataDictionary,
) -> None:
    rows = body(cat, [cat_row(1), cat_row(2)])
    rows[1] = rows[1].replace("OD", "O\x81")  # 0x81: unassigned in Windows-1252
    data = (",".join(cat.field_names) + "\n" + "\n".join(rows) + "\n").encode("latin-1")
    message, at = validate_text(cat, data).findings[0].message, data.index(b"\x81")
    assert message == f"Regel 3 is geen geldige UTF-8 (byte {at})"


def test_control_characters_in_a_value_near_the_start_are_no_binary_file(tmp_path: Path) -> None:
    """Some exports write a vertical tab for a line break inside a cell; with a short header
    the first values are among the bytes that tell binary data (a review found it refused)."""
    sheets = hip_sheets()
    general = sheets["Aanleverspecificaties algemeen"]
    general[:] = [row for row in general if row[0] != "Periodeveld"]
    for row in general:
        if row[0] in ("Sleutelvelden", "Rapportvelden"):
            row[1] = "PatientID"
    fields = sheets["Bestandsinhoud"]
    sheets["Bestandsinhoud"] = [fields[0], fields[1], [2, *fields[9][1:]]]
    sheets["Validaties"] = sheets["Validaties"][:1]
    sheets["Voorbeeld bestandsinhoud"] = [["PatientID", "Opmerking"], ["P00001", "x"]]
    tiny = load_dictionary(write_sheets(tmp_path / "TINY_3.xlsx", sheets))
    assert tiny.field_names == ("PatientID", "Opmerking")
    report = validate_text(tiny, b"PatientID,Opmerking\nP00001,a\x0bb\x0bc\x0bd\x0be\n")
    assert (report.status, report.findings) == ("Verwerkt", ())


# -- found by a review on 2026-11-30 ---------------------------------------------------------


def _lines(cat: DataDictionary, *rows: bytes, newline: bytes = b"\r\n") -> bytes:
    header = csv_bytes(cat.field_names, [], newline=newline.decode())
    return header + b"".join(row + newline for row in rows)


def _row(cat: DataDictionary, number: int) -> bytes:
    return csv_bytes(cat.field_names, [cat_row(number)]).split(b"\n")[1]


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (b",extra", "Regel 3 heeft 20 velden, verwacht 19"),
        (b'x"y', "Regel 3 heeft ongeldige aanhalingstekens"),  # in the last value
    ],
)
def test_a_line_that_is_not_utf8_still_gets_its_t04(cat, broken: bytes, problem: str) -> None:
    """The T01 of a line hid its T04: every technical error is reported, not only the first."""
    line = _row(cat, 2).replace(b"OD", b"\xe9D", 1) + broken
    data = _lines(cat, _row(cat, 1), line, _row(cat, 3))
    report = validate_file(cat, data, file_name="x.csv")
    assert [(f.code, f.line) for f in report.findings] == [("T01", 3), ("T04", 3)]
    assert report.findings[1].message == problem
    assert report.total == 3


def test_a_line_of_spaces_before_the_header_is_an_empty_line(cat) -> None:
    """It was taken for the header: 19 missing columns and a T04 on every line."""
    data = b" \t\r\n" + _lines(cat, *(_row(cat, n) for n in range(1, 4)))
    report = validate_file(cat, data, file_name="x.csv")
    assert [(f.code, f.line) for f in report.findings] == [("T03", 1)]
    assert report.total == 3


def test_a_header_not_in_utf8_with_broken_quoting_is_read_as_without_the_t01(cat) -> None:
    header = b'"' + ",".join(cat.field_names).encode()
    clean = validate_file(cat, header + b"\r\n" + _row(cat, 1) + b"\r\n", file_name="x.csv")
    data = header.replace(b"Opmerking", b"Opm\xe9rking") + b"\r\n" + _row(cat, 1) + b"\r\n"
    report = validate_file(cat, data, file_name="x.csv")
    assert [f.code for f in report.findings] == ["T01", "T04", "T02", "T02"]
    assert report.findings[1].message == clean.findings[0].message
    assert report.findings[3].message == (
        "Kolom Opm\N{REPLACEMENT CHARACTER}rking is verkeerd gespeld, verwacht Opmerking"
    )


def test_a_stray_cr_in_the_header_of_a_crlf_file_is_no_mac_line_ending(cat) -> None:
    data = _lines(cat, _row(cat, 1), _row(cat, 2)).replace(b"Anesthesie", b"Anesthesie\r", 1)
    report = validate_file(cat, data, file_name="x.csv")
    assert [f.code for f in report.findings] == ["T02"]
    assert report.findings[0].message == (
        "Kolom Anesthesie\\r is verkeerd gespeld, verwacht Anesthesie"
    )
    assert report.total == 2
    alone = csv_bytes(cat.field_names, [], newline="\r\n").replace(b"Anesthesie", b"Anesthesie\r")
    found = validate_file(cat, alone, file_name="x.csv").findings  # (a header alone too)
    assert [f.code for f in found] == ["T02", "T07"]


def test_counting_a_file_of_little_but_quotes_stops_walking_them(monkeypatch) -> None:
    """Reading records by the grammar costs minutes per GB of them: after the budget the rest
    is counted by its lines (a review). Lines whose quoted values close on them cost none."""
    from datahub.validation import _record_count

    data = b'"x";"y"\n' * 2 + b'1;"a\nb"\n' * 3  # three values over two lines each
    exact = _record_count.RecordCounter(b";")
    exact.feed(data)
    assert exact.total() == 5
    monkeypatch.setattr(_record_count, "WALK_BUDGET", 3)
    cheap = _record_count.RecordCounter(b";")
    cheap.feed(data)
    assert cheap.total() == 7  # after the first value over two lines, each line is a record
