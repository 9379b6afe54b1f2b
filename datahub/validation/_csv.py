"""Streaming CSV reading with technical checks (T01-T04).

The file is read in chunks cut at record boundaries (a newline outside quotes). Each chunk is
parsed by polars with every column as text (the fast path) and checked with a few counts that
prove every line had exactly the header's number of fields. In a chunk that fails, the records
that can be broken are found directly (see ``_chunk_records``) and read by a careful pure-Python
tokenizer, locating every empty line, wrong field count, broken quote and invalid UTF-8 sequence
with its line number; the runs between them take the fast path again.
"""

from __future__ import annotations

import bisect
import difflib
import mmap
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from ._chunk_records import LF, QUOTED_VALUE, chunk_records, record_end, record_regex
from ._encodings import BOM, encoding_problems, invalid_byte, wide_encoding
from ._frames import LINE, REC
from ._messages import visible
from ._record_count import RecordCounter
from ._technical import TechnicalSink

BLOCK_SIZE = 4 * 1024 * 1024
CHUNK_SIZE = 16 * 1024 * 1024
MAX_RECORD = 16 * 1024 * 1024
MAX_HEADER = 1024 * 1024
MAX_COLUMNS = 16_384  # as many as a worksheet holds
SPLIT_MIN = 256 * 1024
_MANY_FIELDS = 10_000  # more than the header's in a chunk's first record: read carefully
# (possessive: a value closes at the next lone quote, never at the first quote of a "")
_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')
_PLAIN = re.compile(r'[^,"\n]*')
_POLARS_ERRORS = (pl.exceptions.PolarsError, ValueError, OverflowError, OSError)
# polars decompresses input that starts like gzip, zlib or zstd: such a chunk (garbage, or a
# record that happens to start with "x^") goes to the careful tokenizer. So does one starting
# with a byte-order mark, which polars drops (past the file's start it is part of a value).
_COMPRESSED = (b"\x1f\x8b", b"x\x01", b"x^", b"x\x9c", b"x\xda", b"(\xb5/\xfd")

Progress = Callable[[int, int | None], None]


@dataclass(slots=True)
class _Record:
    """One record found by the careful tokenizer."""

    line: int
    end_line: int
    fields: list[str]
    error: str | None = None
    empty: bool = False


def tokenize(text: str, first_line: int) -> Iterator[_Record]:
    r"""Split CSV ``text`` into records, marking broken ones instead of raising.

    Example::

        >>> [r.fields for r in tokenize('a,"b,c"\r\nd,e\n', 2)]
        [['a', 'b,c'], ['d', 'e']]
    """
    position, line, size = 0, first_line, len(text)
    while position < size:
        start = position
        newline = text.find("\n", position)
        end = size if newline == -1 else newline
        if text.find('"', position, end) == -1:  # a line without quotes: split at commas
            fields, error, position = text[position:end].split(","), None, end + 1
            fields[-1] = fields[-1].removesuffix("\r")
        else:
            fields, error, position = _fields(text, position)
        if error is not None:
            # On at the record's second line: a stray quote must not take the lines up to the
            # next quote into its record. A record found broken past its first line is a quote
            # not closed on it (as it reads when that line is read alone).
            if newline != -1 and position > newline:
                error = "unterminated"
            position = size if newline == -1 else newline + 1
        end_line = line + text.count("\n", start, max(start, position - 1))
        # a line of spaces or tabs alone is empty too (T03), not a record of one field (T04)
        empty = error is None and len(fields) == 1 and not text[start:position].strip(" \t\r\n")
        yield _Record(line, end_line, fields, error, empty)
        line += text.count("\n", start, position)


def _fields(text: str, position: int) -> tuple[list[str], str | None, int]:
    """The fields of the record at ``position``, an error key or None, and where it ends."""
    fields: list[str] = []
    size = len(text)
    while True:
        quoted = text.startswith('"', position)
        match = (_QUOTED if quoted else _PLAIN).match(text, position)
        if match is None:
            return fields, "unterminated", position
        value = match.group(1).replace('""', '"') if quoted else match.group(0)
        position = match.end()
        if position >= size or text[position] == "\n":
            fields.append(value if quoted else value.removesuffix("\r"))
            return fields, None, position + 1
        if text[position] == ",":
            fields.append(value)
            position += 1
        elif quoted and text.startswith("\r\n", position):
            fields.append(value)
            return fields, None, position + 2
        elif quoted and position == size - 1 and text[position] == "\r":
            # the last line, without its LF: its CR ends the record (as after a plain field)
            fields.append(value)
            return fields, None, size
        else:
            return fields, "quoting", position


