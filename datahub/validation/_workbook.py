"""Reading (python-calamine) and writing (openpyxl) data dictionary workbooks."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

from ._calamine import ReadFailed, read_sheets
from ._dictionary import (
    DataDictionary,
    FieldSpec,
    GeneralSpecs,
    ReferenceCode,
    ReferenceTable,
    Rule,
    ScheduleEntry,
)
from ._problems import DictionaryError, DictionaryProblem, Problems
from ._semantics import (
    EXAMPLES,
    FIELDS,
    GENERAL,
    METHODS,
    RULES,
    SCHEDULE,
    TABLES,
    Rows,
    check_dictionary,
)
from ._types import DATE_RE
from ._xlsx_scan import (
    MOST_UNREAD,
    SheetScan,
    column_number,
    number_formats,
    part_name,
    scan,
    sheet_parts,
    shown,
    workbook_part,
)

MAX_WORKBOOK = 20 * 1024 * 1024
MAX_UNPACKED = 400 * 1024 * 1024  # all parts of the workbook together, unpacked
MAX_CELLS = 10_000_000  # per sheet, rows x columns of its used area (read as a dense table)
# A cell's or row's reference as XML may write it (either quote, spaces around "="). (The range
# a sheet declares in ``<dimension>`` is not read: the reader does not go by it.)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
COLUMNS: dict[str, tuple[str, ...]] = {
    GENERAL: ("Kenmerk", "Waarde"),
    FIELDS: (
        "Volgorde",
        "Veldnaam",
        "Omschrijving",
        "Datatype",
        "Verplicht",
        "Lengte",
        "Decimalen",
        "Formaat",
        "Minimum",
        "Maximum",
        "Referentietabel",
        "Identificerend",
        "FHIRPath",
    ),
    RULES: ("Foutcode", "Veld", "Controle", "Niveau", "Omschrijving"),
    TABLES: ("Tabel", "Code", "Omschrijving"),
    SCHEDULE: ("Periode", "Deadline"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    GENERAL: ("Kenmerk", "Waarde"),
    FIELDS: ("Veldnaam", "Datatype"),
    RULES: ("Foutcode", "Veld", "Controle", "Niveau", "Omschrijving"),
    TABLES: ("Tabel", "Code"),
    SCHEDULE: ("Periode", "Deadline"),
}
REQUIRED_SHEETS = (GENERAL, FIELDS, RULES, TABLES, EXAMPLES)
ALL_SHEETS = (GENERAL, FIELDS, RULES, TABLES, EXAMPLES, SCHEDULE)
KENMERKEN = (
    "Code",
    "Naam",
    "Aanleverstroom",
    "Deelaanlevering",
    "Versie",
    "Geldig vanaf",
    "Geldig tot",
    "Aanleverfrequentie",
    "Deadline dagen na periode",
    "Bestandsformaten",
    "Aanlevermethoden",
    "Sleutelvelden",
    "Rapportvelden",
    "Periodeveld",
    "Afkeurpercentage",
    "FHIR resource",
)
REQUIRED_KENMERKEN = ("Code", "Versie")
_YES = {"ja": True, "j": True, "yes": True, "nee": False, "n": False, "no": False}
Cell = Any


def _fold(text: object) -> str:
    return str(text).strip().casefold() if text is not None else ""


def _spec_sheet(name: str | None) -> str | None:
    """The spec's name of a sheet named ``name`` (case and surrounding spaces aside)."""
    return next((s for s in ALL_SHEETS if name is not None and _fold(s) == _fold(name)), None)


