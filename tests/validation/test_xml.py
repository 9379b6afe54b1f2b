"""XML files: the generated XSD, streaming reading, hostile documents."""

from __future__ import annotations

import io
import time
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from datahub.validation import DataDictionary, generate_xsd, load_dictionary, validate_file

from .helpers import cat_row, csv_bytes, hip_row


def xml_bytes(dictionary: DataDictionary, rows, *, root: str | None = None) -> bytes:
    lines = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root or dictionary.general.code} '
        f'versie="{dictionary.general.version}">'
    ]
    for row in rows:
        lines.append("  <record>")
        for name in dictionary.field_names:
            value = row.get(name, "")
            if value != "":
                lines.append(f"    <{name}>{escape(value)}</{name}>")
        lines.append("  </record>")
    lines.append(f"</{root or dictionary.general.code}>")
    return ("\n".join(lines) + "\n").encode()


def schema(dictionary: DataDictionary) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(generate_xsd(dictionary)))


@pytest.mark.parametrize("name", ["cat", "iknl", "proms", "hip"])
def test_the_generated_xsd_is_a_valid_schema_accepting_the_examples(name, request) -> None:
    dictionary: DataDictionary = request.getfixturevalue(name)
    rows = [
        dict(zip(dictionary.field_names, (v or "" for v in e), strict=True))
        for e in dictionary.examples
    ]
    document = etree.fromstring(xml_bytes(dictionary, rows))
    assert schema(dictionary).validate(document), schema(dictionary).error_log


def test_the_published_xsd_carries_types_lengths_patterns_and_codes(hip: DataDictionary) -> None:
    xsd = schema(hip)

    def valid(**changes: str) -> bool:
        return xsd.validate(etree.fromstring(xml_bytes(hip, [hip_row(1, **changes)])))

    assert valid()
    assert valid(Dosis="1")  # decimal codes compare numerically, like the engine
    assert not valid(Zijde="X")
    assert not valid(Gewicht="72.55")
    assert not valid(Gewicht="301")
    assert not valid(Opnamedatum="2021-02-30")
    assert not valid(PatientID="Q00001")
    assert not valid(Opmerking="x" * 21)
    assert not valid(Zijde="")
    assert valid(Opmerking="")


def test_fields_on_one_reference_table_share_its_codes_in_the_xsd(
    hip: DataDictionary,
) -> None:
    """Each field had the table's codes of its own: ten fields on a table of 70,000 codes
    made an XSD that took a gigabyte to compile. A field with a limit keeps its own (the
    schema wants the limit to be one of the codes it restricts)."""
    from dataclasses import replace

    zijde = hip.field("Zijde")
    other = replace(zijde, order=len(hip.fields) + 1, name="Zijde2", required=False)
    dictionary = replace(hip, fields=(*hip.fields, other))
    xsd = generate_xsd(dictionary)
    assert xsd.count(b'<xs:enumeration value="L"/>') == 1
    assert b'name="_tabel_1"' in xsd
    compiled = etree.XMLSchema(etree.fromstring(xsd))
    for value, valid in (("L", True), ("X", False), ("", True)):
        row = hip_row(1, Zijde2=value)
        document = etree.fromstring(xml_bytes(dictionary, [row]))
        assert compiled.validate(document) is valid, value
    dosis = replace(hip.field("Dosis"), maximum="1")  # decimal codes 0.5, 1.0 and 2, limited
    limited = replace(hip, fields=tuple(dosis if f.name == "Dosis" else f for f in hip.fields))
    compiled = etree.XMLSchema(etree.fromstring(generate_xsd(limited)))
    for value, valid in (("0.5", True), ("2", False)):
        document = etree.fromstring(xml_bytes(limited, [hip_row(1, Dosis=value)]))
        assert compiled.validate(document) is valid, value


