"""Aangeleverd: an institution's deliveries, filtered, optionally only the latest per period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from datahub.deliveries.models import Delivery
from datahub.institutions.models import Institution
from datahub.schedule.services import newer_than_outer, within_days


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

    "Most recent" keeps per unit, sub-delivery and period the latest production delivery, and the
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
    rows = within_days(rows, "submitted_at", chosen.since, chosen.until)
    return rows.select_related("sub_delivery__registry", "unit").order_by("-submitted_at", "-pk")