@dataclass
class _Sheet:
    """A sheet as rows of cells keyed by spec column name, with Excel row numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Cell]]]
    raw: list[tuple[int, list[Cell]]]
    header_row: int = 1
    columns: dict[str, int] = field(default_factory=dict)  # spec column -> Excel column
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # of number cells

    def shown(self, row: int, column: int | None, cell: Cell) -> Cell:
        """A number as its cell shows it (``1`` through the format ``00`` is ``01``, ``3``
        through ``0.0`` is ``3.0``): for values that are text, such as codes and versions."""
        code = self.formats.get((row, column or 0))
        if code is None or code.endswith("%") or not isinstance(cell, int | float):
            return cell
        return cell if isinstance(cell, bool) else shown(float(cell), code)

    def percentage(self, row: int, column: int | None, cell: Cell) -> Cell:
        """A number in a cell formatted as a percentage, as the percentage it shows (0.055
        through ``0%`` is 5.5, not rounded; to the 15 digits Excel shows), as text; any other
        cell as it is."""
        code = self.formats.get((row, column or 0))
        if code is None or not code.endswith("%") or not isinstance(cell, int | float):
            return cell
        return format((Decimal(f"{float(cell):.15g}") * 100).normalize(), "f")


# -- reading ---------------------------------------------------------------------------------


def load_dictionary(source: str | os.PathLike[str] | bytes | BinaryIO) -> DataDictionary:
    """Read and check a data dictionary workbook (.xlsx); raise :class:`DictionaryError`.

    Unknown sheets and columns are kept as warnings on the result (``warnings``).

    Example::

        >>> d = load_dictionary("datahub/fixtures/dictionaries/CAT_1.4.xlsx")
        >>> d.general.code, d.general.version, len(d.fields)
        ('CAT', '1.4', 19)
    """
    data = _read_source(source)
    problems = Problems()
    warnings = Problems()
    with _opened(data) as (copy, formats, scans):
        sheets = _sheets(copy, problems, warnings, formats, scans)
    problems.raise_if_any()
    rows = Rows()
    reader = _Reader(problems, rows)
    general = reader.general(sheets[GENERAL], warnings)
    fields = reader.fields(sheets[FIELDS])
    dictionary = DataDictionary(
        general=general,
        fields=fields,
        rules=reader.rules(sheets[RULES]),
        reference_tables=reader.tables(sheets[TABLES]),
        examples=reader.examples(sheets[EXAMPLES], fields),
        schedule=reader.schedule(sheets.get(SCHEDULE)),
        warnings=tuple(warnings.items),
    )
    check_dictionary(dictionary, problems, rows)
    problems.items.sort(key=_problem_order)
    problems.raise_if_any()
    return dictionary


def _problem_order(problem: DictionaryProblem) -> tuple[int, int]:
    sheet = ALL_SHEETS.index(problem.sheet) if problem.sheet in ALL_SHEETS else -1
    return sheet, problem.row or 0


def load_stored_dictionary(
    source: str | os.PathLike[str] | bytes | dict[str, Any],
) -> DataDictionary:
    """Read a dictionary in its stored form (JSON of :meth:`DataDictionary.to_dict`) and check it.

    Example::

        >>> d = load_dictionary("datahub/fixtures/dictionaries/MMYIKNL_2.1.xlsx")
        >>> load_stored_dictionary(json.dumps(d.to_dict()).encode()) == d
        True
    """
    problems = Problems()
    try:
        if isinstance(source, dict):
            data = source
        elif isinstance(source, bytes):
            data = json.loads(source)
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        dictionary = DataDictionary.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DictionaryError(
            [
                DictionaryProblem(
                    None,
                    None,
                    None,
                    f"geen geldige opgeslagen data dictionary ({error})",
                    f"not a valid stored data dictionary ({error})",
                )
            ]
        ) from None
    try:
        check_dictionary(dictionary, problems)
    except DictionaryError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # a value of a wrong type
        raise _refuse(
            f"geen geldige opgeslagen data dictionary ({error})",
            f"not a valid stored data dictionary ({error})",
        ) from None
    problems.raise_if_any()
    return dictionary


def _refuse(nl: str, en: str) -> DictionaryError:
    return DictionaryError([DictionaryProblem(None, None, None, nl, en)])


def _read_source(source: str | os.PathLike[str] | bytes | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_WORKBOOK:
                raise _too_big()
            data = path.read_bytes()
        except OSError as error:
            raise _refuse(
                f"bestand kan niet worden gelezen ({error.strerror})",
                f"file cannot be read ({error.strerror})",
            ) from None
    else:
        data = source.read(MAX_WORKBOOK + 1)
    if len(data) > MAX_WORKBOOK:
        raise _too_big()
    return data


def _too_big() -> DictionaryError:
    size = MAX_WORKBOOK // (1024 * 1024)
    return _refuse(
        f"de werkmap is te groot (meer dan {size} MB)",
        f"the workbook is too big (more than {size} MB)",
    )


_Formats = dict[str, dict[tuple[int, int], str]]  # per sheet, the number format of a cell


@contextmanager
def _opened(data: bytes) -> Iterator[tuple[str, _Formats, dict[str, SheetScan]]]:
    """The workbook checked (see :func:`_check_size`) and copied, part by part as the checks
    read them, to a file for the reader (see :mod:`._calamine`): with the number formats and
    scans of its sheets."""
    if data.startswith(OLE_MAGIC):
        raise _refuse(
            "de werkmap is met een wachtwoord beveiligd (versleuteld) of in het oude "
            ".xls-formaat; sla haar op als .xlsx zonder wachtwoord",
            "the workbook is password-protected (encrypted) or in the old .xls format; "
            "save it as .xlsx without a password",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse("dit is geen Excel-werkmap (.xlsx)", "this is not an Excel workbook (.xlsx)")
    with tempfile.TemporaryDirectory(prefix="datahub-workbook-") as directory:
        copy = os.path.join(directory, "workbook.xlsx")
        formats, scans = _check_size(data, copy)
        yield copy, formats, scans


def _check_size(data: bytes, copy: str) -> tuple[_Formats, dict[str, SheetScan]]:
    """Refuse a workbook that unpacks to too much, whose sheet spans too many cells, or
    whose known sheets hold cells the reader would read as empty (errors, formulas without a
    computed value). See :mod:`._xlsx_scan`: every part is scanned, whatever its name, since a
    sheet may live anywhere the relations say. Return the number formats of the sheets' number
    cells (the reader gives a number without its format: see :meth:`_Sheet.shown`) and each
    sheet's scan (its cells the reader reads as empty are judged with its columns: see
    :func:`_check_unread`). The parts are copied to ``copy`` as they are read: the reader reads
    what was checked (a file can hold two archives, one for each kind of zip reader)."""
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED, allowZip64=True) as target,
        ):
            parts = archive.infolist()
            if "[Content_Types].xml" not in archive.namelist():  # (an OpenDocument file...)
                raise _refuse(
                    "dit is geen Excel-werkmap (.xlsx)", "this is not an Excel workbook (.xlsx)"
                )
            if sum(part.file_size for part in parts) > MAX_UNPACKED:
                raise _refuse(
                    f"de werkmap is uitgepakt te groot (meer dan {MAX_UNPACKED // 2**20} MB)",
                    f"the workbook is too big unpacked (more than {MAX_UNPACKED // 2**20} MB)",
                )
            _check_parts(data, archive)
            names = {part_name(part): name for name, part in sheet_parts(archive).items()}
            shown_with = number_formats(archive)
            formats: _Formats = {}
            scans: dict[str, SheetScan] = {}
            for part in parts:  # (whatever its name: the relations may name any part)
                name = names.get(part_name(part.filename))
                with (
                    archive.open(part) as stream,
                    target.open(part.filename, "w", force_zip64=True) as copied,
                ):
                    found = scan(
                        _Copying(stream, copied), details=name is not None, most_cells=MAX_CELLS
                    )
                _check_span(found, name)
                if name is not None:
                    scans[name] = found
                    formats[name] = {
                        cell: shown_with[style]
                        for cell, style in found.styles.items()
                        if style in shown_with
                    }
            return formats, scans
    except DictionaryError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
        raise _unreadable_workbook(error) from None


def _unreadable_workbook(error: Exception) -> DictionaryError:
    return _refuse(
        f"de werkmap kan niet worden gelezen (technische melding: {error})",
        f"the workbook cannot be read ({error})",
    )


class _Copying:
    """A stream that writes what is read from it to ``target``."""

    def __init__(self, stream: IO[bytes], target: IO[bytes]) -> None:
        self.stream = stream
        self.target = target

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.target.write(block)
        return block


def _check_parts(data: bytes, archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts the reader could take otherwise than Excel: two
    directories (one for each kind of zip reader: the end of one holds the other), two parts
    with one name (case aside, or with ``\\`` for ``/``: the reader takes either), or a
    workbook part other than ``xl/workbook.xml``, the one the reader reads whatever the
    package names (Excel shows the one named)."""
    if data[-_END_SEARCH:].count(_END_OF_DIRECTORY) > 1:
        raise _refuse(
            "de werkmap is geen gewoon zip-bestand (zij heeft meer dan één inhoudsopgave); "
            "open haar in Excel en sla haar opnieuw op",
            "the workbook is no plain zip file (it has more than one directory); open it in "
            "Excel and save it again",
        )
    names = Counter(part_name(part.filename) for part in archive.infolist())
    twice = sorted(name for name, count in names.items() if count > 1)
    if twice:
        raise _refuse(
            f"de werkmap bevat het onderdeel {twice[0]} meer dan eens",
            f"the workbook holds the part {twice[0]} more than once",
        )
    workbook = workbook_part(archive)
    if workbook is None or part_name(workbook) != _WORKBOOK_PART:
        nl = f"het werkboek is {workbook} in plaats van {_WORKBOOK_PART}"
        en = f"its workbook part is {workbook} instead of {_WORKBOOK_PART}"
        if workbook is None:
            nl, en = "zij noemt geen werkboek", "it names no workbook part"
        raise _refuse(
            f"de werkmap is niet opgebouwd zoals Excel haar opslaat ({nl}); open haar in Excel "
            "en sla haar opnieuw op",
            f"the workbook is not built as Excel saves it ({en}); open it in Excel and save "
            "it again",
        )


