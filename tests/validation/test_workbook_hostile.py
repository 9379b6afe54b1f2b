"""Hostile workbooks found by a review (2026-11-30): each test failed before its fix (the far
cells aborted the process, the comments took minutes to hours, the odd values were misread)."""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from datahub.validation import DictionaryError, _calamine, load_dictionary, write_workbook
from datahub.validation._xlsx_scan import scan

GENERAL = "xl/worksheets/sheet1.xml"
FIELDS = "xl/worksheets/sheet2.xml"
SCHEDULE = "xl/worksheets/sheet6.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _changed(
    source: Path | io.BytesIO, part: str, old: str, new: str, *, shared: str = ""
) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in ``part`` (and, given ``shared``, a
    shared strings part holding those ``<si>`` items)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename).decode()
            if item.filename == part:
                assert old in data
                data = data.replace(old, new, 1)
            elif shared and item.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>'
                data = data.replace("</Types>", override + "</Types>")
            elif shared and item.filename == "xl/_rels/workbook.xml.rels":
                relation = (
                    f'<Relationship Id="rIdS" Type="{_SST_RELATION}" Target="sharedStrings.xml"/>'
                )
                data = data.replace("</Relationships>", relation + "</Relationships>")
            copy.writestr(item.filename, data)
        if shared:
            copy.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{shared}</sst>')
    return buffer.getvalue()


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="XFD1048576"><v> </v></c>',  # white space alone
        '<c r="XFD1048576" t="str"><f>""</f><v></v></c>',  # a formula's empty text
        '<c r="XFD1048576" t="d"><v></v></c>',  # an empty date
        '<c r="AAAA40000"><v>1</v></c>',  # four column letters
        '<c r="ZZZZZZZZZZ1"><v>1</v></c>',  # ten
    ],
)
def test_a_far_cell_the_reader_keeps_is_refused_before_it_is_read(hip_path, cell: str) -> None:
    """The scan took these for empty (or read three letters of four) while the reader placed
    them and asked for 23 to 549 GB: the process aborted, without a message."""
    row = '<row r="9">' + cell + "</row></sheetData>"
    with pytest.raises(DictionaryError, match="te veel cellen"):
        load_dictionary(_changed(hip_path, SCHEDULE, "</sheetData>", row))


@pytest.mark.parametrize(
    "comment",
    ["<c " + "a" * 300_000 + ">", "<c " * 300_000],
    ids=["a long name", "many tags without an end"],
)
def test_a_comment_that_looks_like_tags_is_scanned_at_once(hip_path, comment: str) -> None:
    """Both patterns of the scan backtracked over the rest of the block: a 12 KB workbook
    took hours (300,000 letters after "<c" alone: 20 minutes)."""
    workbook = _changed(hip_path, SCHEDULE, "<sheetData>", f"<!-- {comment} --><sheetData>")
    started = time.perf_counter()
    assert load_dictionary(workbook) == load_dictionary(hip_path)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "value",
    ["&#54;", "<![CDATA[6]]>", "6<!-- x -->0", "NaN", "inf", "-Infinity", " 6", "6,5"],
)
def test_a_number_written_in_a_form_the_reader_misreads_is_refused(hip_path, value: str) -> None:
    """Lengte 6 written with a character reference or CDATA was read as empty, "6<!-- -->0" as
    6 (Excel: 60), NaN and inf as numbers no cell can show."""
    old = '<c r="F2" t="n"><v>6</v></c>'
    workbook = _changed(hip_path, FIELDS, old, f'<c r="F2" t="n"><v>{value}</v></c>')
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(workbook)
    problem = next(p for p in refused.value.problems if "F2" in p.nl)
    assert (problem.sheet, problem.row) == ("Bestandsinhoud", 2)
    assert "cel F2 heeft een waarde in een vorm die niet zeker gelezen kan worden" in problem.nl
    assert "cell F2 holds a value in a form that cannot be read reliably" in problem.en


@pytest.mark.parametrize("index", [" 1 ", "1.0", "+1"])
def test_a_shared_text_with_an_index_the_reader_misreads_is_refused(hip_path, index: str) -> None:
    """The reader reads text 0 for an index it cannot parse: Identificerend "ja" (text 1)
    became "nee", and the patient number would not have been pseudonymised."""
    old = '<c r="L2" t="inlineStr"><is><t>ja</t></is></c>'
    shared = "<si><t>nee</t></si><si><t>ja</t></si>"
    plain = _changed(hip_path, FIELDS, old, '<c r="L2" t="s"><v>1</v></c>', shared=shared)
    assert load_dictionary(plain).fields[0].identifying
    odd = _changed(hip_path, FIELDS, old, f'<c r="L2" t="s"><v>{index}</v></c>', shared=shared)
    with pytest.raises(DictionaryError, match="cel L2 heeft een waarde in een vorm"):
        load_dictionary(odd)


