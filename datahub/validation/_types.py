"""Datatypes: strict canonical forms as polars expressions over trimmed text."""

from __future__ import annotations

import polars as pl

INTEGER_RE = r"^-?[0-9]+$"
DECIMAL_RE = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def typed_value(text: pl.Expr, datatype: str) -> pl.Expr:
    """The parsed value of ``text``, lenient (null when unparseable).

    Combine with :func:`canonical`: only values of the canonical form count as valid.
    """
    if datatype == "geheel getal":
        return text.cast(pl.Int64, strict=False)
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
    """True where ``text`` has the canonical form of ``datatype`` (any text for others)."""
    pattern = CANONICAL.get(datatype)
    return text.str.contains(pattern) if pattern else pl.lit(True)


def typed_dtype(datatype: str) -> pl.DataType:
    """The polars dtype of typed values of ``datatype``."""
    return {
        "geheel getal": pl.Int64(),
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
