"""Streaming XML reading: well-formedness, no DTDs or entities, structure per the XSD (T06)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from itertools import islice
from typing import Any, BinaryIO

import polars as pl
from lxml import etree

from ._dictionary import DataDictionary
from ._encodings import BOM, invalid_byte, wide_encoding
from ._frames import LINE, REC
from ._streams import Prefixed
from ._technical import TechnicalSink
from ._xsd import RECORD, record_schema, root_name

BATCH_RECORDS = 50_000
Progress = Callable[[int, int | None], None]
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_TAIL = 4096  # the end of the input kept, to tell a file cut off
_BLANK = b" \t\r\n"
# errors that no cut causes: content after the root, an end tag of another name
_NOT_A_CUT = (etree.ErrorTypes.ERR_DOCUMENT_END, etree.ErrorTypes.ERR_TAG_NAME_MISMATCH)
_END_TAG = re.compile(rb"</[^\s<>/!?]+\s*>\Z")  # (not "</" in a comment after the root)
_CONTINUATION = bytes(range(0x80, 0xC0))  # (UTF-8's bytes that begin no character)
_PROLOG = re.compile(rb"(?:\s++|<\?.*?\?>|<!--.*?-->)*+", re.DOTALL)
_ENDS_EARLY = "het bestand houdt op"
_CUT_OFF = (
    "het bestand houdt halverwege op, midden in een element of waarde (is het bij het opslaan"
    " of versturen afgebroken?)"
)
_HEAD = 4096  # enough for the XML declaration and, but after a long comment, the root element
_DECLARED = re.compile(rb"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']""")
_UTF8 = ("utf-8", "utf8", "us-ascii", "ascii")  # ASCII is UTF-8
_SPACE = " \t\r\n"  # XML's whitespace
# XSD types that collapse whitespace: the published schema accepts "\n1945\n" for them.
_COLLAPSED = ("geheel getal", "decimaal", "datum", "datumtijd")
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_XSI_ATTRIBUTES = {_XSI + a for a in ("type", "nil", "schemaLocation", "noNamespaceSchemaLocation")}
# Namespaces declared around a record: the schema's check of a record copies them (10,000 on
# the root cost 0.15 s per record); a file needs one or two.
MAX_NAMESPACES = 100
# A record read from more input than this is structure-checked by the engine first: its fields
# may hold a million attributes, each of which libxml2 would log (a valid record is far less).
_LARGE_RECORD = 1024 * 1024
MAX_GAP = 16 * 1024 * 1024  # input read without a record ending: the XML's T04 (as CSV's)


