"""XML path: defects found by a review (the published XSD, every structural error of a
record, a field named ``record``, messages of our own, values as delivered)."""

from __future__ import annotations

from dataclasses import replace
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from datahub.validation import DataDictionary, Finding, generate_xsd, validate_file

from .helpers import csv_bytes, hip_row

_BUILT_IN = ("002", "004", "006", "007", "015_X_Y_EQ", "001_RefTab")


def _changed(dictionary: DataDictionary, **changes: dict[str, object]) -> DataDictionary:
    """``dictionary`` with some fields changed (field name -> FieldSpec attributes)."""
    fields = tuple(
        replace(f, **changes[f.name]) if f.name in changes else f  # type: ignore[arg-type]
        for f in dictionary.fields
    )
    return replace(dictionary, fields=fields)


def _one_record(dictionary: DataDictionary, row: dict[str, str]) -> bytes:
    values = "".join(f"<{n}>{escape(row[n])}</{n}>" for n in dictionary.field_names if row.get(n))
    root, version = dictionary.general.code, dictionary.general.version
    return f"<{root} versie='{version}'><record>{values}</record></{root}>".encode()


# -- D2: the published XSD accepts what the engine accepts, and refuses what it refuses ------


@pytest.fixture
def strict_hip(hip: DataDictionary) -> DataDictionary:
    """The hip registry with a Formaat on a number and a date, and a Lengte on a decimal."""
    return _changed(
        hip,
        Pijnscore={"format": "[0-9]"},
        Opnamedatum={"format": "2021-.*"},
        Gewicht={"length": 4},
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Gewicht", "72.5"),
        ("Gewicht", "72.50"),  # trailing zero: two decimals, Decimalen 1
        ("Gewicht", "72.500"),
        ("Gewicht", "72"),
        ("Gewicht", "100.5"),  # five characters, Lengte 4
        ("Gewicht", "300.00"),
        ("Gewicht", "19.9"),
        ("Gewicht", "7x"),
        ("Dosis", "0.5"),
        ("Dosis", "0.50"),
        ("Dosis", "0.500"),  # Decimalen 2
        ("Dosis", "1"),
        ("Pijnscore", "3"),
        ("Pijnscore", "10"),  # Formaat [0-9] on a number
        ("Pijnscore", "-1"),
        ("Pijnscore", "+3"),
        ("Opnamedatum", "2021-03-02"),
        ("Opnamedatum", "2022-03-02"),  # Formaat 2021-.* on a date
        ("Opnamedatum", "2021-02-30"),
        ("Zijde", "L"),
        ("Zijde", "X"),
        ("PatientID", "P00001"),
        ("PatientID", "Q00001"),
        ("Opmerking", "x" * 20),
        ("Opmerking", "x" * 21),
    ],
)
def test_the_published_xsd_agrees_with_the_engines_value_checks(
    strict_hip: DataDictionary, field: str, value: str
) -> None:
    schema = etree.XMLSchema(etree.fromstring(generate_xsd(strict_hip)))  # a valid schema
    row = hip_row(1, **{field: value})
    if field == "Opnamedatum":
        row.update(Ontslagdatum="", Tijdstip="")  # no rules comparing dates
    data = _one_record(strict_hip, row)
    report = validate_file(strict_hip, data, file_name="x.xml")
    engine_ok = not [f for f in report.findings if f.field == field and f.code in _BUILT_IN]
    assert not [f for f in report.findings if f.code.startswith("T")], report.findings
    assert bool(schema.validate(etree.fromstring(data))) is engine_ok, schema.error_log


def test_a_typed_field_gets_its_format_decimals_and_length_in_nested_restrictions(
    strict_hip: DataDictionary,
) -> None:
    """Two patterns in one restriction are alternatives: each check is a step of its own."""
    tree = etree.fromstring(generate_xsd(strict_hip))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    for restriction in tree.iterfind(".//xs:restriction", xs):
        assert len(restriction.findall("xs:pattern", xs)) <= 1
    assert not tree.findall(".//xs:fractionDigits", xs)


