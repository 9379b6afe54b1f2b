"""The data dictionary model: frozen dataclasses and their JSON-able stored form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ._filename import FILE_FORMATS
from ._problems import DictionaryProblem

DATATYPES = ("tekst", "geheel getal", "decimaal", "datum", "datumtijd", "code")
LEVELS = ("fout", "waarschuwing", "afkeur")
FREQUENCIES = ("maand", "kwartaal", "halfjaar", "jaar", "totaal")
STORED_FORMAT = 1


@dataclass(frozen=True, slots=True)
class GeneralSpecs:
    """Sheet ``Aanleverspecificaties algemeen``.

    Example::

        >>> GeneralSpecs(code="CAT", version="1.4").code
        'CAT'
    """

    code: str = ""
    name: str = ""
    stream: str = ""
    sub_delivery: str = ""
    version: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    frequency: str = ""
    deadline_days: int | None = None
    formats: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    key_fields: tuple[str, ...] = ()
    report_fields: tuple[str, ...] = ()
    period_field: str | None = None
    rejection_percentage: float | None = None
    fhir_resource: str | None = None

    def accepts(self, extension: str) -> bool:
        """Whether files of this type (``csv``, ``xml``) are accepted: every channel's types,
        less those the ``Bestandsformaten`` leave out.

        Example::

            >>> GeneralSpecs(formats=("csv",)).accepts("xml"), GeneralSpecs().accepts("xml")
            (False, True)
        """
        return extension in FILE_FORMATS and (not self.formats or extension in self.formats)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One row of sheet ``Bestandsinhoud``.

    Example::

        >>> FieldSpec(order=1, name="OperatieID", datatype="tekst", required=True).required
        True
    """

    order: int
    name: str
    description: str = ""
    datatype: str = "tekst"
    required: bool = False
    length: int | None = None
    decimals: int | None = None
    format: str | None = None
    minimum: str | None = None
    maximum: str | None = None
    reference_table: str | None = None
    identifying: bool = False
    fhirpath: str | None = None

    @property
    def is_numeric(self) -> bool:
        """True for ``geheel getal`` and ``decimaal``."""
        return self.datatype in ("geheel getal", "decimaal")


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of sheet ``Validaties``.

    Example::

        >>> Rule("003_Y_EQ", "Geboortejaar", "Geboortejaar <= 2020", "fout", "{waarde}").level
        'fout'
    """

    code: str
    field: str
    expression: str
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class ReferenceCode:
    """One allowed code of a reference table.

    Example::

        >>> ReferenceCode("OD", "Oculus dexter").code
        'OD'
    """

    code: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ReferenceTable:
    """A named reference table (sheet ``Referentietabellen``).

    Example::

        >>> ReferenceTable("ODS", (ReferenceCode("OD"), ReferenceCode("OS"))).codes
        ('OD', 'OS')
    """

    name: str
    entries: tuple[ReferenceCode, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """The allowed codes, in workbook order."""
        return tuple(entry.code for entry in self.entries)


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One row of sheet ``Aanleverschema``.

    Example::

        >>> ScheduleEntry("2020K1", dt.date(2020, 5, 1)).period
        '2020K1'
    """

    period: str
    deadline: dt.date


@dataclass(frozen=True, slots=True)
class DataDictionary:
    """A complete data dictionary of one sub-delivery at one version.

    Build one with :func:`load_dictionary` (workbook) or :meth:`from_dict` (stored form).

    Example::

        >>> d = DataDictionary(GeneralSpecs(code="X1", version="1"),
        ...                    (FieldSpec(order=1, name="A"),))
        >>> DataDictionary.from_dict(d.to_dict()) == d
        True
    """

    general: GeneralSpecs
    fields: tuple[FieldSpec, ...]
    rules: tuple[Rule, ...] = ()
    reference_tables: tuple[ReferenceTable, ...] = ()
    examples: tuple[tuple[str | None, ...], ...] = ()
    schedule: tuple[ScheduleEntry, ...] = ()
    #: What the reader ignored (unknown sheets, columns, properties), located as problems are.
    warnings: tuple[DictionaryProblem, ...] = field(default=(), compare=False)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Field names in file order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (KeyError when absent)."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def table(self, name: str) -> ReferenceTable:
        """The reference table called ``name`` (KeyError when absent)."""
        for table in self.reference_tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able stored form (see :meth:`from_dict`)."""
        return {
            "format": STORED_FORMAT,
            "general": _general_to_dict(self.general),
            "fields": [_plain(f) for f in self.fields],
            "rules": [_plain(r) for r in self.rules],
            "reference_tables": [
                {"name": t.name, "entries": [[e.code, e.description] for e in t.entries]}
                for t in self.reference_tables
            ],
            "examples": [list(row) for row in self.examples],
            "schedule": [[s.period, s.deadline.isoformat()] for s in self.schedule],
            "warnings": [[w.sheet, w.row, w.column, w.nl, w.en] for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataDictionary:
        """Rebuild a dictionary from :meth:`to_dict` output (exact round trip)."""
        return cls(
            general=_general_from_dict(data["general"]),
            fields=tuple(FieldSpec(**f) for f in data["fields"]),
            rules=tuple(Rule(**r) for r in data.get("rules", ())),
            reference_tables=tuple(
                ReferenceTable(t["name"], tuple(ReferenceCode(c, d) for c, d in t["entries"]))
                for t in data.get("reference_tables", ())
            ),
            examples=tuple(tuple(row) for row in data.get("examples", ())),
            schedule=tuple(
                ScheduleEntry(p, dt.date.fromisoformat(d)) for p, d in data.get("schedule", ())
            ),
            warnings=tuple(_warning(w) for w in data.get("warnings", ())),
        )

    def with_general(self, **changes: Any) -> DataDictionary:
        """A copy with some general specs changed."""
        return replace(self, general=replace(self.general, **changes))


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _general_to_dict(general: GeneralSpecs) -> dict[str, Any]:
    data = _plain(general)
    for key in ("valid_from", "valid_to"):
        data[key] = data[key].isoformat() if data[key] else None
    for key in ("formats", "methods", "key_fields", "report_fields"):
        data[key] = list(data[key])
    return data


def _general_from_dict(data: Mapping[str, Any]) -> GeneralSpecs:
    values = dict(data)
    for key in ("valid_from", "valid_to"):
        values[key] = dt.date.fromisoformat(values[key]) if values.get(key) else None
    for key in ("formats", "methods", "key_fields", "report_fields"):
        values[key] = tuple(values.get(key, ()))
    return GeneralSpecs(**values)


def _warning(stored: str | list[Any]) -> DictionaryProblem:
    """A stored warning; one stored before warnings were located is its Dutch text alone."""
    if isinstance(stored, str):
        return DictionaryProblem(None, None, None, stored, stored)
    sheet, row, column, nl, en = stored
    return DictionaryProblem(sheet, row, column, nl, en)