class _CountingStream:
    """A read-only wrapper that reports progress, and stops the parse (:class:`_Runaway`)
    when more than :data:`MAX_GAP` bytes pass without a record ending (``mark``): elements
    that are not records (another name or namespace) would otherwise all stay in memory."""

    def __init__(self, stream: BinaryIO, total: int | None, progress: Progress | None) -> None:
        self.stream = stream
        self.total = total
        self.progress = progress
        self.done = 0
        self.mark = 0  # ``done`` when the last record ended
        # the first byte that is not UTF-8 (its file offset and the input from it), found as
        # the input passes: the parser stops there (T01)
        self.invalid: tuple[int, bytes] | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.ended = False  # the input has ended
        self._newlines = 0
        self._tail = b""  # the last bytes read
        self._line_chars = 0  # the characters of the last line read

    def read(self, size: int = -1) -> bytes:
        if self.done - self.mark > MAX_GAP:
            raise _Runaway
        block = self.stream.read(size)
        if self.invalid is None:
            self._check_utf8(block)
        self.done += len(block)
        self.ended = self.ended or not block
        self._newlines += block.count(b"\n")
        self._tail = block[-_TAIL:] if len(block) >= _TAIL else (self._tail + block)[-_TAIL:]
        newline = block.rfind(b"\n")
        last = block[newline + 1 :]  # (of the last line: its characters, as libxml2 counts)
        chars = len(last.translate(None, _CONTINUATION))
        self._line_chars = chars if newline != -1 else self._line_chars + chars
        if self.progress is not None:
            self.progress(self.done, self.total)
        return block

    def cut_off(self) -> tuple[int, int | None] | None:
        """The line and column (in characters) of the input's last character other than
        white space, if the input ended in the middle of markup or text: that character is no
        ``>``, which ends every well-formed document. None if it has not ended (or holds no
        more than a byte-order mark); the column is None where it is not known (a line longer
        than the tail, then lines of white space)."""
        tail = self._tail
        content = tail.rstrip(_BLANK)
        if not self.ended or not content or content.endswith(b">"):
            return None
        if self.done == len(tail) and content == BOM:  # (Notepad's empty file)
            return None
        line = self._tail_line(len(content))
        start = content.rfind(b"\n") + 1
        if start or len(tail) < _TAIL:  # (its line starts in the tail, or the input does)
            last = content[start:]
            return line, len(last.translate(None, _CONTINUATION))
        if b"\n" in tail[len(content) :]:  # a line longer than the tail, then white space
            return line, None
        return line, self._line_chars - (len(tail) - len(content))  # (less trailing spaces)

    def in_declaration(self) -> bool:
        """Whether the input has ended inside its XML declaration (a small file cut off)."""
        text = self._tail.removeprefix(BOM).lstrip(_BLANK)
        whole = self.ended and self.done == len(self._tail)
        return whole and text.startswith(b"<?xml") and b"?>" not in text

    def end_tag_line(self) -> int | None:
        """The line where the input's last end tag starts, if the input has ended with one
        (and white space): the root's (None after a comment, say, or before the end)."""
        end = _END_TAG.search(self._tail.rstrip(_BLANK))
        if not self.ended or end is None:
            return None
        return self._tail_line(end.start())

    def _tail_line(self, position: int) -> int:
        """The line of the byte at ``position`` in the tail (the input's last bytes)."""
        return 1 + self._newlines - self._tail.count(b"\n", position)

    def _check_utf8(self, block: bytes) -> None:
        pending = self._decoder.getstate()[0]  # the start of a character cut by the last block
        try:
            self._decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            data = pending + block
            self.invalid = (self.done - len(pending) + error.start, data[error.start :])