def test_the_engine_still_reports_content_problems_of_an_xml_file_per_record(
    strict_hip: DataDictionary,
) -> None:
    """The engine reads XML against the layout only: a value the published XSD refuses is a
    record finding with the code a CSV file gets, never a T06 rejecting the file."""
    rows = [
        hip_row(1, Pijnscore="10", Gewicht="100.5"),
        hip_row(2, Dosis="0.500"),
        hip_row(3, Gewicht="19.9"),
    ]
    both = [
        validate_file(strict_hip, data, file_name=name)
        for data, name in (
            (_xml(strict_hip, rows), "x.xml"),
            (csv_bytes(strict_hip.field_names, rows), "x.csv"),
        )
    ]
    xml_report, csv_report = both

    assert [_key(f) for f in xml_report.findings] == [_key(f) for f in csv_report.findings]
    assert {"006", "007", "015_X_Y_EQ"} <= {f.code for f in xml_report.findings}
    assert not [f for f in xml_report.findings if f.code.startswith("T")]


def _xml(dictionary: DataDictionary, rows: list[dict[str, str]]) -> bytes:
    """``rows`` as an XML file, one element a line (the tests' usual layout)."""
    root, version = dictionary.general.code, dictionary.general.version
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} versie="{version}">']
    for row in rows:
        lines.append("  <record>")
        lines += [f"    <{n}>{escape(row[n])}</{n}>" for n in dictionary.field_names if row.get(n)]
        lines.append("  </record>")
    lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode()


def _key(finding: Finding) -> tuple[object, ...]:
    """A finding less its line (which differs between a CSV and an XML file)."""
    return (finding.record, finding.code, finding.field, finding.value, finding.message)


# -- D4: an English T08 is English, whichever way it is made -----------------------------------


def test_an_english_t08_names_the_version_in_english(hip: DataDictionary) -> None:
    from datahub.validation import translate_message

    data = _xml(hip, [hip_row(1)]).replace(b'versie="3"', b'versie="2"')
    english = validate_file(hip, data, file_name="x.xml", lang="en").findings[0].message
    assert english == "Version in the file (2) does not match the delivery (3)"
    dutch = validate_file(hip, data, file_name="x.xml").findings[0].message
    assert translate_message("T08", dutch, "en") == english


# -- D1: every structural problem of a record, each on its own line ---------------------------


def test_every_structural_problem_of_a_record_is_reported_with_its_line(
    cat: DataDictionary,
) -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<CAT versie="1.4">
  <record>
    <OperatieID>11000001</OperatieID>
    <Kleur>rood</Kleur>
    <PatientCode>1100055508</PatientCode>
    <PatientCode>1100055509</PatientCode>
    <Geslacht>2</Geslacht>
    <Geboortejaar>1948</Geboortejaar>
    <Onbekend/>
  </record>
