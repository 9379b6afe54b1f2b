"""Forwarding that is behind, for the hub operator.

A production delivery that finished a while ago and still misses a package it should have is
retried by the recovery every ten minutes (``packaging.recover``). A cause that stays (a
processor's pseudonym secret missing, a file that cannot be read, the workers down) keeps it
waiting; the institution sees "not forwarded yet" on its Afnameoverzicht, and the operator,
who can remove the cause, sees it here. No patient data: institution, registry, file name, when
it finished and which processors wait.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet

from datahub.deliveries.models import Delivery
from datahub.forwarding.packaging import finished_on, misses_a_package, never_forwarded, pending
from datahub.institutions.models import Processor

GRACE = dt.timedelta(minutes=15)  # a delivery's own forwarding task may still be running
SHOWN = 50


@dataclass(frozen=True)
class Waiting:
    """A delivery whose forwarding is behind, and the processors that miss its package."""

    delivery: Delivery
    processors: list[str]


@dataclass(frozen=True)
class ProcessorBacklog:
    """For one processor: how many deliveries miss its package, and since when."""

    name: str
    deliveries: int
    oldest: dt.datetime


@dataclass(frozen=True)
class Backlog:
    """The deliveries whose forwarding is behind: the oldest :data:`SHOWN`, their number, and
    per processor."""

    waiting: list[Waiting]
    total: int
    processors: list[ProcessorBacklog]


def backlog(now: dt.datetime) -> Backlog:
    """The forwarding behind at ``now``: the production deliveries finished more than
    :data:`GRACE` ago that miss a package of a processor authorised when they finished (the
    rule of ``packaging.forward_delivery``), oldest first. A few queries, however many
    deliveries: one column per processor (a few)."""
    processors = list(Processor.objects.order_by("name").values_list("pk", "name"))
    columns = {f"waits_{pk}": misses_a_package(pk) for pk, _ in processors}
    behind = _behind(now).annotate(**columns)
    per_processor = behind.aggregate(
        total=Count("pk"),
        **{f"n_{pk}": Count("pk", filter=Q(**{f"waits_{pk}": True})) for pk, _ in processors},
        **{
            f"t_{pk}": Min("processed_at", filter=Q(**{f"waits_{pk}": True}))
            for pk, _ in processors
        },
    )
    rows = behind.select_related("institution", "sub_delivery__registry")[:SHOWN]
    waiting = [
        Waiting(row, [name for pk, name in processors if getattr(row, f"waits_{pk}")])
        for row in rows
    ]
    return Backlog(
        waiting=waiting,
        total=per_processor["total"],
        processors=[
            ProcessorBacklog(name, per_processor[f"n_{pk}"], per_processor[f"t_{pk}"])
            for pk, name in processors
            if per_processor[f"n_{pk}"]
        ],
    )


def _behind(now: dt.datetime) -> QuerySet[Delivery]:
    """The deliveries to forward that miss a package, finished before ``now - GRACE``."""
    return (
        pending(now - GRACE)
        .exclude(never_forwarded())
        .annotate(finished_on=finished_on())
        .filter(misses_a_package())
    )