class XmlReader:
    """Reads records from an XML stream in batches, collecting ``T06`` findings.

    Example::

        >>> import io
        >>> from datahub.validation._dictionary import GeneralSpecs, FieldSpec
        >>> d = DataDictionary(GeneralSpecs(code="X1"), (FieldSpec(1, "A"),))
        >>> sink = TechnicalSink()
        >>> data = b"<X1><record><A>1</A></record></X1>"
        >>> [b.rows() for b in XmlReader(io.BytesIO(data), d, sink).batches()]
        [[('1', 1, 1)]]
    """

    def __init__(
        self,
        stream: BinaryIO,
        dictionary: DataDictionary,
        sink: TechnicalSink,
        *,
        total_size: int | None = None,
        progress: Progress | None = None,
        batch_records: int = BATCH_RECORDS,
    ) -> None:
        self.stream = _CountingStream(stream, total_size, progress)
        self.dictionary = dictionary
        self.names = dictionary.field_names
        self.sink = sink
        self.batch_records = batch_records
        self.schema = record_schema(dictionary)
        self.records = 0
        self._root_checked = False
        self._root_line: int | None = None  # where the root element starts (see _start_line)
        self._collapsed = {f.name for f in dictionary.fields if f.datatype in _COLLAPSED}
        self._positions = {name: position for position, name in enumerate(self.names)}
        self._field_named_record = RECORD in self._positions
        self._last_line = 1  # where the last record started
        self._read_for_record = 0  # the input read since the record before ended

    def batches(self) -> Iterator[pl.DataFrame]:
        """Yield DataFrames of records whose structure is valid (none if not UTF-8)."""
        head = b""  # (a stream may give a few bytes at a time)
        while len(head) < _HEAD and (block := self.stream.read(_HEAD - len(head))):
            head += block
        encoding = _other_encoding(head)
        if encoding is not None:
            self.sink.add("T01", "declared", line=1, codering=encoding)
            return
        self._check_registry(head)
        etree.clear_error_log()  # the log is the thread's: only this parse's errors in it
        context = etree.iterparse(
            Prefixed(head, self.stream),
            events=("end",),
            tag=RECORD,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
            encoding="utf-8",  # whatever a declaration past the head says (T01 if not)
        )
        columns: dict[str, list[Any]] = {name: [] for name in (*self.names, REC, LINE)}
        try:
            for _, element in context:
                if self._field_named_record and _nested(element):
                    continue  # the field, read with its record (or reported with what holds it)
                self._read_for_record = self.stream.done - self.stream.mark
                self.stream.mark = self.stream.done
                if not self._root_ok(element) or not self._record(element, columns):
                    continue
                if len(columns[REC]) >= self.batch_records:
                    yield self._frame(columns)
                    columns = {name: [] for name in columns}
            self._finish(context)
        except etree.XMLSyntaxError as error:
            line, column, kind, reason = _first_error(error)
            cut = self.stream.cut_off()
            if error.code == etree.ErrorTypes.ERR_INVALID_ENCODING:
                self._encoding_finding(line)
            elif cut is not None and (
                self.stream.in_declaration()  # (where libxml2 names what it expected)
                or (
                    _at_end((line, column), cut)
                    and kind not in _NOT_A_CUT
                    and not reason.startswith(_ENDS_EARLY)
                )
            ):
                # the parse's first error is where the file was cut off: not its own cause
                # (a "<" that starts no element, a tag without its end)
                self.sink.add("T06", "xml", line=cut[0], reden=_CUT_OFF)
            else:
                self.sink.add("T06", "xml", line=line, reden=reason)
        except _Runaway:
            self.sink.add("T06", "xml", line=self._last_line, reden=self._runaway_reason())
        except _Refused:
            return
        if columns[REC]:
            yield self._frame(columns)

    def _encoding_finding(self, line: int | None) -> None:
        """``T01`` for the line where the parser met a byte that is not UTF-8: with its file
        offset and, where it is a letter or sign in Windows-1252, that character (as for
        CSV); or that the file was cut off in the middle of a character."""
        found = self.stream.invalid
        if found is None:
            self.sink.add("T01", "line", line=line)
            return
        offset, tail = found
        key, values = invalid_byte(tail)
        self.sink.add("T01", key, line=line, offset=offset, **values)

    def _check_registry(self, head: bytes) -> None:
        """``T08`` for a root element that names another sub-delivery (``<MMYIKNL>`` in a file
        checked against Cataract), found in the file's first bytes: also where the file breaks
        before its first record."""
        root = _root_element(head)
        expected = root_name(self.dictionary)
        if root is not None:
            self._root_line = root[1]
        if root is not None and root[0] != expected:
            name, line = root
            code = self.dictionary.general.code or expected
            values = {"kenmerk": "Registratie", "bestand": name[:40], "verwacht": code}
            self.sink.add("T08", "mismatch", line=line, **values)

    def _runaway_reason(self) -> str:
        """Why the read stopped (:class:`_Runaway`), told from the line of the last record
        read (the finding's line), or from the start when there was none."""
        size = f"{MAX_GAP // 2**20} MiB"
        if self.records:
            start = f"na het record op deze regel volgt {size} zonder een volgend record"
        else:
            start = f"geen record in de eerste {size}"
        return start + ": heten de elementen anders, of is een record te groot?"

    def _root_ok(self, element: etree._Element) -> bool:
        if self._root_checked:
            return True
        self._root_checked = True
        self._check_document(element.getroottree())
        return True

    def _check_document(self, tree: etree._ElementTree) -> None:
        if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
            self.sink.add("T06", "dtd", line=1)
            raise _Refused
        root = tree.getroot()
        line = self._root_line or _line(root)  # (libxml2's is where the start tag ends)
        expected = root_name(self.dictionary)
        if root.tag != expected:
            reason = f"root element {_shown(root, root.tag)} (verwacht {expected})"
            self.sink.add("T06", "xml", line=line, reden=reason)
        if len(root.nsmap) > MAX_NAMESPACES:  # (each record would get the finding)
            reason = f"meer dan {MAX_NAMESPACES} namespaces gedeclareerd"
            self.sink.add("T06", "xml", line=line, reden=reason)
            raise _Refused
        for attribute in root.attrib:
            if attribute != "versie" and attribute not in _XSI_ATTRIBUTES:
                reason = f"onbekend attribuut {_shown(root, attribute)}"
                self.sink.add("T06", "xml", line=line, reden=reason)
        version, delivered = self.dictionary.general.version, root.get("versie")
        if version and delivered is not None and delivered.strip() != version:
            values = {"kenmerk": "Versie", "bestand": delivered[:40], "verwacht": version}
            self.sink.add("T08", "mismatch", line=line, **values)
        self._text_outside_records(root.text, root, root[0] if len(root) else None)

    def _text_outside_records(
        self,
        text: str | None,
        after: etree._Element,
        before: etree._Element | None = None,
        *,
        last: bool = False,
    ) -> None:
        """``T06`` for text (not whitespace) between the records: the XSD allows none. Its
        line is counted back from the element it comes ``before``, or (``last``: the text
        after the last element) from the root's end tag, if known; else it is the line of the
        element it comes ``after``. Lines are only worked out for such text (past line 65,535
        they cost)."""
        if text is None or not _text(text):
            return
        line = _line(after)
        end = self.stream.end_tag_line() if last else None
        if end is not None:
            line = max(end - text.lstrip(_SPACE).count("\n"), line or 1)
        elif before is not None and (following := _line(before)) is not None:
            # not before the element it follows (comments were removed, and a character
            # reference &#10; is no line of its own: the count may be off)
            line = max(following - text.lstrip(_SPACE).count("\n"), line or 1)
        self.sink.add("T06", "xml", line=line or 1, reden="tekst buiten een record")

    def _record(self, element: etree._Element, columns: dict[str, list[Any]]) -> bool:
        parent = element.getparent()
        nested = _nested(element)  # (not a child of the root)
        # a record inside a record is part of it, reported here, not one more record
        inside = nested and any(a.tag == RECORD for a in element.iterancestors())
        self.records += 0 if inside else 1
        line = _line(element)
        valid = parent is not None and not nested
        if not valid:
            self.sink.add("T06", "xml", line=line, reden="record staat op de verkeerde plaats")
        elif (problems := self._refusal(element, line)) is not None:
            for at, reason in problems:
                self.sink.add("T06", "xml", line=at or line, reden=reason)
            valid = False
        if valid:
            values = {child.tag: child.text for child in element}
            for name in self.names:
                value = values.get(name)
                if value is not None and name in self._collapsed:
                    # as delivered, as in CSV (the checks trim spaces); only a tab or newline
                    # around it is dropped, as the published schema's types collapse it
                    core = value.strip(_SPACE)
                    if len(core) != len(value) and value.strip(" ") != core:
                        value = core
                columns[name].append(value)
            columns[REC].append(self.records)
            columns[LINE].append(line)
        self._last_line = line or self._last_line
        self._release(element, parent)
        return valid

    def _refusal(
        self, record: etree._Element, line: int | None
    ) -> list[tuple[int | None, str]] | None:
        """The structural problems of a record, each with its line, or None if it is valid.

        libxml2 stops at the first problem, except for attributes and elements, each of which
        it logs (a million of them: gigabytes): a record with attributes or more elements than
        fields (no valid one has), or one read from more than :data:`_LARGE_RECORD` of input
        (its fields may hold the attributes), is read by :meth:`_problems` first."""
        large = self._read_for_record > _LARGE_RECORD
        if len(record.nsmap) > MAX_NAMESPACES:
            return [(line, f"meer dan {MAX_NAMESPACES} namespaces gedeclareerd")]
        if len(record) > len(self.names) or _has_own(record) or large:
            problems = self._problems(record)
            if problems:
                return problems
        if self.schema.validate(record):
            return None
        problems = self._problems(record)
        if problems is None:  # none we know: libxml2's
            problems = [
                (entry.line or line, _reason(entry.message, schema=True))
                for entry in self.schema.error_log
            ]
        return problems

    def _problems(self, record: etree._Element) -> list[tuple[int | None, str]] | None:
        """Every structural problem of a record the schema refused, each with its line: an
        unknown, repeated or misplaced element, a field holding elements, an attribute, text
        outside the fields (only for refused records: valid ones pay nothing for it). None if
        none was found (a record inside it was reported already: an empty list). No more than
        the findings' cap allows."""
        most = self.sink.limit + 1
        line = _line(record)
        attributes = islice(_own(record), most)
        problems = [
            (line, f"onbekend attribuut {_shown(record, a)} op element {RECORD}")
            for a in attributes
        ]
        if _text(record.text):
            problems.append((line, "tekst in een record buiten een veld"))
        seen: set[int] = set()
        last = -1  # the position of the last field in its place
        nested = False
        for child in record:
            if len(problems) >= most:
                break
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == RECORD and not self._field_named_record:
                nested = True  # reported as a record in the wrong place
                continue
            at = _line(child) or line
            position = self._positions.get(tag)
            if position is None:
                problems.append((at, f"onbekend element {_shown(child, tag)}"))
            elif position in seen:
                problems.append((at, f"element {tag} komt meer dan eens voor in het record"))
            elif position < last:
                before = self.names[last]
                problems.append(
                    (at, f"element {tag} staat niet op zijn plaats: hoort vóór {before}")
                )
            else:
                last = position
            if position is not None:
                seen.add(position)
            if len(child):
                problems.append((at, f"element {tag} bevat elementen; een veld bevat alleen tekst"))
            attributes = islice(_own(child), most - len(problems))
            shown = _shown(child, tag)
            problems += [
                (at, f"onbekend attribuut {_shown(child, a)} op element {shown}")
                for a in attributes
            ]
            if _text(child.tail):
                problems.append((at, "tekst in een record buiten een veld"))
        return problems if problems or nested else None

    def _release(self, element: etree._Element, parent: etree._Element | None) -> None:
        """Free a record read, and what came before it among the root's children (reported
        if it is not a record). A record elsewhere (inside a record) is only cleared: its
        surroundings are reported as a whole."""
        element.clear(keep_tail=True)
        if parent is None or parent.getparent() is not None:
            return
        while element.getprevious() is not None:
            first = parent[0]
            if first.tag != RECORD and isinstance(first.tag, str):
                reason = f"onbekend element {_shown(first, first.tag)}"
                self.sink.add("T06", "xml", line=_line(first), reden=reason)
            self._text_outside_records(first.tail, first, parent[1])
            del parent[0]

    def _finish(self, context: etree.iterparse) -> None:
        root = context.root
        if root is None:
            return
        if not self._root_checked:
            self._root_checked = True
            self._check_document(root.getroottree())
        for child in root:
            if isinstance(child.tag, str) and child.tag != RECORD:
                reason = f"onbekend element {_shown(child, child.tag)}"
                self.sink.add("T06", "xml", line=_line(child), reden=reason)
            following = child.getnext()
            self._text_outside_records(child.tail, child, following, last=following is None)

    def _frame(self, columns: dict[str, list[Any]]) -> pl.DataFrame:
        schema = dict.fromkeys(self.names, pl.String) | {REC: pl.Int64, LINE: pl.Int64}
        return pl.DataFrame(columns, schema=schema)


