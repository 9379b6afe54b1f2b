"""The data-quality dashboard: deliveries, statuses, records and findings per period.

What counts follows the Overzicht (``datahub.schedule.services``):

* only production deliveries; a test delivery never counts;
* a delivery is *for* a period: a dated period is the delivery's own (``2024K1``); a ``TOTAAL``
  delivery is for the first ``TOTAAL`` deadline on or after the day it was delivered, the deadline
  it fills (``services.deadline_of``), so a registry that asks for the complete dataset every month
  still shows one bar per deadline;
* the *statuses* of a period count every production delivery of it (a redelivery shows as a
  second delivery); the *records, errors and warnings* of a period are those of the delivery that
  counts for it: per unit the most recent finished one (as "Afgekeurde en foutieve
  aanleveringen" decides, ``services.newer_than_outer``; found here with a window over the
  range, ``counted``), a rejected one included;
* the most frequent codes and fields are counted over the findings of those same deliveries, in
  the database (``GROUP BY``), never per delivery in Python;
* completeness per field sums the counts of filled values that processing stored with those
  same deliveries (``Delivery.filled_counts``: one small JSON object per delivery that counts,
  summed in Python); a delivery without counts (processed before the hub counted them, or
  rejected as a file) is left out, and the page says how many were.

Deliveries are chosen by their delivery date (from ``since`` to ``until``, local days, both
included). Everything here reads counts, codes and field names only: no patient-level value.
Every function runs a fixed number of queries, whatever the number of deliveries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from datahub.deliveries.models import FINISHED, Delivery, Finding, Status
from datahub.dictionaries.models import DictionaryVersion, SubDelivery
from datahub.institutions.models import Institution
from datahub.schedule import services as schedule
from datahub.schedule.periods import bounds

#: How far back the dashboard looks by default.
DEFAULT_YEARS = 2
#: How many codes and fields the dashboard lists.
TOP = 10
#: The statuses in the order the charts stack them (finished first, the worst last).
STATUS_ORDER = (
    Status.PROCESSED,
    Status.WARNINGS,
    Status.ERRORS,
    Status.REJECTED,
    Status.RECEIVED,
    Status.PROCESSING,
)
ERROR_LEVELS = ("fout", "afkeur")
WARNING_LEVEL = "waarschuwing"
#: The annotation that holds the period a delivery is for.
PERIOD = "quality_period"


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last two years up to today."""
    today = today or timezone.localdate()
    try:
        since = today.replace(year=today.year - DEFAULT_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - DEFAULT_YEARS, day=28)
    return since, today


@dataclass(frozen=True)
class Period:
    """A period as the dashboard shows it: ``2024K1``, or ``TOTAAL`` with its deadline."""

    key: str
    period: str
    deadline: dt.date | None = None

    @property
    def order(self) -> tuple[dt.date, str]:
        span = bounds(self.period)
        return (span[0] if span else self.deadline or dt.date.max, self.key)


def period_of(key: str) -> Period:
    """The ``Period`` of a key made by ``period_expression``: ``2024K1`` or
    ``TOTAAL|2024-03-10``."""
    period, _, deadline = key.partition("|")
    return Period(key, period, dt.date.fromisoformat(deadline) if deadline else None)


@dataclass
class Counts:
    """Records, errors and warnings of the deliveries that count."""

    records: int = 0
    processed: int = 0
    not_processed: int = 0
    errors: int = 0
    warnings: int = 0

    @property
    def errors_per_record(self) -> float | None:
        return self.errors / self.records if self.records else None

    @property
    def warnings_per_record(self) -> float | None:
        return self.warnings / self.records if self.records else None

    @property
    def not_processed_share(self) -> float | None:
        """Records with an error, or all records of a rejected delivery: not processed."""
        return self.not_processed / self.records if self.records else None


