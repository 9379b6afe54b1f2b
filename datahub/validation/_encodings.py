"""Text in UTF-16 or UTF-32 instead of UTF-8: known by its byte-order mark, or by the NUL
bytes between its first characters (Excel's "Unicode text" and some exports write it)."""

from __future__ import annotations

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