class _Refused(Exception):
    """The document is refused as a whole (DTD)."""


class _Runaway(Exception):
    """More than :data:`MAX_GAP` bytes without a record ending."""


def _nested(element: etree._Element) -> bool:
    """True for an element that is not a child of the root (nor the root)."""
    parent = element.getparent()
    return parent is not None and parent.getparent() is not None


_BIG_LINE = 65535  # libxml2 keeps an element's line in 16 bits


def _line(element: etree._Element) -> int | None:
    """The line an element starts on. Past line 65,535 libxml2 keeps no line for an element
    and gives the line of the text inside it (or, for an empty one, after it): the line where
    that text ends, less its newlines, is the element's.

    Example::

        >>> pad = b"\\n" * 70_000
        >>> root = etree.fromstring(b"<r>" + pad + b"<a>\\n\\n<b>1</b></a><c/>\\n\\n<d/></r>")
        >>> [_line(e) for e in root], [e.sourceline for e in root]
        ([70001, 70003, 70005], [70003, 70005, 70005])
    """
    line = element.sourceline
    if line is None or line < _BIG_LINE:
        return line
    if element.text is not None:
        return line - element.text.count("\n")
    if len(element):
        return _line(element[0])
    if element.tail is not None:
        return line - element.tail.count("\n")
    return line