def _styled(source: Path | io.BytesIO, old: str, new: str, number_format: str) -> bytes:
    """The workbook with the general sheet's cell ``old`` written as ``new``, whose style 1
    has ``number_format`` (a built-in number, or a format code)."""
    if number_format.isdigit():
        formats, number = "", number_format
    else:
        formats = f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{number_format}"/>'
        formats, number = formats + "</numFmts>", "164"
    styles = (
        f'{formats}<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="{number}" '
        'applyNumberFormat="1"/></cellXfs>'
    )
    workbook = _changed(source, GENERAL, old, new)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        style = archive.read("xl/styles.xml").decode()
    start, end = style.index("<cellXfs"), style.index("</cellXfs>") + len("</cellXfs>")
    patched = style[:start] + styles + style[end:]
    return _changed(io.BytesIO(workbook), "xl/styles.xml", style, patched)


def test_a_number_format_longer_than_excel_allows_is_not_applied(hip_path) -> None:
    """A format of 9 million zeros made each code of a table a 9 MB text (400 codes: 3.6 GB)."""
    zeros = "0" * 300  # (Excel's formats have at most 255 characters)
    old = '<c r="B6" t="n"><v>3</v></c>'  # Versie
    workbook = _styled(hip_path, old, '<c r="B6" s="1" t="n"><v>3</v></c>', zeros)
    assert load_dictionary(workbook).general.version == "3"


def test_a_percentage_is_read_to_the_digits_excel_shows(hip_path) -> None:
    """A formula's 0.1+0.2 in a cell formatted 0.00% (Excel: 30.00%) was 30.000000000000004:
    the workbook written of it read back as 30."""
    old = '<c r="B16" t="n"><v>30</v></c>'  # Afkeurpercentage
    new = '<c r="B16" s="1"><f>0.1+0.2</f><v>0.30000000000000004</v></c>'
    dictionary = load_dictionary(_styled(hip_path, old, new, "10"))
    assert dictionary.general.rejection_percentage == 30
    written = io.BytesIO()
    write_workbook(dictionary, written)
    assert load_dictionary(written.getvalue()) == dictionary


def test_only_the_first_misread_cells_of_each_column_are_kept(hip_path) -> None:
    """Every error cell was kept, in any part: 390 MB of them (1 MB packed) took 110 s and
    1.1 GB. Errors crowding a column the dictionary does not read still leave those of the
    columns it reads in sight."""
    errors = "".join(f'<row r="{r}"><c r="Z{r}" t="e"><v>#N/A</v></c></row>' for r in range(40, 90))
    known = '<row r="95"><c r="F95" t="e"><v>#N/A</v></c></row>'
    workbook = _changed(hip_path, FIELDS, "</sheetData>", errors + known + "</sheetData>")
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(workbook)
    assert [p.nl for p in refused.value.problems if p.nl.startswith("cel")] == [
        "cel F95 bevat een fout (zoals #N/A of #REF!); vul de waarde zelf in"
    ]
    many = io.BytesIO(b"<row>" + b'<c r="A1" t="e"><v>1</v></c>' * 100_000 + b"</row>")
    assert len(scan(many).errors) == 20
    assert scan(io.BytesIO(many.getvalue()), details=False).errors == []


