"""The processing report: findings, status, counts; JSON and CSV output."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, fields, replace
from dataclasses import field as dataclass_field
from fractions import Fraction
from itertools import repeat
from typing import Any, BinaryIO

import orjson

VERWERKT = "Verwerkt"
MET_WAARSCHUWINGEN = "Verwerkt met waarschuwingen"
MET_FOUTEN = "Verwerkt met fouten"
AFGEKEURD = "Afgekeurd"
STATUSES = (VERWERKT, MET_WAARSCHUWINGEN, MET_FOUTEN, AFGEKEURD)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number (a refraction of -0.25) is a number to a spreadsheet, not a formula.
_SIGNED_NUMBER = re.compile(r"[+-](?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
# Where a spreadsheet may start a cell inside ours: Excel in a Dutch locale splits a .csv file
# at ";" (its list separator), and a quote there only counts at the start of a field, so a
# line break inside a quoted value starts a row too.
_INNER_START = re.compile(r"([;\r\n])(?=[ ]*[=+\-@\t\r])")


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of the report.

    ``record`` is 1 for the first data record, ``line`` the physical line where the record
    starts (header = line 1); both ``None`` where they do not apply.

    Example::

        >>> Finding(None, 1, "afkeur", "T07", None, None, "Het bestand bevat geen records").code
        'T07'
    """

    record: int | None
    line: int | None
    level: str
    code: str
    field: str | None
    value: str | None
    message: str
    keys: Mapping[str, str | None] = dataclass_field(default_factory=dict, hash=False)

    @property
    def technical(self) -> bool:
        """True for file-level findings (codes starting with ``T``)."""
        return self.code.startswith("T")

    def to_dict(self) -> dict[str, Any]:
        """The finding in the report's JSON shape."""
        return {
            "record": self.record,
            "line": self.line,
            "level": self.level,
            "code": self.code,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "keys": dict(self.keys),
        }


# Per field of Finding, in order: the setter of its slot (bypasses the frozen __setattr__).
_SLOT_SETTERS: tuple[Callable[[Finding, Any], None], ...] = tuple(
    getattr(Finding, f.name).__set__ for f in fields(Finding)
)


def findings_from_columns(
    columns: Sequence[Sequence[Any]], keys: Sequence[Mapping[str, str | None]] | None = None
) -> list[Finding]:
    """Findings from their values column by column (``record`` to ``message``, in field
    order), with ``keys`` (default: an empty dict each).

    The same objects as calling :class:`Finding` row by row, several times faster: each is
    made empty and its slots are filled column by column, in loops that run in C (the frozen
    dataclass's ``__init__`` sets field after field through ``object.__setattr__``).

    Example::

        >>> made = findings_from_columns([[1], [2], ["fout"], ["002"], ["A"], [None], ["leeg"]])
        >>> made == [Finding(1, 2, "fout", "002", "A", None, "leeg")]
        True
    """
    count = len(columns[0])
    made = list(map(Finding.__new__, repeat(Finding, count)))
    if keys is None:
        keys = [{} for _ in range(count)]
    for setter, column in zip(_SLOT_SETTERS, [*columns, keys], strict=True):
        if len(column) != count:
            raise ValueError("columns of different lengths")
        deque(map(setter, made, column), maxlen=0)
    return made