def _own(element: etree._Element) -> Iterator[str]:
    """The attributes of an element other than the four of XML Schema's ``xsi:`` (``type``,
    ``nil``, the schema's location: the schema itself judges those; another ``xsi:`` one is
    as unknown as any)."""
    return (a for a in element.attrib if a not in _XSI_ATTRIBUTES)


def _has_own(element: etree._Element) -> bool:
    return next(_own(element), None) is not None


def _shown(element: etree._Element, name: str) -> str:
    """The name of ``element`` or of one of its attributes as the file writes it: lxml's
    ``{uri}local`` as ``prefix:local``, or, in a namespace without a prefix (a default one),
    as ``local (namespace uri)``.

    Example::

        >>> e = etree.fromstring('<a xmlns="urn:d" xmlns:q="urn:q" q:x="1"/>')
        >>> _shown(e, e.tag), _shown(e, "{urn:q}x"), _shown(e, "versie")
        ('a (namespace urn:d)', 'q:x', 'versie')
    """
    if not name.startswith("{"):
        return name
    uri, local = name[1:].split("}", 1)
    if name == element.tag:
        prefix = element.prefix
    elif uri == _XML_NAMESPACE:  # (declared by XML itself, in no element's map)
        prefix = "xml"
    else:  # (an attribute in a namespace always has a prefix)
        prefix = next((p for p, u in element.nsmap.items() if u == uri and p), None)
    return f"{prefix}:{local}" if prefix else f"{local} (namespace {uri})"


