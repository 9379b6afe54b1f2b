"""The engine: a dictionary and a file (or records) in, a report out."""

from __future__ import annotations

import datetime as dt
import heapq
import io
import os
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, cast

import polars as pl

from ._checks import BatchChecker
from ._collector import collector_paused
from ._csv import CsvReader
from ._dictionary import DataDictionary
from ._encodings import wide_encoding
from ._frames import KEY_PREFIX, LINE, REC
from ._messages import CONTENTS, LANGS, technical_message
from ._period import parse_period
from ._report import Finding, Report, decide_status, findings_from_columns
from ._streams import Peeking, read_up_to
from ._technical import TechnicalSink, TooManyProblems
from ._xml import XmlReader

Source = str | os.PathLike[str] | bytes | BinaryIO
Progress = Callable[[int, int | None], None]
RECORD_BATCH = 50_000


@dataclass(slots=True)
class _Run:
    """The state of one validation run."""

    checker: BatchChecker
    sink: TechnicalSink
    findings: list[Finding]  # of the batches checked, in order (by record, then check)
    total: int = 0
    seen: int = 0
    stopped: bool = False  # reading stopped at the cap of technical findings (T99)


def validate_file(
    dictionary: DataDictionary,
    source: Source,
    *,
    file_name: str | None = None,
    period: str | None = None,
    lang: str = "nl",
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> Report:
    """Validate a CSV or XML file (path, bytes or binary stream) against ``dictionary``.

    The format follows the file name's extension (``.xml`` or ``.csv``); without one, content
    starting with ``<`` is read as XML. ``period`` (e.g. ``2020K3``) enables check ``009``.

    Example::

        >>> from datahub.validation import load_dictionary
        >>> d = load_dictionary("datahub/fixtures/dictionaries/MMYPROMS_2.1.xlsx")
        >>> data = (b"PatientCode,Vragenlijst,Meetmoment,Afnamedatum,Totaalscore,Taal\\n"
        ...         b"P1,QLQC30,T0,2019-02-20,66.7,nl\\n")
        >>> validate_file(d, data, file_name="x.csv").status
        'Verwerkt'
    """
    _check_lang(lang)
    label, bounds = _period(period)
    name = file_name or (str(source) if isinstance(source, str | os.PathLike) else None)
    run = _new_run(dictionary, lang, bounds, label)
    display = Path(name).name if name else None
    with _open(source) as (stream, size):
        head = _head(stream)
        contradiction = _content_contradiction(name, head, lang)
        if contradiction is not None:  # the whole file is something else: nothing to read
            extension, content = contradiction
            run.sink.add("T05", "extension", extensie=extension, inhoud=content)
            return _report(dictionary, run, display)
        reader: CsvReader | XmlReader
        if _is_xml(name, head):
            reader = XmlReader(stream, dictionary, run.sink, total_size=size, progress=progress)
        else:
            reader = CsvReader(
                stream,
                dictionary.field_names,
                run.sink,
                total_size=size,
                schema=run.checker.schema,
            )
            if chunk_size:
                reader.chunk_size = chunk_size
        try:
            if isinstance(reader, CsvReader):
                _consume(run, _read_ahead(reader, progress, run.checker.check))
            else:
                _consume(run, reader.batches())
        except TooManyProblems:  # T99: which records had been checked depends on the pieces
            run.stopped = True  # the file was read in, so the report keeps no content findings
        run.total = reader.records
    return _report(dictionary, run, display)


def validate_records(
    dictionary: DataDictionary,
    records: Iterable[Mapping[str, str | None]],
    *,
    period: str | None = None,
    lang: str = "nl",
    file_name: str | None = None,
) -> Report:
    """Validate records from another channel (FHIR, hand entry): mappings field -> text.

    Missing fields count as empty; keys that are not fields are ignored. ``line`` is null in
    the findings.

    Example::

        >>> from datahub.validation import load_dictionary
        >>> d = load_dictionary("datahub/fixtures/dictionaries/MMYPROMS_2.1.xlsx")
        >>> r = validate_records(d, [{"PatientCode": "P1", "Vragenlijst": "X"}])
        >>> sorted({f.code for f in r.findings})
        ['001_RefTab', '002']
    """
    _check_lang(lang)
    label, bounds = _period(period)
    run = _new_run(dictionary, lang, bounds, label)
    batches = _record_batches(dictionary.field_names, records, run.sink)
    _consume(run, batches)
    run.total = run.seen
    return _report(dictionary, run, file_name)


def iter_valid_records(
    dictionary: DataDictionary, source: Source, report: Report, *, file_name: str | None = None
) -> Iterator[dict[str, str | None]]:
    """The records of a validated file that have no record error (none if rejected).

    Values are the delivered text, trimmed; empty values are ``None``. ``source`` is read
    again from where it stands: a stream that :func:`validate_file` has read must be sought
    back to its start first (or opened again).

    Example::

        >>> from datahub.validation import load_dictionary
        >>> d = load_dictionary("datahub/fixtures/dictionaries/MMYPROMS_2.1.xlsx")
        >>> data = (b"PatientCode,Vragenlijst,Meetmoment,Afnamedatum,Totaalscore,Taal\\n"
        ...         b"P1,QLQC30,T0,2019-02-20,66.7,nl\\nP2,QLQC30,T9,2019-02-20,66.7,nl\\n")
        >>> report = validate_file(d, data, file_name="x.csv")
        >>> [r["PatientCode"] for r in iter_valid_records(d, data, report, file_name="x.csv")]
        ['P1']
    """
    if report.rejected:
        return
    errors = report.error_records
    sink = TechnicalSink()
    name = file_name or (str(source) if isinstance(source, str | os.PathLike) else None)
    with _open(source) as (stream, _):
        if _is_xml(name, _head(stream)):
            batches = XmlReader(stream, dictionary, sink).batches()
        else:
            batches = CsvReader(stream, dictionary.field_names, sink).batches()
        for batch in batches:
            for row in batch.iter_rows(named=True):
                if row[REC] not in errors:
                    yield {n: _clean(row[n]) for n in dictionary.field_names}


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip(" ") or None  # the spaces the checks trim, no other whitespace


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")


def _period(period: str | None) -> tuple[str, tuple[dt.date, dt.date] | None]:
    if period is None:
        return "", None
    return period.strip().upper(), parse_period(period)


def _new_run(
    dictionary: DataDictionary, lang: str, bounds: tuple[dt.date, dt.date] | None, label: str
) -> _Run:
    checker = BatchChecker(dictionary, lang=lang, period=bounds, period_label=label)
    return _Run(checker=checker, sink=TechnicalSink(lang), findings=[])


@dataclass(frozen=True, slots=True)
class _Checked:
    """A batch already checked (by the reader's thread): its findings and its height."""

    findings: pl.DataFrame
    height: int


def _consume(run: _Run, batches: Iterable[pl.DataFrame | _Checked]) -> None:
    """Check the batches; each batch's findings are made into report rows at once, so that
    only the rows stay (a file where every value is wrong has millions of findings)."""
    fields = run.checker.report_fields
    for batch in batches:
        checked = batch.findings if isinstance(batch, _Checked) else run.checker.check(batch)
        run.findings += _findings(checked, fields)
        run.seen += batch.height


_END = object()


def _read_ahead(
    reader: CsvReader, progress: Progress | None, check: Callable[[pl.DataFrame], pl.DataFrame]
) -> Iterator[pl.DataFrame | _Checked]:
    """The reader's batches, the next one read (parsed, shape-checked) in a worker thread
    while the caller checks the current one: polars releases the GIL, so reading and
    checking overlap on a machine with more than one core.

    When the file has been read, a batch still waiting for the caller is checked by the
    worker (with ``check``, beside the caller's check of the batch before it) and handed over
    as :class:`_Checked`: otherwise the caller would check the last two batches alone.

    The reader and its sink are only touched by the worker until it has ended; ``progress``
    is called in the caller's thread (it may use a database connection): after each batch,
    and every 0.1 s while waiting for one.
    Exceptions of the reader (``TooManyProblems``) are raised here.
    """
    latest: list[tuple[int, int | None]] = []  # the last progress of the worker

    def note(read: int, total: int | None) -> None:
        latest[:] = [(read, total)]

    reader.progress = note
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        batches: Generator[pl.DataFrame, None, None] = reader.batches()
        try:
            for batch in batches:
                if not put(batch):
                    return
            with suppress(queue.Empty):
                waiting = handoff.get_nowait()
                if isinstance(waiting, pl.DataFrame):
                    waiting = _Checked(check(waiting), waiting.height)
                if not put(waiting):
                    return
            put(_END)
        except BaseException as error:  # handed to the caller's thread
            put(error)
        finally:
            batches.close()

    worker = threading.Thread(target=work, name="datahub-csv-reader", daemon=True)
    worker.start()
    reported: tuple[int, int | None] | None = None

    def report() -> None:
        nonlocal reported
        current = latest[-1] if latest else None
        if progress is not None and current is not None and current != reported:
            reported = current
            progress(*current)

    try:
        while True:
            try:
                item = handoff.get(timeout=0.1)
            except queue.Empty:  # the worker is still reading: pass on its progress
                report()
                continue
            report()
            if item is _END:
                worker.join()
                report()
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _record_batches(
    names: tuple[str, ...], records: Iterable[Mapping[str, str | None]], sink: TechnicalSink
) -> Iterator[pl.DataFrame]:
    columns: dict[str, list[str | None]] = {n: [] for n in names}
    numbers: list[int] = []
    for number, record in enumerate(records, start=1):
        for name in names:
            value = record.get(name)
            if not (value is None or isinstance(value, str)):  # str() would pass b"1" as text
                kind = type(value).__name__
                raise TypeError(f"record {number}: the value of {name} is {kind}, not text")
            columns[name].append(value)
        numbers.append(number)
        if len(numbers) >= RECORD_BATCH:
            yield _records_frame(columns, numbers, sink)
            columns, numbers = {n: [] for n in names}, []
    if numbers:
        yield _records_frame(columns, numbers, sink)


def _records_frame(
    columns: dict[str, list[str | None]], numbers: list[int], sink: TechnicalSink
) -> pl.DataFrame:
    schema = dict.fromkeys(columns, pl.String)
    try:
        frame = pl.DataFrame(columns, schema=schema)
    except UnicodeEncodeError:
        # Text that cannot be UTF-8 (a lone surrogate, from a JSON escape): the delivery is
        # refused (T01, as for a file), its value shown with U+FFFD.
        for name, values in columns.items():
            for number, value in zip(numbers, values, strict=True):
                if value is not None and _unicode(value) != value:
                    sink.add("T01", "unicode", record=number, veld=name)
        clean = {n: [_unicode(v) for v in values] for n, values in columns.items()}
        frame = pl.DataFrame(clean, schema=schema)
    return frame.with_columns(
        pl.Series(REC, numbers, dtype=pl.Int64), pl.lit(None, dtype=pl.Int64).alias(LINE)
    )


def _unicode(value: str | None) -> str | None:
    if value is None:
        return None
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _report(dictionary: DataDictionary, run: _Run, file_name: str | None) -> Report:
    checker = run.checker
    unreadable = {"T01", "T04", "T05", "T06", "T07", "T99"}
    if (
        run.total == 0
        and not run.sink.unread
        and not any(f.code in unreadable for f in run.sink.findings)
    ):
        run.sink.limit += 1
        run.sink.add("T07", "empty")
    technical = sorted(run.sink.findings, key=lambda f: (f.line is None, f.line or 0))
    content: Iterable[Finding] = ()
    if not run.stopped:
        end = checker.finish().sort(["record", "rank"], maintain_order=True)
        whole_file = _findings(end, checker.report_fields)
        # after the record's own findings (a stable merge: the batches' first)
        content = heapq.merge(run.findings, whole_file, key=_record) if whole_file else run.findings
    findings = tuple(chain(technical, content))
    run.findings = []
    error_records = frozenset(() if run.stopped else checker.error_records().to_list())
    levels = [f.level for f in findings]
    errors = sum(1 for level in levels if level in ("fout", "afkeur"))
    warnings = levels.count("waarschuwing")
    status = decide_status(
        technical=bool(technical),
        rejecting=any(f.level == "afkeur" for f in findings),
        errors=errors,
        warnings=warnings,
        error_records=len(error_records),
        total=run.total,
        percentage=dictionary.general.rejection_percentage,
    )
    not_processed = run.total if status == "Afgekeurd" else len(error_records)
    return Report(
        file=file_name,
        code=dictionary.general.code,
        version=dictionary.general.version,
        status=status,
        total=run.total,
        processed=run.total - not_processed,
        not_processed=not_processed,
        errors=errors,
        warnings=warnings,
        findings=findings,
        error_records=error_records,
        report_fields=checker.report_fields,
        filled=None if technical or run.stopped else checker.filled(),
    )


def _record(finding: Finding) -> int:
    return finding.record or 0


def _findings(frame: pl.DataFrame, report_fields: tuple[str, ...]) -> list[Finding]:
    """The findings of a findings frame (in order: by record, then by check), as report rows.

    Equal values are one Python object (a level, a code, a message, a record's number) and
    the findings of one record with the same key values share one ``keys`` dict: a file where
    every value is wrong makes millions of findings, at about 130 bytes each instead of 870.
    Only ``to_list`` is asked of polars: while a reader thread parses, a polars query of the
    checking thread waits for the shared thread pool. The garbage collector is paused
    meanwhile: building many objects that all stay alive would make it scan them again and
    again.
    """
    if frame.is_empty():
        return []
    names = ("record", "line", "level", "code", "field", "value", "message")
    with collector_paused():
        columns = [_shared(frame[c].to_list()) for c in names]
        keys = None
        if report_fields:
            values = [_shared(frame[KEY_PREFIX + k].to_list()) for k in report_fields]
            keys = _shared_keys(values, report_fields)
        return findings_from_columns(columns, keys)


def _shared(values: list[Any]) -> list[Any]:
    """``values`` with equal values as one object.

    Example::

        >>> a, b, c = _shared(["x" * 20, "y", "".join(["x"] * 20)])
        >>> a is c
        True
    """
    seen: dict[Any, Any] = {}
    return list(map(seen.setdefault, values, values))


def _shared_keys(columns: list[list[Any]], report_fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per finding, its report key values as a dict: one dict for a run of findings (of one
    record) with the same values."""
    keys: list[dict[str, Any]] = []
    previous: tuple[Any, ...] | None = None
    current: dict[str, Any] = {}
    for row in zip(*columns, strict=True):
        if row != previous:
            previous, current = row, dict(zip(report_fields, row, strict=True))
        keys.append(current)
    return keys


@contextmanager
def _open(source: Source) -> Iterator[tuple[BinaryIO, int | None]]:
    if isinstance(source, bytes | bytearray):
        yield io.BytesIO(source), len(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        with path.open("rb") as stream:  # (also a named pipe, a shell's <(...))
            yield _lookable(stream), path.stat().st_size if _seekable(stream) else None
    elif isinstance(source, io.TextIOBase):
        raise TypeError("a text stream: open the file in binary mode ('rb')")
    else:
        yield _lookable(source), _stream_size(source)


def _lookable(stream: BinaryIO) -> BinaryIO:
    """``stream``, or, if it cannot seek, one that reads its first bytes ahead (a stream's own
    ``peek`` may give only the few it has): see :func:`_head`."""
    return stream if _seekable(stream) else cast(BinaryIO, Peeking(stream))


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _stream_size(stream: BinaryIO) -> int | None:
    try:
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return size - position
    except (OSError, AttributeError, ValueError):
        return None


# The start of files that are no CSV or XML at all, and what they are (see CONTENTS).
_SIGNATURES = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "office"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"$FL2", "spss"),
    (b"$FL3", "spss"),
)
# Bytes that no header holds (control characters other than tab, LF and CR; a value may).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_START = b"<?xml"
_XML_ELEMENT = re.compile(rb"<[A-Za-z_][\w.:-]*[\s/>]")  # a start tag (no header is one)


def _head(stream: BinaryIO) -> bytes | None:
    """The first 64 bytes of the stream (fewer if it is shorter) without consuming them:
    read and sought back, or read ahead (:class:`Peeking`; a stream's own ``peek`` may give
    only the few bytes it has). None if it cannot tell."""
    if _seekable(stream):
        head = read_up_to(stream, 64)
        stream.seek(-len(head), os.SEEK_CUR)
        return head
    peek = getattr(stream, "peek", None)
    return bytes(peek(64)[:64]) if peek is not None else None


def content_mismatch(file_name: str, head: bytes, lang: str = "nl") -> str | None:
    r"""The ``T05`` message when the start of a file (its first 64 bytes) shows it is not what
    its extension says, else None: the same finding a validation would give, for a check
    before the file is taken in.

    Example::

        >>> content_mismatch("x.csv", b"%PDF-1.7", "en")
        'The extension .csv does not match the content (a PDF file)'
        >>> content_mismatch("x.csv", b"A,B\n1,2\n") is None
        True
    """
    _check_lang(lang)
    found = _content_contradiction(file_name, head[:64], lang)
    if found is None:
        return None
    return technical_message("T05", "extension", lang, extensie=found[0], inhoud=found[1])


def _content_contradiction(
    name: str | None, head: bytes | None, lang: str
) -> tuple[str, str] | None:
    r"""``T05``: the file's content is not what its extension says (a workbook named .csv, CSV
    named .xml): the extension and what the content is, for one clear finding instead of a
    technical error on every line. Text in another encoding is left to the readers (``T01``).

    Example::

        >>> _content_contradiction("x.csv", b"PK\x03\x04...", "nl")
        ('csv', 'een Excel-werkmap of zip-bestand')
        >>> _content_contradiction("x.xml", b"A,B\n1,2\n", "en")
        ('xml', 'not XML')
    """
    suffix = Path(name).suffix.lower().lstrip(".") if name else ""
    if head is None or suffix not in ("csv", "xml"):
        return None
    found = _content_kind(head, suffix)
    if found is None:
        return None
    nl, en = CONTENTS[found]
    return suffix, en if lang == "en" else nl


def _content_kind(head: bytes, suffix: str) -> str | None:
    """What a file starting with ``head`` is (a key of ``CONTENTS``) where that is not what
    its extension ``suffix`` says; None if it may be."""
    if wide_encoding(head) is not None:  # the readers' T01
        return None
    for start, kind in _SIGNATURES:
        if head.startswith(start):
            return kind
    if len(head) < 4 and b"\x00" in head:  # too short to tell UTF-16 (a stream that gives
        return None  # a few bytes at a time; or so short a file)
    if len(_CONTROL.findall(head.split(b"\n", 1)[0])) >= 2:
        return "binary"  # a first line of random bytes holds about one in nine
    text = _text_start(head)
    if suffix == "xml" and text and not text.startswith(b"<"):
        return "not_xml"
    if suffix == "csv" and (text.startswith(_XML_START) or _XML_ELEMENT.match(text)):
        return "xml"  # (also without the declaration, which XML may leave out)
    return None


def _is_xml(name: str | None, head: bytes | None) -> bool:
    """By the extension (``.xml`` or ``.csv``); without one, content starting with ``<``."""
    if name:
        suffix = Path(name).suffix.lower()
        if suffix in (".xml", ".csv"):
            return suffix == ".xml"
    return head is not None and _text_start(head).startswith(b"<")


def _text_start(head: bytes) -> bytes:
    """The start of a file past a UTF-8 byte-order mark and white space."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")
