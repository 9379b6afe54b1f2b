"""The whole-file checks: duplicate records (``005``) and key conflicts (``008``).

Batches pass by once, so each record leaves a compact state: its number and line, two 64-bit
hashes of its trimmed values and of its key, and the key and report values needed to report
it (codes, or the text columns themselves: a slice of a batch's column keeps only that
column's buffers alive). At the end, sorting the hashes finds the records that occur more than once.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from ._codes import CodedField
from ._frames import (
    FILE_RANK,
    KEY_PREFIX,
    LINE,
    OK,
    REC,
    E,
    T,
    clipped,
    empty_findings,
    or_null,
    template_expr,
)
from ._messages import check_level, check_template

_CODE = "__c:"  # the code of a coded field's value, in the state
_TEXT = "__s:"  # the trimmed text of a field that is not coded, in the state


class FileChecks:
    """Collects the state of every batch and reports ``005`` and ``008`` at the end.

    ``add`` takes a batch with trimmed text (``__t:``) and empty flags (``__e:``) for the
    fields that are not coded, and the codes of the coded fields.
    """

    def __init__(
        self,
        names: tuple[str, ...],
        key_fields: tuple[str, ...],
        report_fields: tuple[str, ...],
        coded: dict[str, CodedField],
        lang: str,
    ) -> None:
        self.names = names
        self.key_fields = key_fields
        self.report_fields = report_fields
        self.coded = coded
        self.lang = lang
        fields = tuple(dict.fromkeys(report_fields + key_fields))
        self._coded_fields = tuple(n for n in fields if n in coded)
        self._text_fields = tuple(n for n in fields if n not in coded)
        self._states: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame, codes: dict[str, pl.Series]) -> None:
        """Remember the state of the records of ``frame``."""
        values = pl.DataFrame(
            [
                self.coded[n].ids(codes[n]).alias(n) if n in self.coded else frame[T + n].alias(n)
                for n in self.names
            ]
        )
        hashed = values.select(_packed(self.names, self.coded))
        columns = [
            frame[REC].cast(pl.UInt32),
            frame[LINE].cast(pl.UInt32),
            hashed.hash_rows(seed=11).alias("h1"),
            hashed.hash_rows(seed=97).alias("h2"),
        ]
        if self.key_fields:
            keys = values.select(self.key_fields)
            usable = [self._usable(n, frame, codes) for n in self.key_fields]
            complete = pl.DataFrame(usable).select(pl.all_horizontal(pl.all())).to_series()
            columns += [
                keys.hash_rows(seed=5).alias("k1"),
                keys.hash_rows(seed=71).alias("k2"),
                complete.alias("kok"),
            ]
        columns += [codes[n].alias(_CODE + n) for n in self._coded_fields]
        columns += [frame[T + n].alias(_TEXT + n) for n in self._text_fields]
        self._states.append(pl.DataFrame(columns))

    def _usable(self, name: str, frame: pl.DataFrame, codes: dict[str, pl.Series]) -> pl.Series:
        """Per record, whether its value of key field ``name`` is filled and of its datatype
        (a value with a ``004`` counts as empty)."""
        if name in self.coded:
            return self.coded[name].column(OK + name, codes[name])
        if OK + name in frame.columns:  # read as text, with a datatype (datumtijd)
            return frame[OK + name]
        return ~frame[E + name]

    def findings(self) -> pl.DataFrame:
        """Findings of ``005`` and ``008`` over every batch seen."""
        if not self._states:
            return empty_findings(self.report_fields)
        state = pl.concat(self._states, rechunk=False)
        self._states = []
        if not self.key_fields:
            return self._duplicates(state)
        # Both sort every record's hash in one thread: side by side they take half the time
        # (nothing else runs at the end of the file).
        with ThreadPoolExecutor(max_workers=1) as pool:
            conflicts = pool.submit(self._conflicts, state)
            duplicates = self._duplicates(state)
            return pl.concat([duplicates, conflicts.result()])

    def _values(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The key and report values of the records found (null when empty)."""
        values = [
            or_null(clipped(pl.lit(self.coded[n].column(T + n, rows[_CODE + n])))).alias(n)
            for n in self._coded_fields
        ]
        values += [or_null(clipped(pl.col(_TEXT + n))).alias(n) for n in self._text_fields]
        return rows.with_columns(values)

    def _duplicates(self, state: pl.DataFrame) -> pl.DataFrame:
        rows = _repeated(state, "h1")
        rows = self._values(rows.filter(pl.len().over("h1", "h2") > 1))
        return self._findings(rows, "005", pl.lit(check_template("005", self.lang)), 0)

    def _conflicts(self, state: pl.DataFrame) -> pl.DataFrame:
        rows = _repeated(state, "k1", where="kok")
        rows = rows.filter(pl.struct("h1", "h2").n_unique().over("k1", "k2") > 1)
        rows = self._values(rows)
        key_text = pl.concat_str([pl.col(k).fill_null("") for k in self.key_fields], separator=", ")
        template = check_template("008", self.lang)
        message = template_expr(template, {}, {"sleutel": "__sleutel"})
        rows = rows.with_columns(key_text.alias("__sleutel"))
        return self._findings(rows, "008", message, 1)

    def _findings(self, rows: pl.DataFrame, code: str, message: pl.Expr, rank: int) -> pl.DataFrame:
        return rows.select(
            pl.col(REC).cast(pl.Int64).alias("record"),
            pl.col(LINE).cast(pl.Int64).alias("line"),
            pl.lit(check_level(code)).alias("level"),
            pl.lit(code).alias("code"),
            pl.lit(None, dtype=pl.String).alias("field"),
            pl.lit(None, dtype=pl.String).alias("value"),
            message.cast(pl.String).alias("message"),
            pl.lit(FILE_RANK + rank, dtype=pl.Int64).alias("rank"),
            *[pl.col(k).alias(KEY_PREFIX + k) for k in self.report_fields],
        )


def _packed(names: Iterable[str], coded: Container[str]) -> list[pl.Expr]:
    """The columns ``names`` as hashed for a whole record: the 32-bit codes of the ``coded``
    ones two by two in one 64-bit integer, exactly (equal records, equal values). Hashing a
    column costs the same whatever its width: half as many columns of codes to hash."""
    names = list(names)
    paired = [n for n in names if n in coded]
    high = pl.lit(1 << 32, dtype=pl.UInt64)
    return [
        *(pl.col(n) for n in names if n not in coded),
        *(
            (pl.col(a).cast(pl.UInt64) * high | pl.col(b)).alias(a)
            for a, b in zip(paired[::2], paired[1::2], strict=False)
        ),
        *(pl.col(n) for n in paired[len(paired) // 2 * 2 :]),
    ]


def _repeated(state: pl.DataFrame, column: str, where: str | None = None) -> pl.DataFrame:
    """The rows (where ``where`` is true) whose ``column`` value, a hash, may occur more than
    once among them, in their order: every row where it does, and by chance a few more, for
    the caller's exact grouping to drop (sort-based, little memory: only the rows found are
    copied).

    Only the hashes' low 32 bits are compared: cheaper to sort and far cheaper to look up,
    and among a million rows some hundred share them by chance. The sort runs in one thread:
    polars' parallel sort is no faster here and keeps both cores busy.
    """
    values = state[column].cast(pl.UInt32, wrap_numerical=True)
    candidates = values if where is None else values.filter(state[where])
    ordered = candidates.sort(multithreaded=False)
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    hit = values.is_in(repeated.implode())
    if where is not None:
        hit = hit & state[where]
    return state.filter(hit)
