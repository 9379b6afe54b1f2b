"""Streaming XML reading: well-formedness, no DTDs or entities, structure per the XSD (T06)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import polars as pl
from lxml import etree

from ._dictionary import DataDictionary
from ._frames import LINE, REC
from ._technical import TechnicalSink
from ._xsd import RECORD, record_schema, root_name

BATCH_RECORDS = 50_000
Progress = Callable[[int, int | None], None]


class _CountingStream:
    """A read-only wrapper that reports progress."""

    def __init__(self, stream: BinaryIO, total: int | None, progress: Progress | None) -> None:
        self.stream = stream
        self.total = total
        self.progress = progress
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.done += len(block)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return block


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

    def batches(self) -> Iterator[pl.DataFrame]:
        """Yield DataFrames of records whose structure is valid."""
        context = etree.iterparse(
            self.stream,
            events=("end",),
            tag=RECORD,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
        )
        columns: dict[str, list[Any]] = {name: [] for name in (*self.names, REC, LINE)}
        try:
            for _, element in context:
                if not self._root_ok(element) or not self._record(element, columns):
                    continue
                if len(columns[REC]) >= self.batch_records:
                    yield self._frame(columns)
                    columns = {name: [] for name in columns}
            self._finish(context)
        except etree.XMLSyntaxError as error:
            self.sink.add("T06", "xml", line=error.lineno or 1, reden=_reason(error))
        except _Refused:
            return
        if columns[REC]:
            yield self._frame(columns)

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
        expected = root_name(self.dictionary)
        if root.tag != expected:
            reason = f"root element {root.tag} (verwacht {expected})"
            self.sink.add("T06", "xml", line=root.sourceline, reden=reason)
        for attribute in root.attrib:
            if attribute != "versie":
                reason = f"onbekend attribuut {attribute}"
                self.sink.add("T06", "xml", line=root.sourceline, reden=reason)

    def _record(self, element: etree._Element, columns: dict[str, list[Any]]) -> bool:
        parent = element.getparent()
        self.records += 1
        line = element.sourceline
        valid = parent is not None and parent.getparent() is None
        if not valid:
            self.sink.add("T06", "xml", line=line, reden="record staat op de verkeerde plaats")
        elif not self.schema.validate(element):
            for entry in self.schema.error_log:
                self.sink.add("T06", "xml", line=entry.line or line, reden=entry.message)
            valid = False
        if valid:
            values = {child.tag: child.text for child in element}
            for name in self.names:
                columns[name].append(values.get(name))
            columns[REC].append(self.records)
            columns[LINE].append(line)
        self._release(element, parent)
        return valid

    def _release(self, element: etree._Element, parent: etree._Element | None) -> None:
        element.clear(keep_tail=True)
        if parent is None:
            return
        while element.getprevious() is not None:
            first = parent[0]
            if first.tag != RECORD and isinstance(first.tag, str):
                reason = f"onbekend element {first.tag}"
                self.sink.add("T06", "xml", line=first.sourceline, reden=reason)
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
                reason = f"onbekend element {child.tag}"
                self.sink.add("T06", "xml", line=child.sourceline, reden=reason)

    def _frame(self, columns: dict[str, list[Any]]) -> pl.DataFrame:
        schema = dict.fromkeys(self.names, pl.String) | {REC: pl.Int64, LINE: pl.Int64}
        return pl.DataFrame(columns, schema=schema)


class _Refused(Exception):
    """The document is refused as a whole (DTD)."""


def _reason(error: etree.XMLSyntaxError) -> str:
    message = str(error.msg or error).split(", line ")[0]
    return message[:300]
