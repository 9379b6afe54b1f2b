"""Coded fields: values that repeat, checked once per distinct value.

Codes, numbers and dates repeat: a million operations have a few hundred distinct dates and a
handful of codes per field. Such a field is read as a polars categorical with a mapping of its
own for the run (:attr:`CodedField.dtype`), so the file is split into distinct values while it
is parsed. Every per-value check and derived column (trimmed text, typed value, whether any
check fires) is evaluated once per distinct value, in a table indexed by the physical code
(:meth:`CodedField.learn`), and reaches the records by their code: a gather or an ``is_in``
over integers instead of a regex or a parse over strings.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

import polars as pl

# Datatypes whose values repeat; free text (and timestamps) is checked record by record.
CODED_DATATYPES = ("code", "geheel getal", "decimaal", "datum")
BAD = "__bad"  # in a value table: some per-value check fires for this value
ID = "__id"  # in a value table: the code of the value's trimmed text (equal text, equal id)
_NAMESPACE = "datahub.validation"

Derive = Callable[[pl.LazyFrame], pl.LazyFrame]


def run_id() -> str:
    """A name for the categorical mappings of one validation run."""
    return uuid.uuid4().hex


class CodedField:
    """The categorical mapping of one field in one run, with a table of its distinct values.

    ``derive`` extends a frame of values (a column named after the field) with the derived
    columns of each value (trimmed text, empty flag, typed value) and ``BAD``.

    Example::

        >>> field = CodedField("A", run_id(), lambda f: f.with_columns(
        ...     pl.col("A").alias("t"), (pl.col("A") == "x").alias(BAD)))
        >>> codes = field.encode(pl.Series("A", ["y", "x", "y", " y"])).to_physical()
        >>> learn([(field, codes.max())])
        >>> field.table["t"].to_list(), field.bad_codes().to_list(), field.table[ID].to_list()
        (['y', 'x', ' y'], [1], [0, 1, 2])
    """

    def __init__(self, name: str, run: str, derive: Derive, *, trimmed: str = "t") -> None:
        self.name = name
        self.dtype = pl.Categorical(pl.Categories(f"{run}:{name}", namespace=_NAMESPACE))
        # The mapping lives as long as some data uses it: this keeps the codes stable for the
        # whole run, also between batches, and lets polars drop the mapping with the checker.
        self._keepalive = pl.Series(name, [], dtype=self.dtype)
        self._derive = derive
        self._trimmed = trimmed
        self.table = pl.DataFrame()
        self.spaced = False  # some value has surrounding spaces: its id is not its code

    @property
    def known(self) -> int:
        """How many codes (from 0) the table covers."""
        return self.table.height

    def encode(self, column: pl.Series) -> pl.Series:
        """``column`` as this field's categorical (text is encoded, nulls stay null)."""
        if column.dtype == self.dtype:
            return column
        return column.cast(pl.String).cast(self.dtype)

    def learning(self, top: int | None) -> pl.LazyFrame | None:
        """The query deriving the columns of the codes up to ``top`` that the table lacks.

        The codes up to the largest one in a batch that has been read completely all have
        their text: a reader working on the next batch only reserves larger codes.
        """
        if top is None or top < self.known:
            return None
        new = pl.int_range(self.known, top + 1, dtype=pl.UInt32, eager=True)
        texts = new.cat.to(self.dtype).cast(pl.String).alias(self.name)
        if texts.null_count():
            raise RuntimeError(f"codes of {self.name!r} without a value")
        return self._derive(pl.LazyFrame([texts, new.alias(ID)]))

    def extend(self, derived: pl.DataFrame) -> None:
        """Append the result of :meth:`learning` to the table."""
        texts, new = derived[self.name], derived[ID]
        trimmed = derived[self._trimmed].fill_null("")
        spaced = trimmed != texts
        if spaced.any():  # the id of a value with spaces is the code of its trimmed text
            self.spaced = True
            ids = trimmed.cast(self.dtype).to_physical().zip_with(spaced, new)
            derived = derived.with_columns(ids.alias(ID))
        derived = derived.drop(self.name)
        self.table = pl.concat([self.table, derived]) if self.known else derived

    def bad_codes(self) -> pl.Series:
        """The codes of the values for which some per-value check fires."""
        if not self.known:
            return pl.Series([], dtype=pl.UInt32)
        return self.table[BAD].arg_true().cast(pl.UInt32)

    def column(self, name: str, codes: pl.Series) -> pl.Series:
        """The table's column ``name`` for each of ``codes`` (null for a null code)."""
        return self.table[name].gather(codes)

    def lookup(self, name: str, codes: pl.Series) -> pl.Expr:
        """:meth:`column` as an expression, to be evaluated in a larger query.

        A numeric or temporal column with nulls is gathered without them, and its nulls are
        set after by a gather of where the values are null: the same column, about twice as
        fast (polars' gather of values that may be null checks them one by one; text gains
        nothing).
        """
        column = self.table[name]
        if not column.null_count() or not (column.dtype.is_numeric() or column.dtype.is_temporal()):
            return pl.lit(column).gather(pl.lit(codes))
        valid = pl.lit(column.is_not_null()).gather(pl.lit(codes))
        return pl.when(valid).then(pl.lit(column.fill_null(strategy="zero")).gather(pl.lit(codes)))

    def ids(self, codes: pl.Series) -> pl.Series:
        """Per record, the id of its trimmed value: equal trimmed text, equal id."""
        return self.column(ID, codes) if self.spaced else codes


def learn(fields: Iterable[tuple[CodedField, int | None]]) -> None:
    """Extend the tables of several fields, their queries run together (in parallel)."""
    pending = [(f, q) for f, top in fields if (q := f.learning(top)) is not None]
    if pending:
        results = pl.collect_all([query for _, query in pending])
        for (field, _), derived in zip(pending, results, strict=True):
            field.extend(derived)