class CsvReader:
    r"""Reads a CSV stream into batches of text columns, collecting technical findings.

    Example::

        >>> import io
        >>> sink = TechnicalSink()
        >>> reader = CsvReader(io.BytesIO(b"A,B\n1,2\n\n3\n"), ("A", "B"), sink)
        >>> [b.height for b in reader.batches()], [f.code for f in sink.findings]
        ([1], ['T03', 'T04'])
    """

    def __init__(
        self,
        stream: BinaryIO,
        field_names: tuple[str, ...],
        sink: TechnicalSink,
        *,
        chunk_size: int = CHUNK_SIZE,
        total_size: int | None = None,
        progress: Progress | None = None,
        schema: Mapping[str, pl.DataType] | None = None,
    ) -> None:
        self.stream = stream
        self.field_names = field_names
        self.schema = dict(schema or {})  # dtypes of fields not read as text (categoricals)
        self.sink = sink
        self.chunk_size = chunk_size
        self.total_size = total_size
        self.progress = progress
        self.records = 0
        self.bytes_read = 0
        self.columns: list[str] = list(field_names)
        self.header_ok = False
        self.header_line = 1
        self._map, self._position = _mapped(stream)
        self._released = 0  # the map's pages before this offset are released
        self._separator = b","  # (another one a header was found separated by, for the count)

    # -- reading ---------------------------------------------------------------------------

    def _read(self, size: int) -> bytes:
        if self._map is not None:
            block = self._map[self._position : self._position + size]
            self._position += len(block)
            self._release()
        else:
            block = self.stream.read(size)
        self.bytes_read += len(block)
        if self.progress is not None:
            self.progress(self.bytes_read, self.total_size)
        return block

    def batches(self) -> Generator[pl.DataFrame, None, None]:
        """Yield DataFrames of well-formed records (only when the header is right)."""
        try:
            yield from self._batches()
        finally:
            if self._map is not None:
                self._map.close()
                self._map = None

    def _batches(self) -> Generator[pl.DataFrame, None, None]:
        rest = self._header()
        if rest is None:
            return
        if self.sink.unread:
            self.records = self._count_records(rest, RecordCounter(self._separator))
            return
        buffer = rest
        line, offset = self.header_line + 1, self.bytes_read - len(rest)
        target, eof = self.chunk_size, False
        exact = False  # cut by the grammar instead of by pairs of quotes
        while True:
            if not eof and len(buffer) < target:
                buffer, eof = self._refill(buffer, target)
                continue
            if not buffer:
                return
            # a chunk of about ``target`` bytes, even when more has been read (the header's
            # block, or a stream that gave more)
            find = _exact_cut if exact else _cut
            cut = find(buffer, target) if len(buffer) > target else None
            cut = cut or find(buffer)
            if cut is None and len(buffer) >= MAX_RECORD:
                cut = self._first_line(buffer, line)
                if cut is None:
                    newline = buffer.find(b"\n")
                    tail = buffer[newline + 1 :] if newline != -1 else self._skip_line()
                    eof = eof or tail is None
                    buffer, line = tail or b"", line + 1
                    offset = self.bytes_read - len(buffer)
                    continue
            elif cut is None and not eof:
                target = MAX_RECORD
                continue
            target = self.chunk_size
            if cut is None or cut >= len(buffer):
                chunk, rest = buffer, b""
            else:
                chunk, rest = buffer[:cut], buffer[cut:]
            fast = None if exact else self._fast(chunk, line)
            if fast is None and not exact and b'"' in chunk:
                # The cut paired the quotes; a stray one (in a broken chunk) shifts the pairs,
                # so this part is cut again as the careful tokenizer reads it.
                exact = True
                continue
            exact, buffer = False, rest
            frame, newlines = fast or self._failed(chunk, line, offset)
            line += newlines
            offset += len(chunk)
            if frame is not None and frame.height and self.header_ok:
                yield frame.select([*self.field_names, REC, LINE])

    def _release(self) -> None:
        """Drop the map's pages before the current position from this process (they stay
        in the page cache): the process's memory does not grow with the file."""
        assert self._map is not None
        done = self._position - self._position % mmap.PAGESIZE - mmap.PAGESIZE
        if done > self._released:
            self._map.madvise(mmap.MADV_DONTNEED, self._released, done - self._released)
            self._released = done

    def _refill(self, buffer: bytes, target: int) -> tuple[bytes, bool]:
        """``buffer`` extended towards ``target`` bytes, and whether the input has ended.

        A mapped file is sliced again from the buffer's start (one copy instead of two)."""
        if self._map is not None and buffer:
            self._position -= len(buffer)
            self.bytes_read -= len(buffer)
            block = self._read(target)
            return block, len(block) == len(buffer)
        # Never beyond ``target``: a buffer that grew past MAX_RECORD could take in whole a line
        # longer than MAX_RECORD, which must be refused (T04).
        block = self._read(target - len(buffer) if buffer else max(BLOCK_SIZE, target))
        return (buffer + block if buffer else block), not block

    def _first_line(self, buffer: bytes, line: int) -> int | None:
        """For a buffer without a record boundary: its first line, or None (too long)."""
        newline = buffer.find(b"\n")
        if newline == -1 or newline >= MAX_RECORD:
            self.records += 1
            self.sink.add("T04", "too_long", line=line, max=MAX_RECORD)
            return None
        return newline + 1

    def _skip_line(self) -> bytes | None:
        """Discard input up to and including the next newline; what follows (None: EOF)."""
        while True:
            block = self._read(BLOCK_SIZE)
            if not block:
                return None
            newline = block.find(b"\n")
            if newline != -1:
                return block[newline + 1 :]

    # -- header ----------------------------------------------------------------------------

    def _header(self) -> bytes | None:
        data = self._read(min(BLOCK_SIZE, MAX_HEADER))
        # up to the end of the header line, past any empty lines before it (a stream may give
        # little at a time)
        # (and at least the four bytes that tell UTF-16 or UTF-32)
        while len(data) < MAX_HEADER and (
            len(data) < 4 or b"\n" not in data.removeprefix(BOM).lstrip(b"\r\n")
        ):
            block = self._read(BLOCK_SIZE)
            if not block:
                break
            data += block
        wide = wide_encoding(data)
        if wide is not None:  # every byte would be a T01 and every column a T02 of garbage
            self.sink.add("T01", "declared", line=1, codering=wide)
            return None
        skipped = len(BOM) if data.startswith(BOM) else 0
        if not data[skipped:].strip():
            rest = data[skipped:]
            lines = rest.count(b"\n") + (0 if rest.endswith(b"\n") or not rest else 1)
            for number in range(1, lines + 1):  # each empty line
                self.sink.add("T03", "empty", line=number)
            self.sink.add("T02", "missing_header", line=1)
            return None
        # Empty lines before the header: each one is reported, the header is the next line.
        while (blank := _blank_line(data, skipped)) is not None:
            self.sink.add("T03", "empty", line=self.header_line)
            self.header_line += 1
            skipped = blank
        data, line = data[skipped:], self.header_line
        header = _cr_header(data, self.field_names)
        if header is not None:  # else one header of every line's values
            self.sink.add("T04", "cr", line=line)
            separator = _other_separator(header.split(","), self.field_names)
            if separator is not None:  # Excel on a Dutch Mac: both to fix at once
                self.sink.add("T02", "separator", line=line, teken=separator)
            counter = RecordCounter(_SEPARATOR_BYTES.get(separator or "", b","), lone_cr=True)
            self.records = self._count_records(data[data.index(b"\r") + 1 :], counter)
            return None
        newline = data.find(b"\n")
        if newline == -1 and len(data) >= MAX_HEADER:
            self.sink.add("T04", "too_long", line=line, max=MAX_HEADER)
            return None
        raw, rest = (data, b"") if newline == -1 else (data[: newline + 1], data[newline + 1 :])
        if raw.endswith(b"\r\r\n"):  # every value at a line's end would end in a CR
            self.sink.add("T04", "crcrlf", line=line)
            return None
        broken = False
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self._encoding_finding(line, skipped + error.start, data, skipped)
            text, broken = raw.decode("utf-8", errors="replace"), True
        record = next(tokenize(text, line))
        if record.error:
            # the names as separated by commas alone: the data lines' shape is still known
            names = text.rstrip("\r\n").split(",")
            if _other_separator(names, self.field_names) is None:  # else valid quoting
                self.sink.add("T04", record.error, line=line)
            self._check_header(names, broken=True)
            return rest
        self._check_header(record.fields, broken=broken)
        return rest

    def _encoding_finding(self, line: int, at: int, data: bytes, start: int) -> None:
        """``T01`` for ``line``, whose first byte that is not UTF-8 is at file offset ``at``
        (``data`` starts at file offset ``start``): with the character that byte is in
        Windows-1252, where it is a letter or sign (a file saved as "ANSI", Excel's
        default on Windows); or, where the file is UTF-8 until it ends in the middle of a
        character, that it was cut off."""
        first = not any(f.code == "T01" for f in self.sink.findings)
        key, values = invalid_byte(data[at - start :], first=first)
        self.sink.add("T01", key, line=line, offset=at, **values)

    def _count_records(self, data: bytes, counter: RecordCounter) -> int:
        r"""The records of a file whose values are not read (:mod:`._record_count`), so that its
        report says how many were not processed; streams on from ``data`` (what follows the
        header), holding one block at a time.

        Example::

            >>> import io
            >>> reader = CsvReader(io.BytesIO(b'2;"a\n"\n\n3\n4'), ("A", "B"), TechnicalSink())
            >>> reader._count_records(b"", RecordCounter(b";"))
            3
        """
        while True:
            if data:
                counter.feed(data)
            data = self._read(BLOCK_SIZE)
            if not data:
                return counter.total()

    def _check_header(self, names: list[str], *, broken: bool) -> None:
        self.columns = [f"column_{i + 1}" for i in range(len(names))]
        if len(names) > MAX_COLUMNS:  # (polars holds a column for each: a 1 MB file of
            self.sink.unread = True  # 450,000 empty columns took 3 GB)
            values = {"aantal": str(len(names)), "max": str(MAX_COLUMNS)}
            self.sink.add("T02", "too_many", line=self.header_line, **values)
            return
        problems = header_problems(names, self.field_names)
        # another separator: which bytes separate the values is unknown (a T04 on every line)
        self.sink.unread = [key for key, _ in problems] == ["separator"]
        if self.sink.unread:
            self._separator = _SEPARATOR_BYTES[problems[0][1]["teken"]]
        for key, values in problems:
            self.sink.add("T02", key, line=self.header_line, **values)
        # Columns the dictionary does not know (and only such) are read and left aside: the
        # records are still checked, so that the report of the refused file shows the rest.
        if not broken and all(key in ("unknown", "unnamed") for key, _ in problems):
            # (a column without a name gets one no field has)
            self.columns = [n if n.strip() else f"\x00{i}" for i, n in enumerate(names)]
            self.header_ok = True

    # -- chunks ----------------------------------------------------------------------------

    def _failed(self, chunk: bytes, line: int, offset: int) -> tuple[pl.DataFrame | None, int]:
        """Records of a chunk that failed the fast path.

        The records that can be what failed are found directly (see :mod:`._chunk_records`)
        and read carefully, with the runs of other records around them that are too short to
        be worth a parse; the longer runs between them take the fast path again. If the
        chunk's lines cannot be read so, it is split in halves, each tried again, down to
        pieces read carefully.
        """
        records = chunk_records(chunk, len(self.columns) - 1)
        if records is None:
            return self._process(chunk, line, offset, fast=False)
        frames: list[pl.DataFrame] = []
        for start, end, index, sound in records.pieces():
            piece = chunk[start:end]
            at, where = line + index, offset + start
            frame = self._process(piece, at, where)[0] if sound else self._careful(piece, at, where)
            if frame is not None and frame.height:
                frames.append(frame)
        return (pl.concat(frames) if frames else None), chunk.count(b"\n")

    def _process(
        self, chunk: bytes, line: int, offset: int, *, fast: bool = True
    ) -> tuple[pl.DataFrame | None, int]:
        """Records of a chunk and the number of newlines in it (``fast``: try the fast path
        first)."""
        parsed = self._fast(chunk, line) if fast else None
        if parsed is not None:
            return parsed
        newlines = chunk.count(b"\n")
        middle = _split(chunk) if len(chunk) > SPLIT_MIN else None
        if middle is None:
            return self._careful(chunk, line, offset), newlines
        first, head = self._process(chunk[:middle], line, offset)
        second, _ = self._process(chunk[middle:], line + head, offset + middle)
        frames = [f for f in (first, second) if f is not None and f.height]
        return (pl.concat(frames) if frames else None), newlines

    def _fast(self, chunk: bytes, line: int) -> tuple[pl.DataFrame, int] | None:
        """Parse a chunk with polars; None unless every record provably has the right shape.

        The proof: polars refuses a record with too many fields. The chunk's physical lines
        (read separately, a cheap single column) are grouped into records by quote parity;
        the records with a quote (rare) must match the careful tokenizer's grammar, each with
        the header's number of fields. For the others, one line each, the bytes of the lines
        less the bytes of their values are their separators: as many as the header's in all
        means as many in each, since none has more. No line may be empty or hold a CR that
        ends no line (polars drops one before a separator, and the byte it drops could stand
        for a separator another line lacks), and polars must find as many records.
        """
        if chunk.startswith(_COMPRESSED) or chunk.startswith(BOM):
            return None
        if _too_many_fields(chunk, len(self.columns) - 1):
            return None
        schema = {c: self.schema.get(c, pl.String()) for c in self.columns}
        try:
            frame = pl.read_csv(
                chunk,
                has_header=False,
                schema=schema,
                empty_string_is_null=False,
                truncate_ragged_lines=False,  # too many fields: an error
                raise_if_empty=False,
            )
            if frame.width != len(self.columns):
                return None
            lines = pl.read_lines(chunk)["line"]
            starts = self._record_starts(lines, frame, special=b'"' in chunk or b"\r" in chunk)
        except _POLARS_ERRORS:
            return None
        if starts is None:
            return None
        newlines = lines.len() - (0 if chunk.endswith(b"\n") else 1)
        return self._numbered(frame, starts + line), newlines

    def _record_starts(
        self, lines: pl.Series, frame: pl.DataFrame, *, special: bool
    ) -> pl.Series | None:
        """Index of the first physical line of each record, or None if one is malformed.

        ``special``: whether the chunk has a quote or a CR at all. Only the lines with one
        are looked at one by one (a CR that ends a line is not part of it).
        """
        count, height, separators = lines.len(), frame.height, len(self.columns) - 1
        lengths = lines.str.len_bytes()
        if count == 0 or lengths.min() == 0:
            return None
        if not separators and lines.str.contains(r"^[ \t]*$").any():
            return None  # a line of spaces alone is an empty line (T03), not a value
        quoted = pl.repeat(False, count, eager=True)  # the lines of records with quotes
        rows = pl.Series([], dtype=pl.Int64)  # those records
        starts = pl.int_range(0, count, dtype=pl.Int64, eager=True)  # every line a record
        if special:
            marked = lines.str.contains('["\r]').arg_true()
            texts = lines.gather(marked)
            if texts.str.contains("\r", literal=True).any():
                return None
            quoted.scatter(marked, True)
            rows = marked.cast(pl.Int64)  # if every line is a record
            if count != height:  # some records span lines: group the lines by quote parity
                quotes = pl.repeat(0, count, dtype=pl.UInt32, eager=True)
                quotes.scatter(marked, texts.str.count_matches('"', literal=True))
                inside = (quotes.cum_sum() - quotes) % 2 == 1  # a line within a quoted value
                quoted = quoted | inside
                record = (~inside).cum_sum().cast(pl.Int64) - 1
                rows = record.filter(quoted).unique(maintain_order=True)
                starts = (~inside).arg_true().cast(pl.Int64)
            if rows.len() and not _records_ok(lines.filter(quoted), separators):
                return None
        if starts.len() != height:
            return None
        # the lines of the records without quotes, less their values: their separators
        plain_lines = int(lengths.sum()) - int(lengths.filter(quoted).sum())
        plain_values = 0
        if rows.len() < height:  # (all records with quotes: every file quoting every value)
            plain_values = _value_bytes(frame) - _value_bytes(frame[rows])
        if plain_lines - plain_values != separators * (height - rows.len()):
            return None
        return starts

    def _numbered(self, frame: pl.DataFrame, lines: pl.Series) -> pl.DataFrame:
        height = frame.height
        frame = frame.with_columns(
            pl.int_range(self.records + 1, self.records + 1 + height, dtype=pl.Int64).alias(REC),
            lines.cast(pl.Int64).alias(LINE),
        )
        self.records += height
        return frame

    def _careful(self, chunk: bytes, line: int, offset: int) -> pl.DataFrame | None:
        """The records of ``chunk`` read by the careful tokenizer; every finding is added in
        line order (so that the cap, ``T99``, falls on the same line however the file was cut
        into pieces)."""
        bad_lines = encoding_problems(chunk, line, offset, self.sink.limit + 1)
        text = chunk.decode("utf-8", errors="replace")
        rows: list[list[str]] = []
        numbers: list[int] = []
        starts: list[int] = []
        for record in tokenize(text, line):
            if record.empty:
                self.sink.add("T03", "empty", line=record.line)
                continue
            self.records += 1
            lines = range(record.line, record.end_line + 1)
            bad = [n for n in lines if n in bad_lines] if bad_lines else []
            for number in bad:
                self._encoding_finding(number, bad_lines[number], chunk, offset)
            # (separators and quotes are ASCII: the shape of a line that is not UTF-8 is known)
            if record.error is not None:
                self.sink.add("T04", record.error, line=record.line)
            elif len(record.fields) != len(self.columns):
                self.sink.add(
                    "T04",
                    "field" if len(record.fields) == 1 else "fields",
                    line=record.line,
                    aantal=len(record.fields),
                    verwacht=len(self.columns),
                )
            elif not bad:
                rows.append(record.fields)
                numbers.append(self.records)
                starts.append(record.line)
        if not rows:
            return None
        data = {name: [row[i] for row in rows] for i, name in enumerate(self.columns)}
        frame = pl.DataFrame(data, schema=dict.fromkeys(self.columns, pl.String))
        frame = frame.with_columns(pl.col(c).cast(d) for c, d in self.schema.items() if c in data)
        return frame.with_columns(
            pl.Series(REC, numbers, dtype=pl.Int64), pl.Series(LINE, starts, dtype=pl.Int64)
        )