@dataclass
class Row:
    """One period (institution dashboard) or one institution (the hub operator's)."""

    statuses: dict[str, int] = field(default_factory=dict)
    counted: int = 0
    latest_status: str | None = None
    counts: Counts = field(default_factory=Counts)

    @property
    def deliveries(self) -> int:
        return sum(self.statuses.values())

    def status_counts(self) -> list[tuple[str, int]]:
        """Every status in chart order, with its number of deliveries (zeros included)."""
        return [(status, self.statuses.get(status, 0)) for status in STATUS_ORDER]


@dataclass(frozen=True)
class Ranked:
    """A finding code or field and how often it occurred."""

    name: str
    errors: int
    warnings: int

    @property
    def total(self) -> int:
        return self.errors + self.warnings


@dataclass(frozen=True)
class FieldCompleteness:
    """One field of the dictionary: how many records of the deliveries that count have a value."""

    name: str
    required: bool
    filled: int
    records: int

    @property
    def share(self) -> float | None:
        return self.filled / self.records if self.records else None


@dataclass(frozen=True)
class Completeness:
    """Completeness per field over the deliveries that count, the least complete first."""

    fields: list[FieldCompleteness] = field(default_factory=list)
    #: Deliveries that count and have counts per field (those summed).
    counted: int = 0
    #: Deliveries that count but have no counts per field: left out.
    without_counts: int = 0


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    row: Row


@dataclass(frozen=True)
class InstitutionRow:
    institution: Institution
    row: Row


@dataclass(frozen=True)
class Dashboard:
    periods: list[PeriodRow]
    codes: list[Ranked]
    fields: list[Ranked]
    completeness: Completeness = field(default_factory=Completeness)

    @property
    def is_empty(self) -> bool:
        return not self.periods


@dataclass(frozen=True)
class Overview:
    """The hub operator's dashboard: one row per institution."""

    institutions: list[InstitutionRow]
    codes: list[Ranked]
    fields: list[Ranked]
    completeness: Completeness = field(default_factory=Completeness)

    @property
    def is_empty(self) -> bool:
        return not self.institutions


# --- the deliveries that count ----------------------------------------------------------------


def period_expression(deadlines: Iterable[dt.date]) -> Case:
    """The period a delivery is for, in SQL: its own, or for ``TOTAAL`` the first ``TOTAAL``
    deadline on or after its delivery day (``TOTAAL|2024-03-10``; plain ``TOTAAL`` after the
    last deadline).

    Only the deadlines the caller passes are used: those from the range's first day on and the
    first one after it, so the expression stays small."""
    whens = [
        When(
            submitted_at__lt=schedule.start_of_day_after(deadline),
            then=Value(f"{schedule.TOTAAL}|{deadline.isoformat()}"),
        )
        for deadline in sorted(deadlines)
        if schedule.start_of_day_after(deadline) is not None
    ]
    totaal: Case | Value = (
        Case(*whens, default=Value(schedule.TOTAAL), output_field=CharField())
        if whens
        else Value(schedule.TOTAAL)
    )
    return Case(
        When(period=schedule.TOTAAL, then=totaal),
        default="period",
        output_field=CharField(),
    )


def _totaal_deadlines(sub_delivery: SubDelivery, since: dt.date, until: dt.date) -> list[dt.date]:
    """The ``TOTAAL`` deadlines that deliveries from ``since`` to ``until`` can be for."""
    plan = schedule.schedules([sub_delivery.pk], schedule.horizon(until)).get(sub_delivery.pk, [])
    deadlines = sorted(e.deadline for e in plan if e.period == schedule.TOTAAL)
    inside = [d for d in deadlines if since <= d <= until]
    after = [d for d in deadlines if d > until][:1]
    return inside + after


def periods_in(sub_delivery: SubDelivery, since: dt.date, until: dt.date) -> Case:
    """The :func:`period_expression` of deliveries from ``since`` to ``until`` (one query: the
    sub-delivery's schedule)."""
    return period_expression(_totaal_deadlines(sub_delivery, since, until))


