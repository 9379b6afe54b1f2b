"""Delivery periods: ``2019``, ``2019H1``, ``2020K3``, ``2020M07``, ``TOTAAL``."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_PERIOD_RE = re.compile(r"^(?P<year>[0-9]{4})(?:(?P<kind>[HKM])(?P<n>[0-9]{1,2}))?$")
_MONTHS = {"H": 6, "K": 3, "M": 1}
_MAX = {"H": 2, "K": 4, "M": 12}


def parse_period(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of ``period``; ``None`` for ``TOTAAL`` (no period check).

    Raises ``ValueError`` for anything else.

    Example::

        >>> parse_period("2020K3")
        (datetime.date(2020, 7, 1), datetime.date(2020, 9, 30))
        >>> parse_period("TOTAAL") is None
        True
    """
    text = period.strip().upper()
    if text == "TOTAAL":
        return None
    match = _PERIOD_RE.match(text)
    if not match:
        raise ValueError(f"onbekende periode {period!r}")
    year = int(match["year"])
    kind = match["kind"]
    if kind is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    number = int(match["n"])
    # one way to write each: 2020K3, 2020H1, 2020M07 (not 2020K03 or 2020M7)
    if not 1 <= number <= _MAX[kind] or len(match["n"]) != (2 if kind == "M" else 1):
        raise ValueError(f"onbekende periode {period!r}")
    first_month = (number - 1) * _MONTHS[kind] + 1
    last_month = first_month + _MONTHS[kind] - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)