_WORKBOOK_PART = "xl/workbook.xml"
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_SEARCH = 22 + 65_535  # (the record and the longest comment it may have)


def _check_span(found: SheetScan, name: str | None) -> None:
    """Refuse a part spanning more cells than the reader may hold."""
    if found.rows * found.columns > MAX_CELLS:
        raise DictionaryError(
            [
                DictionaryProblem(
                    _spec_sheet(name) or name,
                    None,
                    None,
                    f"het tabblad beslaat te veel cellen ({found.rows} rijen x {found.columns} "
                    f"kolommen; hoogstens {MAX_CELLS:,} cellen)".replace(",", "."),
                    f"the sheet spans too many cells ({found.rows} rows x {found.columns} "
                    f"columns; at most {MAX_CELLS:,} cells)",
                )
            ]
        )


_UNREAD = (
    (
        "errors",
        "bevat een fout (zoals #N/A of #REF!); vul de waarde zelf in",
        "holds an error (such as #N/A or #REF!); fill in the value",
    ),
    (
        "formulas",
        "heeft een formule zonder berekende waarde; open de werkmap in Excel en sla haar op, "
        "of vul de waarde zelf in",
        "has a formula without a computed value; open the workbook in Excel and save it, "
        "or fill in the value",
    ),
    (
        "odd",
        "heeft een waarde in een vorm die niet zeker gelezen kan worden (zoals NaN, een "
        "tekenverwijzing of CDATA); typ de waarde opnieuw in Excel",
        "holds a value in a form that cannot be read reliably (such as NaN, a character "
        "reference or CDATA); type the value in again in Excel",
    ),
)


