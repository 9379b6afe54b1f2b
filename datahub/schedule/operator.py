"""The hub operator's view of one deadline: who delivered, who is late.

Institution names, dates and statuses only (no patient-level data); across institutions, so
the queries are explicitly unscoped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.dictionaries.models import Participation, SubDelivery
from datahub.institutions.models import Institution
from datahub.schedule import services
from datahub.schedule.services import Deadline


class State(Enum):
    DELIVERED = "delivered"
    DELIVERED_LATE = "delivered_late"
    LATE = "late"
    OPEN = "open"


@dataclass(frozen=True)
class InstitutionStatus:
    institution: Institution
    delivered_on: dt.date | None
    latest: Delivery | None
    state: State


def deadlines_of(sub_delivery: SubDelivery) -> list[Deadline]:
    horizon = services.horizon(timezone.localdate())
    return services.schedules([sub_delivery.pk], horizon).get(sub_delivery.pk, [])


def current_entry(entries: Sequence[Deadline], today: dt.date) -> Deadline:
    """The deadline shown first: the one that passed most recently (else the first)."""
    passed = [e for e in entries if e.deadline < today]
    return passed[-1] if passed else entries[0]


def period_status(
    sub_delivery: SubDelivery, entry: Deadline, today: dt.date | None = None
) -> list[InstitutionStatus]:
    """Every institution expected to deliver for ``entry``, late ones first."""
    today = today or timezone.localdate()
    participations = [
        p
        for p in Participation.objects.unscoped()
        .filter(sub_delivery=sub_delivery)
        .select_related("institution")
        if services.covers(p, entry)
    ]
    period_rows = Delivery.objects.unscoped().filter(sub_delivery=sub_delivery, period=entry.period)
    expected = {p.institution_id for p in participations}
    first = _first_accepted(period_rows, entry, expected)
    latest = _latest_production(period_rows, expected)
    rows = [
        _status(
            p.institution, first.get(p.institution_id), latest.get(p.institution_id), entry, today
        )
        for p in participations
    ]
    return sorted(rows, key=lambda r: (r.state is not State.LATE, r.institution.name))


def _first_accepted(
    period_rows: QuerySet[Delivery], entry: Deadline, institution_ids: set[int]
) -> dict[int, dt.date]:
    """Institution → local date of its first accepted delivery that counts for ``entry``.

    The first one, not the latest: a redelivery after the deadline does not make an on-time
    delivery late. For a dated period every delivery of the period counts; for ``TOTAAL`` only
    those after the previous ``TOTAAL`` deadline (``entry.opens_after``). One query: per
    institution a correlated ``LIMIT 1`` that starts in the index on (institution,
    sub-delivery, period, date, id) where the deadline opens, so the years of ``TOTAAL``
    deliveries before it are not read.
    """
    accepted = services.accepted_deliveries(period_rows)
    opens = services.start_of_day_after(entry.opens_after) if entry.opens_after else None
    if entry.period == services.TOTAAL and opens is not None:
        accepted = accepted.filter(submitted_at__gte=opens)
    first = accepted.filter(institution_id=OuterRef("pk")).order_by("submitted_at")
    rows = (
        Institution.objects.filter(pk__in=institution_ids)
        .order_by()
        .annotate(first=Subquery(first.values("submitted_at")[:1]))
        .values_list("pk", "first")
    )
    return {pk: timezone.localdate(moment) for pk, moment in rows if moment is not None}


def _latest_production(
    period_rows: QuerySet[Delivery], institution_ids: set[int]
) -> dict[int, Delivery]:
    """Institution → its latest production delivery of the period (ties: the later id), with
    only what the page shows of it.

    One query: per institution a correlated ``LIMIT 1`` that reads the first entries of the
    index on (institution, sub-delivery, period, date, id), whatever the period's history. (A
    ``NOT EXISTS`` newer delivery read every delivery of the period; a ``TOTAAL`` period is
    the sub-delivery's whole history, and PostgreSQL could choose a nested loop over it.)"""
    production = period_rows.filter(is_test=False)
    newest = production.filter(institution_id=OuterRef("pk")).order_by("-submitted_at", "-pk")
    latest = (
        Institution.objects.filter(pk__in=institution_ids)
        .order_by()
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .values("latest")
    )
    # by id alone: with the period's conditions again SQLite scans the period for the ids
    rows = Delivery.objects.unscoped().filter(pk__in=latest).order_by()
    return {d.institution_id: d for d in rows.only("institution_id", "submitted_at", "status")}


def _status(
    institution: Institution,
    delivered_on: dt.date | None,
    latest: Delivery | None,
    entry: Deadline,
    today: dt.date,
) -> InstitutionStatus:
    if delivered_on is not None:
        state = State.DELIVERED if delivered_on <= entry.deadline else State.DELIVERED_LATE
    else:
        state = State.LATE if entry.deadline < today else State.OPEN
    return InstitutionStatus(institution, delivered_on, latest, state)