@dataclass(frozen=True, slots=True)
class Report:
    """The result of validating one delivery.

    Example::

        >>> r = Report(file="x.csv", code="CAT", version="1.4", status="Verwerkt", total=1,
        ...            processed=1, not_processed=0, errors=0, warnings=0, findings=())
        >>> r.to_dict()["records"]
        {'total': 1, 'processed': 1, 'not_processed': 0}
    """

    file: str | None
    code: str
    version: str
    status: str
    total: int
    processed: int
    not_processed: int
    errors: int
    warnings: int
    findings: tuple[Finding, ...]
    error_records: frozenset[int] = frozenset()
    report_fields: tuple[str, ...] = ()
    #: Per field (in the dictionary's order), how many of the ``total`` records have a value:
    #: not empty after trimming spaces, exactly where a required field gets ``002``. None when
    #: the file was rejected as a file (a technical finding): its records were not all read
    #: and checked. A statistic, not a finding: not part of the JSON or CSV report.
    filled: Mapping[str, int] | None = dataclass_field(default=None, hash=False)

    @property
    def rejected(self) -> bool:
        """True when the delivery is ``Afgekeurd``."""
        return self.status == AFGEKEURD

    def with_technical(self, findings: Iterable[Finding]) -> Report:
        """This report with file-level findings added (e.g. ``T05``/``T08`` of the intake).

        Technical findings reject the delivery: the status becomes ``Afgekeurd``, no record
        is processed and the report has no counts of filled values (``filled`` is None).

        Example::

            >>> r = Report(file="x.csv", code="CAT", version="1.4", status="Verwerkt", total=2,
            ...            processed=2, not_processed=0, errors=0, warnings=0, findings=())
            >>> t05 = Finding(None, None, "afkeur", "T05", None, None, "Bestandsnaam ...")
            >>> r.with_technical([t05]).status, r.with_technical([t05]).not_processed
            ('Afgekeurd', 2)
        """
        extra = tuple(findings)
        if not extra:
            return self
        return replace(
            self,
            status=AFGEKEURD,
            processed=0,
            not_processed=self.total,
            errors=self.errors + len(extra),
            findings=extra + self.findings,
            filled=None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The report in the spec's JSON shape."""
        return self._summary() | {"findings": [f.to_dict() for f in self.findings]}

    def _summary(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dictionary": {"code": self.code, "version": self.version},
            "status": self.status,
            "records": {
                "total": self.total,
                "processed": self.processed,
                "not_processed": self.not_processed,
            },
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text: ``json.dumps(self.to_dict(), ensure_ascii=False,
        indent=indent)``. The usual indent of 2 is written by orjson, the same text many times
        faster (the standard library writes indented output in pure Python)."""
        if indent == 2:
            document = self._summary() | {"findings": self.findings}
            with suppress(orjson.JSONEncodeError):  # text that is not UTF-8 (a lone surrogate)
                return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def write_json(self, out: BinaryIO) -> None:
        """:meth:`to_json` as UTF-8 into ``out``, the findings a batch at a time: the report of
        a file where every value is wrong can take gigabytes as one text (text that is not
        UTF-8, a lone surrogate, is escaped).

        Example::

            >>> r = Report(file="x.csv", code="CAT", version="1.4", status="Verwerkt", total=0,
            ...            processed=0, not_processed=0, errors=0, warnings=0, findings=())
            >>> out = io.BytesIO()
            >>> r.write_json(out)
            >>> out.getvalue() == r.to_json().encode()
            True
        """
        head = _json(self._summary() | {"findings": []})
        if not self.findings:
            out.write(head)
            return
        out.write(head.removesuffix(b"[]\n}") + b"[\n")
        for start in range(0, len(self.findings), _WRITE_BATCH):
            if start:
                out.write(b",\n")
            items = _json(self.findings[start : start + _WRITE_BATCH])[2:-2]  # without [ ]
            out.write(b"  " + items.replace(b"\n", b"\n  "))  # one level deeper
        out.write(b"\n  ]\n}")

    def to_csv(self) -> bytes:
        """The report as CSV (UTF-8 with BOM), formula injection neutralised."""
        out = io.BytesIO()
        self.write_csv(out)
        return out.getvalue()

    def write_csv(self, out: BinaryIO) -> None:
        """:meth:`to_csv` into ``out``, a batch of findings at a time."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(csv_header(self.report_fields))
        for start in range(0, len(self.findings), _WRITE_BATCH):
            for f in self.findings[start : start + _WRITE_BATCH]:
                row = (f.record, f.keys, f.level, f.code, f.field, f.value, f.message)
                writer.writerow(csv_row(row, self.report_fields))
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
        out.write(buffer.getvalue().encode("utf-8"))


_WRITE_BATCH = 50_000


def _json(document: object) -> bytes:
    """``document`` as JSON indented by 2, as the standard library writes it (orjson)."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:  # a lone surrogate: escaped, as UTF-8 cannot hold it
        return json.dumps(document, indent=2, default=Finding.to_dict).encode()


def csv_header(report_fields: Sequence[str]) -> list[str]:
    """The columns of the report's CSV form (spec: report format).

    Example::

        >>> csv_header(["OperatieID"])[:3]
        ['Recordnummer', 'OperatieID', 'Fout / waarschuwing']
    """
    return [
        "Recordnummer",
        *(safe_cell(name) for name in report_fields),  # (names from the workbook)
        "Fout / waarschuwing",
        "Foutcode",
        "Veld",
        "Waarde",
        "Omschrijving",
    ]


#: The level of a finding as the report's CSV names it, in the manual's words.
CSV_LEVELS = {"fout": "Record fout", "waarschuwing": "Waarschuwing", "afkeur": "Afkeur"}


def csv_row(finding: Sequence[Any], report_fields: Sequence[str]) -> list[str]:
    """The CSV cells of a finding given as ``(record, keys, level, code, field, value,
    message)``: the level in the manual's words, formulas neutralised.

    Example::

        >>> csv_row((3, {"ID": "=1"}, "fout", "002", "A", None, "leeg"), ["ID"])
        ['3', "'=1", 'Record fout', '002', 'A', '', 'leeg']
    """
    record, keys, level, *rest = finding
    row = [record, *(keys.get(name) for name in report_fields), CSV_LEVELS.get(level, level), *rest]
    return [safe_cell(cell) for cell in row]


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula; signed numbers stay as they are.

    A part after a ``;`` or a line break is made safe too: Excel in a Dutch locale reads
    ``x;=HYPERLINK(...)`` as two cells.

    Example::

        >>> safe_cell("=HYPERLINK(1)"), safe_cell(None), safe_cell(12), safe_cell("-0.25")
        ("'=HYPERLINK(1)", '', '12', '-0.25')
        >>> safe_cell("x;=cmd|' /C calc'!A0"), safe_cell("a\\n @SUM(1)"), safe_cell("  =1+1")
        ("x;'=cmd|' /C calc'!A0", "a\\n' @SUM(1)", "'  =1+1")
    """
    if value is None:
        return ""
    if type(value) is int:  # a record number
        return str(value)
    text = str(value)
    if ";" in text or "\n" in text or "\r" in text:  # (most cells have none: no regex)
        text = _INNER_START.sub(r"\1'", text)
    head = text.lstrip(" ") if text[:1] == " " else text  # a spreadsheet may trim the spaces
    if head.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(head):
        return "'" + text
    return text


def decide_status(
    *,
    technical: bool,
    rejecting: bool,
    errors: int,
    warnings: int,
    error_records: int,
    total: int,
    percentage: float | None,
) -> str:
    """The delivery status per product spec §5."""
    # exactly: 69 of 375 records is 18.4 %, not more (18.4 * 375 is 6899.999... in floats)
    share = Fraction(str(percentage)) if percentage is not None else None
    over = share is not None and total > 0 and error_records * 100 > share * total
    if technical or rejecting or over:
        return AFGEKEURD
    if errors:
        return MET_FOUTEN
    if warnings:
        return MET_WAARSCHUWINGEN
    return VERWERKT