def _too_many_fields(chunk: bytes, separators: int) -> bool:
    """Whether the chunk's first record may have thousands of fields more than the header.
    polars takes the first record's fields for columns before it refuses them: a line of 16
    million commas cost it 7 GB and half a minute (a later record is refused at once). A
    record with many commas inside its quoted values is only read carefully.

    Example::

        >>> _too_many_fields(b"1," * 20_000 + b"\\n", 1), _too_many_fields(b'1,"2,3"\\n', 1)
        (True, False)
    """
    newline = chunk.find(b"\n")
    end = len(chunk) if newline == -1 else newline
    if b'"' in chunk[:end]:  # the record may go on past its first line
        end = record_end(chunk, 0)
    return chunk.count(b",", 0, end) > separators + _MANY_FIELDS


def _value_bytes(frame: pl.DataFrame) -> int:
    """The bytes of all values of ``frame`` (text or categorical; 0 for a null)."""
    if not frame.height:
        return 0
    sizes = [
        pl.col(c).cat.len_bytes() if isinstance(t, pl.Categorical) else pl.col(c).str.len_bytes()
        for c, t in frame.schema.items()
    ]
    return int(frame.select(pl.sum_horizontal(s.sum() for s in sizes)).item())


def _records_ok(lines: pl.Series, separators: int) -> bool:
    """Whether ``lines`` are records that the careful tokenizer reads as well quoted, each
    with ``separators`` separators (a record may span several lines).

    The lines are matched as one text: a record splits into fields one way only (a field is
    quoted exactly when it starts with a quote, and a plain one holds no separator), so a
    newline ends a record exactly when an even number of quotes precedes it."""
    record = record_regex(separators)
    text = lines.str.join("\n")
    return bool(text.str.contains(f"^{record}(?:\\n{record})*$").item())