def production(
    deliveries: QuerySet[Delivery],
    sub_delivery: SubDelivery,
    since: dt.date,
    until: dt.date,
    period: Case,
) -> QuerySet[Delivery]:
    """The production deliveries of ``sub_delivery`` in the range, each with its ``period``
    (:func:`periods_in`).

    ``deliveries`` is already scoped (one institution's, or ``unscoped()`` for the hub)."""
    rows = schedule.within_days(
        deliveries.filter(sub_delivery=sub_delivery, is_test=False), "submitted_at", since, until
    )
    return rows.annotate(**{PERIOD: period})


def counted(deliveries: QuerySet[Delivery], period: Case) -> QuerySet[Delivery]:
    """Of ``production(...)`` (with the same ``period``): per institution, unit and period the
    most recent finished one (ties: the later id), with its period.

    The deliveries of the range are numbered newest first per institution, unit and period
    (one sort of the range) and the first of each is taken by its id. (A ``NOT EXISTS`` newer
    delivery compared each delivery with its institution's whole history of the sub-delivery,
    as no index holds the computed period; and the range's conditions beside the ids let
    PostgreSQL without statistics number the range again for each of its deliveries.) The
    ids come from ``deliveries``, so the result stays within their scope."""
    newest = (
        deliveries.filter(status__in=FINISHED)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("institution_id"), F("unit_id"), F(PERIOD)],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(newest=1)
    )
    chosen = Delivery.objects.unscoped().filter(pk__in=newest.values("pk"))
    return chosen.annotate(**{PERIOD: period})


# --- the aggregates ---------------------------------------------------------------------------


def _sums() -> dict[str, Coalesce]:
    return {
        "records": Coalesce(Sum("records_total"), 0),
        "processed": Coalesce(Sum("records_processed"), 0),
        "not_processed": Coalesce(Sum("records_not_processed"), 0),
        "errors": Coalesce(Sum("error_count"), 0),
        "warnings": Coalesce(Sum("warning_count"), 0),
    }


def _counts(values: dict[str, int]) -> Counts:
    return Counts(
        records=values["records"],
        processed=values["processed"],
        not_processed=values["not_processed"],
        errors=values["errors"],
        warnings=values["warnings"],
    )


def ranked(deliveries: QuerySet[Delivery], by: str, top: int = TOP) -> list[Ranked]:
    """The ``top`` most frequent values of ``by`` (``code`` or ``field``) among the findings of
    ``deliveries``, most frequent first: one grouped query."""
    rows = (
        Finding.objects.filter(delivery__in=deliveries.values("pk"))
        .exclude(**{by: ""})
        .values(by)
        .annotate(
            errors=Count("pk", filter=Q(level__in=ERROR_LEVELS)),
            warnings=Count("pk", filter=Q(level=WARNING_LEVEL)),
            total=Count("pk"),
        )
        .order_by("-total", by)[:top]
    )
    return [Ranked(row[by], row["errors"], row["warnings"]) for row in rows]


def completeness(deliveries: QuerySet[Delivery], sub_delivery: SubDelivery) -> Completeness:
    """Per field, the share of records with a value in ``deliveries`` (those that count), the
    least complete first (then in the dictionary's order): two queries, the deliveries' counts
    and the fields of the sub-delivery's versions.

    A field is counted over the deliveries whose version has it; it is required as the most
    recent of those versions says. Deliveries without counts are left out and counted."""
    rows = deliveries.order_by().values_list(
        "dictionary_version_id", "records_total", "filled_counts"
    )
    with_counts = [(version, total or 0, counts) for version, total, counts in rows if counts]
    filled: dict[str, int] = {}
    records: dict[str, int] = {}
    for _version, total, counts in with_counts:
        for name, n in counts.items():
            filled[name] = filled.get(name, 0) + n
            records[name] = records.get(name, 0) + total
    specs = _field_specs(sub_delivery, {version for version, _, _ in with_counts})
    fields = [
        FieldCompleteness(name, required, filled[name], records[name])
        for name, required in specs
        if name in filled
    ]
    fields.sort(key=lambda f: f.share if f.share is not None else 1.0)  # stable: then by order
    return Completeness(fields, len(with_counts), len(rows) - len(with_counts))


