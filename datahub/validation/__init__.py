"""The validation engine of the Datahub (framework-free: imports no Django).

Load a data dictionary, validate a CSV or XML file (or records from another channel) and get a
report with status, counts and findings, as JSON or CSV.

Example::

    >>> from datahub.validation import load_dictionary, validate_file
    >>> d = load_dictionary("datahub/fixtures/dictionaries/CAT_1.4.xlsx")
    >>> report = validate_file(d, b"OperatieID\\n", file_name="x.csv")
    >>> report.status, sorted({f.code for f in report.findings})
    ('Afgekeurd', ['T02', 'T07'])
"""

from ._collector import collector_paused
from ._dictionary import (
    DATATYPES,
    LEVELS,
    DataDictionary,
    FieldSpec,
    GeneralSpecs,
    ReferenceCode,
    ReferenceTable,
    Rule,
    ScheduleEntry,
)
from ._engine import content_mismatch, iter_valid_records, validate_file, validate_records
from ._filename import FILE_FORMATS, FileName, FileNameProblem, parse_file_name, valid_parts
from ._messages import CHECKS, TECHNICAL, technical_message, translate_message
from ._period import parse_period
from ._report import (
    AFGEKEURD,
    MET_FOUTEN,
    MET_WAARSCHUWINGEN,
    STATUSES,
    VERWERKT,
    Finding,
    Report,
    csv_header,
    csv_row,
    safe_cell,
)
from ._rules import RuleError, compile_rule
from ._semantics import MAX_DEADLINE_DAYS
from ._technical import technical_finding
from ._workbook import (
    DictionaryError,
    DictionaryProblem,
    load_dictionary,
    load_stored_dictionary,
    workbook_names,
    write_workbook,
)
from ._xsd import generate_xsd

__all__ = [
    "AFGEKEURD",
    "CHECKS",
    "DATATYPES",
    "FILE_FORMATS",
    "LEVELS",
    "MAX_DEADLINE_DAYS",
    "MET_FOUTEN",
    "MET_WAARSCHUWINGEN",
    "STATUSES",
    "TECHNICAL",
    "VERWERKT",
    "DataDictionary",
    "DictionaryError",
    "DictionaryProblem",
    "FieldSpec",
    "FileName",
    "FileNameProblem",
    "Finding",
    "GeneralSpecs",
    "ReferenceCode",
    "ReferenceTable",
    "Report",
    "Rule",
    "RuleError",
    "ScheduleEntry",
    "collector_paused",
    "compile_rule",
    "content_mismatch",
    "csv_header",
    "csv_row",
    "generate_xsd",
    "iter_valid_records",
    "load_dictionary",
    "load_stored_dictionary",
    "parse_file_name",
    "parse_period",
    "safe_cell",
    "technical_finding",
    "technical_message",
    "translate_message",
    "valid_parts",
    "validate_file",
    "validate_records",
    "workbook_names",
    "write_workbook",
]
