"""Counting the records of a CSV file whose values are not read.

A file rejected as a whole before its records are read (separated by semicolons, more columns
than a worksheet holds, lines ending in a lone CR) still says how many records were not
processed. They are counted as the reader's careful tokenizer splits a file into records
(:func:`._chunk_records.record_end`, with the file's separator): a line with more than blanks
is a record, a quote opens a quoted value only at the start of a value (a stray quote, an inch
sign in ``12"``, does not take the next lines into its record), and a quoted value may go on
over lines.

Runs of lines without quotes are counted with ``bytes.count``, runs of lines with quotes whose
quoted values each close on their line with one regular expression; from any other line with a quote
the record is read by the grammar, up to :data:`WALK_BUDGET` quotes a file: after those, the
rest is counted by its lines alone. A record still open at a block's end is carried into the next
block, up to :data:`MAX_CARRIED` bytes (the longest record the reader reads): a quote not
closed by then is read as one never closed, and a record longer than that is counted once and
its line skipped. Of a line without quotes only what decides its count is carried.
"""

from __future__ import annotations

import re

from ._chunk_records import record_end

#: Quotes read by the grammar (about 0.3 µs each, and a record about 1 µs, counted as two)
#: before the rest of a file is counted by its lines alone: a file of little else but stray
#: quotes would otherwise take minutes per GB.
WALK_BUDGET = 2_000_000
#: The bytes of a record that may still go on held from one block to the next.
MAX_CARRIED = 16 * 1024 * 1024

#: A line without quotes carried on as it is up to this size; a longer one as what decides
#: its count (whether it holds more than blanks, and its last byte).
_MOST_PLAIN_CARRIED = 1024


class RecordCounter:
    r"""Counts the records of the blocks fed to it, one block at a time.

    ``lone_cr``: the file's lines end in a lone CR (Excel on a Mac); each is read as a line end.

    Example::

        >>> counter = RecordCounter(b";")
        >>> for block in (b'1;"a\n', b'b";x\n\n \n2;12"\n3 "in', b'ch"\n4'):
        ...     counter.feed(block)
        >>> counter.total()
        4
        >>> plain = RecordCounter(b",")
        >>> plain.feed(b"1,2\n\n3,4\r\n  \r\n5")
        >>> plain.total()
        3
    """

    def __init__(self, separator: bytes = b",", *, lone_cr: bool = False) -> None:
        self.separator = separator[0]
        self.lone_cr = lone_cr
        # blanks (a tab separates values in a file separated by tabs)
        self._blank = bytes(c for c in b" \t\r" if c != self.separator)
        # a line end followed by a line of blanks (the first line of a run is looked at alone)
        self._blank_line = re.compile(rb"\n[%s]*(?=\n)" % re.escape(self._blank))
        self._blank_starts = [b"\n" + bytes([c]) for c in b"\n" + self._blank]
        self._skipping = False  # in a record longer than MAX_CARRIED, counted: on to its line end
        # a run of lines with quotes, each of whose quoted values closes on its line: each line
        # a record (those without quotes are left to be counted)
        sep = re.escape(separator[:1])
        plain, quoted = rb'[^%s"\n]*+' % sep, rb'"[^"\n]*+(?:""[^"\n]*+)*+"'
        line = rb"(?:%s%s)*+%s(?:%s(?:%s|%s))*+\r?\n" % (plain, sep, quoted, sep, quoted, plain)
        self._closed_lines = re.compile(rb"(?:%s)*+" % line)
        self.records = 0
        self.budget = WALK_BUDGET
        self._open = b""  # the start of a record that may go on in the next block

    def feed(self, block: bytes) -> None:
        """Count on through ``block``; a record it may end in the middle of waits for the next."""
        if self.lone_cr:
            block = block.replace(b"\r", b"\n")  # (a last CRLF: an empty line more)
        if self._skipping:
            newline = block.find(b"\n")
            if newline == -1:
                return
            block, self._skipping = block[newline + 1 :], False
        data = self._open + block if self._open else block
        self._open = self._count(data, complete=False)

    def total(self) -> int:
        """The records counted, the last one too when the file does not end with a line end."""
        rest, self._open = self._open, b""
        self._count(rest, complete=True)
        return self.records

    def _count(self, data: bytes, *, complete: bool) -> bytes:
        """Count the records of ``data``; what may go on past it (a part of a line, a record
        with a quoted value still open) is given back, unless ``complete``."""
        position, size = 0, len(data)
        while position < size:
            quote = data.find(b'"', position) if self.budget > 0 else -1
            if quote == -1:
                stop = size if complete else max(position, data.rfind(b"\n", position) + 1)
                self._lines(data, position, stop)
                return self._plain_rest(data[stop:])
            start = max(position, data.rfind(b"\n", position, quote) + 1)
            self._lines(data, position, start)
            closed = self._closed_lines.match(data, start)
            if closed and closed.end() > start:
                self.budget -= 2
                self.records += data.count(b"\n", start, closed.end())
                position = closed.end()
                continue
            whole = complete or size - start > MAX_CARRIED
            end = record_end(data, start, complete=whole, separator=self.separator)
            if end is None:
                self.budget -= 2 + data.count(b'"', start)  # (read again with the next block)
                return data[start:]
            self.budget -= 2 + data.count(b'"', start, end)
            self.records += 1  # (a quote is more than a blank)
            if end == size and not complete and not data.endswith(b"\n"):
                self._skipping = True  # (longer than MAX_CARRIED: its line may go on)
                return b""
            position = end
        return b""

    def _plain_rest(self, rest: bytes) -> bytes:
        """What to carry of a part of a line without quotes (or past the budget): as it is
        if short, else a byte for its content (if any) and its last byte, which decide how
        the line is counted and whether a quote after it opens a value."""
        if len(rest) <= _MOST_PLAIN_CARRIED:
            return rest
        return (b"a" if rest.strip(self._blank) else b"") + rest[-1:]

    def _lines(self, data: bytes, start: int, stop: int) -> None:
        """Count the lines of ``data[start:stop]`` with more than blanks: whole lines (the last
        one may lack its line end), read without regard to quotes."""
        if start >= stop:
            return
        first = data.find(b"\n", start, stop)
        if first == -1:
            self.records += bool(data[start:stop].strip(self._blank))
            return
        self.records += bool(data[start:first].strip(self._blank))
        last = data.rfind(b"\n", start, stop)
        lines = data.count(b"\n", first + 1, last + 1)  # those after the first, with their end
        if lines and any(data.find(s, first, last + 1) != -1 for s in self._blank_starts):
            lines -= len(self._blank_line.findall(data, first, last + 1))  # (rare)
        self.records += lines + bool(data[last + 1 : stop].strip(self._blank))
