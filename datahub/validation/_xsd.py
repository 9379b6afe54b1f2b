"""XSD generation from a data dictionary.

Layout (documented in docs/validation.md)::

    <CAT versie="1.4">                  root element named after the code
      <record>                          one element per record
        <OperatieID>11000523</OperatieID>   one child per field, in file order
        <IOLType/>                      optional fields may be empty or left out
      </record>
    </CAT>

With ``content=True`` (the published schema) every field gets its datatype, length, pattern,
decimals, limits and reference-table enumeration. With ``content=False`` (what the engine
validates against) fields are plain text, so that content problems are reported per record
with the same codes as for CSV instead of rejecting the whole file.
"""

from __future__ import annotations

from lxml import etree

from ._dictionary import DataDictionary, FieldSpec

XS = "http://www.w3.org/2001/XMLSchema"
RECORD = "record"
_BASE = {
    "tekst": "xs:string",
    "code": "xs:string",
    "geheel getal": "xs:integer",
    "decimaal": "xs:decimal",
    "datum": "xs:date",
    "datumtijd": "xs:dateTime",
}
_PATTERN = {
    "geheel getal": r"-?0*[0-9]{1,30}",  # below 10**30, as the engine (_types.INTEGER_LIMIT)
    "decimaal": r"-?[0-9]+(\.[0-9]+)?",
    "datum": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "datumtijd": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
}
# the types whose Minimum/Maximum apply
_LIMITED = ("geheel getal", "decimaal", "datum", "datumtijd")


def root_name(dictionary: DataDictionary) -> str:
    """The root element's name: the code (prefixed with ``_`` if it starts with a digit)."""
    code = dictionary.general.code or "aanlevering"
    return "_" + code if code[0].isdigit() else code


def record_schema(dictionary: DataDictionary) -> etree.XMLSchema:
    """The engine's schema for one ``record`` element.

    The published layout with values as text and every element optional: element names and
    order are enforced (``T06``), while an omitted or wrong value becomes a record finding
    (``002``, ``004``, ...) exactly as in a CSV file.
    """
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    record = _sub(schema, "element", name=RECORD)
    fields = _sub(_sub(record, "complexType"), "sequence")
    for spec in dictionary.fields:
        _sub(fields, "element", name=spec.name, type="xs:string", minOccurs="0")
    return etree.XMLSchema(schema)


def generate_xsd(dictionary: DataDictionary, *, content: bool = True) -> bytes:
    """The XML Schema of a dictionary's XML files (UTF-8 bytes).

    Example::

        >>> from datahub.validation._dictionary import GeneralSpecs
        >>> d = DataDictionary(GeneralSpecs(code="X1", version="1"), (FieldSpec(1, "A"),))
        >>> b'name="X1"' in generate_xsd(d)
        True
    """
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    schema.set("elementFormDefault", "unqualified")
    root = _sub(schema, "element", name=root_name(dictionary))
    root_type = _sub(root, "complexType")
    records = _sub(
        _sub(root_type, "sequence"), "element", name=RECORD, minOccurs="0", maxOccurs="unbounded"
    )
    _sub(root_type, "attribute", name="versie", type="xs:string", use="optional")
    fields = _sub(_sub(records, "complexType"), "sequence")
    for spec in dictionary.fields:
        element = _sub(fields, "element", name=spec.name)
        if not spec.required:
            element.set("minOccurs", "0")
        element.set("type", _type_name(spec) if content else "xs:string")
    if content:
        # an empty value: also white space alone, which the engine reads as empty (a number
        # or date type collapses it to "", which it refuses)
        empty = _sub(_sub(schema, "simpleType", name="_leeg"), "restriction", base="xs:string")
        _sub(empty, "whiteSpace", value="collapse")
        _sub(empty, "length", value="0")
        tables = _table_types(schema, dictionary)
        for spec in dictionary.fields:
            _field_type(schema, dictionary, spec, tables)
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", attributes)


def _type_name(spec: FieldSpec) -> str:
    return f"_veld_{spec.order}"


def _table_types(schema: etree._Element, dictionary: DataDictionary) -> dict[tuple[str, str], str]:
    """A named type of each reference table's codes, for each base type its fields have: the
    fields of one table share it (ten fields on a table of 70,000 diagnoses made an XSD of
    700,000 codes, a gigabyte to compile)."""
    names: dict[tuple[str, str], str] = {}
    for spec in dictionary.fields:
        base, table = _BASE.get(spec.datatype, "xs:string"), spec.reference_table
        if table is None or not _shares_table(spec) or (table, base) in names:
            continue
        name = names[table, base] = f"_tabel_{len(names) + 1}"
        restriction = _sub(_sub(schema, "simpleType", name=name), "restriction", base=base)
        for code in dictionary.table(table).codes:
            _sub(restriction, "enumeration", value=code.strip())
    return names


def _field_type(
    schema: etree._Element,
    dictionary: DataDictionary,
    spec: FieldSpec,
    tables: dict[tuple[str, str], str],
) -> None:
    outer = _sub(schema, "simpleType", name=_type_name(spec))
    base = _BASE.get(spec.datatype, "xs:string")
    codes: tuple[str, ...] = ()
    if spec.reference_table is not None and _shares_table(spec):
        base = tables[spec.reference_table, base]
    elif spec.reference_table is not None:
        codes = dictionary.table(spec.reference_table).codes
    if not spec.required:
        outer = _sub(_sub(outer, "union", memberTypes="_leeg"), "simpleType")
    _restriction(outer, spec, base, codes)


def _shares_table(spec: FieldSpec) -> bool:
    """Whether the field's codes are its table's shared type: not where a limit applies (the
    schema wants a limit to be one of the codes of the type it restricts, so limit and codes
    are facets of one step)."""
    limited = spec.datatype in _LIMITED and (spec.minimum, spec.maximum) != (None, None)
    return bool(spec.reference_table) and not limited