def test_xml_records_get_the_same_content_findings_as_csv(cat: DataDictionary) -> None:
    rows = [cat_row(1, VaCCPO="200.00"), cat_row(2, Geslacht=""), cat_row(1, VaCCPO="200.00")]
    from_xml = validate_file(cat, xml_bytes(cat, rows), file_name="x.xml")
    from_csv = validate_file(cat, csv_bytes(cat.field_names, rows), file_name="x.csv")
    strip = [(f.record, f.code, f.field, f.value, f.message) for f in from_xml.findings]
    assert strip == [(f.record, f.code, f.field, f.value, f.message) for f in from_csv.findings]
    assert [f.line for f in from_xml.findings][:2] == [3, 3]
    assert from_xml.status == from_csv.status == "Afgekeurd"


def test_the_format_is_recognised_without_a_file_name(hip: DataDictionary) -> None:
    report = validate_file(hip, xml_bytes(hip, [hip_row(1, Zijde="Q")]))
    assert [f.code for f in report.findings] == ["001_RefTab", "H04"]


def test_t06_a_document_that_is_not_well_formed_has_its_line(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2)]).replace(b"</Zijde>", b"</Zij>", 2)
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.line) for f in report.findings] == [("T06", 8)]
    assert report.status == "Afgekeurd"


def test_t06_every_structural_error_with_its_line(hip: DataDictionary) -> None:
    rows = [hip_row(1), hip_row(2), hip_row(3)]
    data = xml_bytes(hip, rows)
    data = data.replace(b"<Zijde>L</Zijde>", b"<Kant>L</Kant>", 1)
    pair = b"    <Zijde>L</Zijde>\n    <Gewicht>72.5</Gewicht>\n"
    head, tail = data.rsplit(pair, 1)
    data = head + b"    <Gewicht>72.5</Gewicht>\n    <Zijde>L</Zijde>\n" + tail
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.line) for f in report.findings] == [("T06", 8), ("T06", 29)]
    assert "Kant" in report.findings[0].message


def test_t07_an_xml_file_without_records(hip: DataDictionary) -> None:
    report = validate_file(hip, b"<HEUP/>", file_name="x.xml")
    assert [f.code for f in report.findings] == ["T07"]


def test_billion_laughs_ends_in_t06_quickly(hip: DataDictionary) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 12)
    )
    data = (
        f'<?xml version="1.0"?><!DOCTYPE HEUP [{entities}]>'
        "<HEUP><record><PatientID>&a11;</PatientID></record></HEUP>"
    ).encode()
    started = time.perf_counter()
    report = validate_file(hip, data, file_name="x.xml")
    assert time.perf_counter() - started < 5
    assert next(f.code for f in report.findings) == "T06"
    assert report.status == "Afgekeurd"


def test_external_entities_are_never_read(hip: DataDictionary, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE HEUP [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<HEUP><record><PatientID>&x;</PatientID></record></HEUP>"
    ).encode()
    report = validate_file(hip, data, file_name="x.xml")
    assert next(f.code for f in report.findings) == "T06"
    assert "TOPSECRET" not in report.to_json()


def test_a_dtd_is_refused(hip: DataDictionary) -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE HEUP SYSTEM "http://example.invalid/x.dtd"><HEUP/>'
    report = validate_file(hip, data, file_name="x.xml")
    assert report.findings[0].message == (
        "XML-bestand bevat een DOCTYPE/DTD; dat is niet toegestaan"
    )


def test_garbage_named_xml_is_one_finding_that_it_is_no_xml(hip: DataDictionary) -> None:
    report = validate_file(hip, b"\x00\xffnot xml", file_name="x.xml")
    assert [f.message for f in report.findings] == [
        "De extensie .xml past niet bij de inhoud (geen XML)"
    ]
    report = validate_file(hip, bytes(range(256)), file_name="x.xml")
    assert [f.message for f in report.findings] == [
        "De extensie .xml past niet bij de inhoud (binaire gegevens, geen tekst)"
    ]


def test_a_missing_required_element_is_a_record_error_like_an_empty_csv_value(hip) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2, Gewicht="")])
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.record, f.code, f.field, f.line) for f in report.findings] == [
        (2, "002", "Gewicht", 13)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?><HEUP><record/></HEUP>',
            "Het bestand is gecodeerd als ISO-8859-1; alleen UTF-8 is toegestaan",
        ),
        (
            '<?xml version="1.0" encoding="UTF-16"?><HEUP><record/></HEUP>'.encode("utf-16"),
            "Het bestand is gecodeerd als UTF-16; alleen UTF-8 is toegestaan",
        ),
        (
            "<HEUP><record/></HEUP>".encode("utf-16-le"),
            "Het bestand is gecodeerd als UTF-16; alleen UTF-8 is toegestaan",
        ),
        (b"<HEUP>\n<record><PatientID>caf\xe9</PatientID></record></HEUP>", None),
    ],
)
def test_t01_an_xml_file_that_is_not_utf8(hip: DataDictionary, data: bytes, message) -> None:
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.line) for f in report.findings] == [("T01", 2 if message is None else 1)]
    ansi = "Regel 2 is geen geldige UTF-8 (byte 29, in Windows-1252 het teken 'é'): lever"
    assert report.findings[0].message == (message or ansi + " het bestand aan in UTF-8")
    assert report.status == "Afgekeurd"