def header_problems(
    names: list[str], expected: tuple[str, ...]
) -> list[tuple[str, dict[str, str]]]:
    """T02 problems of a header: duplicated, misspelt, unknown and missing columns.

    Example::

        >>> header_problems(["A", "b", "A", "Z"], ("A", "B", "C"))[0]
        ('duplicate', {'kolom': 'A'})
    """
    separator = _other_separator(names, expected)
    if separator is not None:  # one problem, not every column missing and one unknown
        return [("separator", {"teken": separator})]
    problems: list[tuple[str, dict[str, str]]] = []
    seen: set[str] = set()
    counts = Counter(names)
    for name in dict.fromkeys(n for n in names if n.strip()):  # once per name
        if counts[name] > 1:
            problems.append(("duplicate", {"kolom": visible(name)}))
        seen.add(name)
    unnamed = sum(1 for name in names if not name.strip())
    if unnamed and len(names) > 1:  # (Excel's empty columns after the last; one blank
        problems.append(("unnamed", {"aantal": str(unnamed)}))  # header: missing columns)
    missing = [name for name in expected if name not in seen]
    for name in dict.fromkeys(n for n in names if n not in expected and n.strip()):
        if name.strip(" ") in missing:
            missing.remove(name.strip(" "))
            problems.append(("spaced", {"kolom": visible(name), "verwacht": name.strip(" ")}))
            continue
        guess = _closest(name, missing)
        if guess is not None:
            missing.remove(guess)
            problems.append(("misspelt", {"kolom": visible(name), "verwacht": guess}))
        else:
            problems.append(("unknown", {"kolom": visible(name)}))
    problems.extend(("missing", {"kolom": name}) for name in missing)
    return problems


