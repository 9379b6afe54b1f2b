"""A number of bytes as people read it in a message: ``1 GB``, ``1,5 MB``, ``512 KB``."""

from __future__ import annotations

import math

from django.utils.formats import number_format

_UNITS = (("GB", 2**30), ("MB", 2**20), ("KB", 2**10))


def size_text(size: int) -> str:
    """``size`` bytes in the largest unit it reaches, rounded down to one decimal where it is
    no whole number of it, in the language's notation: in Dutch 2**30 is ``1 GB``, 1.5 MiB
    ``1,5 MB``, 512 KiB ``512 KB``, 2**20 - 1 ``1023,9 KB`` (down: a limit is never shown
    larger than it is)."""
    for unit, factor in _UNITS:
        if size >= factor:
            value = math.floor(size * 10 / factor) / 10
            return f"{number_format(value, 0 if value.is_integer() else 1)} {unit}"
    return f"{size} bytes"
