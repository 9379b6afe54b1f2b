"""The frames the engine passes around: batch column names and the findings frame.

A batch is a DataFrame with one column per field (the delivered values) plus ``__rec``
(record number) and ``__line`` (physical line, or null). Checks add derived columns named
with a prefix and the field's name; their findings are frames of :data:`FINDING_SCHEMA`
plus one ``k:`` column per report key field.
"""

from __future__ import annotations

import re

import polars as pl

REC = "__rec"
LINE = "__line"
T = "__t:"  # trimmed text ("" when empty)
V = "__v:"  # typed value, null when empty or invalid
OK = "__ok:"  # non-empty and of the right datatype
E = "__e:"  # empty after trimming
P = "__p:"  # parsed value (typed fields), before the canonical-form check
K = "__k:"  # a decimal's digits after the point as written (a decimal field without Decimalen)
KEY_PREFIX = "k:"
FILE_RANK = 2**62  # whole-file findings sort after a record's own findings
MAX_SHOWN = 1000  # characters of a delivered value that a finding shows
FINDING_SCHEMA = {
    "record": pl.Int64,
    "line": pl.Int64,
    "level": pl.String,
    "code": pl.String,
    "field": pl.String,
    "value": pl.String,
    "message": pl.String,
    "rank": pl.Int64,
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def empty_findings(key_fields: tuple[str, ...]) -> pl.DataFrame:
    """A findings frame without rows."""
    schema = dict(FINDING_SCHEMA) | {KEY_PREFIX + k: pl.String for k in key_fields}
    return pl.DataFrame(schema=schema)


def template_expr(template: str, static: dict[str, str], columns: dict[str, str]) -> pl.Expr:
    """A message expression: ``{name}`` replaced by ``static`` text or a column's value.

    Example::

        >>> df = pl.DataFrame({"x": ["7"]})
        >>> df.select(template_expr("{veld} is {w}", {"veld": "A"}, {"w": "x"})).item()
        'A is 7'
    """
    parts: list[pl.Expr] = []
    literal: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        literal.append(template[position : match.start()])
        name = match.group(1)
        if name in static:
            literal.append(static[name])
        elif name in columns:
            parts.append(pl.lit("".join(literal)))
            literal = []
            parts.append(pl.col(columns[name]).fill_null(""))
        else:
            literal.append(match.group(0))
        position = match.end()
    literal.append(template[position:])
    parts.append(pl.lit("".join(literal)))
    return pl.concat_str(parts) if len(parts) > 1 else parts[0]


def or_null(text: pl.Expr) -> pl.Expr:
    """Empty text as null."""
    return pl.when(text == "").then(None).otherwise(text)


def compact(text: pl.Expr) -> pl.Expr:
    """A copy of the strings, so that a few findings do not keep a whole batch's text alive."""
    return pl.concat_str([text, pl.lit("")])


def clipped(text: pl.Expr) -> pl.Expr:
    """A value as a finding shows it (its ``value``, its keys and in its message): at most
    :data:`MAX_SHOWN` characters, the rest as "…". A file of a few huge values must not make
    a report (and its memory) of many copies of them.

    Example::

        >>> pl.select(clipped(pl.lit("x" * 1001)).str.len_chars()).item()
        1000
    """
    return (
        pl.when(text.str.len_chars() > MAX_SHOWN)
        .then(text.str.slice(0, MAX_SHOWN - 1) + "…")
        .otherwise(text)
    )