</CAT>
"""
    report = validate_file(cat, data, file_name="x.xml")
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("T06", 5, "XML-fout op regel 5: onbekend element Kleur"),
        (
            "T06",
            7,
            "XML-fout op regel 7: element PatientCode komt meer dan eens voor in het record",
        ),
        (
            "T06",
            9,
            "XML-fout op regel 9: element Geboortejaar staat niet op zijn plaats: hoort vóór "
            "Geslacht",
        ),
        ("T06", 10, "XML-fout op regel 10: onbekend element Onbekend"),
    ]
    english = validate_file(cat, data, file_name="x.xml", lang="en").findings
    assert [f.message for f in english] == [
        "XML error on line 5: unknown element Kleur",
        "XML error on line 7: element PatientCode occurs more than once in the record",
        "XML error on line 9: element Geboortejaar is out of order: it belongs before Geslacht",
        "XML error on line 10: unknown element Onbekend",
    ]


def test_a_field_with_elements_attributes_or_text_around_it_is_reported(
    hip: DataDictionary,
) -> None:
    data = _xml(hip, [hip_row(1)])
    data = data.replace(b"<record>", b'<record id="1">', 1)
    data = data.replace(b"<Zijde>L</Zijde>", b'<Zijde kant="l">L<b/></Zijde>los', 1)
    report = validate_file(hip, data, file_name="x.xml", lang="en")
    line = data[: data.index(b"<Zijde")].count(b"\n") + 1
    assert [(f.line, f.message.split(": ", 1)[1]) for f in report.findings] == [
        (3, "unknown attribute id on element record"),
        (line, "element Zijde contains elements; a field holds text only"),
        (line, "unknown attribute kant on element Zijde"),
        (line, "text in a record outside a field"),
    ]


# -- D3: a field named record -----------------------------------------------------------------


def test_a_field_named_record_is_a_field_not_a_record(hip: DataDictionary) -> None:
    fields = tuple(replace(f, name="record") if f.name == "Opmerking" else f for f in hip.fields)
    rules = tuple(r for r in hip.rules if "Opmerking" not in r.expression)
    dictionary = replace(hip, fields=fields, rules=rules)
    rows = [hip_row(1, record="hallo"), hip_row(2, record="x" * 21), hip_row(3)]
    for row in rows:
        row.pop("Opmerking")
    data = _xml(dictionary, rows)
    report = validate_file(dictionary, data, file_name="x.xml")
    assert [(f.record, f.code, f.field, f.value) for f in report.findings] == [
        (2, "007", "record", "x" * 21)
    ]
    assert report.total == 3
    csv = validate_file(dictionary, csv_bytes(dictionary.field_names, rows), file_name="x.csv")
    assert [_key(f) for f in report.findings] == [_key(f) for f in csv.findings]
    # a record inside that field is no record either: the field holds an element
    nested = data.replace(b"<record>hallo</record>", b"<record><record/></record>")
    findings = validate_file(dictionary, nested, file_name="x.xml", lang="en").findings
    assert [(f.code, f.message.split(": ", 1)[1]) for f in findings if f.record is None] == [
        ("T06", "element record contains elements; a field holds text only")
    ]


# -- D5: our own sentences for libxml2's messages ---------------------------------------------

_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE HEUP [<!ENTITY a0 "lol">'
    + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 12))
    + "]><HEUP><record><Opmerking>&a11;</Opmerking></record></HEUP>"
).encode()


@pytest.mark.parametrize(
    ("data", "dutch", "english"),
    [
        (
            b"",
            "het bestand is leeg of bevat geen XML-element",
            "the file is empty or contains no XML element",
        ),
        (
            b"<HEUP><record><Zijde>L</Zij></record></HEUP>",
            "eindtag </Zij> past niet bij begintag <Zijde> (regel 1)",
            "end tag </Zij> does not match start tag <Zijde> (line 1)",
        ),
        (
            b"<HEUP><record><Zijde>L</Zijde>",
            "het bestand houdt op voordat element record (regel 1) is gesloten",
            "the file ends before element record (line 1) is closed",
        ),
        (
            b"<HEUP><record><Opmerking>a & b</Opmerking></record></HEUP>",
            "een & dat geen entiteit begint (schrijf &amp;)",
            "an & that starts no entity (write &amp;)",
        ),
        (
            b"<HEUP><record><Opmerking>a < b</Opmerking></record></HEUP>",
            "een < dat geen element begint (schrijf &lt;)",
            "a < that starts no element (write &lt;)",
        ),
        (
            b"<HEUP><record><Opmerking>a\x01</Opmerking></record></HEUP>",
            "ongeldig teken (code 1)",
            "invalid character (code 1)",
        ),
        (
            b"<HEUP><record><Opmerking>" + b"<a>" * 300 + b"</a>" * 300 + b"</Opmerking>",
            "de elementen zijn te diep genest (meer dan 256 niveaus)",
            "the elements are nested too deeply (more than 256 levels)",
        ),
        (
            _LAUGHS,
            "entiteiten worden te vaak uitgebreid; entiteiten en een DTD zijn niet toegestaan",
            "entities expand too much; entities and a DTD are not allowed",
        ),
        (
            b'<HEUP a="1" a="2"><record/></HEUP>',
            "het bestand is geen goed gevormde XML (Attribute a redefined)",
            "the file is not well-formed XML (Attribute a redefined)",
        ),
    ],
)
def test_libxml2s_messages_become_sentences_of_our_own(
    hip: DataDictionary, data: bytes, dutch: str, english: str
) -> None:
    from datahub.validation import translate_message

    report = validate_file(hip, data, file_name="x.xml")
    assert [f.code for f in report.findings] == ["T06"]
    line = report.findings[0].line
    assert report.findings[0].message == f"XML-fout op regel {line}: {dutch}"
    en = validate_file(hip, data, file_name="x.xml", lang="en").findings[0].message
    assert en == f"XML error on line {line}: {english}"
    assert translate_message("T06", report.findings[0].message, "en") == en


def test_a_value_over_10_mb_is_a_clear_t06_naming_its_line_and_the_limit(
    hip: DataDictionary,
) -> None:
    """libxml2's limit is kept (no huge_tree): the message names it, without its hint."""
    data = _xml(hip, [hip_row(1), hip_row(2, Opmerking="x" * 10_500_000), hip_row(3)])
    report = validate_file(hip, data, file_name="x.xml")
    line = data[: data.index(b"xxxx")].count(b"\n") + 1
    assert [(f.code, f.line) for f in report.findings] == [("T06", line)]
    assert report.findings[0].message == (
        f"XML-fout op regel {line}: een waarde of de tekst tussen twee elementen is langer dan"
        " 10.000.000 bytes (10 MB), de grens voor één waarde in een XML-bestand"
    )
    english = validate_file(hip, data, file_name="x.xml", lang="en").findings[0].message
    assert "a value or the text between two elements is longer than 10,000,000 bytes" in english
    assert "XML_PARSE_HUGE" not in validate_file(hip, data, file_name="x.xml", lang="en").to_json()


