"""The records of a CSV chunk that failed the fast path, and which of them can be what failed.

A large file with a few broken lines (a record cut short, a stray quote, a CR inside a value)
must not cost a parse per broken line: its chunks are split into records as the careful
tokenizer reads them, the records that can be broken are found column-wise (polars over the
chunk's lines; a regular expression only for the few records with quotes), and the long runs
of other records between them are parsed by the fast path again (see ``CsvReader._failed``).
A record taken for suspect when it is not only costs a careful read of it; one taken for sound
when it is not makes its run fail the fast path again, which is then split in halves.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal, overload

import polars as pl

from ._encodings import encoding_problems

# A field as the careful tokenizer reads it: quoted (a newline too), or plain; as polars' regex.
FIELD = r'(?:"(?:[^"]|"")*"|[^,"\n]*)'
# A quoted value as Python's regex (possessive: a quote of a "" never closes it).
QUOTED_VALUE = re.compile(rb'"[^"]*+(?:""[^"]*+)*+"')
COMMA, LF, _CR = 44, 10, 13
_MIN_RUN = 500  # records between broken ones worth a parse of their own
_POLARS_ERRORS = (pl.exceptions.PolarsError, OSError)
_MOST_NOT_UTF8 = 10_000  # lines not UTF-8 marked at once (the rest fail the fast path again)


@dataclass(frozen=True, slots=True)
class ChunkRecords:
    """The records of a chunk: where each starts (and, last, where the chunk ends), the
    index of each one's first line, and the records that can be broken (ascending)."""

    starts: pl.Series
    lines: pl.Series
    suspect: list[int]

    def pieces(self, least: int | None = None) -> Iterator[tuple[int, int, int, bool]]:
        """The chunk as runs of records, in order: the runs of at least ``least`` sound
        records, and the rest between them; each as ``(start, end, line, sound)``, from its
        first byte to past its last, with the index of its first line.

        Example::

            >>> records = ChunkRecords(pl.Series(range(0, 16, 2)), pl.Series(range(7)), [3])
            >>> list(records.pieces(2))
            [(0, 6, 0, True), (6, 8, 3, False), (8, 14, 4, True)]
        """
        least = _MIN_RUN if least is None else least
        runs: list[tuple[int, int, bool]] = []
        first, previous = 0, -1  # the first record not yet in a run, the last suspect one
        for bad in [*self.suspect, self.lines.len()]:
            if bad - previous - 1 >= least:
                if first <= previous:
                    runs.append((first, previous + 1, False))
                runs.append((previous + 1, bad, True))
                first = bad
            previous = bad
        if first < self.lines.len():
            runs.append((first, self.lines.len(), False))
        for begin, end, sound in runs:
            yield self.starts[begin], self.starts[end], self.lines[begin], sound


