"""Checks of a data dictionary's content (shared by the workbook and the stored form)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

import polars as pl
from lxml import etree

from ._dictionary import DATATYPES, FREQUENCIES, LEVELS, DataDictionary, FieldSpec, Rule
from ._filename import VERSION_RE
from ._messages import CHECKS
from ._period import parse_period
from ._problems import Problems
from ._rules import RuleError, compile_rule, rule_fields
from ._types import DATE_RE, DATETIME_RE, DECIMAL_RE, full_match, typed_dtype
from ._xsd import generate_xsd

GENERAL = "Aanleverspecificaties algemeen"
FIELDS = "Bestandsinhoud"
RULES = "Validaties"
TABLES = "Referentietabellen"
EXAMPLES = "Voorbeeld bestandsinhoud"
SCHEDULE = "Aanleverschema"
MAX_DEADLINE_DAYS = 3650  # ten years after a period ends
FORMATS = ("csv", "xml")
METHODS = ("Webportaal", "API", "FHIR", "Invoerportaal")
_CODE_RE = re.compile(r"[A-Z0-9]{2,12}")
_XML_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_Add = Callable[..., None]


@dataclass
class Rows:
    """Where each item came from (Excel rows); defaults follow the written layout."""

    general: dict[str, int] = field(default_factory=dict)
    fields: list[int] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)
    schedule: list[int] = field(default_factory=list)

    def at(self, rows: list[int], index: int) -> int:
        """The row of item ``index`` (header in row 1 when unknown)."""
        return rows[index] if index < len(rows) else index + 2


def check_dictionary(
    dictionary: DataDictionary, problems: Problems, rows: Rows | None = None
) -> None:
    """Add every problem of ``dictionary`` to ``problems``."""
    rows = rows or Rows()
    _check_general(dictionary, problems, rows)
    _check_fields(dictionary, problems, rows)
    _check_tables(dictionary, problems, rows)
    _check_rules(dictionary, problems, rows)
    _check_schedule(dictionary, problems, rows)
    if not problems.items:
        _check_xsd(dictionary, problems, rows)
    if not problems.items:
        _check_examples(dictionary, problems, rows)


def _general_row(rows: Rows, key: str) -> int | None:
    return rows.general.get(key)


def _check_general(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    g = d.general
    names = d.field_names

    def add(key: str, nl: str, en: str) -> None:
        problems.add(GENERAL, _general_row(rows, key), "Waarde", f"{key}: {nl}", f"{key}: {en}")

    if not _CODE_RE.fullmatch(g.code):
        add(
            "Code",
            f"{g.code!r} is geen code van 2-12 hoofdletters/cijfers",
            f"{g.code!r} is not a code of 2-12 capitals/digits",
        )
    if not g.version:
        add("Versie", "ontbreekt", "is missing")
    elif not VERSION_RE.fullmatch(g.version):
        add(
            "Versie",
            f"{g.version!r} is geen versienummer (cijfers, letters, punten en streepjes; "
            "het staat in bestandsnamen en adressen, dus geen _, / of spaties)",
            f"{g.version!r} is not a version number (digits, letters, dots and hyphens; it is "
            "part of file names and addresses, so no _, / or spaces)",
        )
    if g.frequency and g.frequency not in FREQUENCIES:
        add(
            "Aanleverfrequentie",
            f"onbekende frequentie {g.frequency!r}",
            f"unknown frequency {g.frequency!r}",
        )
    for fmt in g.formats:
        if fmt not in FORMATS:
            add("Bestandsformaten", f"onbekend formaat {fmt!r}", f"unknown format {fmt!r}")
    for method in g.methods:
        if method not in METHODS:
            add("Aanlevermethoden", f"onbekende methode {method!r}", f"unknown method {method!r}")
    for key, listed in (("Sleutelvelden", g.key_fields), ("Rapportvelden", g.report_fields)):
        for name in listed:
            if name not in names:
                add(
                    key,
                    f"veld {name} staat niet in Bestandsinhoud",
                    f"field {name} is not in Bestandsinhoud",
                )
        for name in dict.fromkeys(n for n in listed if listed.count(n) > 1):
            add(key, f"veld {name} staat er meer dan eens in", f"field {name} is listed twice")
    if g.period_field:
        if g.period_field not in names:
            add(
                "Periodeveld",
                f"veld {g.period_field} staat niet in Bestandsinhoud",
                f"field {g.period_field} is not in Bestandsinhoud",
            )
        elif d.field(g.period_field).datatype not in ("datum", "datumtijd"):
            add(
                "Periodeveld",
                f"veld {g.period_field} is geen datum",
                f"field {g.period_field} is not a date",
            )
    if g.rejection_percentage is not None and not 0 <= g.rejection_percentage <= 100:
        add("Afkeurpercentage", "moet tussen 0 en 100 liggen", "must lie between 0 and 100")
    if g.deadline_days is not None and g.deadline_days < 0:
        add("Deadline dagen na periode", "mag niet negatief zijn", "may not be negative")
    elif g.deadline_days is not None and g.deadline_days > MAX_DEADLINE_DAYS:
        add(
            "Deadline dagen na periode",
            f"mag niet meer dan {MAX_DEADLINE_DAYS} zijn",
            f"may not be more than {MAX_DEADLINE_DAYS}",
        )
    if g.valid_from and g.valid_to and g.valid_to < g.valid_from:
        add("Geldig tot", "ligt voor Geldig vanaf", "lies before Geldig vanaf")
    if not d.fields:
        problems.add(FIELDS, None, None, "er zijn geen velden", "there are no fields")


def _check_fields(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    seen: set[str] = set()
    orders: set[int] = set()
    tables = {t.name for t in d.reference_tables}
    for index, spec in enumerate(d.fields):
        row = rows.at(rows.fields, index)

        def add(column: str, nl: str, en: str, row: int = row) -> None:
            problems.add(FIELDS, row, column, nl, en)

        if spec.name in seen:
            add(
                "Veldnaam",
                f"veldnaam {spec.name} komt dubbel voor",
                f"field name {spec.name} occurs twice",
            )
        seen.add(spec.name)
        if spec.order in orders:
            add(
                "Volgorde",
                f"volgorde {spec.order} komt dubbel voor",
                f"order {spec.order} occurs twice",
            )
        orders.add(spec.order)
        if not spec.name:
            add("Veldnaam", "veldnaam ontbreekt", "field name is missing")
        elif not _XML_NAME_RE.fullmatch(spec.name):
            add(
                "Veldnaam",
                f"veldnaam {spec.name!r} bevat tekens die niet zijn toegestaan",
                f"field name {spec.name!r} contains characters that are not allowed",
            )
        elif spec.name.startswith("__"):  # the engine's own columns (record number, line...)
            add(
                "Veldnaam",
                f"veldnaam {spec.name} begint met __, dat is voorbehouden aan de datahub",
                f"field name {spec.name} starts with __, which is reserved for the datahub",
            )
        if spec.datatype not in DATATYPES:
            add(
                "Datatype",
                f"onbekend datatype {spec.datatype!r}",
                f"unknown datatype {spec.datatype!r}",
            )
        if spec.reference_table and spec.reference_table not in tables:
            add(
                "Referentietabel",
                f"referentietabel {spec.reference_table} bestaat niet",
                f"reference table {spec.reference_table} does not exist",
            )
        if spec.datatype == "code" and not spec.reference_table:
            add(
                "Referentietabel",
                "een veld van type code heeft een referentietabel nodig",
                "a field of type code needs a reference table",
            )
        _check_format(spec, add)
        _check_limits(spec, add)
        _check_sizes(spec, add)


def _check_format(spec: FieldSpec, add: _Add) -> None:
    if not spec.format:
        return
    pattern = full_match(spec.format)  # as the engine uses it (006)
    try:
        pl.Series([""]).str.contains(pattern)
        re.compile(pattern)
    except (pl.exceptions.PolarsError, re.error) as error:
        reason = str(error).splitlines()[0][:120]
        add(
            "Formaat",
            f"ongeldige reguliere expressie ({reason})",
            f"invalid regular expression ({reason})",
        )


MAX_DECIMALS = 100


MAX_LENGTH = 1_000_000_000  # characters (a value is at most 16 MiB)


def _check_sizes(spec: FieldSpec, add: _Add) -> None:
    """A length of 1 to :data:`MAX_LENGTH` characters, and from 0 to :data:`MAX_DECIMALS`
    decimals."""
    if spec.length is not None and spec.length < 1:
        add("Lengte", f"lengte {spec.length} is kleiner dan 1", f"length {spec.length} is below 1")
    elif spec.length is not None and spec.length > MAX_LENGTH:
        add(
            "Lengte",
            f"de lengte is groter dan {MAX_LENGTH}",
            f"the length is above {MAX_LENGTH}",
        )
    if spec.decimals is not None and not 0 <= spec.decimals <= MAX_DECIMALS:
        add(
            "Decimalen",
            f"{spec.decimals} decimalen: kies 0 tot en met {MAX_DECIMALS}",
            f"{spec.decimals} decimals: choose 0 to {MAX_DECIMALS}",
        )


def _check_limits(spec: FieldSpec, add: _Add) -> None:
    parsed: list[Decimal | dt.date] = []
    for column, value in (("Minimum", spec.minimum), ("Maximum", spec.maximum)):
        if value is None:
            continue
        number = _limit(spec.datatype, value)
        if number is None:
            add(
                column,
                f"{value!r} is geen geldige grens voor {spec.datatype}",
                f"{value!r} is not a valid limit for {spec.datatype}",
            )
        else:
            parsed.append(number)
    if len(parsed) == 2 and _greater(parsed[0], parsed[1]):
        add("Maximum", "Maximum is kleiner dan Minimum", "Maximum is less than Minimum")


def _greater(first: Decimal | dt.date, second: Decimal | dt.date) -> bool:
    return type(first) is type(second) and first > second  # type: ignore[operator]


def _limit(datatype: str, value: str) -> Decimal | dt.date | None:
    """A limit as the checks compare it: a number written as the data write numbers (no
    exponent, no ``+``; the XSD's bounds are these texts), an ISO date, or a date and time
    as the data write it (``JJJJ-MM-DDTuu:mm:ss``; the workbook's date alone is read as
    its midnight)."""
    if datatype in ("geheel getal", "decimaal"):
        return Decimal(value) if re.fullmatch(DECIMAL_RE, value) else None
    try:
        if datatype == "datum" and re.fullmatch(DATE_RE, value):
            return dt.date.fromisoformat(value)
        if datatype == "datumtijd" and re.fullmatch(DATETIME_RE, value):
            return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return None


def _check_tables(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    index = 0
    decimal_tables = {f.reference_table for f in d.fields if f.datatype == "decimaal"}
    for table in d.reference_tables:
        seen: set[str] = set()
        for entry in table.entries:
            row = rows.at(rows.tables, index)
            index += 1
            if entry.code in seen:
                problems.add(
                    TABLES,
                    row,
                    "Code",
                    f"code {entry.code} komt dubbel voor in {table.name}",
                    f"code {entry.code} occurs twice in {table.name}",
                )
            seen.add(entry.code)
            if table.name in decimal_tables and _limit("decimaal", entry.code.strip()) is None:
                problems.add(
                    TABLES,
                    row,
                    "Code",
                    f"code {entry.code} is geen getal",
                    f"code {entry.code} is not a number",
                )


def _check_rules(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    # A field with an unknown datatype is already a problem; read it as text here.
    types = {f.name: f.datatype if f.datatype in DATATYPES else "tekst" for f in d.fields}
    empty = _typed_frame(types)
    for index, rule in enumerate(d.rules):
        row = rows.at(rows.rules, index)
        if not rule.code:
            problems.add(RULES, row, "Foutcode", "foutcode ontbreekt", "error code is missing")
        elif rule.code in CHECKS or rule.code.startswith("T"):
            # the fixed codes mean the same in every registry's report; T is a file's problem
            problems.add(
                RULES,
                row,
                "Foutcode",
                f"foutcode {rule.code} is voorbehouden aan de vaste controles "
                "(001_RefTab, 002 tot en met 015_X_Y_EQ en codes die met T beginnen)",
                f"error code {rule.code} is reserved for the fixed checks "
                "(001_RefTab, 002 to 015_X_Y_EQ and codes starting with T)",
            )
        if rule.field not in types:
            problems.add(
                RULES,
                row,
                "Veld",
                f"veld {rule.field} staat niet in Bestandsinhoud",
                f"field {rule.field} is not in Bestandsinhoud",
            )
        if rule.level not in LEVELS:
            problems.add(
                RULES,
                row,
                "Niveau",
                f"onbekend niveau {rule.level!r}",
                f"unknown level {rule.level!r}",
            )
        if not _fields_typed(d, rule):
            continue
        try:
            empty.select(~compile_rule(rule.expression, types))  # as the engine uses it
        except RuleError as error:
            problems.add(RULES, row, "Controle", error.nl, error.en)
        except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError) as error:
            # (an expression polars cannot evaluate: refused here, never a crash of the import)
            reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
            problems.add(
                RULES,
                row,
                "Controle",
                f"de expressie kan niet worden uitgevoerd ({reason})",
                f"the expression cannot be evaluated ({reason})",
            )
        for name in _PLACEHOLDER_RE.findall(rule.message):
            if name != "waarde" and name not in types:
                problems.add(
                    RULES,
                    row,
                    "Omschrijving",
                    f"onbekend veld {{{name}}} in de omschrijving",
                    f"unknown field {{{name}}} in the message",
                )


def _fields_typed(d: DataDictionary, rule: Rule) -> bool:
    """False when the rule uses a field whose datatype is already a problem."""
    try:
        used = rule_fields(rule.expression, list(d.field_names))
    except RuleError:
        return True
    return all(d.field(name).datatype in DATATYPES for name in used)


def _typed_frame(types: Mapping[str, str]) -> pl.DataFrame:
    return pl.DataFrame(schema={name: typed_dtype(datatype) for name, datatype in types.items()})


def _check_schedule(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    for index, entry in enumerate(d.schedule):
        try:
            parse_period(entry.period)
        except ValueError:
            problems.add(
                SCHEDULE,
                rows.at(rows.schedule, index),
                "Periode",
                f"onbekende periode {entry.period!r}",
                f"unknown period {entry.period!r}",
            )


def _check_xsd(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    """The XSD must compile (for XML files): a field whose type cannot is named at its row
    (a limit that is no value of its reference table's codes, say)."""
    if not d.general.accepts("xml"):  # (no Bestandsformaten: every format)
        return
    reason = _xsd_error(d)
    if reason is None:
        return
    located = False
    for index, spec in enumerate(d.fields):  # which field's type it is
        own = _xsd_error(replace(d, fields=(spec,), rules=(), examples=()))
        if own is not None:
            row = rows.at(rows.fields, index)
            problems.add(
                FIELDS,
                row,
                None,
                f"veld {spec.name}: er kan geen XSD worden gemaakt ({own})",
                f"field {spec.name}: no XSD can be generated ({own})",
            )
            located = True
    if not located:
        problems.add(
            FIELDS,
            None,
            None,
            f"er kan geen XSD worden gemaakt ({reason})",
            f"no XSD can be generated ({reason})",
        )


def _xsd_error(d: DataDictionary) -> str | None:
    """Why the dictionary's XSD does not compile (libxml2's first line, less its place in
    the generated schema, which the workbook's author never sees), or None."""
    try:
        etree.XMLSchema(etree.fromstring(generate_xsd(d)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, ValueError) as error:
        first = str(error).splitlines()[0]
        return _XSD_PLACE.sub("", first)[:200]
    return None


_XSD_PLACE = re.compile(r"(?:\s*\(<string>)?, line \d+\)?$")


def _check_examples(d: DataDictionary, problems: Problems, rows: Rows) -> None:
    from ._engine import validate_records

    if not d.examples:
        return
    records: list[Mapping[str, str | None]] = [
        dict(zip(d.field_names, example, strict=False)) for example in d.examples
    ]
    dictionary = replace(d, examples=())
    report = validate_records(dictionary, records)
    if not any(f.level != "waarschuwing" and f.record is not None for f in report.findings):
        return  # (the usual case: no second run for the English text)
    # the same findings in the same order, in English
    english = validate_records(dictionary, records, lang="en")
    for finding, en in zip(report.findings, english.findings, strict=True):
        if finding.level == "waarschuwing" or finding.record is None:
            continue
        row = rows.at(rows.examples, finding.record - 1)
        problems.add(
            EXAMPLES,
            row,
            finding.field,
            f"voorbeeld voldoet niet: {finding.code} {finding.message}",
            f"example fails: {finding.code} {en.message}",
        )