_OTHER_SEPARATORS = ((";", "';'"), ("\t", "tabs"), ("|", "'|'"))  # as the message shows it
_SEPARATOR_BYTES = {shown: character.encode() for character, shown in _OTHER_SEPARATORS}


def _other_separator(names: list[str], expected: tuple[str, ...]) -> str | None:
    """The separator of a header of one column that another separator splits into the
    dictionary's names (at least half of them known): Excel on a Dutch computer saves "CSV"
    with semicolons.

    Example::

        >>> _other_separator(["A;B;X"], ("A", "B", "C")), _other_separator(["A B"], ("A", "B"))
        ("';'", None)
    """
    if len(names) != 1 or len(expected) < 2:
        return None
    for character, shown in _OTHER_SEPARATORS:
        parts = [part for part in names[0].split(character) if part.strip(' "')]
        # (Excel may add empty columns at the end)
        if len(parts) > 1 and 2 * _known(parts, expected) >= len(parts):
            return shown
    return None


def _closest(name: str, candidates: list[str]) -> str | None:
    folded = name.strip().casefold()
    for candidate in candidates:
        if candidate.casefold() == folded:
            return candidate
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return matches[0] if matches else None


def _mapped(stream: BinaryIO) -> tuple[mmap.mmap | None, int]:
    """A read-only map of a regular file and the stream's position in it (slicing a map
    copies less than reading), or None for other streams. As for polars' own reading of a
    path, the file must not shrink while it is read."""
    try:
        number = stream.fileno()
        if not stat.S_ISREG(os.fstat(number).st_mode) or not stream.seekable():
            return None, 0
        position = stream.tell()
        return mmap.mmap(number, 0, access=mmap.ACCESS_READ), position
    except (OSError, ValueError, AttributeError):  # no file, or an empty one
        return None, 0