def _check_unread(
    sheet: _Sheet, found: SheetScan | None, problems: Problems, *, every: bool = False
) -> None:
    """Refuse the cells of ``sheet`` that the reader misreads (an error, a formula without a
    computed value, a value in a form it does not read as Excel does) in a column that is
    read: one the dictionary knows (a column it does not know is left aside, with a warning),
    the header's row and any above it, any in the examples, or (``every``) any at all."""
    if found is None:
        return
    if found.crowded:
        problems.add(
            sheet.name,
            None,
            None,
            f"meer dan {MOST_UNREAD:,} cellen met een fout of een waarde die niet gelezen kan "
            "worden".replace(",", "."),
            f"more than {MOST_UNREAD:,} cells with an error or a value that cannot be read",
        )
        return
    read = set(sheet.columns.values())
    for kind, nl, en in _UNREAD:
        references = [
            r
            for r in getattr(found, kind)
            if every
            or sheet.name == EXAMPLES
            or column_number(_letters(r).encode()) in read
            or int(r.removeprefix(_letters(r))) <= sheet.header_row  # (the names themselves)
        ]
        for reference in references[:20]:
            row = int(reference.removeprefix(_letters(reference)))
            problems.add(sheet.name, row, None, f"cel {reference} {nl}", f"cell {reference} {en}")


def _letters(reference: str) -> str:
    """The column letters of a cell reference (``AB`` of ``AB12``)."""
    return reference.rstrip("0123456789")


def _sheets(
    copy: str,
    problems: Problems,
    warnings: Problems,
    formats: _Formats,
    scans: dict[str, SheetScan],
) -> dict[str, _Sheet]:
    found: dict[str, _Sheet] = {}
    unreadable: set[str] = set()  # (reported as such, not as missing too)
    try:
        names, read = read_sheets(
            copy, {_fold(s) for s in ALL_SHEETS}, {n: s.used for n, s in scans.items()}
        )
    except ReadFailed as error:
        if not error.too_big:  # (the hub's fault, not the workbook's)
            raise _refuse(
                "de werkmap kan nu niet worden gelezen door een fout in de hub; probeer het "
                f"later opnieuw of meld het aan het beheer (technische melding: {error})",
                "the workbook cannot be read now because of a fault in the hub; try again "
                f"later or report it to the operators ({error})",
            ) from None
        raise _refuse(
            "de werkmap kan niet worden gelezen: een tabblad beslaat meer cellen dan gelezen "
            f"kunnen worden (technische melding: {error})",
            f"the workbook cannot be read: a sheet spans more cells than can be read ({error})",
        ) from None
    except ValueError as error:
        raise _unreadable_workbook(error) from None
    for actual in names:
        spec_name = _spec_sheet(actual)
        if spec_name is None:
            warnings.add(
                None,
                None,
                None,
                f"onbekend tabblad {actual!r} genegeerd",
                f"unknown sheet {actual!r} ignored",
            )
            continue
        if spec_name in found:  # an old copy beside the new one: which one is meant?
            problems.add(
                spec_name,
                None,
                None,
                f"tabblad komt meer dan eens voor (ook als {actual!r})",
                f"the sheet occurs more than once (also as {actual!r})",
            )
            continue
        answer = read.get(actual, {"error": "not found"})
        if "cells" not in answer:
            unreadable.add(spec_name)
            _unreadable(spec_name, answer, scans.get(actual), problems)
            continue
        found[spec_name] = _table(spec_name, answer["cells"], problems, warnings)
        found[spec_name].formats = formats.get(actual, {})
        _check_unread(found[spec_name], scans.get(actual), problems)
    for name in REQUIRED_SHEETS:
        if name not in found and name not in unreadable:
            problems.add(name, None, None, "tabblad ontbreekt", "sheet is missing")
    return found