def _rebuilt(
    source: Path | io.BytesIO, parts: Callable[[dict[str, bytes]], dict[str, bytes]]
) -> bytes:
    """The workbook with its parts (by name, in order) as ``parts`` makes them."""
    with zipfile.ZipFile(source) as original:
        found = {item.filename: original.read(item.filename) for item in original.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as copy, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (zipfile warns of a name given twice)
        for name, data in parts(found).items():
            copy.writestr(name, data)
    return buffer.getvalue()


def _renamed(found: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    return {(new if name == old else name): data for name, data in found.items()}


@pytest.mark.parametrize("name", ["xl/worksheets/Sheet1.xml", "xl\\worksheets\\sheet1.xml"])
def test_a_sheet_part_named_otherwise_than_its_relation_is_still_checked(
    hip_path, name: str
) -> None:
    """The reader finds a part whatever its case, and with \\ for /; the scan matched names
    exactly and so checked nothing of that sheet: a formula without a computed value was
    read as empty without a word."""
    formula = _changed(
        hip_path, GENERAL, '<c r="B6" t="n"><v>3</v></c>', '<c r="B6"><f>1+2</f></c>'
    )
    workbook = _rebuilt(io.BytesIO(formula), lambda found: _renamed(found, GENERAL, name))
    with pytest.raises(DictionaryError, match="cel B6 heeft een formule zonder berekende waarde"):
        load_dictionary(workbook)


def test_a_part_given_twice_is_refused(hip_path) -> None:
    def twice(found: dict[str, bytes]) -> dict[str, bytes]:
        return found | {GENERAL.upper(): found[GENERAL].replace(b"HEUP", b"ANDERS")}

    with pytest.raises(DictionaryError, match=r"onderdeel xl/worksheets/sheet1\.xml meer dan eens"):
        load_dictionary(_rebuilt(hip_path, twice))


def test_a_workbook_part_other_than_the_one_the_reader_reads_is_refused(hip_path) -> None:
    """The package may name another workbook part, which Excel shows; the reader reads
    xl/workbook.xml whatever it says: Excel showed one dictionary, the hub imported another."""

    def decoy(found: dict[str, bytes]) -> dict[str, bytes]:
        relations = found["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/decoy.xml")
        return found | {"xl/decoy.xml": found["xl/workbook.xml"], "_rels/.rels": relations}

    with pytest.raises(DictionaryError, match=r"het werkboek is xl/decoy\.xml in plaats van"):
        load_dictionary(_rebuilt(hip_path, decoy))


def test_overlapping_merged_cells_are_refused_at_once(hip_path) -> None:
    """200,000 copies of one merged range over 10,000 rows took 69 s."""
    rows = "".join(f'<row r="{r}"><c r="F{r}" t="n"><v>1</v></c></row>' for r in range(40, 2000))
    merges = '<mergeCells count="5000">' + '<mergeCell ref="F40:F1999"/>' * 5000 + "</mergeCells>"
    workbook = _changed(hip_path, FIELDS, "</sheetData>", rows + "</sheetData>" + merges)
    with pytest.raises(DictionaryError, match="samengevoegde cellen overlappen elkaar"):
        load_dictionary(workbook)


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="999999"><c r="A1"></c><c r="XFC1"></c><c><v>1</v></c></row>',  # a cell's r
        '<row r="999999"><c r="XFD999999" x="&lt;"><v>1</v></c></row>'.replace("&lt;", "<"),
        '<row r="999999"><x:c r="XFD999999"><v>1</v></x:c></row>'.replace("x:", "*:"),
        '<c r="XFC1"></c><row r="999999"><c><v>1</v></c></row>',  # a cell outside a row
    ],
    ids=["a cell's r", "a < in a value", "an odd prefix", "a cell outside a row"],
)
def test_a_sheet_the_reader_cannot_hold_ends_its_child_not_the_process(hip_path, rows) -> None:
    """Where the scan counts otherwise than the reader, the reader asked for 112 GB and
    aborted the process (a web worker, the CLI). It now reads in a child process."""
    workbook = _changed(hip_path, SCHEDULE, "</sheetData>", rows + "</sheetData>")
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(workbook)
    assert "een tabblad beslaat meer cellen dan gelezen kunnen worden" in str(refused.value)
    assert "a sheet spans more cells than can be read" in refused.value.problems[0].en


def _zip_parts(data: bytes) -> tuple[bytes, bytes, int]:
    """A zip's entries, its directory and its number of entries."""
    end = data.rfind(b"PK\x05\x06")
    count, size, offset = struct.unpack("<HLL", data[end + 10 : end + 20])
    return data[:offset], data[offset : offset + size], count


def _moved(directory: bytes, delta: int) -> bytes:
    """A zip directory whose entries start ``delta`` bytes later."""
    out, at = bytearray(directory), 0
    while at < len(out):
        names, extra, comment = struct.unpack("<3H", out[at + 28 : at + 34])
        (offset,) = struct.unpack("<L", out[at + 42 : at + 46])
        out[at + 42 : at + 46] = struct.pack("<L", offset + delta)
        at += 46 + names + extra + comment
    return bytes(out)


