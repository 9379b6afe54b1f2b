"""Datatypes: strict canonical forms as polars expressions over trimmed text.

Numbers are compared with limits and reference codes by their digits, exactly: a float
rounds ``0.30000000000000001`` to ``0.3`` and an integer of 20 digits overflows 64 bits.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import polars as pl

INTEGER_RE = r"^-?[0-9]+$"
DECIMAL_RE = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
DATE_FORMAT = "%Y-%m-%d"
#: Integers lie below this (30 digits): rules compute with them in 128 bits without overflow.
INTEGER_LIMIT = 10**30
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def typed_value(text: pl.Expr, datatype: str) -> pl.Expr:
    """The parsed value of ``text``, lenient (null when unparseable).

    Combine with :func:`canonical`: only values of the canonical form count as valid.
    """
    if datatype == "geheel getal":  # up to 30 digits, in 128 bits (a longer one is 004)
        number = text.cast(pl.Int128, strict=False)
        limit = pl.lit(INTEGER_LIMIT, dtype=pl.Int128)
        return pl.when((number < limit) & (number > -INTEGER_LIMIT)).then(number)
    if datatype == "decimaal":
        return text.cast(pl.Float64, strict=False)
    if datatype == "datum":
        return text.str.strptime(pl.Date, DATE_FORMAT, strict=False)
    if datatype == "datumtijd":
        return text.str.strptime(pl.Datetime("us"), DATETIME_FORMAT, strict=False)
    return text


CANONICAL = {
    "geheel getal": INTEGER_RE,
    "decimaal": DECIMAL_RE,
    "datum": DATE_RE,
    "datumtijd": DATETIME_RE,
}


def canonical(text: pl.Expr, datatype: str) -> pl.Expr:
    """True where ``text`` has the canonical form of ``datatype`` (any text for others).

    A date's year is 0001-9999: the calendar has no year 0 (nor has Python's ``date``, by
    which a dictionary's date limits are read)."""
    pattern = CANONICAL.get(datatype)
    if pattern is None:
        return pl.lit(True)
    valid = text.str.contains(pattern)
    if datatype in ("datum", "datumtijd"):
        valid = valid & ~text.str.starts_with("0000")
    return valid


def typed_dtype(datatype: str) -> pl.DataType:
    """The polars dtype of typed values of ``datatype``."""
    return {
        "geheel getal": pl.Int128(),
        "decimaal": pl.Float64(),
        "datum": pl.Date(),
        "datumtijd": pl.Datetime("us"),
    }.get(datatype, pl.String())


def decimals_ok(text: pl.Expr, decimals: int) -> pl.Expr:
    """True where a valid decimal has at most ``decimals`` digits after the point."""
    tail = r"(\.[0-9]{1," + str(decimals) + "})?" if decimals > 0 else ""
    return text.str.contains(r"^-?[0-9]+" + tail + "$")


def full_match(pattern: str) -> str:
    """``pattern`` anchored so that the whole value must match."""
    return f"^(?:{pattern})$"


def number_parts(text: str) -> tuple[int, str, str] | None:
    """Sign (-1, 0, 1), integer digits without leading zeros and decimals without trailing
    zeros of a finite number written in Python's decimal syntax (a limit, a code); None if
    it is none.

    Example::

        >>> number_parts("-007.50"), number_parts("0.0"), number_parts("2e1")
        ((-1, '7', '5'), (0, '', ''), (1, '20', ''))
    """
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    digits = format(number.copy_abs(), "f")  # exact (abs() rounds to 28 digits)
    whole, _, decimals = digits.partition(".")
    whole, decimals = whole.lstrip("0"), decimals.rstrip("0")
    sign = 0 if not (whole or decimals) else (-1 if number < 0 else 1)
    return sign, whole, decimals


def _parts(text: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """:func:`number_parts` of canonical integer or decimal text, as expressions."""
    whole = text.str.extract(r"^-?0*([0-9]*)", 1).fill_null("")
    decimals = text.str.extract(r"\.([0-9]*[1-9])", 1).fill_null("")
    zero = (whole == "") & (decimals == "")
    negative = text.str.starts_with("-")
    sign = pl.when(zero).then(0).when(negative).then(-1).otherwise(1)
    return sign, whole, decimals


def number_key(text: pl.Expr) -> pl.Expr:
    """Canonical integer or decimal text as a key equal for equal numbers (``1`` = ``1.0``)."""
    sign, whole, decimals = _parts(text)
    return pl.concat_str(
        [pl.when(sign < 0).then(pl.lit("-")).otherwise(pl.lit("")), whole, pl.lit("."), decimals]
    )


def key_of(parts: tuple[int, str, str]) -> str:
    """The :func:`number_key` of :func:`number_parts`."""
    sign, whole, decimals = parts
    return f"{'-' if sign < 0 else ''}{whole}.{decimals}"


def compared(text: pl.Expr, limit: tuple[int, str, str]) -> tuple[pl.Expr, pl.Expr]:
    """Whether canonical integer or decimal ``text`` is below and above ``limit`` (its
    :func:`number_parts`), exactly: by sign, then the magnitude's digits."""
    sign, whole, decimals = _parts(text)
    limit_sign, limit_whole, limit_decimals = limit
    length, size = whole.str.len_bytes(), len(limit_whole)
    same = (length == size) & (whole == limit_whole)
    larger = (length > size) | ((length == size) & (whole > limit_whole))
    larger = larger | (same & (decimals > limit_decimals))
    smaller = (length < size) | ((length == size) & (whole < limit_whole))
    smaller = smaller | (same & (decimals < limit_decimals))
    if limit_sign > 0:
        return (sign <= 0) | smaller, (sign > 0) & larger
    if limit_sign < 0:
        return (sign < 0) & larger, (sign >= 0) | smaller
    return sign < 0, sign > 0