def _unreadable(
    name: str, answer: dict[str, Any], found: SheetScan | None, problems: Problems
) -> None:
    """Why a sheet could not be read: its merged ranges overlap, or the reader's error
    (with the cells that may be why, in every column)."""
    if answer.get("overlap"):
        problems.add(
            name,
            None,
            None,
            "samengevoegde cellen overlappen elkaar (zo slaat Excel geen tabblad op); "
            "hef de samenvoegingen op",
            "merged cells overlap (Excel saves no sheet so); unmerge them",
        )
        return
    error = answer.get("error")
    problems.add(
        name,
        None,
        None,
        f"tabblad kan niet worden gelezen (technische melding: {error})",
        f"sheet cannot be read ({error})",
    )
    if found is not None:
        _check_unread(_Sheet(name, [], [], []), found, problems, every=True)


def _table(name: str, cells: list[list[Cell]], problems: Problems, warnings: Problems) -> _Sheet:
    numbered = [(i + 1, row) for i, row in enumerate(cells) if any(_text(c) for c in row)]
    if not numbered:
        return _Sheet(name, [], [], [])
    header_row, header_cells = numbered[0]
    header = [_text(c) or "" for c in header_cells]
    raw = numbered[1:]
    if name == EXAMPLES:
        return _Sheet(name, header, [], raw, header_row)
    expected = {_fold(c): c for c in COLUMNS[name]}
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        column = expected.get(_fold(title))
        if column is None:
            if title:
                warnings.add(
                    name,
                    header_row,
                    None,
                    f"onbekende kolom {title!r} genegeerd",
                    f"unknown column {title!r} ignored",
                )
        elif column in mapping.values():  # which one would count? refuse rather than guess
            problems.add(
                name, header_row, column, "kolom komt meer dan eens voor", "column occurs twice"
            )
        else:
            mapping[index] = column
    for column in REQUIRED_COLUMNS[name]:
        if column not in mapping.values():
            problems.add(name, header_row, column, "kolom ontbreekt", "column is missing")
    rows = [
        (number, {column: row[i] if i < len(row) else None for i, column in mapping.items()})
        for number, row in raw
    ]
    columns = {column: index + 1 for index, column in mapping.items()}
    return _Sheet(name, header, rows, raw, header_row, columns)


