"""Content checks of one batch of records, column-wise with polars.

A batch is a DataFrame with one text column per field (raw delivered values) plus ``__rec``
(record number) and ``__line`` (physical line, or null). The checker turns it into a findings
frame and keeps a compact per-record state (hashes) so that duplicates (``005``) and key
conflicts (``008``) are found across the whole file at the end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from . import _types as types
from ._dictionary import DataDictionary, FieldSpec, Rule
from ._messages import check_level, check_template, datatype_name
from ._rules import compile_rule, rule_fields

REC = "__rec"
LINE = "__line"
T = "__t:"  # trimmed text, null when empty
V = "__v:"  # typed value, null when empty or invalid
OK = "__ok:"  # non-empty and of the right datatype
E = "__e:"  # empty after trimming
P = "__p:"  # parsed value (typed fields), before the canonical-form check
_TYPED = ("geheel getal", "decimaal", "datum", "datumtijd")
KEY_PREFIX = "k:"
PACKED = "__packed"
_PACK = "\x1f\x1e"
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
_RANK = {"002": 0, "004": 1, "001_RefTab": 2, "006": 3, "007": 4, "015_X_Y_EQ": 5, "009": 6}
_RULE_RANK = 10
_FILE_RANK = 1_000_000
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
ERROR_LEVELS = ("fout", "afkeur")
_SMALL_TABLE = 8
_FIRED = "__fired:"


@dataclass(frozen=True, slots=True)
class _Check:
    """A boolean mask over the batch and how to report the rows where it is true."""

    code: str
    level: str
    field: str | None
    rank: int
    mask: pl.Expr
    message: pl.Expr


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


def empty_findings(key_fields: tuple[str, ...]) -> pl.DataFrame:
    """A findings frame without rows."""
    schema = dict(FINDING_SCHEMA) | {KEY_PREFIX + k: pl.String for k in key_fields}
    return pl.DataFrame(schema=schema)


class BatchChecker:
    """Runs every content check of a dictionary over batches of records.

    Example::

        >>> from datahub.validation._dictionary import GeneralSpecs
        >>> d = DataDictionary(GeneralSpecs(code="X1", version="1"),
        ...                    (FieldSpec(1, "A", datatype="geheel getal", required=True),))
        >>> checker = BatchChecker(d)
        >>> batch = pl.DataFrame({"A": ["1", "x", ""], "__rec": [1, 2, 3], "__line": [2, 3, 4]})
        >>> checker.check(batch)["code"].to_list()
        ['002', '004']
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
        self._state_fields = tuple(dict.fromkeys(self.report_fields + self.key_fields))
        self._typed_fields = self._fields_needing_values()
        self._checks = self._build_checks(period, period_label)
        self._outputs = [self._output(c) for c in self._checks]
        self._states: list[pl.DataFrame] = []
        self._error_records: list[pl.Series] = []

    def _fields_needing_values(self) -> set[str]:
        """Fields whose typed values are used (rules, limits, the period field)."""
        names = set(self.names)
        needed = {f.name for f in self.dictionary.fields if f.minimum or f.maximum}
        needed |= {self.dictionary.general.period_field or ""} & names
        for rule in self.dictionary.rules:
            needed |= set(rule_fields(rule.expression, list(self.names)))
        return needed

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
        for index, rule in enumerate(self.dictionary.rules):
            checks.append(self._rule_check(index, rule, types_by_name))
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
        format_check = self._format_mask(spec)
        if format_check is not None:
            mask, shown = format_check
            checks.append(make("006", ok & mask, {"formaat": shown}))
        if spec.length:
            mask = ok & (text.str.len_chars() > spec.length)
            checks.append(make("007", mask, {"lengte": str(spec.length)}))
        limits = self._limit_mask(spec)
        if limits is not None:
            limit_static = {"min": spec.minimum or "", "max": spec.maximum or ""}
            checks.append(make("015_X_Y_EQ", ok & limits, limit_static))
        return checks

    def _maker(
        self, position: int, spec: FieldSpec, static: dict[str, str]
    ) -> Callable[[str, pl.Expr, dict[str, str]], _Check]:
        def make(code: str, mask: pl.Expr, extra: dict[str, str]) -> _Check:
            template = check_template(code, self.lang)
            message = template_expr(template, static | extra, {"waarde": T + spec.name})
            rank = position * 100 + _RANK[code]
            return _Check(code, check_level(code), spec.name, rank, mask, message)

        return make

    def _in_table(self, spec: FieldSpec) -> pl.Expr:
        """True where the value is one of the table's codes (only used together with ``ok``).

        A decimal is compared by its parsed value (``__p:``, the same cast). A small table is
        checked with a few equality comparisons, cheaper than a hash lookup per value.
        """
        codes = self.dictionary.table(spec.reference_table or "").codes
        if spec.datatype == "decimaal":
            numbers = [n for n in (_number(c) for c in codes) if n is not None]
            return pl.col(P + spec.name).is_in(numbers).fill_null(False)
        text = pl.col(T + spec.name)
        wanted = list(dict.fromkeys(c.strip() for c in codes))
        if 0 < len(wanted) <= _SMALL_TABLE:
            return pl.any_horizontal([text == c for c in wanted]).fill_null(False)
        return text.is_in(wanted).fill_null(False)

    def _format_mask(self, spec: FieldSpec) -> tuple[pl.Expr, str] | None:
        """The ``006`` mask (only used together with ``ok``) and the format shown."""
        text = pl.col(T + spec.name)
        if spec.format:
            mask = ~text.str.contains(types.full_match(spec.format))
            if spec.datatype == "decimaal" and spec.decimals is not None:
                mask = mask | _too_many_decimals(text, spec.decimals)
            return mask, spec.format
        if spec.datatype == "decimaal" and spec.decimals is not None:
            shown = f"{spec.decimals} " + ("decimals" if self.lang == "en" else "decimalen")
            return _too_many_decimals(text, spec.decimals), shown
        return None

    def _limit_mask(self, spec: FieldSpec) -> pl.Expr | None:
        if spec.minimum is None and spec.maximum is None:
            return None
        value = pl.col(V + spec.name)
        if spec.is_numeric:
            value = value.cast(pl.Float64)
            convert: Callable[[str], object] = float
        elif spec.datatype == "datum":
            convert = dt.date.fromisoformat
        else:
            return None
        mask = pl.lit(False)
        if spec.minimum is not None:
            mask = mask | (value < pl.lit(convert(spec.minimum)))
        if spec.maximum is not None:
            mask = mask | (value > pl.lit(convert(spec.maximum)))
        return mask

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
        rank = self.names.index(name) * 100 + _RANK["009"]
        return _Check("009", check_level("009"), name, rank, mask, message)

    def _rule_check(self, index: int, rule: Rule, types_by_name: dict[str, str]) -> _Check:
        expression = compile_rule(rule.expression, types_by_name, lambda n: V + n)
        columns = {"waarde": T + rule.field} | {n: T + n for n in self.names}
        message = template_expr(rule.message, {}, columns)
        position = self.names.index(rule.field) if rule.field in self.names else len(self.names)
        rank = position * 100 + _RULE_RANK + index
        return _Check(rule.code, rule.level, rule.field, rank, ~expression, message)

    # -- running the checks --------------------------------------------------------------

    def trimmed(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Add trimmed text columns (``__t:``) and empty flags (``__e:``).

        Trimming (surrounding spaces) costs a copy, so it is only done for columns that have
        a value starting or ending with a space; other columns are aliased without copying.
        """
        specs = self.dictionary.fields
        spaced = [_spaced(pl.col(s.name)).alias(s.name) for s in specs]
        flags = dict.fromkeys(self.names, False)
        if batch.height:
            flags |= batch.select(spaced).row(0, named=True)
        frame = batch.with_columns(
            (pl.col(s.name).str.strip_chars(" ") if flags[s.name] else pl.col(s.name)).alias(
                T + s.name
            )
            for s in specs
        )
        return frame.with_columns(
            (pl.col(T + s.name) == "").fill_null(True).alias(E + s.name) for s in specs
        )

    def prepared(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Add parsed (``__p:``), valid (``__ok:``) and typed (``__v:``) columns (lazily)."""
        specs = self.dictionary.fields
        frame = frame.with_columns(
            _parsed(s).alias(P + s.name) for s in specs if s.datatype in _TYPED
        )
        frame = frame.with_columns(self._ok(s).alias(OK + s.name) for s in specs)
        return frame.with_columns(
            pl.when(pl.col(OK + s.name))
            .then(pl.col(P + s.name) if s.datatype in _TYPED else pl.col(T + s.name))
            .otherwise(None)
            .alias(V + s.name)
            for s in specs
            if s.name in self._typed_fields
        )

    def prepare(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Every derived column over the whole batch (see :meth:`trimmed`, :meth:`prepared`)."""
        return self.prepared(self.trimmed(batch).lazy()).collect()

    def _ok(self, spec: FieldSpec) -> pl.Expr:
        ok = ~pl.col(E + spec.name)
        if spec.datatype in _TYPED:
            text = pl.col(T + spec.name)
            canonical = types.canonical(text, spec.datatype)
            ok = ok & canonical & pl.col(P + spec.name).is_not_null()
        return ok.fill_null(False)

    def check(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Findings of every per-record check in ``batch``; remembers state for 005/008.

        All masks are evaluated once over the batch to find the (few) rows with a finding;
        the findings themselves are then built from those rows only.
        """
        frame = self.trimmed(batch)
        self._states.append(self._state(frame))
        masks = [c.mask.fill_null(False) for c in self._checks]
        if not masks:
            return empty_findings(self.report_fields)
        rows = self.prepared(frame.lazy()).filter(pl.any_horizontal(masks)).collect()
        fired = rows.select([m.alias(f"{_FIRED}{i}") for i, m in enumerate(masks)])
        hits = fired.select(pl.all().any()).row(0) if rows.height else (False,) * len(masks)
        marked = pl.concat([rows, fired], how="horizontal").lazy()
        parts = [
            marked.filter(pl.col(f"{_FIRED}{i}")).select(self._outputs[i])
            for i, hit in enumerate(hits)
            if hit
        ]
        findings = pl.concat(parts).collect() if parts else empty_findings(self.report_fields)
        errors = findings.filter(pl.col("level").is_in(ERROR_LEVELS))["record"]
        if errors.len():
            self._error_records.append(errors.unique())
        return findings

    def _output(self, check: _Check) -> list[pl.Expr]:
        """The findings columns of a check, computed over the rows where it fired."""
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
            _compact(value.cast(pl.String)).alias("value"),
            check.message.cast(pl.String).alias("message"),
            pl.lit(check.rank, dtype=pl.Int64).alias("rank"),
            *self._key_columns(),
        ]

    def _key_columns(self) -> list[pl.Expr]:
        return [_compact(_or_null(pl.col(T + k))).alias(KEY_PREFIX + k) for k in self.report_fields]

    # -- whole-file checks (005, 008) ----------------------------------------------------

    def _state(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Per record: numbers, hashes of the record and its key, key and report values."""
        trimmed = frame.select([T + n for n in self.names])
        columns = [
            frame[REC].cast(pl.UInt32),
            frame[LINE].cast(pl.UInt32),
            trimmed.hash_rows(seed=11).alias("h1"),
            trimmed.hash_rows(seed=97).alias("h2"),
        ]
        if self.key_fields:
            keys = frame.select([T + k for k in self.key_fields])
            complete = ~pl.any_horizontal([pl.col(E + k) for k in self.key_fields])
            columns += [
                keys.hash_rows(seed=5).alias("k1"),
                keys.hash_rows(seed=71).alias("k2"),
                frame.select(complete).to_series().alias("kok"),
            ]
        # The key and report values are copied into one compact string per record: a column
        # of the batch itself would keep the whole batch's text buffers alive.
        state = pl.DataFrame(columns)
        if self._state_fields:
            values = [pl.col(T + n).fill_null("") for n in self._state_fields]
            packed = pl.concat_str([*values, pl.lit("")], separator=_PACK)
            state = state.with_columns(frame.select(packed.alias(PACKED)))
        return state

    def finish(self) -> pl.DataFrame:
        """Findings of ``005`` and ``008`` over every batch seen."""
        if not self._states:
            return empty_findings(self.report_fields)
        state = pl.concat(self._states, rechunk=False)
        self._states = []
        return self._file_checks(state)

    def _unpacked(self, rows: pl.DataFrame) -> pl.DataFrame:
        if not self._state_fields:
            return rows
        parts = pl.col(PACKED).str.split(_PACK)
        return rows.with_columns(
            [_or_null(parts.list.get(i)).alias(n) for i, n in enumerate(self._state_fields)]
        )

    def _file_checks(self, state: pl.DataFrame) -> pl.DataFrame:
        parts = [self._duplicates(state)]
        if self.key_fields:
            parts.append(self._conflicts(state))
        findings = pl.concat(parts)
        errors = findings["record"]
        if errors.len():
            self._error_records.append(errors.unique())
        return findings

    def _duplicates(self, state: pl.DataFrame) -> pl.DataFrame:
        rows = _repeated(state, "h1")
        rows = self._unpacked(rows.filter(pl.len().over("h1", "h2") > 1))
        return self._file_findings(rows, "005", pl.lit(check_template("005", self.lang)), 0)

    def _conflicts(self, state: pl.DataFrame) -> pl.DataFrame:
        rows = _repeated(state, "k1", where="kok")
        rows = rows.filter(pl.struct("h1", "h2").n_unique().over("k1", "k2") > 1)
        rows = self._unpacked(rows)
        key_text = pl.concat_str([pl.col(k).fill_null("") for k in self.key_fields], separator=", ")
        template = check_template("008", self.lang)
        message = template_expr(template, {}, {"sleutel": "__sleutel"})
        rows = rows.with_columns(key_text.alias("__sleutel"))
        return self._file_findings(rows, "008", message, 1)

    def _file_findings(
        self, rows: pl.DataFrame, code: str, message: pl.Expr, rank: int
    ) -> pl.DataFrame:
        return rows.select(
            pl.col(REC).cast(pl.Int64).alias("record"),
            pl.col(LINE).cast(pl.Int64).alias("line"),
            pl.lit(check_level(code)).alias("level"),
            pl.lit(code).alias("code"),
            pl.lit(None, dtype=pl.String).alias("field"),
            pl.lit(None, dtype=pl.String).alias("value"),
            message.cast(pl.String).alias("message"),
            pl.lit(_FILE_RANK + rank, dtype=pl.Int64).alias("rank"),
            *[pl.col(k).alias(KEY_PREFIX + k) for k in self.report_fields],
        )

    def error_records(self) -> pl.Series:
        """Record numbers with at least one record error (sorted, unique)."""
        if not self._error_records:
            return pl.Series("record", [], dtype=pl.Int64)
        return pl.concat(self._error_records).unique().sort()


def _repeated(state: pl.DataFrame, column: str, where: str | None = None) -> pl.DataFrame:
    """The rows (where ``where`` is true) whose ``column`` value occurs more than once among
    them, in their order (sort-based, little memory: only the few rows found are copied)."""
    values = state[column]
    index = None
    if where is not None:
        index = state[where].arg_true()
        values = values.gather(index)
    order = values.arg_sort()
    ordered = values.gather(order)
    repeated = (ordered == ordered.shift(1)).fill_null(False) | (
        ordered == ordered.shift(-1)
    ).fill_null(False)
    picked = order.filter(repeated)
    if index is not None:
        picked = index.gather(picked)
    return state[picked.sort()]


def _compact(text: pl.Expr) -> pl.Expr:
    """A copy of the strings, so that a few findings do not keep a whole batch's text alive."""
    return pl.concat_str([text, pl.lit("")])


def _or_null(text: pl.Expr) -> pl.Expr:
    return pl.when(text == "").then(None).otherwise(text)


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


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