def _text(text: str | None) -> bool:
    """True for text that is not only XML's white space."""
    return bool(text) and bool(text.strip(_SPACE))  # type: ignore[union-attr]


def _other_encoding(head: bytes) -> str | None:
    """The encoding of a file that is not UTF-8, from its byte-order mark or declaration."""
    wide = wide_encoding(head)
    if wide is not None:
        return wide
    declared = _DECLARED.match(head.removeprefix(BOM))
    if declared is None:
        return None
    name = declared.group(1).decode("ascii", "replace")
    return None if name.strip().lower() in _UTF8 else name


def _at_end(error: tuple[int, int], cut: tuple[int, int | None]) -> bool:
    """Whether an error at (line, column) is at or past the input's last character ``cut``
    (a column not known: on a later line only)."""
    if cut[1] is None:
        return error[0] > cut[0]
    return error >= (cut[0], cut[1])


def _first_error(error: etree.XMLSyntaxError) -> tuple[int, int, int, str]:
    """The line, column, kind (libxml2's error code) and reason of the parse's first error:
    with entities left unresolved, the exception itself names a later consequence (an
    undefined ``&nbsp;`` as "Start tag expected" on line 1)."""
    for entry in error.error_log:
        parsing = entry.domain == etree.ErrorDomains.PARSER
        if parsing and entry.level >= etree.ErrorLevels.ERROR and entry.message:
            line = entry.line or error.lineno or 1
            return line, entry.column, entry.type, _reason(entry.message)
    reason = _reason(str(error.msg or error).split(", line ")[0])
    return error.lineno or 1, error.offset or 0, error.code, reason


