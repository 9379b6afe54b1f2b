"""Text that is not UTF-8: UTF-16 or UTF-32, known by its byte-order mark or by the NUL bytes
between its first characters (Excel's "Unicode text" and some exports write it), and the lines
with bytes that are not UTF-8."""

from __future__ import annotations

import codecs

BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark
_MARKS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
# Where the NUL bytes are among the first four bytes of ASCII text without a mark.
_NULS: dict[tuple[bool, ...], str] = {
    (False, True, False, True): "UTF-16",  # little-endian
    (True, False, True, False): "UTF-16",
    (False, True, True, True): "UTF-32",
    (True, True, True, False): "UTF-32",
}


def wide_encoding(head: bytes) -> str | None:
    """``"UTF-16"`` or ``"UTF-32"`` when ``head`` (the start of a file, past a UTF-8
    byte-order mark if any) is such text; else None.

    Example::

        >>> wide_encoding("A,B".encode("utf-16")), wide_encoding("A,B".encode("utf-32-le"))
        ('UTF-16', 'UTF-32')
        >>> wide_encoding("A,B".encode("utf-16-be")), wide_encoding(b"A,B\\n")
        ('UTF-16', None)
        >>> wide_encoding(BOM + "A,B".encode("utf-16-le"))
        'UTF-16'
    """
    head = head.removeprefix(BOM)
    for mark, name in _MARKS:
        if head.startswith(mark):
            return name
    return _NULS.get(tuple(byte == 0 for byte in head[:4]))


def cut_character(tail: bytes) -> bool:
    """Whether ``tail`` (the rest of a file from its first byte that is not UTF-8) is the
    start of a UTF-8 character and nothing more: the file ends in the middle of a character,
    so it was cut off (an upload broken off, a file copied only in part).

    A single byte that starts a character of three or four bytes is not taken for one: in
    Windows-1252 it is a letter (``é``, ``ë``, ``ó``), which a file saved as "ANSI" may well
    end with.

    Example::

        >>> cut_character("é".encode()[:1]), cut_character("€".encode()[:2])
        (True, True)
        >>> cut_character(b"\\xe9"), cut_character(b"\\xc3\\n"), cut_character(b"\\xff")
        (False, False, False)
    """
    if not tail or len(tail) > 3 or (len(tail) == 1 and tail[0] >= 0xE0):
        return False
    try:  # a prefix of a character is kept back for more input, never an error
        return codecs.utf_8_decode(tail, "strict", False)[1] == 0
    except UnicodeDecodeError:
        return False


_WINDOW_MIN, _WINDOW_MAX = 256, 4 * 1024 * 1024  # bytes decoded at once (see below)


def encoding_problems(chunk: bytes, line: int, offset: int, most: int) -> dict[int, int]:
    """The first ``most`` lines of ``chunk`` (numbered from ``line``) that are not UTF-8, each
    with the file offset of its first invalid byte (more would pass the cap of findings).

    Decoded in windows of whole lines (a decoder's work is the length it is given, also when it
    stops at the first problem), small after a problem and doubling while the text is good,
    and the lines counted once: linear in the chunk, also for a quoted value of a million
    lines that each hold a bad byte."""
    bad: dict[int, int] = {}
    view, size = memoryview(chunk), len(chunk)
    position, counted, window = 0, 0, _WINDOW_MIN
    while position < size and len(bad) < most:
        end = chunk.find(b"\n", min(position + window, size))
        end = size if end == -1 else end
        try:
            codecs.utf_8_decode(view[position:end], "strict", True)
            position, window = end, min(window * 2, _WINDOW_MAX)
        except UnicodeDecodeError as error:
            window = _WINDOW_MIN
            at = position + error.start
            line += chunk.count(b"\n", counted, at)
            counted = at
            bad.setdefault(line, offset + at)
            next_line = chunk.find(b"\n", at)
            position = size if next_line == -1 else next_line + 1
    return bad


def windows_1252(byte: bytes) -> str | None:
    """The printable character that ``byte`` (not ASCII) is in Windows-1252, if any.

    Example::

        >>> windows_1252(b"\\xeb"), windows_1252(b"\\x81"), windows_1252(b"\\xa0")
        ('ë', None, None)
    """
    try:
        character = byte.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return character if character.isprintable() and not character.isspace() else None


def invalid_byte(tail: bytes, *, first: bool = True) -> tuple[str, dict[str, str]]:
    """The ``T01`` message (its key and values) of a byte that is not UTF-8, at the start of
    ``tail`` (the input from it on): that the file was cut off, where it ends in the middle of
    a character (and ``first``: no byte before was bad); the character the byte is in
    Windows-1252, where it is a letter or sign (a file saved as "ANSI", Excel's default on
    Windows); else only that it is not UTF-8.

    Example::

        >>> invalid_byte(b"\\xc3"), invalid_byte(b"\\xeb,1"), invalid_byte(b"\\x81")
        (('cut', {}), ('ansi', {'teken': 'ë'}), ('encoding', {}))
    """
    if first and cut_character(tail):
        return "cut", {}
    shown = windows_1252(tail[:1])
    return ("encoding", {}) if shown is None else ("ansi", {"teken": shown})