@pytest.mark.parametrize(
    ("byte", "detail"),
    [
        (b"\xeb", ", in Windows-1252 het teken 'ë'): lever het bestand aan in UTF-8"),
        (b"\x81", ")"),  # no character in Windows-1252
    ],
)
def test_t01_of_xml_names_the_byte_and_its_character_as_for_csv(
    hip: DataDictionary, byte: bytes, detail: str
) -> None:
    """XML's T01 said only the line; CSV's the byte offset and the character in "ANSI"."""
    rows = [hip_row(n) for n in range(1, 2001)]
    rows[1500]["Opmerking"] = "Noel"
    data = xml_bytes(hip, rows).replace(b"Noel", b"No" + byte + b"l")
    offset = data.index(byte)
    line = data[:offset].count(b"\n") + 1
    report = validate_file(hip, data, file_name="x.xml")
    assert offset > 100_000  # past the first blocks the parser read
    assert [(f.code, f.line) for f in report.findings] == [("T01", line)]
    expected = f"Regel {line} is geen geldige UTF-8 (byte {offset}" + detail
    assert report.findings[0].message == expected
    csv = csv_bytes(hip.field_names, rows).replace(b"Noel", b"No" + byte + b"l")
    from_csv = validate_file(hip, csv, file_name="x.csv").findings[0].message
    assert from_csv.split(" (byte ")[1].split(")")[1] == expected.split(" (byte ")[1].split(")")[1]


def test_an_xml_file_declared_as_utf8_or_ascii_is_read(hip: DataDictionary) -> None:
    for declared in ("utf-8", "UTF8", "US-ASCII"):
        data = xml_bytes(hip, [hip_row(1)]).replace(b'"UTF-8"', f'"{declared}"'.encode())
        assert validate_file(hip, data, file_name="x.xml").status == "Verwerkt", declared


def test_t08_the_version_in_the_file_is_not_the_dictionary_version(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1)]).replace(b'versie="3"', b'versie="2"')
    report = validate_file(hip, data, file_name="x.xml")
    assert [(f.code, f.message) for f in report.findings] == [
        ("T08", "Versie in het bestand (2) komt niet overeen met de aanlevering (3)")
    ]
    assert report.status == "Afgekeurd"
    without = xml_bytes(hip, [hip_row(1)]).replace(b' versie="3"', b"")
    assert validate_file(hip, without, file_name="x.xml").status == "Verwerkt"


def test_t06_text_between_the_records(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2)])
    data = data.replace(b"  <record>", b"x<record>", 1)  # after the root's start tag
    data = data.replace(b"</record>\n</HEUP>", b"</record>tail\n</HEUP>")  # after a record
    report = validate_file(hip, data, file_name="x.xml")
    # the line the text is on: counted back from the element that follows it, or from the
    # root's end tag (it was the line of the second record's start tag, 13)
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("T06", 3, "XML-fout op regel 3: tekst buiten een record"),
        ("T06", 22, "XML-fout op regel 22: tekst buiten een record"),
    ]