class _Reader:
    """Turns sheets into model objects, collecting cell-level problems."""

    def __init__(self, problems: Problems, rows: Rows) -> None:
        self.problems = problems
        self.rows = rows

    def _problem(self, sheet: str, row: int | None, column: str, nl: str, en: str) -> None:
        self.problems.add(sheet, row, column, nl, en)

    def _int(self, sheet: str, row: int, column: str, cell: Cell) -> int | None:
        text = _text(cell)
        if text is None:
            return None
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text)
        self._problem(
            sheet, row, column, f"{text!r} is geen geheel getal", f"{text!r} is not an integer"
        )
        return None

    def _bool(self, sheet: str, row: int, column: str, cell: Cell) -> bool:
        if isinstance(cell, bool):
            return cell
        text = _text(cell)
        if text is None:
            return False
        if text.casefold() in _YES:
            return _YES[text.casefold()]
        self._problem(sheet, row, column, f"{text!r} is geen ja of nee", f"{text!r} is not ja/nee")
        return False

    def _date(self, sheet: str, row: int, column: str, cell: Cell) -> dt.date | None:
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        text = _text(cell)
        if text is None:
            return None
        try:
            # (JJJJ-MM-DD only: fromisoformat takes 2021-W01-1 and 20210104 too)
            return dt.date.fromisoformat(text) if re.fullmatch(DATE_RE, text) else _no_date()
        except ValueError:
            self._problem(
                sheet,
                row,
                column,
                f"{text!r} is geen datum (JJJJ-MM-DD)",
                f"{text!r} is not a date (YYYY-MM-DD)",
            )
            return None

    def general(self, sheet: _Sheet, warnings: Problems) -> GeneralSpecs:
        known = {_fold(k): k for k in KENMERKEN}
        values: dict[str, tuple[int, Cell]] = {}
        for number, row in sheet.rows:
            title = _text(row.get("Kenmerk"))
            if title is None:
                continue
            key = known.get(_fold(title))
            if key is None:
                warnings.add(
                    GENERAL,
                    number,
                    "Kenmerk",
                    f"onbekend kenmerk {title!r} genegeerd",
                    f"unknown property {title!r} ignored",
                )
            elif key in values:
                self._problem(
                    GENERAL,
                    number,
                    "Kenmerk",
                    f"kenmerk {key} komt dubbel voor",
                    f"property {key} occurs twice",
                )
            else:
                cell, column = row.get("Waarde"), sheet.columns.get("Waarde")
                if key in ("Code", "Versie"):
                    cell = sheet.shown(number, column, cell)
                elif key == "Afkeurpercentage":
                    cell = sheet.percentage(number, column, cell)
                values[key] = (number, cell)
                self.rows.general[key] = number
        for key in REQUIRED_KENMERKEN:
            if _text(values.get(key, (0, None))[1]) is None:
                self._problem(
                    GENERAL,
                    values.get(key, (None, None))[0],
                    "Waarde",
                    f"kenmerk {key} ontbreekt",
                    f"property {key} is missing",
                )
        return self._general_specs(values)

    def _general_specs(self, values: dict[str, tuple[int, Cell]]) -> GeneralSpecs:
        def text(key: str) -> str | None:
            return _text(values.get(key, (0, None))[1])

        def parsed(key: str, parse: Callable[[str, int, str, Cell], Any]) -> Any:
            row, cell = values.get(key, (0, None))
            return parse(GENERAL, row, "Waarde", cell)

        percentage = text("Afkeurpercentage")
        return GeneralSpecs(
            code=text("Code") or "",
            name=text("Naam") or "",
            stream=text("Aanleverstroom") or "",
            sub_delivery=text("Deelaanlevering") or "",
            version=text("Versie") or "",
            valid_from=parsed("Geldig vanaf", self._date),
            valid_to=parsed("Geldig tot", self._date),
            frequency=(text("Aanleverfrequentie") or "").casefold(),
            deadline_days=parsed("Deadline dagen na periode", self._int),
            formats=tuple(v.casefold() for v in _list(text("Bestandsformaten"))),
            methods=tuple(_method(v) for v in _list(text("Aanlevermethoden"))),
            key_fields=_list(text("Sleutelvelden")),
            report_fields=_list(text("Rapportvelden")),
            period_field=text("Periodeveld"),
            rejection_percentage=self._percentage(values, percentage),
            fhir_resource=text("FHIR resource"),
        )

    def _percentage(self, values: dict[str, tuple[int, Cell]], text: str | None) -> float | None:
        if text is None:
            return None
        row, cell = values["Afkeurpercentage"]
        if isinstance(cell, float) and 0 < cell < 1:  # a cell that shows 20% holds 0.2
            self._problem(
                GENERAL,
                row,
                "Waarde",
                f"Afkeurpercentage {text} is kleiner dan 1: staat de cel als percentage opgemaakt "
                "(20%)? Vul het percentage als getal in (20)",
                f"Afkeurpercentage {text} is below 1: is the cell formatted as a percentage "
                "(20%)? Fill in the percentage as a number (20)",
            )
            return None
        try:
            return float(text)
        except ValueError:
            row = values["Afkeurpercentage"][0]
            self._problem(
                GENERAL,
                row,
                "Waarde",
                f"Afkeurpercentage {text!r} is geen getal",
                f"Afkeurpercentage {text!r} is not a number",
            )
            return None

    def fields(self, sheet: _Sheet) -> tuple[FieldSpec, ...]:
        specs = []
        for position, (number, row) in enumerate(sheet.rows, start=1):
            if _text(row.get("Veldnaam")) is None and _text(row.get("Datatype")) is None:
                continue
            self.rows.fields.append(number)
            order = self._int(FIELDS, number, "Volgorde", row.get("Volgorde"))
            datatype = (_text(row.get("Datatype")) or "").casefold()
            specs.append(
                FieldSpec(
                    order=order if order is not None else position,
                    name=_text(row.get("Veldnaam")) or "",
                    description=_text(row.get("Omschrijving")) or "",
                    datatype=datatype,
                    required=self._bool(FIELDS, number, "Verplicht", row.get("Verplicht")),
                    length=self._int(FIELDS, number, "Lengte", row.get("Lengte")),
                    decimals=self._int(FIELDS, number, "Decimalen", row.get("Decimalen")),
                    format=_text(row.get("Formaat")),
                    minimum=_limit_text(row.get("Minimum"), datatype),
                    maximum=_limit_text(row.get("Maximum"), datatype),
                    reference_table=_text(row.get("Referentietabel")),
                    identifying=self._bool(
                        FIELDS, number, "Identificerend", row.get("Identificerend")
                    ),
                    fhirpath=_text(row.get("FHIRPath")),
                )
            )
        ordered = sorted(zip(specs, self.rows.fields, strict=True), key=lambda p: p[0].order)
        self.rows.fields = [row for _, row in ordered]
        return tuple(spec for spec, _ in ordered)

    def rules(self, sheet: _Sheet) -> tuple[Rule, ...]:
        rules = []
        for number, row in sheet.rows:
            texts = {c: _text(row.get(c)) for c in COLUMNS[RULES]}
            if not any(texts.values()):
                continue
            self.rows.rules.append(number)
            rules.append(
                Rule(
                    code=texts["Foutcode"] or "",
                    field=texts["Veld"] or "",
                    expression=texts["Controle"] or "",
                    level=(texts["Niveau"] or "").casefold(),
                    message=texts["Omschrijving"] or "",
                )
            )
        return tuple(rules)

    def tables(self, sheet: _Sheet) -> tuple[ReferenceTable, ...]:
        tables: dict[str, list[ReferenceCode]] = {}
        rows: dict[str, list[int]] = {}
        for number, row in sheet.rows:
            name = _text(row.get("Tabel"))
            code = _text(sheet.shown(number, sheet.columns.get("Code"), row.get("Code")))
            if name is None and code is None:
                continue
            if name is None or code is None:
                column = "Tabel" if name is None else "Code"
                self._problem(TABLES, number, column, "waarde ontbreekt", "value is missing")
                continue
            tables.setdefault(name, []).append(
                ReferenceCode(code, _text(row.get("Omschrijving")) or "")
            )
            rows.setdefault(name, []).append(number)
        self.rows.tables = [n for name in tables for n in rows[name]]
        return tuple(ReferenceTable(name, tuple(entries)) for name, entries in tables.items())

    def examples(
        self, sheet: _Sheet, fields: tuple[FieldSpec, ...]
    ) -> tuple[tuple[str | None, ...], ...]:
        types = {f.name: f.datatype for f in fields}
        header_row = sheet.header_row
        index: dict[str, int] = {}
        for position, title in enumerate(sheet.header):
            if title in index:  # which one would count? refuse rather than guess
                self._problem(
                    EXAMPLES,
                    header_row,
                    title,
                    "kolom komt meer dan eens voor",
                    "column occurs twice",
                )
            elif title in types:
                index[title] = position
            elif title:
                self._problem(
                    EXAMPLES, header_row, title, f"onbekend veld {title}", f"unknown field {title}"
                )
        if sheet.header:
            for name in types:
                if name not in index:
                    self._problem(
                        EXAMPLES, header_row, name, "kolom ontbreekt", "column is missing"
                    )
        examples = []
        for number, row in sheet.raw:
            self.rows.examples.append(number)
            examples.append(
                tuple(
                    _example_text(
                        _example_cell(sheet, number, row, index.get(f.name), f), f.datatype
                    )
                    for f in fields
                )
            )
        return tuple(examples)

    def schedule(self, sheet: _Sheet | None) -> tuple[ScheduleEntry, ...]:
        if sheet is None:
            return ()
        entries = []
        for number, row in sheet.rows:
            period = _text(row.get("Periode"))
            deadline = self._date(SCHEDULE, number, "Deadline", row.get("Deadline"))
            if period is None and deadline is None:
                continue
            if period is None or deadline is None:
                if period is None or _text(row.get("Deadline")) is None:  # (else no date:
                    column = "Periode" if period is None else "Deadline"  # said already)
                    self._problem(SCHEDULE, number, column, "waarde ontbreekt", "value is missing")
                continue
            self.rows.schedule.append(number)
            entries.append(ScheduleEntry(period.upper(), deadline))
        return tuple(entries)


