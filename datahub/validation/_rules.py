"""Rule expressions (sheet ``Validaties``): SQL boolean expressions compiled to polars.

An expression is parsed with sqlglot, checked against a whitelist of constructs and the
dictionary's field names, and compiled to a polars expression over typed columns. Nothing is
ever evaluated with ``eval`` and no construct can reach files, tables or the network.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import cast

import polars as pl
import sqlglot
from sqlglot import exp

from ._types import DATE_RE, DECIMAL_RE, INTEGER_LIMIT, INTEGER_RE

# Datatype of the dictionary -> type used inside expressions.
SQL_TYPES = {
    "tekst": "str",
    "code": "str",
    "geheel getal": "int",
    "decimaal": "float",
    "datum": "date",
    "datumtijd": "datetime",
}
NUMERIC = ("int", "float")
TEMPORAL = ("date", "datetime")
ALLOWED_FUNCTIONS = (
    "YEAR",
    "MONTH",
    "DAY",
    "COALESCE",
    "ABS",
    "LENGTH",
    "UPPER",
    "LOWER",
    "DATEDIFF",
)


class RuleError(ValueError):
    """An expression that cannot be used; ``nl`` and ``en`` hold the reason.

    Example::

        >>> try:
        ...     compile_rule("SLEEP(1) = 1", {})
        ... except RuleError as error:
        ...     print(error.en[:22])
        SLEEP is not allowed (
    """

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(en)
        self.nl = nl
        self.en = en


@dataclass(frozen=True, slots=True)
class Typed:
    """A compiled sub-expression with its type (and literal text, for coercion).

    ``bits``: for an integer, a bound on its magnitude (below 2**bits): 64 for a literal or
    a function's result, :data:`FIELD_BITS` for a field, more for arithmetic on them. Only an
    operation whose bound passes 127 bits can leave the 128 bits it is computed in.

    ``scale``: for a number, the digits after the point that hold its exact value (0 for an
    integer, a decimal field's ``Decimalen``, a literal's own), or an expression of them per
    record (a decimal field without ``Decimalen``: the digits its value was written with);
    None where unknown (a quotient). A sum, difference, product or remainder of
    decimals is computed in floating point and rounded to its scale where that only takes
    away floating point's error (:func:`_exact`): exact as SQL's DECIMAL, where a float would
    make ``0.1 + 0.2 = 0.3`` false.
    """

    expr: pl.Expr
    type: str
    literal: str | None = None
    bits: int = 64
    scale: Scale = 0
    #: for a number computed by arithmetic, its value as a float, computed from its operands'
    #: floats alone: the checks of a result (overflow, rounding) use it instead of the
    #: operands' own expressions, so that a sum of n terms is an expression of size n², not 4ⁿ
    approx: pl.Expr | None = None


#: Digits after the point: a number, an expression of them per record, or None (unknown).
Scale = int | pl.Expr | None
ColumnName = Callable[[str], str]
# Given a field and a sub-expression that uses no other field: an expression of the same
# values to use instead (e.g. a column computed once per distinct value), or None.
PerValue = Callable[[str, pl.Expr], pl.Expr | None]

_COMPARISONS: dict[type[exp.Expression], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}
_ARITHMETIC: dict[type[exp.Expression], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    exp.Add: lambda a, b: a + b,
    exp.Sub: lambda a, b: a - b,
    exp.Mul: lambda a, b: a * b,
    # by zero: NULL, as in SQLite and MySQL (a float would give inf or NaN, and a rule fire)
    exp.Div: lambda a, b: pl.when(b != 0).then(a / b),
    exp.Mod: lambda a, b: pl.when(b != 0).then((a.abs() % b.abs()) * a.sign()),  # dividend's sign
}
# Beyond this an integer result is NULL: 128 bits hold about 1.7e38, and polars wraps round.
_INT_LIMIT = 1e38
_INT64 = (-(2**63), 2**63 - 1)
_INT128 = (-(2**127), 2**127 - 1)
#: An integer field's values lie below 10**30 < 2**100 (a longer one is refused: 004), so a
#: sum or difference of fields, or of a field and a 64-bit value, cannot leave 128 bits.
FIELD_BITS = 100
_DATE_PARTS: dict[type[exp.Expression], Callable[[pl.Expr], pl.Expr]] = {
    exp.Year: lambda e: e.dt.year().cast(pl.Int64),
    exp.Month: lambda e: e.dt.month().cast(pl.Int64),
    exp.Day: lambda e: e.dt.day().cast(pl.Int64),
}
#: The arguments each function takes (sqlglot reads some extra ones, e.g. ``LENGTH(x, 5)``).
_ARGUMENTS: dict[type[exp.Expression], tuple[str, ...]] = {
    exp.Year: ("this",),
    exp.Month: ("this",),
    exp.Day: ("this",),
    exp.Upper: ("this",),
    exp.Lower: ("this",),
    exp.Length: ("this",),
    exp.Abs: ("this",),
    exp.Coalesce: ("this", "expressions"),
    exp.DateDiff: ("this", "expression", "unit"),
}
#: A text literal for a date and time: as delivered (``2020-01-31T10:15:00``), or as SQL
#: writes it (a space, seconds left out); never a time zone, which the values have not.
_DATETIME_LITERAL = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
_STRING_FUNCS: dict[type[exp.Expression], Callable[[pl.Expr], Typed]] = {
    exp.Upper: lambda e: Typed(e.str.to_uppercase(), "str"),
    exp.Lower: lambda e: Typed(e.str.to_lowercase(), "str"),
    exp.Length: lambda e: Typed(e.str.len_chars().cast(pl.Int64), "int"),
}


def parse_rule(expression: str) -> exp.Expression:
    """Parse a rule expression; raise :class:`RuleError` when it is not one expression."""
    try:
        tree = sqlglot.parse_one(expression)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as error:
        raise RuleError(
            f"de expressie kan niet worden gelezen ({_first_line(error)})",
            f"the expression cannot be parsed ({_first_line(error)})",
        ) from None
    except RecursionError:
        raise _too_deep() from None
    if tree is None:
        raise RuleError("de expressie is leeg", "the expression is empty")
    return cast(exp.Expression, tree)


def compile_rule(
    expression: str,
    field_types: Mapping[str, str],
    column: ColumnName = str,
    per_value: PerValue | None = None,
    decimals: Mapping[str, Scale] | None = None,
) -> pl.Expr:
    """Compile ``expression`` to a boolean polars expression.

    ``field_types`` maps field names to dictionary datatypes; ``column`` maps a field name to
    the column holding its typed values. ``per_value`` is offered each largest
    sub-expression that uses a single field (more than the bare field), to replace it.
    ``decimals``: the most digits after the point of a decimal field's values
    (``Decimalen``), where the dictionary gives them, or an expression of the digits of each
    record's value (see :func:`written_decimals`) where it does not.

    Example::

        >>> e = compile_rule("A >= 2", {"A": "geheel getal"})
        >>> pl.DataFrame({"A": [1, 3, None]}).select(e).to_series().to_list()
        [False, True, None]
    """
    types = {k: SQL_TYPES[v] for k, v in field_types.items()}
    compiler = _Compiler(types, column, per_value, decimals or {})
    tree = parse_rule(expression)
    try:
        result = compiler.compile(tree)
    except RecursionError:
        raise _too_deep() from None
    except RuleError as error:
        raise _with_unknown_fields(error, tree, list(types)) from None
    if result.type not in ("bool", "null"):
        raise RuleError(
            "de expressie is geen voorwaarde (waar/onwaar)",
            "the expression is not a condition (true/false)",
        )
    # NULL (unknown) as a boolean: a rule that is always unknown never fires, and NOT of it
    # must not fail on polars' untyped null
    return result.expr if result.type == "bool" else result.expr.cast(pl.Boolean)


class _UnknownField(RuleError):
    """A name in the expression that is no field of the dictionary."""


def _with_unknown_fields(error: RuleError, tree: exp.Expression, names: list[str]) -> RuleError:
    """``error`` naming every unknown field of the expression too, not only the first problem
    the compiler met (``YEER(Operatiedatum) AND Onbekend > 1`` names both).

    Example::

        >>> try:
        ...     compile_rule("YEER(A) = 1 AND B > 1 AND C > 1", {"A": "datum"})
        ... except RuleError as error:
        ...     print(error.nl.split("; ")[-1])
        onbekende velden B, C
    """
    unknown: list[str] = []
    for node in tree.find_all(exp.Column, bfs=False):  # (in reading order)
        if isinstance(node.parent, exp.DateDiff) and node.parent.args.get("unit") is not None:
            continue  # DATEDIFF(day, A, B): a unit, in a form the error already refuses
        if not node.table and _resolve(node.name, names) is None and node.name not in unknown:
            unknown.append(node.name)
    if not unknown:
        return error
    listed = ", ".join(unknown)
    nl, en = (
        (f"onbekend veld {listed}", f"unknown field {listed}")
        if len(unknown) == 1
        else (f"onbekende velden {listed}", f"unknown fields {listed}")
    )
    if isinstance(error, _UnknownField):  # (the first of them: the list says them all)
        return RuleError(nl, en)
    return RuleError(f"{error.nl}; {nl}", f"{error.en}; {en}")


def _too_deep() -> RuleError:
    return RuleError(
        "de expressie is te lang of te diep genest",
        "the expression is too long or nested too deeply",
    )


def rule_fields(expression: str, field_names: Mapping[str, str] | list[str]) -> list[str]:
    """The field names an expression uses (as spelled in the dictionary)."""
    names = list(field_names)
    tree = parse_rule(expression)
    found = []
    try:
        for column in tree.find_all(exp.Column):
            resolved = _resolve(column.name, names)
            if resolved and resolved not in found:
                found.append(resolved)
    except RecursionError:
        raise _too_deep() from None
    return found


def _resolve(name: str, names: list[str]) -> str | None:
    if name in names:
        return name
    matches = [n for n in names if n.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


class _Compiler:
    def __init__(
        self,
        types: Mapping[str, str],
        column: ColumnName,
        per_value: PerValue | None = None,
        decimals: Mapping[str, Scale] | None = None,
    ) -> None:
        self.types = dict(types)
        self.column = column
        self.per_value = per_value
        self.decimals = dict(decimals or {})

    def compile(self, node: exp.Expression) -> Typed:
        if self.per_value is not None and not isinstance(node, exp.Column | exp.Paren):
            names = {_resolve(c.name, list(self.types)) for c in node.find_all(exp.Column)}
            if len(names) == 1 and None not in names:
                typed = _Compiler(self.types, self.column, None, self.decimals).compile(node)
                replaced = self.per_value(str(names.pop()), typed.expr)
                return typed if replaced is None else replace(typed, expr=replaced, literal=None)
        return self._node(node)

    def _node(self, node: exp.Expression) -> Typed:
        if isinstance(node, exp.Paren):
            return self.compile(node.this)
        if isinstance(node, exp.Column):
            return self._column(node)
        if isinstance(node, exp.Literal):
            return self._literal(node)
        if isinstance(node, exp.Boolean | exp.Null):
            self._not_a_field(node)
            if isinstance(node, exp.Null):
                return Typed(pl.lit(None), "null")
            return Typed(pl.lit(bool(node.this)), "bool", str(node.this))
        if type(node) in _COMPARISONS:
            return self._comparison(node)
        if isinstance(node, exp.And | exp.Or):
            return self._logical(node)
        if isinstance(node, exp.Not):
            inner = self._boolean(node.this)
            return Typed(~inner.expr, "bool")
        if isinstance(node, exp.Is):
            return self._is(node)
        if isinstance(node, exp.In):
            return self._in(node)
        if isinstance(node, exp.Between):
            return self._between(node)
        if type(node) in _ARITHMETIC:
            return self._arithmetic(node)
        if isinstance(node, exp.Neg):
            inner = self._numeric(node.this)
            if inner.type == "int":  # (polars cannot negate a 128-bit integer)
                return Typed(pl.lit(0, dtype=pl.Int128) - _wide(inner).expr, "int", bits=inner.bits)
            return Typed(-inner.expr, inner.type, scale=inner.scale)
        return self._function(node)

    def _function(self, node: exp.Expression) -> Typed:
        _check_arguments(node)
        if type(node) in _DATE_PARTS:
            arg = self._temporal(node.this)
            return Typed(_DATE_PARTS[type(node)](arg.expr), "int")
        if type(node) in _STRING_FUNCS:
            arg = self._text(node.this)
            return _STRING_FUNCS[type(node)](arg.expr)
        if isinstance(node, exp.Abs):
            arg = _wide(self._numeric(node.this))
            return Typed(arg.expr.abs(), arg.type, bits=arg.bits, scale=arg.scale)
        if isinstance(node, exp.Coalesce):
            return self._coalesce(node)
        if isinstance(node, exp.DateDiff):
            return self._datediff(node)
        raise _not_allowed(node)

    def _column(self, node: exp.Column) -> Typed:
        if node.table:
            raise _not_allowed(node)
        name = _resolve(node.name, list(self.types))
        if name is None:
            raise _UnknownField(f"onbekend veld {node.name}", f"unknown field {node.name}")
        kind = self.types[name]
        scale = self.decimals.get(name) if kind == "float" else 0
        return Typed(pl.col(self.column(name)), kind, bits=FIELD_BITS, scale=scale)

    def _literal(self, node: exp.Literal, sign: str = "") -> Typed:
        text = sign + str(node.this)
        if node.is_string:
            return Typed(pl.lit(text, dtype=pl.String), "str", text)
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit():
            number = int(text)
            if _INT64[0] <= number <= _INT64[1]:
                return Typed(pl.lit(number, dtype=pl.Int64), "int", text)
            if _INT128[0] <= number <= _INT128[1]:
                return Typed(pl.lit(number, dtype=pl.Int128), "int", text, bits=128)
        try:
            value = float(text)
        except ValueError:
            raise _not_allowed(node) from None
        if not math.isfinite(value):  # 1e999: infinity, equal to every other large value
            raise RuleError(f"het getal {text} is te groot", f"the number {text} is too large")
        return Typed(pl.lit(value, dtype=pl.Float64), "float", text, scale=_scale(text))

    def _comparison(self, node: exp.Expression) -> Typed:
        left, right = self._coerced(self.compile(node.this), self.compile(node.expression))
        return Typed(_COMPARISONS[type(node)](left.expr, right.expr), "bool")

    def _not_a_field(self, node: exp.Null | exp.Boolean) -> None:
        """Refuse NULL, TRUE or FALSE where a field has that name: SQL reads ``Null > 0`` as a
        comparison with NULL, which never fires (the field is ``"Null"``, in double quotes)."""
        word = node.sql()
        field = _resolve(word, list(self.types))
        if field is not None:
            raise RuleError(
                f'schrijf het veld {field} hier als "{field}" (tussen dubbele '
                f"aanhalingstekens): zonder is het de waarde {word}",
                f'write the field {field} as "{field}" here (in double quotes): without them '
                f"it is the value {word}",
            )

    def _logical(self, node: exp.Expression) -> Typed:
        left, right = self._boolean(node.this), self._boolean(node.expression)
        if isinstance(node, exp.And):
            return Typed(left.expr & right.expr, "bool")
        return Typed(left.expr | right.expr, "bool")

    def _is(self, node: exp.Is) -> Typed:
        if not isinstance(node.expression, exp.Null):
            raise _not_allowed(node)
        return Typed(self.compile(node.this).expr.is_null(), "bool")

    def _in(self, node: exp.In) -> Typed:
        target = self.compile(node.this)
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise _not_allowed(node)
        constants = [self._constant(item) for item in node.expressions]
        if target.type == "null":  # NULL IN (...) is NULL
            return Typed(pl.lit(None, dtype=pl.Boolean), "bool")
        values = [_literal_value(c, target.type) for c in constants if c.type != "null"]
        if target.type == "int":  # 2.5 equals no integer; 2.0 is 2
            values = [number for number in map(_integral, values) if number is not None]
        found = (
            target.expr.is_in(values)
            if values  # else no constant can match: FALSE (NULL for a NULL value)
            else pl.when(target.expr.is_not_null()).then(False)
        )
        if any(c.type == "null" for c in constants):
            found = pl.when(found).then(True)  # x IN (1, NULL): TRUE or NULL, never FALSE
        return Typed(found, "bool")

    def _constant(self, node: exp.Expression) -> Typed:
        """A constant of an IN list: a literal, also a negative number."""
        number = isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal)
        if number and not node.this.is_string:
            return self._literal(node.this, sign="-")
        if isinstance(node, exp.Literal):
            return self._literal(node)
        if isinstance(node, exp.Null):
            return Typed(pl.lit(None), "null")
        raise RuleError(
            "IN (...) mag alleen vaste waarden bevatten", "IN (...) may only contain constants"
        )

    def _between(self, node: exp.Between) -> Typed:
        """``low <= x AND x <= high``: each side coerced on its own (a text literal to the
        other side's type), NULL as SQL has it (NULL AND FALSE is FALSE). ``BETWEEN
        SYMMETRIC`` is refused (it was read as a plain ``BETWEEN``)."""
        if node.args.get("symmetric"):
            raise _not_allowed(node)
        target = self.compile(node.this)
        above, low = self._coerced(target, self.compile(node.args["low"]))
        below, high = self._coerced(target, self.compile(node.args["high"]))
        if above is target and below is target and "null" not in (low.type, high.type):
            # the same, computing the value once (polars' is_between misreads a NULL bound)
            return Typed(target.expr.is_between(low.expr, high.expr), "bool")
        return Typed((above.expr >= low.expr) & (below.expr <= high.expr), "bool")

    def _arithmetic(self, node: exp.Expression) -> Typed:
        left, right = self.compile(node.this), self.compile(node.expression)
        if isinstance(node, exp.Sub) and left.type in TEMPORAL and right.type in TEMPORAL:
            return _days_between(left, right)
        left, right = self._numeric_typed(left, node), self._numeric_typed(right, node)
        kind = "float" if "float" in (left.type, right.type) or isinstance(node, exp.Div) else "int"
        operation = _ARITHMETIC[type(node)]
        approx = operation(_approx(left), _approx(right))
        if kind == "float":
            scale = _result_scale(type(node), left.scale, right.scale)
            result = operation(left.expr, right.expr)
            if isinstance(node, exp.Mod):
                result = _remainder(result, _approx(right), _approx(left))
            sizes = pl.max_horizontal(_approx(left).abs(), _approx(right).abs())
            return Typed(_exact(result, scale, sizes), kind, scale=scale, approx=approx)
        # In 128 bits (a 64-bit product or sum would wrap round silently). Where the bound of
        # the result passes 127 bits, a float of it decides: beyond about 1e38 it is NULL.
        bits = _result_bits(type(node), left.bits, right.bits)
        left, right = _wide(left), _wide(right)
        result = operation(left.expr, right.expr)
        if bits <= 127:
            return Typed(result, kind, bits=bits, approx=approx)
        result = pl.when(approx.abs() < _INT_LIMIT).then(result)
        return Typed(result, kind, bits=127, approx=approx)

    def _coalesce(self, node: exp.Coalesce) -> Typed:
        args = [self.compile(node.this)] + [self.compile(e) for e in node.expressions]
        # literals take the type of the first argument that is none (a field, a function)
        typed = [a for a in args if a.literal is None and a.type != "null"]
        first = typed[0] if typed else args[0]
        coerced = [a if a is first else self._coerced(first, a)[1] for a in args]
        kinds = {a.type for a in coerced} - {"null"}
        if kinds == set(TEMPORAL):  # a date is its midnight
            coerced, kinds = [_as_datetime(a) for a in coerced], {"datetime"}
        if kinds == {"int", "float"}:
            kinds = {"float"}
        if len(kinds) > 1:  # (one type, whichever order the set gives them)
            shown = " en ".join(sorted(kinds))
            raise RuleError(
                f"COALESCE van waarden van verschillende typen ({shown})",
                f"COALESCE of values of different types ({shown.replace(' en ', ' and ')})",
            )
        kind = kinds.pop() if kinds else "null"
        bits = max(a.bits for a in args)
        scale = _chosen_scale(coerced)
        return Typed(pl.coalesce([a.expr for a in coerced]), kind, bits=bits, scale=scale)

    def _datediff(self, node: exp.DateDiff) -> Typed:
        unit = node.args.get("unit")
        if unit is not None and str(unit.name).upper() not in ("DAY", "DAYS", "D"):
            raise RuleError(
                "DATEDIFF telt dagen tussen twee datums: DATEDIFF(d2, d1) = d2 - d1",
                "DATEDIFF counts the days between two dates: DATEDIFF(d2, d1) = d2 - d1",
            )
        return _days_between(self._temporal(node.this), self._temporal(node.expression))

    def _coerced(self, left: Typed, right: Typed) -> tuple[Typed, Typed]:
        if left.type == right.type or "null" in (left.type, right.type):
            return left, right
        if left.type in NUMERIC and right.type in NUMERIC:
            return left, right
        if {left.type, right.type} == set(TEMPORAL):  # a date is its midnight, as in SQL
            return _as_datetime(left), _as_datetime(right)
        if right.literal is not None:
            return left, Typed(pl.lit(_literal_value(right, left.type)), left.type)
        if left.literal is not None:
            return Typed(pl.lit(_literal_value(left, right.type)), right.type), right
        raise RuleError(
            f"waarden van type {left.type} en {right.type} kunnen niet worden vergeleken",
            f"values of type {left.type} and {right.type} cannot be compared",
        )

    def _boolean(self, node: exp.Expression) -> Typed:
        """An operand of AND, OR or NOT: NULL (unknown) as a boolean, for polars' operators."""
        typed = self._expect(node, ("bool", "null"), "waar/onwaar", "true/false")
        if typed.type == "null":
            return Typed(typed.expr.cast(pl.Boolean), "bool")
        return typed

    def _numeric(self, node: exp.Expression) -> Typed:
        return self._numeric_typed(self.compile(node), node)

    def _numeric_typed(self, typed: Typed, node: exp.Expression) -> Typed:
        if typed.type == "null":  # NULL as a number: ABS(NULL), -NULL, 1 - NULL are NULL
            return Typed(pl.lit(None, dtype=pl.Int64), "int")
        if typed.type in NUMERIC:
            return typed
        raise _type_error(node, "getal", "number")

    def _temporal(self, node: exp.Expression) -> Typed:
        typed = self.compile(node)
        if typed.type == "str" and typed.literal is not None:
            kind = "date" if len(typed.literal) == 10 else "datetime"
            return Typed(pl.lit(_literal_value(typed, kind)), kind)
        if typed.type == "null":  # YEAR(NULL), DATEDIFF(NULL, d) are NULL
            return Typed(pl.lit(None, dtype=pl.Date), "date")
        if typed.type in TEMPORAL:
            return typed
        raise _type_error(node, "datum", "date")

    def _text(self, node: exp.Expression) -> Typed:
        typed = self._expect(node, ("str", "null"), "tekst", "text")
        if typed.type == "null":  # UPPER(NULL), LENGTH(NULL) are NULL
            return Typed(pl.lit(None, dtype=pl.String), "str")
        return typed

    def _expect(self, node: exp.Expression, kinds: tuple[str, ...], nl: str, en: str) -> Typed:
        typed = self.compile(node)
        if typed.type not in kinds:
            raise _type_error(node, nl, en)
        return typed


def _literal_value(typed: Typed, kind: str) -> object:
    """A literal read as a value of ``kind``; a text literal by the grammar of a delivered
    value (not Python's lenient parsers: ``'1_000'``, ``'inf'``, Arabic-Indic digits, ISO week
    dates or a time zone would be refused as values, so they are refused in a rule)."""
    text = typed.literal if typed.literal is not None else ""
    try:
        if kind == "str":
            return text
        number = typed.type in NUMERIC  # a number written as one (1e40), read by _literal
        if kind in NUMERIC and (number or re.fullmatch(DECIMAL_RE, text)):
            is_int = kind == "int" and re.fullmatch(INTEGER_RE, text)
            return int(text) if is_int else float(text)
        if kind == "date" and re.fullmatch(DATE_RE, text):
            return dt.date.fromisoformat(text)
        if kind == "datetime" and re.fullmatch(_DATETIME_LITERAL, text):
            return dt.datetime.fromisoformat(text)
        if kind == "bool":
            return {"true": True, "false": False}[text.lower()]
    except (ValueError, KeyError):
        pass
    raise RuleError(
        f"de waarde {text!r} past niet bij het type {kind}",
        f"the value {text!r} does not fit type {kind}",
    )


def _as_datetime(value: Typed) -> Typed:
    if value.type != "date":
        return value
    return Typed(value.expr.cast(pl.Datetime("us")), "datetime", value.literal)


def _integral(value: object) -> object:
    """An IN constant for an integer field: itself, or None where it can equal no value of
    the field (decimals, or beyond the 30 digits of an integer)."""
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    if isinstance(value, int) and abs(value) >= INTEGER_LIMIT:
        return None
    return value


def _check_arguments(node: exp.Expression) -> None:
    """Refuse arguments a function does not take (sqlglot keeps ``LENGTH(x, 5)``'s 5)."""
    expected = _ARGUMENTS.get(type(node))
    if expected is None:
        return
    extra = [k for k, v in node.args.items() if k not in expected and v not in (None, [], False)]
    if extra and isinstance(node, exp.Func):
        name = node.sql_name()
        raise RuleError(
            f"{name} krijgt een argument te veel ({node.sql()[:60]})",
            f"{name} is given an argument too many ({node.sql()[:60]})",
        )


def _type_error(node: exp.Expression, nl: str, en: str) -> RuleError:
    return RuleError(
        f"{node.sql()} is geen {nl}",
        f"{node.sql()} is not a {en}",
    )


def _result_bits(operation: type[exp.Expression], left: int, right: int) -> int:
    """A bound (in bits) on the magnitude of an integer ``operation``'s result."""
    if operation is exp.Mul:
        return left + right
    if operation is exp.Mod:  # never larger than the divisor
        return right
    return max(left, right) + 1


def _scale(text: str) -> int | None:
    """The digits after the point of a number literal (``2.50``: 2, ``1e-3``: 3)."""
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return None
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def written_decimals(text: pl.Expr) -> pl.Expr:
    """The digits after the point that hold each valid decimal ``text``'s value
    (``-?[0-9]+(.[0-9]+)?``; trailing zeros do not count): the scale of a decimal field without
    ``Decimalen``, value by value.

    Example::

        >>> s = pl.Series(["0.1", "12", "-3.250", "0.100000000000000", "7.0"])
        >>> pl.select(written_decimals(pl.lit(s))).to_series().to_list()
        [1, 0, 2, 1, 0]
    """
    return text.str.extract(r"\.([0-9]*[1-9])", 1).str.len_bytes().fill_null(0)


def _result_scale(operation: type[exp.Expression], left: Scale, right: Scale) -> Scale:
    """The digits after the point of an exact result (None: a quotient has no bound)."""
    if left is None or right is None or operation is exp.Div:
        return None
    if operation is exp.Mul:
        return left + right
    return _most(left, right)


def _chosen_scale(args: list[Typed]) -> Scale:
    """The scale of a COALESCE of ``args``: the largest where every one is a number of digits;
    where one is an expression (per record), that of the argument chosen (the first that is not
    NULL), as a larger one may pass the digits a result can be rounded to."""
    scales = [a.scale for a in args]
    if any(s is None for s in scales):
        return None
    if all(isinstance(s, int) for s in scales):
        return max(cast(int, s) for s in scales)
    chosen: pl.Expr = pl.lit(0)  # (all NULL: the result is NULL too)
    for arg, scale in reversed(list(zip(args, scales, strict=True))):
        chosen = pl.when(arg.expr.is_not_null()).then(scale).otherwise(chosen)
    return chosen


def _most(*scales: int | pl.Expr) -> int | pl.Expr:
    """The largest of ``scales``, record by record where one of them is an expression."""
    if all(isinstance(s, int) for s in scales):
        return max(cast(int, s) for s in scales)
    return pl.max_horizontal(*scales)


# Below this a float holds every integer exactly with three digits to spare: the error of one
# operation lies far below half the last digit of a result of its scale.
_EXACT_FLOAT = 2.0**52 / 1000
# The error of floating point, relative to the operands' size, that rounding may take away.
_NOISE = 1e-12
_REMAINDER_ERROR = 1e-15  # see _remainder


def _exact(result: pl.Expr, scale: Scale, sizes: pl.Expr) -> pl.Expr:
    """A float sum, difference, product or remainder as its exact decimal result: rounded to
    the ``scale`` that result has, where the rounding only takes away floating point's error
    (far less than a millionth of a millionth of the operands, whose size is ``sizes``; a
    value with more decimals than its field's ``Decimalen``, reported by ``006``, is not
    rounded to them), the scale is known and the numbers small enough for it.

    ``result`` is used once (in a function of the batch): an expression used more than once
    in the next one made a sum of ten decimal fields an expression of size 4¹⁰, which hung.

    Example::

        >>> pl.select(_exact(pl.lit(0.1) + pl.lit(0.2), 1, pl.lit(0.2))).item()
        0.3
        >>> pl.select(_exact(pl.lit(0.25) + pl.lit(0.11), 1, pl.lit(0.25))).item()
        0.36
    """
    if scale is None:
        return result
    if isinstance(scale, pl.Expr):  # the scale of each record's result
        parts = (result.alias("r"), sizes.alias("s"), scale.alias("k"))
        return pl.struct(*parts).map_batches(_snapped_per_record, return_dtype=pl.Float64)
    if scale > _MOST_DIGITS:
        return result
    return pl.struct(result.alias("r"), sizes.alias("s")).map_batches(
        functools.partial(_snapped, scale=scale), return_dtype=pl.Float64
    )


_MOST_DIGITS = 12  # beyond this the rounding would pass floating point's error


def _snapped(values: pl.Series, *, scale: int) -> pl.Series:
    """Of a struct of results (``r``) and their operands' sizes (``s``): each result rounded
    to ``scale`` where that only takes away floating point's error (see :func:`_exact`)."""
    exact = _snap(pl.col("r").round(scale), 10.0**scale, pl.lit(True))
    return values.struct.unnest().select(exact.alias(values.name)).to_series()


def _snapped_per_record(values: pl.Series) -> pl.Series:
    """As :func:`_snapped`, with each record's own scale (``k``)."""
    digits = pl.col("k").cast(pl.Int64)
    factor = pl.lit(10.0).pow(digits.clip(0, _MOST_DIGITS))
    rounded = (pl.col("r") * factor).round(0) / factor
    exact = _snap(rounded, factor, digits <= _MOST_DIGITS)
    return values.struct.unnest().select(exact.alias(values.name)).to_series()


def _snap(rounded: pl.Expr, factor: float | pl.Expr, allowed: pl.Expr) -> pl.Expr:
    """The result ``r`` as ``rounded`` (to ``factor`` = 10^scale) where that only takes away
    floating point's error: far less than the operands' size ``s``, which is small enough."""
    result = pl.col("r")
    size = pl.max_horizontal(result.abs(), pl.col("s").abs())
    snap = ((rounded - result).abs() <= size * _NOISE) & (size < _EXACT_FLOAT / factor) & allowed
    return pl.when(snap).then(rounded).otherwise(result)


def _remainder(result: pl.Expr, divisor: pl.Expr, dividend: pl.Expr) -> pl.Expr:
    """A float remainder that is its divisor up to floating point's error is 0 (``0.3 %
    0.1`` is 0.09999999999999998 in floating point; a remainder of about 0 is left to
    :func:`_exact`). That error comes from the decimal operands' binary forms and stays below
    3e-16 of the dividend (measured over a million random pairs of up to 13 digits): a
    remainder further from its divisor is a true one (``1000000000999 % 1000`` is 999, not 0).

    Example::

        >>> snap = lambda a, b: pl.select(_remainder(pl.lit(a) % b, pl.lit(b), pl.lit(a)))
        >>> snap(0.3, 0.1).item(), snap(1000000000999.0, 1000.0).item()
        (0.0, 999.0)
    """
    error = dividend.abs() * _REMAINDER_ERROR
    return pl.when((result.abs() - divisor.abs()).abs() <= error).then(0.0).otherwise(result)


def _wide(value: Typed) -> Typed:
    """An integer as a 128-bit one, so that arithmetic on 64-bit values cannot overflow
    (ABS of the smallest 64-bit integer, or a product of two large ones, wrapped round)."""
    if value.type != "int":
        return value
    return replace(value, expr=value.expr.cast(pl.Int128))


def _approx(value: Typed) -> pl.Expr:
    """A number's value as a float (see :attr:`Typed.approx`)."""
    return value.approx if value.approx is not None else value.expr.cast(pl.Float64)


def _days_between(later: Typed, earlier: Typed) -> Typed:
    """``later - earlier`` in calendar days: a time of day does not count (noon on 1 January
    to 2 January is one day, not half a day rounded down to none)."""
    days = [t.expr.dt.date() if t.type == "datetime" else t.expr for t in (later, earlier)]
    return Typed((days[0] - days[1]).dt.total_days(), "int")


def _not_allowed(node: exp.Expression) -> RuleError:
    name = node.sql()[:60] if isinstance(node, exp.Expression) else str(node)
    if isinstance(node, exp.Func):
        name = node.sql_name() if not isinstance(node, exp.Anonymous) else str(node.this)
    return RuleError(
        f"{name} is niet toegestaan (toegestaan: {', '.join(ALLOWED_FUNCTIONS)}, IN, BETWEEN, "
        "IS NULL, AND/OR/NOT, vergelijkingen en rekenkunde)",
        f"{name} is not allowed (allowed: {', '.join(ALLOWED_FUNCTIONS)}, IN, BETWEEN, "
        "IS NULL, AND/OR/NOT, comparisons and arithmetic)",
    )