def test_a_format_with_anchors_means_the_same_in_the_published_xsd(hip: DataDictionary) -> None:
    """XSD patterns know no anchors: '^P[0-9]{5}$' would make '^' and '$' characters, and
    the published schema would refuse every file the hub itself accepts."""
    from dataclasses import replace

    fields = tuple(
        replace(f, format="^P[0-9]{5}$") if f.name == "PatientID" else f for f in hip.fields
    )
    anchored = replace(hip, fields=fields)
    xsd = schema(anchored)
    for value, ok in (("P00001", True), ("Q00001", False), ("^P00001$", False)):
        data = xml_bytes(anchored, [hip_row(1, PatientID=value)])
        assert xsd.validate(etree.fromstring(data)) is ok, value
        report = validate_file(anchored, data, file_name="x.xml")
        assert (not any(f.code == "006" for f in report.findings)) is ok, value


def test_elements_that_are_no_records_stop_the_read_instead_of_filling_memory(
    hip: DataDictionary, monkeypatch
) -> None:
    """Records in a namespace (or named <Record>) are never freed as records: past a gap
    without a record (16 MiB; 4 KiB here) the read stops with one clear finding."""
    import io

    from datahub.validation import _xml

    monkeypatch.setattr(_xml, "MAX_GAP", 4096)
    data = xml_bytes(hip, [hip_row(n) for n in range(1, 400)])
    data = data.replace(b'<HEUP versie="3">', b'<HEUP versie="3" xmlns="urn:heup">')
    stream = io.BytesIO(data)
    report = validate_file(hip, stream, file_name="x.xml", lang="en")
    assert [(f.code, f.line) for f in report.findings] == [("T06", 1)]
    assert "no record in the first 0 MiB: are the elements named otherwise" in (
        report.findings[0].message
    )
    assert stream.tell() < len(data) // 2  # stopped early
    # a record after a gap is fine as long as the gap is smaller
    assert validate_file(hip, xml_bytes(hip, [hip_row(1)]), file_name="x.xml").status == (
        "Verwerkt"
    )


def test_an_encoding_declared_past_the_first_kilobyte_is_not_honoured(
    hip: DataDictionary,
) -> None:
    head = b'<?xml version="1.0"' + b" " * 1100 + b'encoding="ISO-8859-1"?>\n'
    body = xml_bytes(hip, [hip_row(1, Opmerking="caf\xe9")]).split(b"\n", 1)[1]
    data = head + body.replace("café".encode(), b"caf\xe9")
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.code for f in report.findings] == ["T01"]
    assert report.status == "Afgekeurd"


def test_an_undefined_entity_is_named_with_its_line(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1, Opmerking="x")]).replace(b">x<", b">&nbsp;x<")
    report = validate_file(hip, data, file_name="x.xml")
    line = data[: data.index(b"&nbsp;")].count(b"\n") + 1
    assert [(f.code, f.line) for f in report.findings] == [("T06", line)]
    assert "nbsp" in report.findings[0].message