def _example_cell(
    sheet: _Sheet, number: int, row: list[Cell], position: int | None, spec: FieldSpec
) -> Cell:
    """The example's cell of ``spec``; for a code or text, a number as its cell shows it."""
    if position is None or position >= len(row):
        return None
    if spec.datatype in ("code", "tekst"):
        return sheet.shown(number, position + 1, row[position])
    return row[position]


def _no_date() -> dt.date:
    raise ValueError


def _text(cell: Cell) -> str | None:
    """Canonical text of a cell: numbers without a spurious ``.0``, dates as ISO."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "ja" if cell else "nee"
    if isinstance(cell, float):  # as a decimal, never in exponent form (1e-05), and with the
        # 15 significant digits Excel shows (a formula's 20.7+0.4 is 21.099999999999998)
        return str(int(cell)) if cell.is_integer() else format(Decimal(f"{cell:.15g}"), "f")
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time(0):
            return cell.date().isoformat()
        return cell.isoformat(timespec="seconds")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    text = str(cell).strip()
    return text or None


def _limit_text(cell: Cell, datatype: str) -> str | None:
    """A limit's text; of a date and time, as the data write it (a date alone: its
    midnight)."""
    if datatype == "datumtijd":
        text = _example_text(cell, datatype)
        text = text.strip() if text is not None else None  # (as _text trims other cells)
        return f"{text}T00:00:00" if text and _is_date(text) else text or None
    return _text(cell)


def _is_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(DATE_RE, text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def _example_text(cell: Cell, datatype: str) -> str | None:
    if isinstance(cell, dt.datetime) and datatype == "datumtijd":
        return cell.isoformat(timespec="seconds")
    if isinstance(cell, dt.date) and datatype == "datumtijd":  # midnight reads as a date
        return f"{cell.isoformat()}T00:00:00"
    if cell is None or (isinstance(cell, str) and cell == ""):
        return None
    if isinstance(cell, str):
        return cell
    return _text(cell)


def _list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _method(text: str) -> str:
    for method in METHODS:
        if method.casefold() == text.casefold():
            return method
    return text


# -- writing ---------------------------------------------------------------------------------


def write_workbook(dictionary: DataDictionary, target: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``dictionary`` as a workbook in the exchange format (openpyxl).

    Example::

        >>> d = load_dictionary("datahub/fixtures/dictionaries/CAT_1.4.xlsx")
        >>> buffer = io.BytesIO()
        >>> write_workbook(d, buffer)
        >>> load_dictionary(buffer.getvalue()) == d
        True
    """
    from openpyxl import Workbook

    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    _write_rows(workbook, GENERAL, [list(COLUMNS[GENERAL]), *_general_rows(dictionary.general)])
    _write_rows(workbook, FIELDS, [list(COLUMNS[FIELDS]), *map(_field_row, dictionary.fields)])
    _write_rows(
        workbook,
        RULES,
        [
            list(COLUMNS[RULES]),
            *([r.code, r.field, r.expression, r.level, r.message] for r in dictionary.rules),
        ],
    )
    _write_rows(
        workbook,
        TABLES,
        [
            list(COLUMNS[TABLES]),
            *(
                [t.name, e.code, e.description]
                for t in dictionary.reference_tables
                for e in t.entries
            ),
        ],
    )
    _write_rows(
        workbook,
        EXAMPLES,
        [list(dictionary.field_names), *(list(row) for row in dictionary.examples)],
    )
    if dictionary.schedule:
        _write_rows(
            workbook,
            SCHEDULE,
            [
                list(COLUMNS[SCHEDULE]),
                *([s.period, s.deadline.isoformat()] for s in dictionary.schedule),
            ],
        )
    workbook.save(target)