def chunk_records(chunk: bytes, separators: int) -> ChunkRecords | None:
    r"""The records of ``chunk`` with ``separators`` separators each, as the careful tokenizer
    reads them; None if polars reads the chunk's lines otherwise.

    A record can be broken when it has another number of fields, broken quoting, an empty
    line, a CR that ends no line, or bytes that are not UTF-8. From a record's start, a line
    without quotes, or one that matches the grammar of a record (a regular expression over
    the column of lines with quotes), is a whole record; only from the other lines with
    quotes is the record read by the grammar (:func:`record_end`), and the lines it takes in
    are skipped.

    Example::

        >>> records = chunk_records(b'1,a\n2,"b\nc"\n3\n', 1)
        >>> records.starts.to_list(), records.lines.to_list(), records.suspect
        ([0, 4, 12, 14], [0, 1, 3], [2])
    """
    read = _lines(chunk, separators) if separators >= 0 else None  # (no columns: no header)
    if read is None:
        return None
    lines, utf8 = read
    line_starts = pl.concat([pl.Series([0], dtype=pl.Int64), lines["size"].cum_sum()])
    shaped = pl.col("line").str.contains(f"^{record_regex(separators)}\\x00?$")  # (NUL: CR)
    try:
        quoted = lines.with_row_index("index").filter(pl.col("quote"))
        unshaped = quoted.filter(~shaped.fill_null(False))["index"].to_list()
    except _POLARS_ERRORS:  # (the regex of a record of thousands of fields is too large)
        return None
    joined = pl.repeat(False, lines.height, eager=True)  # the line continues a record
    off_grammar = pl.repeat(False, lines.height, eager=True)
    if unshaped:
        off_grammar.scatter(unshaped, True)
        joined.scatter(_taken_in(chunk, line_starts.to_list(), unshaped), True)
    frame = lines.with_columns(((~joined).cum_sum() - 1).alias("record"), joined.alias("joined"))
    firsts = (~joined).arg_true()
    starts = pl.concat([line_starts.gather(firsts), line_starts.tail(1)])
    # the lines of records over several lines (read by the grammar below), and the records
    # of one line with quotes (read by the grammar above)
    several = pl.col("joined") | pl.col("joined").shift(-1, fill_value=False)
    single = pl.col("quote") & ~several
    broken = pl.when(several | single).then(pl.col("blank")).otherwise(pl.col("wrong"))
    frame = frame.with_columns(off_grammar.alias("off_grammar"))
    suspect = set(frame.filter(broken | pl.col("cr") | (single & pl.col("off_grammar")))["record"])
    shape = _record_pattern(separators)
    over_lines = frame.filter(several)["record"].unique().to_list()
    bounds = starts.to_list() if over_lines else []
    for index in over_lines:
        text = chunk[bounds[index] : bounds[index + 1]].removesuffix(b"\n")  # (the last: no LF)
        if shape.fullmatch(text.replace(b"\r\n", b"\n").removesuffix(b"\r")) is None:
            suspect.add(index)
    if not utf8:
        bad = encoding_problems(chunk, 0, 0, _MOST_NOT_UTF8)
        suspect.update(frame["record"].gather(list(bad)).to_list())
    return ChunkRecords(starts, firsts, sorted(suspect))


def _taken_in(chunk: bytes, line_starts: list[int], starts: list[int]) -> list[int]:
    """The lines taken into a record that starts on one of the lines ``starts`` (ascending;
    those within a record taken in before are skipped), read by the grammar."""
    taken: list[int] = []
    consumed = 0
    for line in starts:
        start = line_starts[line]
        if start < consumed:
            continue
        consumed = record_end(chunk, start)
        taken.extend(range(line + 1, bisect.bisect_left(line_starts, consumed)))
    return taken


@overload
def record_end(
    chunk: bytes, start: int, *, complete: Literal[True] = True, separator: int = COMMA
) -> int: ...
@overload
def record_end(
    chunk: bytes, start: int, *, complete: bool, separator: int = COMMA
) -> int | None: ...
def record_end(
    chunk: bytes, start: int, *, complete: bool = True, separator: int = COMMA
) -> int | None:
    r"""Past the end of the record that starts at ``start`` (its line end, or the chunk's
    end), as the careful tokenizer (``_csv.tokenize``) reads it: a quote opens a value only
    at a field's start, and the value may hold newlines; after broken quoting, or a quote
    never closed, reading goes on at the line after the record's start. Only the quotes are
    visited (the plain fields hold none).

    ``complete``: the chunk ends where the file does, or at a record's end. Otherwise (the
    start of what is still being read) None where the record may go on past the chunk.
    ``separator``: the byte between values (a comma; another in a file only counted).

    Example::

        >>> [record_end(b'a,"b\nc"\nd\n', 0), record_end(b'a,"b\nd\n', 0)]
        [8, 5]
        >>> record_end(b'"a\nb\n"c\n', 0)  # broken quoting after a value over lines
        3
        >>> print(record_end(b'a,"b\nc', 0, complete=False))  # the quote may close later
        None
    """
    size, position = len(chunk), start
    while True:
        quote = chunk.find(b'"', position)
        newline = chunk.find(b"\n", position, None if quote == -1 else quote)
        if newline != -1 or quote == -1:  # the line ends first
            return newline + 1 if newline != -1 else size if complete else None
        if quote != start and chunk[quote - 1] != separator:  # a quote inside a plain value
            return _after_line(chunk, start, complete)
        match = QUOTED_VALUE.match(chunk, quote)
        if match is None:  # never closed
            return _after_line(chunk, start, True) if complete else None
        position = match.end()
        following = chunk[position : position + 2]
        if (following[:1] == b"\r" and position == size - 1) or not following:
            return size if complete else None  # (the last CR: a CRLF's if more follows)
        if following[0] == LF:
            return position + 1
        if following[0] == separator:
            position += 1
        elif following == b"\r\n":
            return position + 2
        else:  # broken quoting after the value
            return _after_line(chunk, start, complete)