def test_the_engines_own_xml_reasons_are_english_in_an_english_report(
    hip: DataDictionary,
) -> None:
    data = xml_bytes(hip, [hip_row(1)]).replace(b"<record>", b"<record><Kleur/>", 1)
    data = data.replace(b'versie="3"', b'versie="3" kleur="rood"')
    report = validate_file(hip, data, file_name="x.xml", lang="en")
    messages = [f.message for f in report.findings]
    assert messages[0] == "XML error on line 2: unknown attribute kleur"
    assert all("onbekend" not in m for m in messages), messages


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            [
                "XML-fout op regel 2: onbekend attribuut q:kleur",
                "XML-fout op regel 3: onbekend attribuut q:a op element record",
                "XML-fout op regel 3: onbekend element q:Kleur",
                "XML-fout op regel 3: onbekend element Maat (namespace urn:d)",
                "XML-fout op regel 3: onbekend attribuut q:b op element Maat (namespace urn:d)",
                "XML-fout op regel 12: onbekend element q:record",
            ],
        ),
        (
            "en",
            [
                "XML error on line 2: unknown attribute q:kleur",
                "XML error on line 3: unknown attribute q:a on element record",
                "XML error on line 3: unknown element q:Kleur",
                "XML error on line 3: unknown element Maat (namespace urn:d)",
                "XML error on line 3: unknown attribute q:b on element Maat (namespace urn:d)",
                "XML error on line 12: unknown element q:record",
            ],
        ),
    ],
)
def test_names_in_a_namespace_are_shown_as_the_file_writes_them(
    hip: DataDictionary, lang: str, expected: list[str]
) -> None:
    """They were shown in lxml's notation, {urn:q}kleur, which the file does not hold."""
    extra = '<q:Kleur/><Maat xmlns="urn:d" q:b="1"/>'
    data = xml_bytes(hip, [hip_row(1)]).replace(b"<record>", f'<record q:a="1">{extra}'.encode())
    data = data.replace(b"</record>", b"</record><q:record/>", 1)  # (between the records)
    data = data.replace(b'versie="3"', b'versie="3" xmlns:q="urn:q" q:kleur="rood"')
    report = validate_file(hip, data, file_name="x.xml", lang=lang)
    assert [f.message for f in report.findings] == expected


def test_what_the_published_xsd_accepts_is_accepted(hip: DataDictionary) -> None:
    """A schema location on the root, and a typed value between newlines (XSD's integer,
    decimal and date types collapse white space)."""
    data = xml_bytes(hip, [hip_row(1)]).replace(
        b'versie="3"',
        b'versie="3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:noNamespaceSchemaLocation="HEUP.xsd"',
    )
    data = data.replace(b"<Pijnscore>3</Pijnscore>", b"<Pijnscore>\n      3\n    </Pijnscore>")
    schema = etree.XMLSchema(etree.fromstring(generate_xsd(hip)))
    assert schema.validate(etree.fromstring(data)), schema.error_log
    report = validate_file(hip, data, file_name="x.xml")
    assert report.status == "Verwerkt", report.findings


def test_text_between_records_is_reported_on_its_own_line(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2), hip_row(3)])
    first_end = data.index(b"</record>") + len(b"</record>")
    data = data[:first_end] + b"\n\n  stray\n" + data[first_end:]
    report = validate_file(hip, data, file_name="x.xml")
    line = data[: data.index(b"stray")].count(b"\n") + 1
    assert [(f.code, f.line) for f in report.findings] == [("T06", line)]


def test_a_record_inside_a_record_is_reported_once_not_its_fields(hip: DataDictionary) -> None:
    data = xml_bytes(hip, [hip_row(1), hip_row(2)])
    data = data.replace(b"</record>", b"<record><PatientID>P9</PatientID></record></record>", 1)
    report = validate_file(hip, data, file_name="x.xml")
    assert report.status == "Afgekeurd"
    assert not [f for f in report.findings if "onbekend element" in f.message], report.findings
    assert any("verkeerde plaats" in f.message for f in report.findings)
    assert report.total == 2  # the one inside is part of the first, not a third


def test_a_record_too_large_is_reported_after_the_last_record_read(
    hip: DataDictionary, monkeypatch
) -> None:
    from datahub.validation import _xml

    monkeypatch.setattr(_xml, "MAX_GAP", 65536)  # lxml reads 32 KiB at a time
    rows = [hip_row(n) for n in range(1, 6)]
    rows[3]["Opmerking"] = "y" * 200_000  # record 4: more than the gap allows
    data = xml_bytes(hip, rows)
    report = validate_file(hip, data, file_name="x.xml")
    third = data.split(b"<record>")[3]  # the record before the large one
    line = data[: data.index(third)].count(b"\n") + 1
    assert [(f.code, f.line) for f in report.findings] == [("T06", line)]
    assert "na het record op deze regel volgt 0 MiB zonder een volgend record" in (
        report.findings[0].message
    )
    assert report.total == 3