def _write_rows(workbook: Any, title: str, rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append([_excel_text(v) if isinstance(v, str) else v for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _excel_text(text: str) -> str:
    r"""Text as a workbook holds it: a control character as Excel's escape ``_x0001_`` (XML
    cannot hold it), and text that looks like such an escape with its ``_`` escaped
    (``_x005F_``), so that reading it back gives the same text.

    Example::

        >>> _excel_text("a\x01b"), _excel_text("L_x0031_"), _excel_text("a\tb")
        ('a_x0001_b', 'L_x005F_x0031_', 'a\tb')
        >>> _excel_text("_x0041_x0042_")
        '_x005F_x0041_x005F_x0042_'
    """
    text = _ESCAPE_LIKE.sub("_x005F_", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # each "_" that starts one (they may
# overlap: _x0041_x0042_)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _general_rows(g: GeneralSpecs) -> list[list[Any]]:
    def joined(values: tuple[str, ...]) -> str:
        return ", ".join(values)

    return [
        ["Code", g.code],
        ["Naam", g.name],
        ["Aanleverstroom", g.stream],
        ["Deelaanlevering", g.sub_delivery],
        ["Versie", g.version],
        ["Geldig vanaf", g.valid_from.isoformat() if g.valid_from else None],
        ["Geldig tot", g.valid_to.isoformat() if g.valid_to else None],
        ["Aanleverfrequentie", g.frequency],
        ["Deadline dagen na periode", g.deadline_days],
        ["Bestandsformaten", joined(g.formats)],
        ["Aanlevermethoden", joined(g.methods)],
        ["Sleutelvelden", joined(g.key_fields)],
        ["Rapportvelden", joined(g.report_fields)],
        ["Periodeveld", g.period_field],
        ["Afkeurpercentage", _percentage_cell(g.rejection_percentage)],
        ["FHIR resource", g.fhir_resource],
    ]


def workbook_names() -> tuple[dict[str, str], dict[str, str]]:
    """The workbook's own (Dutch) names of the general specs and of a field's attributes, by
    attribute name.

    Example::

        >>> general, field = workbook_names()
        >>> general["frequency"], field["reference_table"]
        ('Aanleverfrequentie', 'Referentietabel')
    """
    general = {
        f.name: row[0]
        for f, row in zip(fields(GeneralSpecs), _general_rows(GeneralSpecs()), strict=True)
    }
    field = dict(zip((f.name for f in fields(FieldSpec)), COLUMNS[FIELDS], strict=True))
    return general, field


def _field_row(f: FieldSpec) -> list[Any]:
    return [
        _number_cell(str(f.order)),  # (a float past 2**53 would not give it back)
        f.name,
        f.description,
        f.datatype,
        "ja" if f.required else "nee",
        None if f.length is None else _number_cell(str(f.length)),
        f.decimals,
        f.format,
        _number_cell(f.minimum),
        _number_cell(f.maximum),
        f.reference_table,
        "ja" if f.identifying else "nee",
        f.fhirpath,
    ]


def _number_cell(text: str | None) -> int | float | str | None:
    """A number cell where reading it gives ``text`` back, else the text itself (20 digits
    or ``-0`` would not survive a float)."""
    if text is None:
        return None
    if re.fullmatch(r"-?[0-9]+", text) and abs(int(text)) < 2**53 and str(int(text)) == text:
        return int(text)  # (not 010 or -0, which a number would not give back)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", text) and _text(float(text)) == text:
        return float(text)
    return text


def _percentage_cell(percentage: float | None) -> float | str | None:
    """A percentage between 0 and 1 as text: as a number it would read as a 0-100 % format's
    fraction, which the import refuses."""
    if percentage is not None and 0 < percentage < 1:
        return _text(percentage)
    return percentage
