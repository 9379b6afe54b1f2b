"""Streams that give back bytes already read from another stream."""

from __future__ import annotations

from typing import Protocol


class Readable(Protocol):
    """What the readers ask of a stream."""

    def read(self, size: int = -1, /) -> bytes: ...


class Prefixed:
    """A stream that gives ``head`` (bytes already read from ``stream``), then the rest of
    ``stream`` (a read gives no more than is left of the head, as a stream may).

    Example::

        >>> import io
        >>> stream = io.BytesIO(b"abcdef")
        >>> head = stream.read(2)
        >>> prefixed = Prefixed(head, stream)
        >>> prefixed.read(1), prefixed.read(3), prefixed.read()
        (b'a', b'b', b'cdef')
    """

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return _data(self.stream.read(size))
        if size < 0:
            block, self.head = self.head + _data(self.stream.read()), b""
        else:
            block, self.head = self.head[:size], self.head[size:]
        return block


class Peeking(Prefixed):
    """A stream that cannot seek (a raw stream, a pipe's reader), with a look at its first
    bytes, as many as asked for (``peek``): a stream's own ``peek`` may give only the few bytes
    it has.

    Example::

        >>> import io
        >>> stream = Peeking(io.BytesIO(b"abcdef"))
        >>> stream.peek(3), stream.read(4), stream.read()
        (b'abc', b'abc', b'def')
    """

    def __init__(self, stream: Readable) -> None:
        super().__init__(b"", stream)

    def peek(self, size: int = 1) -> bytes:
        """At least ``size`` bytes, unless the stream ends first (not consumed)."""
        if len(self.head) < size:
            self.head += read_up_to(self.stream, size - len(self.head))
        return self.head

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True


def read_up_to(stream: Readable, size: int) -> bytes:
    """``size`` bytes of ``stream``, fewer only where it ends (a read may give fewer).

    Example::

        >>> import io
        >>> read_up_to(io.BufferedReader(io.BytesIO(b"abcdef"), buffer_size=2), 5)
        b'abcde'
    """
    data = b""
    while len(data) < size and (block := _data(stream.read(size - len(data)))):
        data += block
    return data


def _data(block: bytes | None) -> bytes:
    """``block``, or a clear error where a non-blocking stream had nothing yet (None)."""
    if block is None:
        raise BlockingIOError("the stream gave no data without waiting: pass a blocking stream")
    return block