def _field_specs(sub_delivery: SubDelivery, used: set[int]) -> list[tuple[str, bool]]:
    """The fields (name, required) of the versions ``used``, in the most recent version's order
    and as it says, then those only older versions have. One query, reading only each stored
    definition's list of fields (not its reference tables); the sub-delivery's few versions are
    read whether used or not, so that the number of queries stays the same."""
    definitions = (
        DictionaryVersion.objects.filter(sub_delivery=sub_delivery)
        .order_by("-valid_from", "-pk")
        .values_list("pk", "definition__fields")
    )
    specs: dict[str, bool] = {}
    for pk, fields in definitions:
        if pk in used:
            for spec in fields or ():
                specs.setdefault(spec["name"], bool(spec.get("required")))
    return list(specs.items())


def _grouped(rows: QuerySet[Delivery], key: str, latest: QuerySet[Delivery]) -> dict[object, Row]:
    """Statuses of ``rows`` and the sums of ``latest``, grouped by ``key``: two queries."""
    grouped: dict[object, Row] = {}
    for item in rows.order_by().values(key, "status").annotate(n=Count("pk")):
        grouped.setdefault(item[key], Row()).statuses[item["status"]] = item["n"]
    for item in latest.order_by().values(key).annotate(n=Count("pk"), **_sums()):
        row = grouped.setdefault(item[key], Row())
        row.counted = item["n"]
        row.counts = _counts(item)
    return grouped


def dashboard(
    institution: Institution,
    sub_delivery: SubDelivery,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Dashboard:
    """An institution's data quality of one sub-delivery, per period (oldest first).

    Eight queries: the schedule, statuses, the counted deliveries' sums, their statuses, codes,
    fields, and completeness (two)."""
    since, until = _range(since, until)
    period = periods_in(sub_delivery, since, until)
    scoped = Delivery.objects.for_institution(institution)
    rows = production(scoped, sub_delivery, since, until, period)
    latest = counted(rows, period)
    grouped = _grouped(rows, PERIOD, latest)
    for item in latest.values(PERIOD, "status"):
        grouped[item[PERIOD]].latest_status = item["status"]
    periods = sorted(
        (PeriodRow(period_of(str(key)), row) for key, row in grouped.items()),
        key=lambda p: p.period.order,
    )
    return Dashboard(
        periods,
        ranked(latest, "code"),
        ranked(latest, "field"),
        completeness(latest, sub_delivery),
    )


def across_institutions(
    sub_delivery: SubDelivery, since: dt.date | None = None, until: dt.date | None = None
) -> Overview:
    """The hub operator's view: per institution the statuses of its deliveries and the sums
    of the deliveries that count, with the codes and fields across institutions.

    Counts only, no patient-level data; crossing institutions is the point, so unscoped."""
    since, until = _range(since, until)
    period = periods_in(sub_delivery, since, until)
    rows = production(Delivery.objects.unscoped(), sub_delivery, since, until, period)
    latest = counted(rows, period)
    grouped = _grouped(rows, "institution_id", latest)
    institutions = Institution.objects.in_bulk(list(grouped))
    listed = sorted(
        (InstitutionRow(institutions[pk], row) for pk, row in grouped.items()),
        key=lambda r: (r.institution.name, r.institution.agb_code),
    )
    return Overview(
        listed,
        ranked(latest, "code"),
        ranked(latest, "field"),
        completeness(latest, sub_delivery),
    )


def _range(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    first, last = default_range()
    return since or first, until or last
