"""Aangeleverd: an institution's deliveries, filtered, optionally only the latest per period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.institutions.models import Institution
from datahub.schedule.services import newer_than_outer


@dataclass(frozen=True)
class DeliveryFilter:
    """The filters of Aangeleverd; empty values filter nothing."""

    registry: int | None = None
    code: str = ""
    channel: str = ""
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    most_recent: bool = False


def deliveries_of(institution: Institution, chosen: DeliveryFilter) -> QuerySet[Delivery]:
    """The institution's deliveries matching ``chosen``, newest first.

    "Most recent" keeps per sub-delivery and period the latest production delivery and the
    latest test delivery (a test never replaces a production delivery), and is applied before
    the other filters: "rejected, most recent only" shows the periods whose latest is rejected.
    """
    own = Delivery.objects.for_institution(institution)
    rows = own
    if chosen.most_recent:
        rows = rows.exclude(newer_than_outer(own, same_test=True))
    if chosen.registry:
        rows = rows.filter(sub_delivery__registry_id=chosen.registry)
    if chosen.code:
        rows = rows.filter(sub_delivery__code=chosen.code)
    if chosen.channel:
        rows = rows.filter(channel=chosen.channel)
    if chosen.status:
        rows = rows.filter(status=chosen.status)
    if chosen.since:
        rows = rows.filter(submitted_at__gte=_start_of(chosen.since))
    if chosen.until:
        rows = rows.filter(submitted_at__lt=_start_of(chosen.until + dt.timedelta(days=1)))
    return rows.select_related("sub_delivery__registry").order_by("-submitted_at", "-pk")


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the hub's time zone (dates are local dates)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