def test_text_between_records_is_never_placed_before_the_record_it_follows(
    hip: DataDictionary,
) -> None:
    """Comments are removed and &#10; is no line: counting back may not go past the record."""
    data = xml_bytes(hip, [hip_row(1), hip_row(2)])
    first_end = data.index(b"</record>") + len(b"</record>")
    data = (
        data[:first_end]
        + b"\n stray&#10;&#10;&#10;&#10;&#10;&#10;&#10;&#10;&#10;&#10;"
        + (data[first_end:])
    )
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.code for f in report.findings] == ["T06"]
    assert report.findings[0].line >= 3  # the first record starts on line 3


def _published_schema_accepts(dictionary: DataDictionary, data: bytes) -> bool:
    schema = etree.XMLSchema(etree.fromstring(generate_xsd(dictionary)))
    return bool(schema.validate(etree.fromstring(data)))


def _hip_xml(dictionary: DataDictionary, row: dict[str, str]) -> bytes:
    values = "".join(f"<{n}>{row[n]}</{n}>" for n in dictionary.field_names if row.get(n))
    root, version = dictionary.general.code, dictionary.general.version
    return f"<{root} versie='{version}'><record>{values}</record></{root}>".encode()


def test_the_published_xsd_accepts_a_format_with_anchors_in_its_alternatives(tmp_path) -> None:
    from .helpers import hip_sheets, write_sheets

    sheets = hip_sheets()
    row = next(r for r in sheets["Bestandsinhoud"] if r[1] == "PatientID")
    row[7] = "^P[0-9]{5}$|^(?:Q[0-9]{5})$"  # XSD has no anchors and no (?:
    dictionary = load_dictionary(write_sheets(tmp_path / "h.xlsx", sheets))
    data = _hip_xml(dictionary, hip_row(1))
    assert validate_file(dictionary, data, file_name="x.xml").findings == ()
    assert _published_schema_accepts(dictionary, data)


def test_the_published_xsd_refuses_hour_24_as_the_engine_does(tmp_path) -> None:
    from .helpers import hip_sheets, write_sheets

    dictionary = load_dictionary(write_sheets(tmp_path / "h.xlsx", hip_sheets()))
    data = _hip_xml(dictionary, hip_row(1, Tijdstip="2021-03-02T24:00:00"))
    assert [f.code for f in validate_file(dictionary, data, file_name="x.xml").findings] == ["004"]
    assert not _published_schema_accepts(dictionary, data)


