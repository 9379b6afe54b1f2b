"""Content checks of one batch of records, column-wise with polars.

A batch is a DataFrame with one column per field plus ``__rec`` and ``__line`` (see
``_frames``). Coded fields (codes, numbers, dates; see ``_codes``) arrive as categoricals and
their per-value checks are evaluated once per distinct value; the other fields and the rules
are checked record by record. Only the records where some check fires are then checked in
full, as text, to build their findings; the checker also keeps a compact state per record for
the whole-file checks (``005``, ``008``).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from . import _types as types
from ._codes import BAD, CODED_DATATYPES, ID, CodedField, learn, run_id
from ._dictionary import DataDictionary, FieldSpec, Rule
from ._file_checks import FileChecks
from ._frames import (
    KEY_PREFIX,
    LINE,
    OK,
    REC,
    E,
    K,
    P,
    T,
    V,
    clipped,
    compact,
    empty_findings,
    or_null,
    template_expr,
)
from ._messages import check_level, check_template, datatype_name, decimals_shown
from ._rules import PerValue, Scale, compile_rule, rule_fields, written_decimals

_TYPED = ("geheel getal", "decimaal", "datum", "datumtijd")
_RANK = {"002": 0, "004": 1, "001_RefTab": 2, "006": 3, "007": 4, "015_X_Y_EQ": 5, "009": 6}
_RULE_RANK = 10
ERROR_LEVELS = ("fout", "afkeur")
_SMALL_TABLE = 8
_FEW_CODES = 64  # more failing values: look each record up instead of is_in
_FIRED = "__fired:"
_PER_VALUE = "__r:"  # in a value table: a part of a rule, computed per value


@dataclass(frozen=True, slots=True)
class _Check:
    """A boolean mask over the batch and how to report the rows where it is true.

    ``per_value``: the mask depends on the value of ``field`` alone (not on other fields).
    ``record_mask``: the same mask as the record-by-record pass computes it, parts of it
    taken from value tables (default: ``mask``).
    """

    code: str
    level: str
    field: str | None
    rank: int
    mask: pl.Expr
    message: pl.Expr
    per_value: bool = True
    record_mask: pl.Expr | None = None


class BatchChecker:
    """Runs every content check of a dictionary over batches of records.

    Example::

        >>> from datahub.validation._dictionary import GeneralSpecs
        >>> d = DataDictionary(GeneralSpecs(code="X1", version="1"),
        ...                    (FieldSpec(1, "A", datatype="geheel getal", required=True),))
        >>> checker = BatchChecker(d)
        >>> batch = pl.DataFrame({"A": ["1", "x", ""], "__rec": [1, 2, 3], "__line": [2, 3, 4]})
        >>> checker.check(batch)["code"].to_list()
        ['004', '002']
    """

    def __init__(
        self,
        dictionary: DataDictionary,
        *,
        lang: str = "nl",
        period: tuple[dt.date, dt.date] | None = None,
        period_label: str = "",
    ) -> None:
        self.dictionary = dictionary
        self.lang = lang
        self.names = dictionary.field_names
        self.report_fields = tuple(f for f in dictionary.general.report_fields if f in self.names)
        self.key_fields = tuple(f for f in dictionary.general.key_fields if f in self.names)
        self._rule_fields = {name for rule in dictionary.rules for name in self._fields_of(rule)}
        self._typed_fields = self._fields_needing_values()
        # decimal fields without Decimalen in rules: arithmetic takes each value's own digits
        # (a column of each value's digits, computed once per distinct value: see K)
        self._written_scale = {
            f.name
            for f in dictionary.fields
            if f.datatype == "decimaal" and f.decimals is None and f.name in self._rule_fields
        }
        self._per_value_columns: dict[str, dict[str, pl.Expr]] = {}  # see _per_value
        self._prepared: dict[tuple[FieldSpec, ...], list[list[pl.Expr]]] = {}
        # a field's checks rank before the next field's: its own, then every rule on it
        self._stride = _RULE_RANK + len(dictionary.rules)
        self._checks = self._build_checks(period, period_label)
        self._outputs: dict[int, list[pl.Expr]] = {}  # built when a check first fires
        self._masks = [c.mask.fill_null(False) for c in self._checks]
        run = run_id()
        self.coded = {
            s.name: CodedField(s.name, run, self._value_table(s), trimmed=T + s.name)
            for s in dictionary.fields
            if s.datatype in CODED_DATATYPES
        }
        self._text_specs = tuple(s for s in dictionary.fields if s.name not in self.coded)
        self._typed_text_keys = tuple(  # keys read as text that can still fail their datatype
            s for s in self._text_specs if s.name in self.key_fields and s.datatype in _TYPED
        )
        self._record_masks = [
            self._masks[i] if c.record_mask is None else c.record_mask.fill_null(False)
            for i, c in enumerate(self._checks)
            if not (c.per_value and c.field in self.coded)
        ]
        self._file = FileChecks(self.names, self.key_fields, self.report_fields, self.coded, lang)
        self._error_records: list[pl.Series] = []
        # per batch: its height and the number of empty values of each field (in field order);
        # a list, as the reader's thread may check the last batch beside the caller's check
        self._empties: list[tuple[int, tuple[int, ...]]] = []
        self._learning = threading.Lock()
        self._clipped = [clipped(pl.col(c)) for n in self.names for c in (n, T + n)]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        """The dtype each field is best read as (categorical for coded fields)."""
        return {n: self.coded[n].dtype if n in self.coded else pl.String() for n in self.names}

    def _fields_needing_values(self) -> set[str]:
        """Fields whose typed values are used (rules, limits, the period field)."""
        names = set(self.names)
        needed = {f.name for f in self.dictionary.fields if f.minimum or f.maximum}
        needed |= {self.dictionary.general.period_field or ""} & names
        return needed | self._rule_fields

    # -- building the checks -------------------------------------------------------------

    def _build_checks(
        self, period: tuple[dt.date, dt.date] | None, period_label: str
    ) -> list[_Check]:
        checks: list[_Check] = []
        for position, spec in enumerate(self.dictionary.fields):
            checks.extend(self._field_checks(position, spec))
        period_check = self._period_check(period, period_label)
        if period_check is not None:
            checks.append(period_check)
        types_by_name = {f.name: f.datatype for f in self.dictionary.fields}
        # a decimal field without Decimalen: the digits each value was written with
        decimals: dict[str, Scale] = {
            f.name: pl.col(K + f.name) if f.name in self._written_scale else f.decimals
            for f in self.dictionary.fields
        }
        for index, rule in enumerate(self.dictionary.rules):
            checks.append(self._rule_check(index, rule, types_by_name, decimals))
        return checks

    def _field_checks(self, position: int, spec: FieldSpec) -> list[_Check]:
        text, ok, empty = pl.col(T + spec.name), pl.col(OK + spec.name), pl.col(E + spec.name)
        static = {"veld": spec.name, "datatype": datatype_name(spec.datatype, self.lang)}
        make = self._maker(position, spec, static)
        checks = []
        if spec.required:
            checks.append(make("002", empty, {}))
        if spec.datatype in _TYPED:  # text and codes have no datatype to fail
            checks.append(make("004", ~empty & ~ok, {}))
        if spec.reference_table:
            checks.append(make("001_RefTab", ok & ~self._in_table(spec), {}))
        for mask, shown in self._format_masks(spec):
            checks.append(make("006", ok & mask, {"formaat": shown}))
        if spec.length:
            mask = ok & (text.str.len_chars() > spec.length)
            checks.append(make("007", mask, {"lengte": str(spec.length)}))
        limits = self._limit_mask(spec)
        if limits is not None:
            # a bound left open is shown as infinite: [-∞, 100], not [, 100]
            limit_static = {"min": spec.minimum or "-∞", "max": spec.maximum or "∞"}
            checks.append(make("015_X_Y_EQ", ok & limits, limit_static))
        return checks

    def _maker(
        self, position: int, spec: FieldSpec, static: dict[str, str]
    ) -> Callable[[str, pl.Expr, dict[str, str]], _Check]:
        def make(code: str, mask: pl.Expr, extra: dict[str, str]) -> _Check:
            template = check_template(code, self.lang)
            message = template_expr(template, static | extra, {"waarde": T + spec.name})
            rank = position * self._stride + _RANK[code]
            return _Check(code, check_level(code), spec.name, rank, mask, message)

        return make

    def _in_table(self, spec: FieldSpec) -> pl.Expr:
        """True where the value is one of the table's codes (only used together with ``ok``).

        A decimal is compared by its number, exactly (``1`` = ``1.0``). A small table is
        checked with a few equality comparisons, cheaper than a hash lookup per value.
        """
        codes = self.dictionary.table(spec.reference_table or "").codes
        if spec.datatype == "decimaal":
            numbers = [types.number_parts(c) for c in codes]
            keys = [types.key_of(n) for n in numbers if n is not None]
            return types.number_key(pl.col(T + spec.name)).is_in(keys).fill_null(False)
        text = pl.col(T + spec.name)
        wanted = list(dict.fromkeys(c.strip(" ") for c in codes))  # (as values are trimmed)
        if 0 < len(wanted) <= _SMALL_TABLE:
            return pl.any_horizontal([text == c for c in wanted]).fill_null(False)
        return text.is_in(wanted).fill_null(False)

    def _format_masks(self, spec: FieldSpec) -> list[tuple[pl.Expr, str]]:
        """The ``006`` masks (only used together with ``ok``), each with the format it shows:
        the ``Formaat`` where the value does not match it, else the number of decimals where
        it has more (so the message names what is wrong)."""
        text = pl.col(T + spec.name)
        masks: list[tuple[pl.Expr, str]] = []
        matches = pl.lit(True)
        if spec.format:
            matches = text.str.contains(types.full_match(spec.format))
            masks.append((~matches, spec.format))
        if spec.datatype == "decimaal" and spec.decimals is not None:
            shown = decimals_shown(spec.decimals, self.lang)
            masks.append((matches & _too_many_decimals(text, spec.decimals), shown))
        return masks

    def _limit_mask(self, spec: FieldSpec) -> pl.Expr | None:
        """True outside ``[Minimum, Maximum]`` (only used together with ``ok``): numbers by
        their digits, exactly, dates by their typed value."""
        bounds = [(spec.minimum, 0), (spec.maximum, 1)]
        if spec.is_numeric:
            text = pl.col(T + spec.name)
            outside = [
                types.compared(text, parts)[side]
                for limit, side in bounds
                if limit is not None and (parts := types.number_parts(limit)) is not None
            ]
        elif spec.datatype in ("datum", "datumtijd"):
            value = pl.col(V + spec.name)
            read = dt.date if spec.datatype == "datum" else dt.datetime
            limits = [(read.fromisoformat(limit), side) for limit, side in bounds if limit]
            outside = [value > day if side else value < day for day, side in limits]
        else:
            return None
        return pl.any_horizontal(outside) if outside else None

    def _period_check(self, period: tuple[dt.date, dt.date] | None, label: str) -> _Check | None:
        name = self.dictionary.general.period_field
        if period is None or not name or name not in self.names:
            return None
        spec = self.dictionary.field(name)
        if spec.datatype not in ("datum", "datumtijd"):
            return None
        value = pl.col(V + name)
        if spec.datatype == "datumtijd":
            value = value.dt.date()
        mask = (value < pl.lit(period[0])) | (value > pl.lit(period[1]))
        template = check_template("009", self.lang)
        static = {"veld": name, "periode": label}
        message = template_expr(template, static, {"waarde": T + name})
        rank = self.names.index(name) * self._stride + _RANK["009"]
        return _Check("009", check_level("009"), name, rank, mask, message)

    def _rule_check(
        self,
        index: int,
        rule: Rule,
        types_by_name: dict[str, str],
        decimals: dict[str, Scale],
    ) -> _Check:
        expression = compile_rule(rule.expression, types_by_name, lambda n: V + n, None, decimals)
        # {waarde} is the value of the rule's field, also beside a field named "waarde"
        columns = {n: T + n for n in self.names} | {"waarde": T + rule.field}
        message = template_expr(rule.message, {}, columns)
        position = self.names.index(rule.field) if rule.field in self.names else len(self.names)
        rank = position * self._stride + _RULE_RANK + index
        names = self._fields_of(rule)
        mask = ~expression & ~self._reported(names)
        hoisted = compile_rule(
            rule.expression, types_by_name, lambda n: V + n, self._per_value, decimals
        )
        record_mask = ~hoisted & ~self._reported(names, self._per_value)
        return _Check(
            rule.code,
            rule.level,
            rule.field,
            rank,
            mask,
            message,
            per_value=False,
            record_mask=record_mask,
        )

    def _fields_of(self, rule: Rule) -> list[str]:
        """The fields a rule uses, and the field it is reported on: a value with its ``002``
        or ``004`` gets nothing else, also from a rule whose expression does not use it."""
        names = rule_fields(rule.expression, list(self.names))
        if rule.field in self.names and rule.field not in names:
            names.append(rule.field)
        return names

    def _reported(self, names: Iterable[str], per_value: PerValue | None = None) -> pl.Expr:
        """True where one of the fields ``names`` already has its finding (``004``, or
        ``002`` when required): a rule that uses such a value does not fire. ``per_value``
        may replace the part of each field (see :func:`compile_rule`)."""
        reported = [pl.lit(False)]
        for name in names:
            spec = self.dictionary.field(name)
            if spec.required:  # empty or invalid: no typed value (V is null)
                part = pl.col(V + name).is_null()
            elif spec.datatype in _TYPED:  # invalid: not empty, yet no typed value
                part = pl.col(V + name).is_null() & ~pl.col(E + name)
            else:
                continue
            replaced = None if per_value is None else per_value(name, part)
            reported.append(part if replaced is None else replaced)
        return pl.any_horizontal(reported)

    def _per_value(self, name: str, expression: pl.Expr) -> pl.Expr | None:
        """For the record-by-record pass: a part of a rule that uses only the value of
        ``name``, a code field, as a column of its value table (computed once per distinct
        value, reached by gather). Gathering a code's text per record costs about four
        gathers of a flag; other fields' values are gathered cheaply (or not coded)."""
        if self.dictionary.field(name).datatype != "code":
            return None
        columns = self._per_value_columns.setdefault(name, {})
        for column, known in columns.items():
            if known.meta.eq(expression):
                return pl.col(column)
        column = f"{_PER_VALUE}{name}:{len(columns)}"
        columns[column] = expression
        return pl.col(column)

    # -- derived columns -----------------------------------------------------------------

    def trimmed(self, batch: pl.DataFrame, specs: Iterable[FieldSpec]) -> pl.DataFrame:
        """Add trimmed text columns (``__t:``) and empty flags (``__e:``) for ``specs``.

        Trimming (surrounding spaces) costs a copy of a whole column, so it is only done for
        columns that have a value starting or ending with a space; the others are aliased.
        """
        specs = tuple(specs)
        if not specs or not batch.height:
            return _trimmed(batch.lazy(), specs).collect()
        flags = batch.select(_spaced(pl.col(s.name)).alias(s.name) for s in specs).row(0)
        spaced = {s.name for s, flag in zip(specs, flags, strict=True) if flag}
        return _trimmed(batch.lazy(), specs, spaced).collect()

    def prepared(
        self, frame: pl.LazyFrame, specs: Iterable[FieldSpec] | None = None
    ) -> pl.LazyFrame:
        """Add parsed (``__p:``), valid (``__ok:``) and typed (``__v:``) columns (lazily)."""
        specs = tuple(self.dictionary.fields if specs is None else specs)
        for columns in self._prepared_columns(specs):
            frame = frame.with_columns(columns)
        return frame

    def _prepared_columns(self, specs: tuple[FieldSpec, ...]) -> list[list[pl.Expr]]:
        """The columns :meth:`prepared` adds, in three steps (built once per set of fields:
        building them costs more than a query over a few rows)."""
        cached = self._prepared.get(specs)
        if cached is not None:
            return cached
        steps = [
            [_parsed(s).alias(P + s.name) for s in specs if s.datatype in _TYPED]
            + [
                written_decimals(pl.col(T + s.name)).alias(K + s.name)
                for s in specs
                if s.name in self._written_scale
            ],
            [self._ok(s).alias(OK + s.name) for s in specs],
            [
                pl.when(pl.col(OK + s.name))
                .then(pl.col(P + s.name) if s.datatype in _TYPED else pl.col(T + s.name))
                .otherwise(None)
                .alias(V + s.name)
                for s in specs
                if s.name in self._typed_fields
            ],
        ]
        self._prepared[specs] = steps
        return steps

    def _ok(self, spec: FieldSpec) -> pl.Expr:
        ok = ~pl.col(E + spec.name)
        if spec.datatype in _TYPED:
            text = pl.col(T + spec.name)
            canonical = types.canonical(text, spec.datatype)
            ok = ok & canonical & pl.col(P + spec.name).is_not_null()
        return ok.fill_null(False)

    def _value_table(self, spec: FieldSpec) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
        """For a coded field: its values' derived columns and which checks fire for them."""
        fired = {
            f"{_FIRED}{i}": self._masks[i]
            for i, c in enumerate(self._checks)
            if c.per_value and c.field == spec.name
        }
        bad = pl.any_horizontal(pl.col(list(fired))) if fired else pl.lit(False)
        rule_parts = self._per_value_columns.get(spec.name, {})
        keep = [T + spec.name, E + spec.name, *fired, BAD, *rule_parts]
        if spec.name in self.key_fields:  # an invalid key counts as empty for 008
            keep.append(OK + spec.name)
        if spec.name in self._typed_fields:
            keep.append(V + spec.name)
        if spec.name in self._written_scale:
            keep.append(K + spec.name)

        def derive(values: pl.LazyFrame) -> pl.LazyFrame:
            frame = self.prepared(_trimmed(values, [spec]), [spec])
            frame = frame.with_columns(**fired, **rule_parts).with_columns(bad.alias(BAD))
            return frame.select(spec.name, ID, *keep)

        return derive

    # -- running the checks --------------------------------------------------------------

    def check(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Findings of every per-record check in ``batch``; remembers state for 005/008.

        The records where some check fires are found first: coded fields by the codes of
        their values that fail, the other fields and the rules record by record. Only those
        records are then checked in full, with the checks that can fire there, to build
        their findings. (Few, larger polars queries: while a reader thread parses the next
        chunk, every query waits for the shared thread pool.)
        """
        batch = self._encoded(batch)
        codes = {n: batch[n].to_physical() for n in self.coded}
        if self.coded:
            tops = batch.select(pl.col(n).to_physical().max() for n in self.coded).row(0)
            with self._learning:  # the tables only grow; the rest of a check only reads them
                learn(zip(self.coded.values(), tops, strict=True))
        frame = self.trimmed(batch, self._text_specs)
        self._count_empty(frame)
        if self._typed_text_keys:
            frame = self.prepared(frame.lazy(), self._typed_text_keys).collect()
        self._file.add(frame, codes)
        flagged = self._flagged(frame, codes)
        if flagged is None or not flagged.any():
            return empty_findings(self.report_fields)
        rows = batch.filter(flagged)
        row_codes = {n: c.filter(flagged) for n, c in codes.items()}
        return self._findings(rows, self._possible(row_codes), row_codes)

    def _encoded(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Coded fields as their categoricals; no nulls (a missing value is empty text)."""
        changed = []
        for name in self.names:
            column = batch[name]
            if name in self.coded and column.dtype != self.coded[name].dtype:
                column = self.coded[name].encode(column)
            elif not column.null_count():
                continue
            changed.append(column.fill_null("") if column.null_count() else column)
        return batch.with_columns(changed) if changed else batch

    def _count_empty(self, frame: pl.DataFrame) -> None:
        """Count the empty values of every field in the batch, in one query: a text field by
        its empty flag (the mask of ``002``), a coded field by the codes of its values that are
        empty (usually one, ``""``; ``" "`` is another, as values are trimmed), compared with
        the physical codes (a few comparisons, cheaper than a hash lookup per record)."""
        parts: list[pl.Expr] = []
        owners: list[int] = []  # per part, the field's position
        for position, name in enumerate(self.names):
            if name in self.coded:
                empty = self.coded[name].table[E + name].arg_true().to_list()
                codes = pl.col(name).to_physical()
                if len(empty) > _SMALL_TABLE:
                    found = [codes.is_in(empty)]
                else:
                    found = [codes == code for code in empty]
            else:
                found = [pl.col(E + name)]
            parts += [f.sum().alias(f"{len(parts) + i}") for i, f in enumerate(found)]
            owners += [position] * len(found)
        empties = [0] * len(self.names)
        for position, count in zip(
            owners, frame.select(parts).row(0) if parts else (), strict=True
        ):
            empties[position] += count
        self._empties.append((frame.height, tuple(empties)))

    def _flagged(self, frame: pl.DataFrame, codes: dict[str, pl.Series]) -> pl.Series | None:
        """True for the records where at least one check fires (None: nowhere)."""
        masks = []
        for name, field in self.coded.items():
            bad = field.bad_codes()
            if bad.len() > _FEW_CODES:
                masks.append(field.lookup(BAD, codes[name]))
            elif bad.len() > _SMALL_TABLE:
                masks.append(pl.lit(codes[name]).is_in(bad.to_list()))
            elif bad.len():  # a few comparisons, cheaper than a hash lookup per record
                column = pl.lit(codes[name])
                masks.extend(column == code for code in bad.to_list())
        lazy = frame.lazy()
        if self._record_masks:
            values = [  # only those the masks use are gathered
                self.coded[n].lookup(column, codes[n]).alias(column)
                for n in self.coded
                if n in self._rule_fields
                for column in (
                    V + n,
                    E + n,
                    *self._per_value_columns.get(n, ()),
                    *((K + n,) if n in self._written_scale else ()),
                )
            ]
            lazy = self.prepared(lazy.with_columns(values), self._text_specs)
            masks.extend(self._record_masks)
        if not masks:
            return None
        return lazy.select(pl.any_horizontal(masks)).collect().to_series()

    def _possible(self, codes: dict[str, pl.Series]) -> list[int]:
        """The checks that can fire in the records with ``codes``: a per-value check of a
        coded field only where one of the values fails it."""
        fired = [
            field.lookup(column, codes[name]).any().alias(column)
            for name, field in self.coded.items()
            for column in field.table.columns
            if column.startswith(_FIRED)
        ]
        seen = pl.select(fired).row(0, named=True) if fired else {}
        return [i for i in range(len(self._checks)) if seen.get(f"{_FIRED}{i}", True)]

    def _findings(
        self, rows: pl.DataFrame, checks: list[int], codes: dict[str, pl.Series]
    ) -> pl.DataFrame:
        """The findings of ``rows`` (with ``codes``) for the ``checks`` (their indexes): which
        checks fire where in one query, their findings in a second (only for the checks that
        fired). A per-value check of a coded field is looked up in its value table by code."""
        names = [f"{_FIRED}{i}" for i in checks]
        masks = [self._row_mask(i, codes).alias(n) for i, n in zip(checks, names, strict=True)]
        text = rows.with_columns(pl.col(n).cast(pl.String) for n in self.coded).lazy()
        marked = (
            self.prepared(_trimmed(text, self.dictionary.fields))
            .with_columns(masks)
            .filter(pl.any_horizontal(names))
            .collect()
        )
        hits = marked.select(pl.col(f"{_FIRED}{i}").any() for i in checks).row(0)
        fired = [i for i, hit in zip(checks, hits, strict=True) if hit]
        marked = marked.with_columns(self._clipped)  # what findings show of a value
        parts = [
            marked.lazy().filter(pl.col(f"{_FIRED}{i}")).select(self._output(i)) for i in fired
        ]
        if not parts:
            return empty_findings(self.report_fields)
        findings = pl.concat(parts).sort("record", "rank", maintain_order=True).collect()
        errors = findings.filter(pl.col("level").is_in(ERROR_LEVELS))["record"]
        if errors.len():
            self._error_records.append(errors.unique())
        return findings

    def _row_mask(self, index: int, codes: dict[str, pl.Series]) -> pl.Expr:
        check = self._checks[index]
        if check.per_value and check.field in self.coded:
            return self.coded[check.field].lookup(f"{_FIRED}{index}", codes[check.field])
        return self._masks[index]

    def _output(self, index: int) -> list[pl.Expr]:
        """The findings columns of a check, computed over the rows where it fired."""
        if index not in self._outputs:
            self._outputs[index] = self._output_columns(self._checks[index])
        return self._outputs[index]

    def _output_columns(self, check: _Check) -> list[pl.Expr]:
        value = pl.lit(None, dtype=pl.String)
        if check.field in self.names:
            raw = pl.col(check.field).cast(pl.String)
            value = pl.when(raw == "").then(None).otherwise(raw)  # nothing delivered
        return [
            pl.col(REC).cast(pl.Int64).alias("record"),
            pl.col(LINE).cast(pl.Int64).alias("line"),
            pl.lit(check.level).alias("level"),
            pl.lit(check.code).alias("code"),
            pl.lit(check.field, dtype=pl.String).alias("field"),
            compact(value.cast(pl.String)).alias("value"),
            check.message.cast(pl.String).alias("message"),
            pl.lit(check.rank, dtype=pl.Int64).alias("rank"),
            *[compact(or_null(pl.col(T + k))).alias(KEY_PREFIX + k) for k in self.report_fields],
        ]

    # -- the end of the file -------------------------------------------------------------

    def finish(self) -> pl.DataFrame:
        """Findings of ``005`` and ``008`` over every batch seen."""
        findings = self._file.findings()
        errors = findings["record"]
        if errors.len():
            self._error_records.append(errors.unique())
        return findings

    def filled(self) -> dict[str, int]:
        """Per field (in the dictionary's order), the records checked so far with a value:
        not empty after trimming, exactly where a required field would get ``002``.

        Example::

            >>> from datahub.validation._dictionary import GeneralSpecs
            >>> d = DataDictionary(GeneralSpecs(code="X1", version="1"), (
            ...     FieldSpec(1, "A", datatype="geheel getal"),
            ...     FieldSpec(2, "B", datatype="tekst")))
            >>> checker = BatchChecker(d)
            >>> _ = checker.check(pl.DataFrame(
            ...     {"A": ["1", " ", "x"], "B": ["\\t", "  ", None], "__rec": [1, 2, 3],
            ...      "__line": [2, 3, 4]}))
            >>> checker.filled()
            {'A': 2, 'B': 1}
        """
        seen = sum(height for height, _ in self._empties)
        empty = [sum(column) for column in zip(*(row for _, row in self._empties), strict=True)]
        return {name: seen - (empty[i] if empty else 0) for i, name in enumerate(self.names)}

    def error_records(self) -> pl.Series:
        """Record numbers with at least one record error (sorted, unique)."""
        if not self._error_records:
            return pl.Series("record", [], dtype=pl.Int64)
        return pl.concat(self._error_records).unique().sort()


def _trimmed(
    frame: pl.LazyFrame, specs: Iterable[FieldSpec], spaced: set[str] | None = None
) -> pl.LazyFrame:
    """Trimmed text (``__t:``) and empty flags (``__e:``) of ``specs``, lazily; only the
    ``spaced`` columns are trimmed (default: all, cheaper for a few rows or values than
    finding the columns that need it)."""
    trimmed, empty = _trimmed_columns(tuple(specs), None if spaced is None else frozenset(spaced))
    return frame.with_columns(trimmed).with_columns(empty)


@functools.lru_cache(maxsize=256)
def _trimmed_columns(
    specs: tuple[FieldSpec, ...], spaced: frozenset[str] | None
) -> tuple[list[pl.Expr], list[pl.Expr]]:
    trimmed = [
        (
            pl.col(s.name).str.strip_chars(" ")
            if spaced is None or s.name in spaced
            else pl.col(s.name)
        ).alias(T + s.name)
        for s in specs
    ]
    empty = [(pl.col(T + s.name) == "").fill_null(True).alias(E + s.name) for s in specs]
    return trimmed, empty


def _spaced(column: pl.Expr) -> pl.Expr:
    """True when some value starts or ends with a space (then the column is trimmed)."""
    text = column.cast(pl.String)
    return (text.str.starts_with(" ") | text.str.ends_with(" ")).any().fill_null(False)


def _parsed(spec: FieldSpec) -> pl.Expr:
    return types.typed_value(pl.col(T + spec.name), spec.datatype)


def _too_many_decimals(text: pl.Expr, decimals: int) -> pl.Expr:
    """For a valid decimal (canonical form, see ``ok``): more than ``decimals`` digits after
    the point. The same as ``~types.decimals_ok`` there, with an unanchored search."""
    if decimals <= 0:
        return text.str.contains(".", literal=True)
    return text.str.contains(r"\.[0-9]{" + str(decimals + 1) + "}")