# libxml2's messages (English, some with hints for programmers) as reasons of our own, in
# Dutch; _messages translates them back into English. The first that matches is taken.
_LIBXML2: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), dutch)
    for pattern, dutch in (
        (r"Element '([^']+)': This element is not expected\..*", r"onbekend element \1"),
        (
            r"Element '([^']+)': Missing child element\(s\)\. Expected is (?:one of )?"
            r"\( ?(.*?) ?\)\.?",
            r"in element \1 ontbreekt een element (verwacht: \2)",
        ),
        (
            r"Element '([^']+)': Character content other than whitespace is not allowed.*",
            r"tekst in element \1 buiten een veld",
        ),
        (
            r"Element '([^']+)': Element content is not allowed.*",
            r"element \1 bevat elementen; een veld bevat alleen tekst",
        ),
        (
            r"Element '([^']+)', attribute '([^']+)': The attribute .* is not allowed\.",
            r"onbekend attribuut \2 op element \1",
        ),
        (
            r"Element '([^']+)'(?:, attribute '[^']+')?: .*(?:not a valid value|facet).*",
            r"de waarde van element \1 is ongeldig voor zijn type",
        ),
        (
            r"(?:Resource limit exceeded: )?(?:Text node too long|xmlSAX2Characters: huge text"
            r" node).*",
            "een waarde of de tekst tussen twee elementen is langer dan 10.000.000 bytes"
            " (10 MB), de grens voor één waarde in een XML-bestand",
        ),
        (
            r"Excessive depth in document: (\d+).*",
            r"de elementen zijn te diep genest (meer dan \1 niveaus)",
        ),
        (
            r"(?:Maximum entity amplification factor exceeded|Detected an entity reference "
            r"loop|.*entity.*(?:amplification|loop)).*",
            "entiteiten worden te vaak uitgebreid; entiteiten en een DTD zijn niet toegestaan",
        ),
        (
            r"no element found|Document is empty|Start tag expected, '<' not found",
            "het bestand is leeg of bevat geen XML-element",
        ),
        (r"Entity '([^']+)' not defined", r"onbekende entiteit &\1;"),
        (
            r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
            r"eindtag </\3> past niet bij begintag <\1> (regel \2)",
        ),
        (
            r"Premature end of data in tag (\S+) line (\d+)",
            r"het bestand houdt op voordat element \1 (regel \2) is gesloten",
        ),
        (
            r"Extra content at the end of the document",
            "inhoud na het einde van het root-element",
        ),
        (
            r"xmlParseEntityRef: no name",
            "een & dat geen entiteit begint (schrijf &amp;)",
        ),
        (
            r"StartTag: invalid element name",
            "een < dat geen element begint (schrijf &lt;)",
        ),
        (
            r"(?:PCDATA invalid Char value|xmlParseCharRef: invalid xmlChar value) (\d+)",
            r"ongeldig teken (code \1)",
        ),
        (r"Name too long.*", "een naam is te lang"),
    )
)
_HEX_CHAR = re.compile(r"(?:Invalid character: )?Char 0x([0-9A-Fa-f]+) out of allowed range")
_HINT = re.compile(
    r",?\s*(?:(?:use|try) XML_PARSE_HUGE(?: option)?|see xmlCtxtSetMaxAmplification)\.?"
)


def _reason(message: str, *, schema: bool = False) -> str:
    """A libxml2 message as a reason of our own (Dutch); one we do not know follows ours as
    a detail, less the hints for programmers that some carry. ``schema``: a message of the
    record's validation (else of the parse)."""
    message = message.strip()
    if (char := _HEX_CHAR.fullmatch(message)) is not None:  # (NUL: libxml2's other form)
        message = f"PCDATA invalid Char value {int(char.group(1), 16)}"
    for pattern, dutch in _LIBXML2:
        match = pattern.fullmatch(message)
        if match is not None:
            return match.expand(dutch)[:300]
    first = message.splitlines()[0] if message else ""  # not a quote of the file's lines
    detail = " ".join(_HINT.sub("", first).split())[:200]
    if schema:
        return f"het record past niet in het schema ({detail})"
    return f"het bestand is geen goed gevormde XML ({detail})"


def _start_line(head: bytes, line: int | None) -> int:
    r"""The line of the root element's start tag in ``head``: past the declaration, comments
    and instructions before it. libxml2 gives the line where the tag ends (``line``): a root
    with its attributes wrapped over lines, as tools write a schema's location, was named a
    few lines late.

    Example::

        >>> _start_line(b"<?xml version='1.0'?>\n<!-- a\nb -->\n<CAT\n versie='1'>", 5)
        4
    """
    text = head.removeprefix(BOM)
    prolog = _PROLOG.match(text)
    end = prolog.end() if prolog is not None else 0
    if not text.startswith(b"<", end):
        return line or 1
    return 1 + text.count(b"\n", 0, end)


def _root_element(head: bytes) -> tuple[str, int] | None:
    """The local name and line of the root element in the first bytes of an XML file (None
    if they do not reach it, or are no XML): read by the XML parser, so a comment or
    declaration before the root (``<!-- by <EPD> -->``) is not taken for it.

    Example::

        >>> _root_element(b"<?xml version='1.0'?>\\n<!-- <EPD> -->\\n<CAT versie='1.4'><rec")
        ('CAT', 3)
        >>> _root_element(b"<!-- a long comment"), _root_element(b"A,B\\n1,2\\n")
        (None, None)
    """
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    )
    with suppress(etree.XMLSyntaxError):  # the elements before the error are read
        parser.feed(head)
    try:
        for _event, element in parser.read_events():
            return str(etree.QName(element).localname), _start_line(head, element.sourceline)
    except etree.XMLSyntaxError:
        return None
    return None