class _Trickle(io.RawIOBase):
    """A stream that gives at most three bytes a read (a slow pipe)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        block = self._data.read(min(len(buffer), 3))
        buffer[: len(block)] = block
        return len(block)


def test_utf16_xml_after_a_utf8_mark_or_from_a_trickling_stream_is_one_t01(
    cat: DataDictionary,
) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<CAT versie="1.4"><record/></CAT>\n'
    sources = {
        "after a UTF-8 mark": b"\xef\xbb\xbf" + text.encode("utf-16"),
        "big-endian, three bytes a read": io.BufferedReader(_Trickle(text.encode("utf-16-be"))),
    }
    for name, source in sources.items():
        report = validate_file(cat, source, file_name="x.xml")
        assert [(f.code, f.message) for f in report.findings] == [
            ("T01", "Het bestand is gecodeerd als UTF-16; alleen UTF-8 is toegestaan")
        ], name


def test_t08_a_root_naming_another_registry_also_where_the_xml_breaks(hip: DataDictionary) -> None:
    expected = "Registratie in het bestand (CAT) komt niet overeen met de aanlevering (HEUP)"
    data = xml_bytes(hip, [hip_row(1)], root="CAT")
    report = validate_file(hip, data, file_name="x.xml")
    assert (report.findings[0].code, report.findings[0].message) == ("T08", expected)
    assert [f.code for f in report.findings] == ["T08", "T06"]  # and the XSD's root
    assert "verwacht HEUP" in report.findings[1].message
    broken = b"<?xml version='1.0'?>\n<!-- by <EPD> -->\n<CAT><record><A>1</B>"
    findings = validate_file(hip, broken, file_name="x.xml").findings
    assert [(f.code, f.line) for f in findings][:1] == [("T08", 3)]
    assert not validate_file(hip, xml_bytes(hip, [hip_row(1)]), file_name="x.xml").findings


# -- found by a review on 2026-11-30 ---------------------------------------------------------


def test_thousands_of_namespace_declarations_are_one_t06_not_minutes(hip) -> None:
    """Each record's check copied the root's declarations: 10,000 of them made a 252 KB file
    of 200 valid records take 31 s."""
    declarations = " ".join(f'xmlns:n{i}="urn:{i}"' for i in range(10_000))
    data = xml_bytes(hip, [hip_row(n) for n in range(1, 201)])
    data = data.replace(b'versie="3">', f'versie="3" {declarations}>'.encode(), 1)
    started = time.perf_counter()
    report = validate_file(hip, data, file_name="x.xml")
    assert time.perf_counter() - started < 5
    assert [(f.code, f.message) for f in report.findings] == [
        ("T06", "XML-fout op regel 2: meer dan 100 namespaces gedeclareerd")
    ]
    few = data.replace(declarations.encode(), b'xmlns:a="urn:a"')
    assert validate_file(hip, few, file_name="x.xml").status == "Verwerkt"


def test_unknown_xsi_attributes_are_capped_like_any_other(hip) -> None:
    """xsi: attributes were left out of the count that sends a record to the Python check
    first: a million on a field made libxml2 log each (2.6 GB, 22 s for 14 MiB)."""
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    attributes = " ".join(f'x:a{i}=""' for i in range(200_000))
    data = xml_bytes(hip, [hip_row(1)])
    data = data.replace(b'versie="3">', f'versie="3" xmlns:x="{xsi}">'.encode(), 1)
    data = data.replace(b"<PatientID>", f"<PatientID {attributes}>".encode(), 1)
    started = time.perf_counter()
    report = validate_file(hip, data, file_name="x.xml")
    assert time.perf_counter() - started < 1.5  # (0.1 s; libxml2 logging each: 2.9 s)
    codes = [f.code for f in report.findings]
    assert codes.count("T06") == 1000 and codes[-1] == "T99"
    assert report.findings[0].message == (
        "XML-fout op regel 4: onbekend attribuut x:a0 op element PatientID"
    )
    nil = xml_bytes(hip, [hip_row(1)]).replace(
        b'versie="3">', f'versie="3" xmlns:xsi="{xsi}" xsi:schemaLocation="urn:x x.xsd">'.encode()
    )
    assert validate_file(hip, nil, file_name="x.xml").status == "Verwerkt"


@pytest.mark.parametrize("blank", [" ", "\n", "&#9;"])
def test_white_space_alone_in_an_optional_number_or_date_is_empty_for_xsd_and_engine(
    hip, blank: str
) -> None:
    """The published XSD refused it (its number and date types collapse it to ""), while the
    engine reads it as empty, as in a CSV file."""
    schema = etree.XMLSchema(etree.fromstring(generate_xsd(hip)))
    for field in ("Pijnscore", "Dosis", "Ontslagdatum", "Tijdstip"):
        assert not hip.field(field).required
        data = xml_bytes(hip, [hip_row(1, **{field: "BLANK"})])
        data = data.replace(b">BLANK<", f">{blank}<".encode())
        assert schema.validate(etree.fromstring(data)), field
        assert validate_file(hip, data, file_name="x.xml").status == "Verwerkt", field


def test_lines_past_65535_are_the_lines_the_records_start_on(hip) -> None:
    """libxml2 keeps no line for an element past 65,535 and gave the line of its first
    text's end: every finding of a file of 6,600 records or more was a line too far (and a
    record with blank lines after its start tag as many more)."""
    rows = [hip_row(n) for n in range(1, 7001)]
    rows[-1]["Gewicht"] = "abc"
    data = xml_bytes(hip, rows)
    data = data[: data.rindex(b"<record>") + 8] + b"\n\n\n" + data[data.rindex(b"<record>") + 8 :]
    starts = [n for n, line in enumerate(data.split(b"\n"), 1) if line.strip() == b"<record>"]
    unknown = data.replace(b"</record>\n</HEUP>", b"  <Foo/>\n</record>\n</HEUP>")
    foo = next(n for n, line in enumerate(unknown.split(b"\n"), 1) if b"<Foo/>" in line)
    assert starts[-1] > 65_535
    found = validate_file(hip, data, file_name="x.xml").findings
    assert [(f.code, f.line) for f in found] == [("004", starts[-1])]
    found = validate_file(hip, unknown, file_name="x.xml").findings
    assert [(f.code, f.line) for f in found] == [("T06", foo)]


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        (r"\w+", "a€b"),  # a symbol: no word character for the engine, one for XSD
        (r"\w+", "a_b"),
        (r"[a-z\s]+", "a\u00a0b"),  # a no-break space: white space for the engine
        (r"\S+", "a\u00a0b"),
        ("a.b", "a&#13;b"),  # a CR: any character for the engine
        ("a.b", "a&#10;b"),
        (r"\d+", "١٢"),
        (r"\w+", "Straẞe"),  # a letter newer than libxml2's tables of \p{L}
        (r"\w+", "aⒶb"),  # a circled letter: alphabetic
        (r"\w+", "a²b"),
        (r"\w+", "a\u200db"),  # a joiner
        (r"\S+", "a\u180eb"),  # a space in libxml2's tables, not the engine's
        (r"a\W+b", "a€b"),
    ],
)
def test_the_published_xsd_reads_a_formaat_as_the_engine_does(hip, pattern, value) -> None:
    """The XSD's regular expressions differ from the engine's in \\w, \\s and ".": a value
    could pass the published schema and get 006, or the reverse."""
    from dataclasses import replace

    fields = tuple(replace(f, format=pattern) if f.name == "Opmerking" else f for f in hip.fields)
    dictionary = replace(hip, fields=fields)
    compiled = etree.XMLSchema(etree.fromstring(generate_xsd(dictionary)))
    data = xml_bytes(dictionary, [hip_row(1, Opmerking="VALUE")])
    data = data.replace(b">VALUE<", f">{value}<".encode())
    engine = validate_file(dictionary, data, file_name="x.xml").status == "Verwerkt"
    assert compiled.validate(etree.fromstring(data)) is engine


@pytest.mark.parametrize("where", ["comment", "cdata"])
def test_t01_of_xml_names_the_first_bad_byte_also_early_in_a_long_construct(
    hip: DataDictionary, where: str
) -> None:
    """The parser reads a long comment or CDATA section to its end before it stops: the offset
    was lost, or named a later bad byte."""
    rows = [hip_row(n) for n in range(1, 3)]
    data = xml_bytes(hip, rows)
    long = "x" * 300_000
    construct = f"<!-- No\xebl {long} -->" if where == "comment" else f"<![CDATA[No\xebl {long}]]>"
    data = data.replace(b"<PatientID>", b"<PatientID>" + construct.encode("latin-1"), 1)
    data = data.replace(long.encode(), long.encode()[:200_000] + b"\xeb" + long.encode()[200_000:])
    offset = data.index(b"\xeb")
    report = validate_file(hip, data, file_name="x.xml")
    assert [f.code for f in report.findings] == ["T01"]
    assert f"(byte {offset}, in Windows-1252 het teken 'ë')" in report.findings[0].message
