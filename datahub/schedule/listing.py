"""Aangeleverd: an institution's deliveries, filtered, optionally only the latest per period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
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

    "Most recent" keeps per sub-delivery and period the latest production delivery, and the
    latest test delivery only when it is newer than that (a test never hides the production
    delivery; a test older than the latest production delivery is superseded). It is applied
    before the other filters: "rejected, most recent only" shows the periods whose latest is
    rejected.
    """
    own = Delivery.objects.for_institution(institution)
    rows = own
    if chosen.most_recent:
        production = own.filter(is_test=False)
        rows = rows.exclude(
            (Q(is_test=False) & newer_than_outer(production))
            | (Q(is_test=True) & newer_than_outer(own))
        )
    if chosen.registry:
        rows = rows.filter(sub_delivery__registry_id=chosen.registry)
    if chosen.code:
        rows = rows.filter(sub_delivery__code=chosen.code)
    if chosen.channel:
        rows = rows.filter(channel=chosen.channel)
    if chosen.status:
        rows = rows.filter(status=chosen.status)
    since = _start_of(chosen.since) if chosen.since else None
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    after = _day_after(chosen.until) if chosen.until else None
    if after is not None:
        rows = rows.filter(submitted_at__lt=after)
    return rows.select_related("sub_delivery__registry").order_by("-submitted_at", "-pk")


def _day_after(day: dt.date) -> dt.datetime | None:
    """The start of the day after ``day``; None after the last day of the calendar."""
    return None if day >= dt.date.max else _start_of(day + dt.timedelta(days=1))


def _start_of(day: dt.date) -> dt.datetime | None:
    """Midnight at the start of ``day`` in the hub's time zone (dates are local dates), in UTC.

    None when that moment has no UTC date (the first day of the calendar, east of Greenwich): no
    delivery lies before it, so such a bound filters nothing out.
    """
    try:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)).astimezone(dt.UTC)
    except OverflowError:
        return None
