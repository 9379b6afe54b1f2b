"""Periods of a delivery frequency: ``2020M01``, ``2020K1``, ``2020H1``, ``2020``.

Framework-free, so the schedule rules can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from datahub.validation import parse_period

#: Months per period of each frequency that has periods (``totaal`` has none).
MONTHS = {"maand": 1, "kwartaal": 3, "halfjaar": 6, "jaar": 12}


def period_code(frequency: str, year: int, first_month: int) -> str:
    """The period text of the period of ``frequency`` that starts in ``first_month``.

    Example::

        >>> period_code("kwartaal", 2020, 4)
        '2020K2'
    """
    number = (first_month - 1) // MONTHS[frequency] + 1
    if frequency == "maand":
        return f"{year:04d}M{number:02d}"
    if frequency == "kwartaal":
        return f"{year:04d}K{number}"
    if frequency == "halfjaar":
        return f"{year:04d}H{number}"
    return f"{year:04d}"


def periods_between(frequency: str, start: dt.date, end: dt.date) -> Iterator[str]:
    """Every period of ``frequency`` that overlaps ``start``..``end`` (inclusive), in order.

    Example::

        >>> list(periods_between("halfjaar", dt.date(2020, 5, 1), dt.date(2021, 1, 1)))
        ['2020H1', '2020H2', '2021H1']
    """
    months = MONTHS[frequency]
    year, month = start.year, ((start.month - 1) // months) * months + 1
    while dt.date(year, month, 1) <= end:
        yield period_code(frequency, year, month)
        month += months
        if month > 12:
            year, month = year + 1, month - 12


def bounds(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a period; None for ``TOTAAL`` or a text that is no period."""
    try:
        return parse_period(period)
    except ValueError:
        return None
