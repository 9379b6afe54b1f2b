"""What a workbook's XML says before the reader reads it: which part is which sheet, each
sheet's used area, and the cells the reader would read as empty.

The reader (calamine) holds a sheet as a dense table up to its last cell with content: one cell
far away in a tiny file would ask for hundreds of gigabytes. So each XML part is scanned first,
streaming, for the positions of its cells with content, counted as the reader counts them (a
row or cell without its ``r`` reference takes the next position). A row or cell with only a
format (Excel keeps them after contents are deleted) takes no room. The reader also reads an
error cell (``#N/A``) and a formula without a computed value as empty: the scan names them.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from lxml import etree

from ._streams import Readable

# A tag's attributes run to its first ">" outside quotes (a value may hold one, never a "<");
# an attribute is named without a prefix (q:r="D7" is another attribute than r, which the
# reader reads). Neither pattern backtracks over more than one tag or name: a comment of
# thousands of "<c " or of one long name made the scan of a 12 KB workbook take hours.
_TAG = re.compile(
    rb"""<(/?)(?:[\w.-]++:)?(row|c|v|is|f)\b((?:[^<>"'/]++|/(?!>)|"[^"<]*+"|'[^'<]*+')*+)(/?)>"""
)
# An attribute: its name (a prefixed one is another attribute) and its quoted value. Of an
# attribute given twice, the last counts, as for the reader.
_ATTRIBUTE = re.compile(rb"""(?<![\w:.-])([\w:.-]++)\s*+=\s*+(?:"([^"]*+)"|'([^']*+)')""")
_REF = re.compile(rb"\s*([A-Za-z]*)([0-9]*)")
_FAR = 26**8
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_MOST_STYLED = 100_000  # (a dictionary has far fewer cells; a huge sheet is refused anyway)
# Of each kind of cell the reader misreads, the first of each column (all a workbook's
# message can show: see _workbook._check_unread), and no more than Excel's columns can hold.
_CARRIED = 1024  # of a value cut by a block's end, the start kept
_FIRST_PER_COLUMN = 20
MOST_UNREAD = _FIRST_PER_COLUMN * 16_384
# A value the reader reads as Excel does: a number as Excel writes it (not NaN or inf, which
# the reader takes, nor a character reference, CDATA or a comment, which it reads as nothing
# or in part), and a shared text's plain index (the reader reads " 1 " as text 0).
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INDEX = re.compile(rb"[0-9]+")
# Number formats shown as Excel shows them: digits with leading zeros, fixed decimals, percent
# (no more digits than a format of Excel's 255 characters can hold).
_SHOWN = re.compile(r"(0{1,255})(?:\.(0{1,255}))?(%?)")
_BUILT_IN = {1: "0", 2: "0.00", 9: "0%", 10: "0.00%"}
_OFFICE_DOCUMENT = "/officeDocument"


@dataclass(slots=True)
class SheetScan:
    """The used area of one part (rows x columns up to its last cell the reader keeps), and
    the cells it misreads (as ``A1`` references): an error, a formula without a value, or a
    value in a form it does not read as Excel does (``odd``)."""

    rows: int = 0
    columns: int = 0
    errors: list[str] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)
    odd: list[str] = field(default_factory=list)
    #: more cells of a kind than are kept (:data:`MOST_UNREAD`): no column's first are known
    crowded: bool = False
    #: the style of each number cell with one, by (row, column): its number format is shown
    styles: dict[tuple[int, int], int] = field(default_factory=dict)
    #: the columns (from 1) with some cell with content or a formula
    used: set[int] = field(default_factory=set)
    _per_column: dict[tuple[str, int], int] = field(default_factory=dict)

    def note(self, kind: str, row: int, column: int) -> None:
        """Keep a cell of ``kind`` (``errors``, ``formulas``, ``odd``) if its column has room."""
        seen = self._per_column.get((kind, column), 0)
        found: list[str] = getattr(self, kind)
        if seen >= _FIRST_PER_COLUMN:
            return
        if len(found) >= MOST_UNREAD:
            self.crowded = True
            return
        self._per_column[kind, column] = seen + 1
        found.append(f"{column_letters(column)}{row}")


def scan(stream: Readable, *, details: bool = True, most_cells: int | None = None) -> SheetScan:
    """Scan one XML part, streaming (tags cut by a block's end are read with the next one).

    ``details``: also note the cells the reader misreads and the styles (for a sheet; of
    another part only the used area counts, should the reader take it for a sheet).
    ``most_cells``: stop once the used area is larger (it is refused).

    Example::

        >>> import io
        >>> xml = b'<row><c><v>1</v></c><c t="e"><v>#N/A</v></c></row><row r="9"/><c r="C4"/>'
        >>> found = scan(io.BytesIO(xml))
        >>> (found.rows, found.columns, found.errors)
        (1, 2, ['B1'])
        >>> cells = b'<row><c><f>B1</f><v></v></c><c t="str"><f>""</f><v/></c></row>'
        >>> scan(io.BytesIO(cells)).formulas  # openpyxl's, not computed; Excel's "" result
        ['A1']
        >>> far = b'<c q:r="A1" x=">" r="XFD99"><v>1</v></c></row>'  # as the reader reads it
        >>> found = scan(io.BytesIO(far))
        >>> (found.rows, found.columns)
        (99, 16384)
        >>> odd = b'<row><c><v>NaN</v></c><c t="s"><v> 1 </v></c><c><v>&#53;</v></c></row>'
        >>> scan(io.BytesIO(odd)).odd
        ['A1', 'B1', 'C1']
    """
    result = SheetScan()
    row = column = 0
    cell: tuple[int, int, bool] | None = None  # its row, column, and whether it is an error
    style: int | None = None  # the style of the cell, if a number's
    kind = b"n"
    content = formula = computed = valued = odd = False
    has_value = False  # a <v> or <is> has begun: any part after it is the one the reader keeps
    text_result = False  # the cell's value is a formula's text (t="str")
    tail = b""
    carried: bytes | None = None  # the text of a <v> open at the last block's end (its start)
    more = False  # and more of it than was kept
    while block := stream.read(1 << 20):
        text = tail + block
        # (cut at the new bytes' last "<": a block without one is not read again with the next)
        cut = text.rfind(b"<", len(tail))
        text, tail = (text[:cut], text[cut:]) if cut != -1 else (text, b"")
        value = 0 if carried is not None else None  # where the text of the cell's <v> starts
        for match in _TAG.finditer(text):
            closing, name, attributes, empty = match.groups()
            if name == b"row" and not closing:
                reference = _REF.match(_attributes(attributes).get(b"r", b""))
                row = int(reference.group(2)) if reference and reference.group(2) else row + 1
                column = 0
                continue
            if name == b"c" and not closing:
                found = _attributes(attributes)
                reference = _REF.match(found.get(b"r", b""))
                if reference and reference.group(1):
                    letters = reference.group(1)  # (more than 7: beyond any sheet's size)
                    column = column_number(letters) if len(letters) <= 7 else _FAR
                    row = int(reference.group(2) or row)
                else:
                    column += 1
                kind = found.get(b"t", b"n").strip()
                cell = None if empty else (row, column, kind == b"e")
                style = _number_style(kind, found.get(b"s", b"")) if details else None
                text_result = kind == b"str"
                content = formula = computed = valued = odd = has_value = more = False
                carried = None
                continue
            if has_value and not closing and cell is not None:  # (Excel writes the formula,
                odd = odd or name in (b"v", b"is", b"f")  # then one value)
            if name == b"v" and cell is not None:  # (an empty <v> is no value: openpyxl
                valued = True  # writes one for a formula it has not computed, without t;
                if not closing:  # Excel one for a formula whose text is "", with t="str")
                    value = None if empty else match.end()
                    computed = text_result
                    has_value = True
                elif value is not None:
                    written = text[value : match.start()]
                    if carried is not None:
                        written, carried = carried + written, None
                    content = content or bool(written.strip())
                    odd = odd or _odd(kind, written) or (more and kind in (b"n", b"s"))
                    value = None
            elif name == b"is" and not closing and cell is not None:
                content = valued = has_value = True
            elif name == b"f" and not closing and cell is not None:
                formula = valued = True
            elif name == b"c" and closing and cell is not None:
                formula = formula and not computed
                _end_cell(result, cell, content=content, formula=formula, details=details)
                if valued:  # (the reader keeps such a cell in its area, even if empty)
                    result.rows, result.columns = max(result.rows, row), max(result.columns, column)
                if details:
                    if odd:
                        result.note("odd", cell[0], cell[1])
                    if content and style and len(result.styles) < _MOST_STYLED:
                        result.styles[cell[:2]] = style
                cell = None
                if most_cells is not None and result.rows * result.columns > most_cells:
                    return result
        if value is not None and cell is not None:  # the <v> goes on in the next block
            kept = (carried or b"") + text[value:]
            content = content or bool(kept.strip())
            more = more or len(kept) > _CARRIED  # (no number is that long)
            carried = kept[:_CARRIED]
    return result


def _odd(kind: bytes, written: bytes) -> bool:
    """Whether the reader misreads the text of a ``<v>`` of a cell of type ``kind``."""
    if not written:
        return False
    if kind == b"n":  # (1e999 is a number the reader reads as inf)
        return _NUMBER.fullmatch(written) is None or not math.isfinite(float(written))
    if kind == b"s":  # (an index past the reader's integers is read as 0)
        return _INDEX.fullmatch(written) is None or len(written) > 9
    return b"<" in written  # (CDATA or a comment in a formula's text)


def _end_cell(
    result: SheetScan, cell: tuple[int, int, bool], *, content: bool, formula: bool, details: bool
) -> None:
    row, column, error = cell
    if content or formula:
        result.rows, result.columns = max(result.rows, row), max(result.columns, column)
        result.used.add(column)
    if not details:
        return
    if error and content:
        result.note("errors", row, column)
    elif formula and not content:
        result.note("formulas", row, column)


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    """``column_letters(28)`` is ``AB``."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def part_name(name: str) -> str:
    r"""A part's name as the reader looks it up: case aside, with ``/`` for ``\``.

    Example::

        >>> part_name(r"XL\Worksheets\Sheet1.xml")
        'xl/worksheets/sheet1.xml'
    """
    return name.replace("\\", "/").lower()


def workbook_part(archive: zipfile.ZipFile) -> str | None:
    """The workbook part the package names (Excel reads that one), or None if it names
    none or its relations cannot be read."""
    try:
        package = _targets(archive, "_rels/.rels", "")
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return None
    return next((t for kind, t in package.values() if kind.endswith(_OFFICE_DOCUMENT)), None)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The part holding each sheet, by the sheet's name (empty if the relations cannot be
    read)."""
    try:
        workbook, relations = _workbook_relations(archive)
        root = etree.fromstring(_read(archive, workbook), _PARSER)
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return {}
    parts = {}
    for sheet in root.iter("{*}sheet"):
        relation = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        if relation in relations and sheet.get("name"):
            parts[str(sheet.get("name"))] = relations[relation][1]
    return parts


def _workbook_relations(archive: zipfile.ZipFile) -> tuple[str, dict[str, tuple[str, str]]]:
    """The workbook part (named by the package's relations) and its own relations' targets;
    raises ``KeyError`` (a part missing), ``XMLSyntaxError`` or ``ValueError``."""
    workbook = workbook_part(archive)
    if not workbook:
        raise KeyError("no workbook part")
    folder, name = posixpath.split(workbook)
    return workbook, _targets(archive, posixpath.join(folder, "_rels", name + ".rels"), folder)


def _targets(archive: zipfile.ZipFile, path: str, folder: str) -> dict[str, tuple[str, str]]:
    """A relations part's targets by id: (type, part name in the archive)."""
    root = etree.fromstring(_read(archive, path), _PARSER)
    found = {}
    for relation in root.iter("{*}Relationship"):
        target = relation.get("Target") or ""
        if relation.get("TargetMode") == "External":
            continue
        path_in_archive = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[relation.get("Id") or ""] = (relation.get("Type") or "", path_in_archive)
    return found


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """The part ``name``, found as the reader finds it (see :func:`part_name`)."""
    wanted = part_name(name)
    for info in archive.infolist():
        if part_name(info.filename) == wanted:
            return archive.read(info)
    raise KeyError(name)


def _attributes(attributes: bytes) -> dict[bytes, bytes]:
    """A tag's attributes by name (the last of one given twice).

    Example::

        >>> _attributes(b"x='r=A1 >' q:r='B2' r='C3' r='D4'")[b"r"]
        b'D4'
    """
    return {m.group(1): m.group(2) or m.group(3) or b"" for m in _ATTRIBUTE.finditer(attributes)}


def _number_style(kind: bytes, style: bytes) -> int | None:
    """The style of a number cell (type ``kind``) with one."""
    if kind != b"n" or not style.strip().isdigit():
        return None
    return int(style)


def number_formats(archive: zipfile.ZipFile) -> dict[int, str]:
    """The formats (``00``, ``0.0``, ``0%``...) a number in a cell of each style is shown
    with, for the styles with such a format (others show a number as it is)."""
    try:
        _, relations = _workbook_relations(archive)
        styles = next((t for kind, t in relations.values() if kind.endswith("/styles")), None)
        if styles is None:
            return {}
        root = etree.fromstring(_read(archive, styles), _PARSER)
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return {}
    codes = dict(_BUILT_IN)
    for number_format in root.iter("{*}numFmt"):
        with_id = number_format.get("numFmtId", "")
        if with_id.isdigit():
            codes[int(with_id)] = number_format.get("formatCode", "")
    formats = {}
    for index, xf in enumerate(next(root.iter("{*}cellXfs"), ())):
        with_id = xf.get("numFmtId", "")
        code = codes.get(int(with_id)) if with_id.isdigit() else None
        if code is not None and _SHOWN.fullmatch(code):
            formats[index] = code
    return formats


def shown(value: float, code: str) -> str:
    """``value`` as Excel shows it with number format ``code`` (a ``_SHOWN`` format).

    Example::

        >>> shown(1.0, "00"), shown(2.0, "0.0"), shown(0.2, "0%"), shown(2.5, "0")
        ('01', '2.0', '20%', '3')
    """
    match = _SHOWN.fullmatch(code)
    assert match is not None
    if not math.isfinite(value):  # (NaN or inf: refused, see scan)
        return str(value)
    whole, decimals, percent = match.group(1), match.group(2) or "", match.group(3)
    with localcontext() as context:
        context.prec = 600  # (a float has up to 309 integer digits; a format 255 decimals)
        number = Decimal(repr(value)) * (100 if percent else 1)
        number = number.quantize(Decimal(1).scaleb(-len(decimals)), rounding=ROUND_HALF_UP)
    digits = format(number.copy_abs(), "f")
    integer, _, fraction = digits.partition(".")
    text = integer.zfill(len(whole)) + (f".{fraction}" if fraction else "")
    return ("-" if number < 0 else "") + text + percent