# -- D6a: values as delivered, as in a CSV file -----------------------------------------------


def test_a_number_or_date_with_spaces_is_reported_as_delivered_like_csv(
    cat: DataDictionary,
) -> None:
    from .helpers import cat_row

    rows = [
        cat_row(1, Geboortejaar=" 1890 "),
        cat_row(2, Operatiedatum=" 2020-02-30 "),
        cat_row(3, VaCCPO=" 200.00 "),
        cat_row(4, Geboortejaar="   "),
        cat_row(5, Geboortejaar=" 1948 "),
    ]
    from_xml = validate_file(cat, _xml(cat, rows), file_name="x.xml")
    from_csv = validate_file(cat, csv_bytes(cat.field_names, rows), file_name="x.csv")
    assert [_key(f) for f in from_xml.findings] == [_key(f) for f in from_csv.findings]
    assert (1, " 1890 ") in [(f.record, f.value) for f in from_xml.findings]
    assert (4, "   ") in [(f.record, f.value) for f in from_xml.findings]


@pytest.mark.parametrize(
    "value", ["9" * 30, "-" + "9" * 30, "000" + "9" * 30, "1" + "0" * 30, "-1" + "0" * 30]
)
def test_the_published_xsd_bounds_integers_as_the_engine_does(hip, value: str) -> None:
    """The engine refuses an integer of 10**30 or more (004); xs:integer took any length."""
    wide = _changed(hip, Pijnscore={"format": None, "minimum": None, "maximum": None})
    schema = etree.XMLSchema(etree.fromstring(generate_xsd(wide)))
    data = _one_record(wide, hip_row(1, Pijnscore=value, Opmerking="x"))
    report = validate_file(wide, data, file_name="x.xml")
    engine_ok = not [f for f in report.findings if f.field == "Pijnscore"]
    assert bool(schema.validate(etree.fromstring(data))) is engine_ok
    assert engine_ok is (len(value.lstrip("-").lstrip("0")) <= 30)