def _cr_header(data: bytes, expected: tuple[str, ...]) -> str | None:
    r"""The header, if the lines end with a lone CR (old Mac line endings, as Excel's "CSV
    (Macintosh)" writes them): the first CR comes before any LF and ends no line (no LF
    after it), the line after it holds no LF outside quotes, and the text before it is a
    header that names at least half of the ``expected`` columns (separated by commas or as
    :func:`_other_separator` knows) or, in ``data`` without any LF but a last one, is text
    (no control characters but tabs): a CR file whose names are wrong too, or whose first
    row is empty, gets the one finding of its line endings, not a header of every line's
    values. A stray CR inside a header (also where most lines end in CRLF), or binary data,
    is not the file's line ending.

    Example::

        >>> ab = ("A", "B")
        >>> _cr_header(b"A,B\r1,2\r", ab), _cr_header(b"A;B\r1,\"x\ny\"\r\n", ab)
        ('A,B', 'A;B')
        >>> _cr_header(b"A,B\r\n1,2\r\n", ab), _cr_header(b"A,B\r", ab)
        (None, None)
        >>> _cr_header(b"A,B\r\r\n1,2\r\r\n", ab)  # CR CR LF: Windows text mode
        >>> _cr_header(b"A,\rB\n1,2\n", ab), _cr_header(b"\x8b\r\x00\r", ab)
        (None, None)
        >>> _cr_header(b";;;\rA,B\r1,2\r", ab), _cr_header(b"X,Y\r1,2\r\n", ab)
        (';;;', 'X,Y')
        >>> _cr_header(b"\x01\x02\r\x03\r", ab), _cr_header(b"X\rY\rZ\n1\n", ab)
        (None, None)
        >>> _cr_header(b"A\r,B\r\n1,2\r\n", ab)  # a stray CR in a header of CRLF lines
        >>> _cr_header(b"A\r,B\r\n", ab)  # (also in a header alone)
    """
    cr = data.find(b"\r")
    if cr == -1 or data[cr + 1 : cr + 2] in (b"\n", b"") or b"\n" in data[:cr]:
        return None
    rest = data[cr + 1 :].lstrip(b"\r")
    if rest[:1] in (b"\n", b""):  # CR CR LF (text mode on Windows): LF line endings
        return None
    if 2 * data.count(b"\r\n") > data.count(b"\r"):  # most lines end in CRLF: a stray CR
        return None
    following = rest.split(b"\r", 1)[0]
    if b"\n" in QUOTED_VALUE.sub(b"", following):  # an LF line: the CR is a stray one
        return None
    names = [n for n in _NAME_SEPARATORS.split(following.decode("utf-8", "replace")) if n]
    line_ends_crlf = rest.startswith(b"\r\n", len(following))
    if line_ends_crlf and 2 * _known(names, expected) > len(names):  # the header goes on
        return None  # after the CR, to a CRLF
    try:
        header = data[:cr].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if 2 * _known(_NAME_SEPARATORS.split(header), expected) >= len(expected):
        return header
    text = header.replace("\t", "").isprintable()
    return header if text and b"\n" not in data.removesuffix(b"\n") else None


