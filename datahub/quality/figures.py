"""The dashboard's charts, drawn from the service's numbers in the reader's language."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from datahub.deliveries.models import Status
from datahub.quality import charts
from datahub.quality.charts import Series
from datahub.quality.services import (
    STATUS_ORDER,
    Completeness,
    Dashboard,
    FieldCompleteness,
    Overview,
    Period,
    Ranked,
)

#: How each status is drawn (``charts.COLOURS``); the same colours as the status badges.
STATUS_KINDS = {
    Status.PROCESSED: "ok",
    Status.WARNINGS: "warn",
    Status.ERRORS: "error",
    Status.REJECTED: "rejected",
    Status.RECEIVED: "muted",
    Status.PROCESSING: "blue",
}


def period_label(period: Period) -> str:
    """``2024K1``; ``TOTAAL 10-03-2024`` for the complete dataset due on that day."""
    if period.deadline is None:
        return period.period
    return f"{period.period} {date_format(period.deadline, 'SHORT_DATE_FORMAT')}"


def rounded(value: float, places: int) -> str:
    """``value`` rounded half up (not cut, as ``number_format`` cuts a float, nor half to even,
    as ``round`` does: 1 of 16 is 6,3 %) to ``places`` decimals."""
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(exact, decimal_pos=places)


def whole(value: float) -> str:
    return rounded(value, 0 if value == round(value) else 1)


def rate(value: float) -> str:
    return rounded(value, 2)


def percent(share: float | None) -> str:
    """A share as a percentage with one decimal, rounded down: ``99,9 %`` for 999 of 1,000 and
    also for 999,999 of 1,000,000 (only a complete field shows ``100,0 %``); a dash without
    records."""
    if share is None:
        return "—"
    return f"{number_format(math.floor(share * 1000) / 10, decimal_pos=1)} %"


def status_series() -> list[Series]:
    return [Series(s.value, str(s.label), STATUS_KINDS[s]) for s in STATUS_ORDER]


def finding_series() -> list[Series]:
    return [Series("errors", _("Errors"), "error"), Series("warnings", _("Warnings"), "warn")]


def completeness_series() -> list[Series]:
    return [
        Series("required", _("Required field (*)"), "blue"),
        Series("optional", _("Optional field"), "muted"),
    ]


def field_label(item: FieldCompleteness) -> str:
    """The field's name, with ``*`` when it is required (also where its bar is empty)."""
    return f"{item.name} *" if item.required else item.name


def completeness_chart(completeness: Completeness) -> SafeString:
    """Horizontal bars from 0 to 100 %: per field the share of records with a value."""
    fields = completeness.fields
    return charts.horizontal_bars(
        "chart-completeness",
        _("Completeness per field"),
        _(
            "Horizontal bars: per field the percentage of records with a value in the "
            "deliveries that count, the least complete first; required fields are marked "
            "with an asterisk and drawn in a pattern of their own. The table gives the same "
            "numbers."
        ),
        [field_label(f) for f in fields],
        completeness_series(),
        [[f.share or 0, 0] if f.required else [0, f.share or 0] for f in fields],
        percent,
        top=1,
    )


def _ranked_chart(chart_id: str, title: str, desc: str, items: list[Ranked]) -> SafeString:
    return charts.horizontal_bars(
        chart_id,
        title,
        desc,
        [item.name for item in items],
        finding_series(),
        [[item.errors, item.warnings] for item in items],
        whole,
    )


def dashboard_charts(board: Dashboard) -> dict[str, SafeString]:
    labels = [period_label(p.period) for p in board.periods]
    return {
        "statuses": charts.stacked_bars(
            "chart-statuses",
            _("Deliveries per period by status"),
            _(
                "Stacked bars: per period the number of production deliveries, by status. "
                "The table below the chart gives the same numbers."
            ),
            labels,
            status_series(),
            [[n for _status, n in p.row.status_counts()] for p in board.periods],
            whole,
        ),
        "rates": charts.grouped_bars(
            "chart-rates",
            _("Errors and warnings per record"),
            _(
                "Bars: per period the errors and the warnings per record of the delivery that "
                "counts for it. The table below the chart gives the same numbers."
            ),
            labels,
            finding_series(),
            [
                [p.row.counts.errors_per_record, p.row.counts.warnings_per_record]
                for p in board.periods
            ],
            rate,
        ),
        **_ranked_charts(board.codes, board.fields),
        "completeness": completeness_chart(board.completeness),
    }


def _ranked_charts(codes: list[Ranked], fields: list[Ranked]) -> dict[str, SafeString]:
    """The charts of the most frequent codes and fields (both dashboards have them)."""
    return {
        "codes": _ranked_chart(
            "chart-codes",
            _("Most frequent error codes"),
            _("Horizontal bars: the errors and warnings of each code. The table gives them too."),
            codes,
        ),
        "fields": _ranked_chart(
            "chart-fields",
            _("Fields with the most findings"),
            _("Horizontal bars: the errors and warnings of each field. The table gives them too."),
            fields,
        ),
    }


def overview_charts(overview: Overview) -> dict[str, SafeString]:
    names = [r.institution.name for r in overview.institutions]
    return {
        "statuses": charts.horizontal_bars(
            "chart-statuses",
            _("Deliveries per institution by status"),
            _(
                "Horizontal bars: per institution the number of production deliveries, by "
                "status. The table below the chart gives the same numbers."
            ),
            names,
            status_series(),
            [[n for _status, n in r.row.status_counts()] for r in overview.institutions],
            whole,
        ),
        "rates": charts.horizontal_bars(
            "chart-rates",
            _("Errors per record per institution"),
            _(
                "Horizontal bars: per institution the errors per record of the deliveries that "
                "count. The table below the chart gives the same numbers."
            ),
            names,
            [Series("errors", _("Errors per record"), "error")],
            [[r.row.counts.errors_per_record or 0] for r in overview.institutions],
            rate,
        ),
        **_ranked_charts(overview.codes, overview.fields),
        "completeness": completeness_chart(overview.completeness),
    }