def test_a_file_holding_two_archives_is_refused(hip_path) -> None:
    """Python's zip reader takes the last directory record, the reader's another: with one
    archive's directory in the other's comment, each read its own workbook (the checks one,
    the reader one with a far cell, which aborted the process)."""
    first = hip_path.read_bytes()
    far = '<row r="999999"><c r="XFD999999"><v>1</v></c></row></sheetData>'
    second = _changed(hip_path, SCHEDULE, "</sheetData>", far)
    entries, directory, count = _zip_parts(first)
    other_entries, other_directory, other_count = _zip_parts(second)
    start = len(entries) + len(other_entries)
    moved = _moved(other_directory, len(entries))
    record = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, other_count, other_count,
                         len(moved), start, len(directory) + 22)  # fmt: skip
    at = start + len(moved) + 22
    hidden = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count + 50, count, len(directory), at, 0)
    data = entries + other_entries + moved + record + directory + hidden
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # (Python's reader takes the first)
        assert archive.read(SCHEDULE) == zipfile.ZipFile(hip_path).read(SCHEDULE)
    with pytest.raises(DictionaryError, match="meer dan één inhoudsopgave"):
        load_dictionary(data)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ('<c r="F2" t="n"><v>1e999</v></c>', "a number past a float"),
        ('<c r="F2" t="n"><v>6</v><f>3+3</f></c>', "a formula after its value"),
        ('<c r="F2" t="n"><v>6</v><v></v></c>', "a second value"),
    ],
)
def test_a_value_the_reader_reads_as_inf_or_drops_is_refused(hip_path, cell, value) -> None:
    """1e999 was read as inf; of a cell's parts the reader keeps the last, so a value
    followed by a formula or an empty value was read as empty: Lengte 6 vanished."""
    workbook = _changed(hip_path, FIELDS, '<c r="F2" t="n"><v>6</v></c>', cell)
    with pytest.raises(DictionaryError, match="cel F2 heeft een waarde in een vorm"):
        load_dictionary(workbook)


def test_a_header_cell_the_reader_misreads_is_refused(hip_path) -> None:
    """An optional sheet whose header cells were all read as empty was taken for an empty
    sheet, without a word."""
    header = '<c r="A1" t="inlineStr"><is><t>Periode</t></is></c>'
    with zipfile.ZipFile(hip_path) as archive:
        schedule = archive.read(SCHEDULE).decode()
    assert header in schedule
    odd = '<c r="A1" t="inlineStr"><is><t>Periode</t></is><v>x</v></c>'
    with pytest.raises(DictionaryError, match="cel A1 heeft een waarde in een vorm"):
        load_dictionary(_changed(hip_path, SCHEDULE, header, odd))


def test_a_cell_cut_by_the_scans_block_is_read_whole() -> None:
    """The scan reads 1 MiB at a time: a value whose end tag fell past a block's end was
    taken for one holding a "<" (about one sheet in ten over 1 MiB was refused), and its
    style and error were lost. A value of 380 MB without a "<" was read again with each
    block (40 s)."""
    for shift in range(40):
        body = bytearray(b"<sheetData>" + b" " * shift)
        row = 0
        while len(body) < (1 << 20) + 2000:
            row += 1
            cells = b'<c r="A%d" s="3"><v>%d</v></c><c r="B%d" t="e"><v>#N/A</v></c>'
            body += b'<row r="%d">' % row + cells % (row, row, row) + b"</row>"
        found = scan(io.BytesIO(bytes(body) + b"</sheetData>"))
        assert found.odd == [], shift
        assert sorted(found.styles) == [(r, 1) for r in range(1, row + 1)], shift
        assert found.errors == [f"B{r}" for r in range(1, 21)], shift  # (the first 20)
    long = io.BytesIO(b"<row><c><v>1" + b"0" * 50_000_000 + b"</v></c></row>")
    started = time.perf_counter()
    assert scan(long).odd == ["A1"]  # (no number is that long)
    assert time.perf_counter() - started < 5


def test_the_childs_answer_keeps_every_kind_of_value_exactly() -> None:
    values = [
        "tekst \x00 \ud800 😀",
        -0.0,
        5e-324,
        2**60,
        True,
        dt.datetime(2020, 1, 2, 3, 4, 5, 6),
        dt.date(2020, 1, 2),
        dt.time(1, 2, 3, 4),
        dt.timedelta(days=1_000_000, seconds=1, microseconds=123_000),  # (not as a float)
    ]
    text = json.dumps(values, default=_calamine._encoded)
    back = json.loads(text, object_hook=_calamine._decoded)
    assert [(type(v), v) for v in back] == [(type(v), v) for v in values]
    assert str(back[1]) == "-0.0"


def test_a_child_that_cannot_start_is_a_clear_refusal(
    hip_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(DictionaryError) as refused:
        load_dictionary(hip_path)
    assert str(refused.value).startswith(  # (not the workbook's fault)
        "De werkmap kan nu niet worden gelezen door een fout in de hub; probeer het later"
        " opnieuw of meld het aan het beheer (technische melding: [Errno 2]"
    )


def test_the_machines_lower_limits_are_kept(hip_path) -> None:
    """The child raised its limits to 3 GiB and 120 s: under a lower hard limit of the
    machine (ulimit -v, systemd's LimitAS) every workbook was refused."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (100, 100))\n"
        "from datahub.validation import load_dictionary\n"
        "print(load_dictionary(sys.argv[1]).general.code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(hip_path)], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "HEUP", done.stderr
