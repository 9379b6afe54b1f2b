"""CSV reading defects found by a review against an independent RFC 4180 reader (2026-11-29):
each test failed on the engine before its fix."""

from __future__ import annotations

import pytest

from datahub.validation import DataDictionary, iter_valid_records, validate_file

from .helpers import cat_row, quote

BOM = b"\xef\xbb\xbf"


def technical(report) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in report.findings if f.code.startswith("T")]


def read(dictionary: DataDictionary, data: bytes, **options):
    return validate_file(dictionary, data, file_name="x.csv", **options)


def _cat_lines(cat: DataDictionary, *rows: dict[str, str]) -> list[bytes]:
    """ODS first, and Opmerking quoted: the record has a quote, so the fast path's proof
    matches its line against the grammar instead of counting its values' bytes."""
    names = ["ODS", *(n for n in cat.field_names if n != "ODS")]

    def line(row: dict[str, str]) -> bytes:
        values = (f'"{row[n]}"' if n == "Opmerking" else quote(row[n]) for n in names)
        return (",".join(values) + "\n").encode()

    return [(",".join(names) + "\n").encode(), *(line(r) for r in rows)]


@pytest.mark.parametrize("where", ["first record", "chunk start"])
def test_a_byte_order_mark_past_the_files_start_is_part_of_the_value(cat, where) -> None:
    """polars drops a BOM at the start of the piece it is given: U+FEFF OD passed as OD, was
    validated and forwarded as OD."""
    header, first, second = _cat_lines(cat, cat_row(1, Opmerking="ok"), cat_row(2, Opmerking="ok"))
    if where == "first record":
        data, options = header + BOM + second, {}
    else:
        data, options = header + first + BOM + second, {"chunk_size": len(first) + 10}
    report = read(cat, data, **options)
    assert [(f.code, f.field, f.value) for f in report.findings] == [
        ("001_RefTab", "ODS", "\ufeffOD")
    ]
    forwarded = list(
        iter_valid_records(
            cat,
            header + first + BOM + second,
            read(cat, header + first + BOM + second),
            file_name="x.csv",
        )
    )
    assert [r["ODS"] for r in forwarded] == ["OD"]  # record 2 has an error: not forwarded


@pytest.mark.parametrize("chunk", [None, 150, 1000, 4096])
def test_the_cap_of_technical_findings_falls_on_the_same_line_whatever_the_pieces(
    hip: DataDictionary, chunk: int | None
) -> None:
    """Every T01 of a piece read carefully was added before its T04s: which 1,000 findings
    were kept, and the count of records, depended on where the file was cut. (A line that is
    not UTF-8 gets its T04 as well.)"""
    header = ",".join(hip.field_names).encode() + b"\n"
    lines = b"".join(b"a,\xff,c\n" if i % 2 == 0 else b"x\n" for i in range(1500))
    report = read(hip, header + lines, chunk_size=chunk)
    found = technical(report)
    assert len(found) == 1001 and found[-1] == ("T99", 668)
    assert found[:3] == [("T01", 2), ("T04", 2), ("T04", 3)]
    assert [code for code, _ in found].count("T01") == 334
    assert report.total == 667


@pytest.mark.parametrize("chunk", [None, 150, 4096])
def test_after_the_cap_the_report_has_no_content_findings(hip, chunk) -> None:
    """Which good records had been checked when reading stopped depended on the pieces (0,
    512, 999 or 1,000 findings for one file)."""
    header = ",".join(hip.field_names).encode() + b"\n"
    good = ",".join(["P1", "2021-13-01"] + [""] * (len(hip.field_names) - 2)).encode()
    report = read(hip, header + (b"x\n" + good + b"\n") * 3000, chunk_size=chunk)
    assert {f.code for f in report.findings} == {"T04", "T99"}
    assert report.total == 2001 and report.status == "Afgekeurd"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ('{}"x', "Regel 1 heeft ongeldige aanhalingstekens"),
        ('"{}', "Regel 1: aanhalingsteken wordt niet gesloten"),
    ],
)
def test_a_header_with_broken_quoting_keeps_its_number_of_columns(hip, broken, reason) -> None:
    """The partial names of the tokenizer were taken for the header: every good data line
    then had 'Regel 2 heeft 8 velden, verwacht 2'."""
    names = list(hip.field_names)
    names[1] = broken.format(names[1])
    lines = [",".join(names), *(",".join(["v"] * len(names)) for _ in range(3))]
    report = read(hip, ("\n".join(lines) + "\n").encode())
    assert [f.message for f in report.findings if f.code == "T04"] == [reason]
    assert {f.line for f in report.findings} == {1}  # T04 and T02s of the header only


def test_a_double_quote_never_closes_a_value(hip: DataDictionary) -> None:
    """An unterminated value closes at the next lone quote: the regex took the first quote of
    "" for it, so a broken line was lost and a record swallowed."""
    header = ",".join(hip.field_names).encode() + b"\n"
    width = len(hip.field_names)
    broken = b'P1,"x\n' + b"4,5\n" + b"7," + b'""' + b"," * (width - 2) + b"\n"
    report = read(hip, header + broken)
    assert technical(report) == [("T04", 2), ("T04", 3)]  # line 4 is a record again
    assert report.findings[0].message == "Regel 2: aanhalingsteken wordt niet gesloten"
    assert report.total == 3


@pytest.mark.parametrize(("data", "empty"), [(b"\n\n", [1, 2]), (BOM + b"\r\n", [1])])
def test_a_file_of_only_empty_lines_reports_each(cat, data: bytes, empty: list[int]) -> None:
    report = read(cat, data)
    assert [line for code, line in technical(report) if code == "T03"] == empty
    assert {code for code, _ in technical(report)} == {"T02", "T03", "T07"}