def _after_line(chunk: bytes, position: int, complete: bool) -> int | None:
    newline = chunk.find(b"\n", position)
    if newline == -1:
        return len(chunk) if complete else None
    return newline + 1


def _lines(chunk: bytes, separators: int) -> tuple[pl.DataFrame, bool] | None:
    """Each line of ``chunk``: its size in bytes (with its line end), whether it has a quote,
    a CR that ends no line, no text (``blank``), and whether it is not a record of
    ``separators`` separators without quotes (``wrong``); and whether the chunk is UTF-8.
    None if polars reads the lines otherwise.

    polars drops the CR of a CRLF, so each CRLF is read as NUL LF: every line keeps as many
    bytes as it has (its CR as the NUL), also where some lines end in CRLF and others in LF
    (an LF inside a quoted value). A NUL that is the file's own only makes its line suspect
    (read carefully) or fail the fast path again, never pass as something it is not.
    """
    marked = chunk.replace(b"\r\n", b"\x00\n")
    # (after a newline: polars unpacks what starts like gzip, and drops a byte-order mark)
    utf8 = True
    try:
        try:
            text = pl.read_lines(b"\n" + marked)["line"]
        except pl.exceptions.ComputeError:  # not UTF-8: read as one character per byte
            text, utf8 = pl.read_lines(b"\n" + marked.decode("latin-1").encode())["line"], False
    except _POLARS_ERRORS:
        return None
    text = text.slice(1)
    if not text.len():
        return None
    size = (text.str.len_bytes() if utf8 else text.str.len_chars()).cast(pl.Int64) + 1
    if not chunk.endswith(b"\n"):  # the last line: no line end; polars drops a last CR
        size[-1] = size[-1] - 1 + chunk.endswith(b"\r")
    if size.sum() != len(chunk):
        return None
    line = pl.col("line")
    if separators:
        empty = (line.str.len_bytes() == 0) | (line == "\x00")
    else:
        empty = line.str.strip_chars(" \t\x00") == ""
    lines = text.to_frame("line").with_columns(
        size=size,
        quote=line.str.contains('"', literal=True),
        cr=line.str.contains("\r", literal=True),
        blank=empty,
        wrong=(line.str.count_matches(",", literal=True) != separators) | empty,
    )
    return lines, utf8


def record_regex(separators: int) -> str:
    """A record of ``separators`` separators that the careful tokenizer reads as well quoted
    (a quoted value may hold newlines), as polars' regex."""
    return f"{FIELD}(?:,{FIELD}){{{separators}}}"


@cache
def _record_pattern(separators: int) -> re.Pattern[bytes]:
    """:func:`record_regex` as Python's (possessive: no backtracking)."""
    field = rb"(?:%s|[^,\"\n]*+)" % QUOTED_VALUE.pattern
    return re.compile(field + rb"(?:," + field + rb"){%d}" % separators)