def xsd_pattern(pattern: str) -> str:
    r"""A ``Formaat`` (a regular expression the engine matches against the whole value) as an
    XSD pattern: XSD patterns always match the whole value and know no anchors, so a ``^`` that
    starts the pattern, a group or an alternative and a ``$`` that ends one (which XSD would
    read as characters) are dropped.

    The classes whose meaning differs are written as the engine's regular expressions read
    them (``\w`` holds ``_`` and no math, currency or modifier symbol, ``\s`` every Unicode
    space, ``.`` a CR); ``\W`` and ``\S`` inside ``[...]`` stay XSD's.

    Example::

        >>> xsd_pattern("^K[0-9]+$"), xsd_pattern("[^a-z]+"), xsd_pattern(r"[0-9]+\$")
        ('K[0-9]+', '[^a-z]+', '[0-9]+\\$')
        >>> xsd_pattern("^P[0-9]{5}$|^(?:Q|R)$")
        'P[0-9]{5}|(Q|R)'
        >>> xsd_pattern(r"\w+"), xsd_pattern(r"[a-z\s]"), xsd_pattern("a.b")
        ('[\\w_\u200c\u200d-[\\p{Sm}\\p{Sc}\\p{Sk}\\p{No}]]+', '[a-z\\s\\p{Z}\x85]', 'a[^\\n]b')
    """
    kept: list[str] = []
    position, in_class = 0, False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            escape = pattern[position : position + 2]
            inside, outside = _CLASSES.get(escape[1:], (escape, escape))
            kept.append(inside if in_class else outside)
            position += 2
            continue
        if char == "." and not in_class:
            kept.append("[^\\n]")
            position += 1
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif _anchor(char, kept, pattern[position + 1 : position + 2]):
            position += 1
            continue
        if char == "(" and pattern.startswith("(?:", position):  # XSD groups do not capture
            kept.append("(")
            position += 3
            continue
        kept.append(char)
        position += 1
    return "".join(kept)


# \w, \s and their negations as the engine's regular expressions (Rust's, Unicode) read
# them, inside and outside [...]: XSD's \w less what Rust's lacks (math, currency and modifier
# symbols, numbers such as ²) plus "_" and the joiners; XSD's \s plus every Unicode space but
# U+180E (a space in libxml2's old tables, not in Rust's). Inside [...] nothing can be taken
# from a class, so \W and \S stay XSD's there.
_WORD_PLUS = "_\u200c\u200d"
_SYMBOLS = r"\p{Sm}\p{Sc}\p{Sk}\p{No}"
_SPACES = "\\s\\p{Z}\x85"
_CLASSES = {
    "w": ("\\w" + _WORD_PLUS, f"[\\w{_WORD_PLUS}-[{_SYMBOLS}]]"),
    "W": ("\\W", f"[\\W{_SYMBOLS}-[{_WORD_PLUS}]]"),
    "s": (_SPACES, f"[{_SPACES}-[\u180e]]"),
    "S": ("\\S", f"([^{_SPACES}]|\u180e)"),
}


def _anchor(char: str, before: list[str], after: str) -> bool:
    """A ``^`` that starts the pattern, a group or an alternative, or a ``$`` that ends one."""
    if char == "^":
        return not before or before[-1] in ("(", "|")
    return char == "$" and after in ("", "|", ")")


def _restriction(
    parent: etree._Element, spec: FieldSpec, base: str, codes: tuple[str, ...]
) -> None:
    """The field's type as a chain of restrictions, each a restriction of the one inside it,
    the innermost of ``base`` (the datatype's, or its reference table's codes), with
    ``codes`` (of a table not shared) beside the datatype's own facets.

    XSD ORs the patterns of one restriction step and ANDs the steps, so the datatype's
    canonical pattern, the ``Formaat``, the decimals and the length each get a step of their
    own: a value must match every one of them, as the engine checks.
    """
    steps = [facets for facets in _steps(spec, codes) if facets]
    if not steps:
        steps = [[]]
    for depth, facets in enumerate(reversed(steps)):  # the outermost first
        restriction = _sub(parent, "restriction")
        if depth == len(steps) - 1:
            restriction.set("base", base)
        else:
            parent = _sub(restriction, "simpleType")  # the next step, inside this one
        for facet, value in facets:
            _sub(restriction, facet, value=value)


def _steps(spec: FieldSpec, codes: tuple[str, ...]) -> list[list[tuple[str, str]]]:
    """The facets of each restriction step, the innermost (on the base type) first."""
    typed = spec.datatype in _PATTERN
    base: list[tuple[str, str]] = []
    if typed:
        base.append(("pattern", _PATTERN[spec.datatype]))
    if spec.length and not typed:
        base.append(("maxLength", str(spec.length)))
    if spec.minimum is not None and spec.datatype in _LIMITED:
        base.append(("minInclusive", spec.minimum))
    if spec.maximum is not None and spec.datatype in _LIMITED:
        base.append(("maxInclusive", spec.maximum))
    base.extend(("enumeration", code.strip()) for code in codes)
    steps = [base]
    if spec.format:
        steps.append([("pattern", xsd_pattern(spec.format))])
    if spec.decimals is not None and spec.datatype == "decimaal":
        # a pattern, not fractionDigits: that counts 72.50 as one decimal, the engine two
        places = r"(\.[0-9]{1," + str(spec.decimals) + "})?" if spec.decimals > 0 else ""
        steps.append([("pattern", "-?[0-9]+" + places)])
    if spec.length and typed:  # maxLength is no facet of numbers and dates: a pattern
        steps.append([("pattern", ".{0," + str(spec.length) + "}")])
    return steps