_NAME_SEPARATORS = re.compile("[,;\t|]")


def _known(names: Iterable[str], expected: tuple[str, ...]) -> int:
    """How many of ``names`` (spaces and quotes around them left aside, in any case) are
    among the ``expected`` columns."""
    known = {name.casefold() for name in expected}
    return sum(name.strip(' "').casefold() in known for name in names)


def _blank_line(data: bytes, start: int) -> int | None:
    r"""If an empty line (LF or CRLF, after nothing but spaces and tabs, as after the header)
    starts at ``start``: where the next line starts.

    Example::

        >>> _blank_line(b"\r\nA", 0), _blank_line(b" \t\nA", 0), _blank_line(b" A\n", 0)
        (2, 3, None)
    """
    match = _BLANK.match(data, start)
    return match.end() if match else None


_BLANK = re.compile(rb"[ \t]*\r?\n")


def _cut(buffer: bytes, size: int | None = None) -> int | None:
    """Index just past the last newline outside quotes (in the first ``size`` bytes), or
    None."""
    end = buffer.rfind(b"\n", 0, size)
    if end == -1:
        return None
    if buffer.find(b'"', 0, end) == -1:
        return end + 1
    quotes = _quotes(buffer, end)
    # Back line by line to the last newline outside quotes: at most the buffer's lines (a
    # quoted value of many lines across the cut must stay whole; a quote that is never closed
    # costs one walk back, after which its line is read alone).
    while quotes % 2:
        previous = buffer.rfind(b"\n", 0, end)
        if previous == -1:
            return None
        quotes -= buffer.count(b'"', previous, end)
        end = previous
    return end + 1


