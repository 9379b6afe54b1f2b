"""Counting the records of a CSV file whose values are not read.

A file rejected as a whole before its records are read (separated by semicolons, more columns
than a worksheet holds, lines ending in a lone CR) still says how many records were not
processed. A record is a line with more than blanks; a line end inside a quoted value continues
it, and a quote opens a quoted value only at the start of a value, as the reader's tokenizer
has it (a stray quote, an inch sign in ``12"``, does not take the next lines into its record).

Runs of lines without quotes are counted with ``bytes.count``; a line with quotes is matched
whole, or walked a quote at a time, up to :data:`WALK_BUDGET` quotes a file: after those, the
rest is counted by its lines alone.
"""

from __future__ import annotations

import re

_QUOTE = ord('"')
#: Quotes walked one at a time (about 0.4 µs each) before the rest of a file is counted by its
#: lines alone: a file of little else but quotes would otherwise take minutes per GB.
WALK_BUDGET = 4_000_000


class RecordCounter:
    r"""Counts the records of the blocks fed to it, one block at a time.

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

    def __init__(self, separator: bytes = b",", end: bytes = b"\n") -> None:
        self.separator, self.end = separator, end
        self.blank = b" \t\r" if end == b"\n" else b" \t\n"  # (a CR file may end in CRLF)
        # a line end followed by a line of blanks (the first line of a run is looked at alone)
        self._blank_line = re.compile(
            rb"%s[%s]*(?=%s)" % (re.escape(end), re.escape(self.blank), re.escape(end))
        )
        self._blank_starts = [end + bytes([c]) for c in end + self.blank]
        # a whole line of well-formed values, quoted or not: no quote in it is left open
        value = rb'(?:"[^"]*(?:""[^"]*)*"|[^"%s]*)' % re.escape(separator)
        self._closed = re.compile(rb"%s(?:%s%s)*\r?" % (value, re.escape(separator), value))
        self.records = 0
        self.quoted = False  # inside a quoted value
        self.closing = False  # just past a quote in a quoted value: its end, or an escaped one
        self.at_start = True  # at the start of a value: a quote here opens a quoted one
        self.content = False  # the current record holds more than blanks
        self.budget = WALK_BUDGET

    def total(self) -> int:
        """The records counted, the last one too when the file does not end with a line end."""
        return self.records + (self.content or self.quoted or self.closing)

    def feed(self, block: bytes) -> None:
        """Count on through ``block``: the runs of lines without quotes at once, each line
        with a quote (and each line a quoted value goes on in) on its own."""
        position, size = 0, len(block)
        while position < size:
            if self.budget <= 0:  # a file of little else but quotes: its lines from here on
                self.quoted = self.closing = False
                self._count(block, position, size)
                return
            if not (self.quoted or self.closing):
                quote = block.find(b'"', position)
                if quote == -1:
                    self._count(block, position, size)
                    return
                start = max(position, block.rfind(self.end, position, quote) + 1)
                if start > position:
                    self._count(block, position, start)
                position = start
            position = self._line(block, position)

    def _count(self, block: bytes, start: int, stop: int) -> None:
        """Lines without quotes, outside a quoted value: counted, not walked."""
        first = block.find(self.end, start, stop)
        if first == -1:
            self._part(block[start:stop])
            return
        self._part(block[start:first])
        self._line_end()
        last = block.rfind(self.end, start, stop)
        lines = block.count(self.end, first + 1, last + 1)  # those after the first line
        if lines and any(block.find(s, first, last + 1) != -1 for s in self._blank_starts):
            lines -= len(self._blank_line.findall(block, first, last + 1))  # (rare)
        self.records += lines
        self._part(block[last + 1 : stop])

    def _line(self, block: bytes, start: int) -> int:
        """The line (or the part of one the block ends with) from ``start``: a line of
        well-formed values at once, any other a quote at a time. Where the next one starts."""
        end = block.find(self.end, start)
        line = block[start:] if end == -1 else block[start:end]
        self.budget -= 1 + line.count(b'"')  # (a line's match costs about what a walk does)
        if end != -1 and not (self.quoted or self.closing) and self._closed.fullmatch(line):
            self._part(line)
        else:
            self._walk(line)
        if end == -1:
            return len(block)
        if self.closing:  # just after a quoted value: it closed
            self.closing, self.at_start = False, False
        if self.quoted:  # inside a quoted value: the record goes on
            self.content = True
        else:
            self._line_end()
        return end + 1

    def _walk(self, line: bytes) -> None:
        """A line (or the part of one a block ends with), a quote at a time."""
        position, size = 0, len(line)
        while position < size:
            self.budget -= 1
            if self.closing:
                self.closing = False
                if line[position] == _QUOTE:  # two quotes: one in the value
                    self.quoted, position = True, position + 1
                    continue
                self.at_start = False  # on as in a plain value (its end, or a quoting error)
            if self.quoted:
                quote = line.find(b'"', position)
                if quote == -1:
                    return
                self.quoted, self.closing, position = False, True, quote + 1
                continue
            quote = line.find(b'"', position)
            if quote == -1:
                self._part(line[position:])
                return
            self._part(line[position:quote])
            self.quoted, self.at_start, self.content = self.at_start, False, True
            position = quote + 1

    def _part(self, text: bytes) -> None:
        """A part of a line outside quotes, without its end."""
        if text:
            self.content = self.content or bool(text.strip(self.blank))
            self.at_start = text.endswith(self.separator)

    def _line_end(self) -> None:
        self.records += self.content
        self.content, self.at_start = False, True