def _quotes(buffer: bytes, end: int, most: int = 100_000) -> int:
    """The number of quotes in ``buffer[:end]``: found one by one while they are few (a
    search skips the text between them), counted byte by byte when there are many."""
    found, position = 0, 0
    while found < most:
        position = buffer.find(b'"', position, end) + 1
        if not position:
            return found
        found += 1
    return found + buffer.count(b'"', position, end)


def _split(chunk: bytes) -> int | None:
    """A record boundary near the middle of ``chunk`` (read by the grammar), or None."""
    spans = _Spans(chunk, len(chunk), complete=True)
    position = chunk.find(b"\n", len(chunk) // 2)
    while position != -1 and position + 1 < len(chunk):
        stop = spans.around(position)
        if stop is None:
            return position + 1
        position = chunk.find(b"\n", stop)
    cut = _record_end(chunk, spans, chunk.rfind(b"\n", 0, len(chunk) // 2))
    return cut if cut and cut < len(chunk) else None


# The careful tokenizer's grammar for bytes (a quoted value, QUOTED_VALUE, may hold newlines):
# a run of well-formed lines whose quoted values hold none (skipped in one match where quotes
# are dense).
_LINE_FIELD = rb'(?:"[^"\n]*(?:""[^"\n]*)*"|[^,"\n]*)'
_SIMPLE_LINES = re.compile(rb"(?:%s(?:,%s)*+\r?\n)*+" % (_LINE_FIELD, _LINE_FIELD))
_DENSE = 64  # bytes per quote below which lines are skipped by _SIMPLE_LINES


class _Spans:
    r"""Where in ``buffer[:end]`` a newline ends no record, read as the careful tokenizer reads
    it from the buffer's start (a record start): the records over several lines, as
    :func:`record_end` finds them.

    (Pairing quotes alone would take a stray quote for an opening one and every newline after
    it for one inside a value.) ``complete``: the buffer ends where the file does, or at a
    record's end; otherwise a record that may go on past the buffer runs to its end.

    Example::

        >>> spans = _Spans(b'1,a"b\n2,"c\nd"\n3\n', 15)
        >>> [spans.around(i) for i in (5, 10, 13)]
        [None, 13, None]
        >>> broken = _Spans(b'"1\n2\n"3\n4\n', 10)  # broken quoting: on at the second line
        >>> [broken.around(i) for i in (2, 4)]
        [None, None]
    """

    def __init__(self, buffer: bytes, end: int, *, complete: bool = False) -> None:
        self.starts: list[int] = []
        self.stops: list[int] = []  # each record's last newline (or the buffer's end)
        dense = buffer.count(b'"', 0, end) * _DENSE > end
        position = 0
        while position < end:
            if dense and (position == 0 or buffer[position - 1] == LF):
                simple = _SIMPLE_LINES.match(buffer, position, end)  # never None: may be empty
                position = simple.end() if simple else position
            quote = buffer.find(b'"', position, end)
            if quote == -1:
                return
            # the plain lines before the quote are records: the quote's record starts on its line
            record = buffer.rfind(b"\n", position, quote) + 1 or position
            after = record_end(buffer, record, complete=complete)
            stop = len(buffer) if after is None else after
            if buffer[stop - 1 : stop] == b"\n":
                stop -= 1
            if buffer.find(b"\n", record, stop) != -1:
                self.starts.append(record)
                self.stops.append(stop)
            if after is None:
                return
            position = after

    def around(self, position: int) -> int | None:
        """Where the quoted value around ``position`` ends, or None if there is none."""
        index = bisect.bisect_right(self.starts, position) - 1
        if index >= 0 and position < self.stops[index]:
            return self.stops[index]
        return None

    def opened(self, position: int) -> int:
        """Where the quoted value around ``position`` opens."""
        return self.starts[bisect.bisect_right(self.starts, position) - 1]


def _exact_cut(buffer: bytes, size: int | None = None) -> int | None:
    """Like :func:`_cut`, reading the quotes by the grammar (see :class:`_Spans`)."""
    end = buffer.rfind(b"\n", 0, size)
    return None if end == -1 else _record_end(buffer, _Spans(buffer, end), end)


def _record_end(buffer: bytes, spans: _Spans, end: int) -> int | None:
    """Just past the last newline at or before ``end`` that ends a record, or None."""
    while end != -1 and spans.around(end) is not None:
        end = buffer.rfind(b"\n", 0, spans.opened(end))
    return None if end == -1 else end + 1
