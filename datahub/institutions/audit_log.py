"""Which audit events an institution's local administrator may read.

What an institution's log shows (and nothing else):

* the events recorded on behalf of the institution itself;
* the *personal account events* (login, logout, failed login, second-factor events) of its
  people, and only from the moment the person got a role here until that role was deactivated.

A person may also work at another hospital, for a processor or for the hub; what he does there
is recorded for that organisation (or with no institution, like a processor's API tokens or the
hub's own work) and is never shown here. Accounts of processors and of the hub cannot get a role
at an institution (``institutions.services.add_person``), and should one have a role anyway,
its account events are left out too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Institution, Membership
from datahub.institutions.services import processor_or_hub_accounts

#: Events of a person's account rather than of an organisation (recorded without institution).
ACCOUNT_ACTIONS = frozenset(
    {
        Action.LOGIN,
        Action.LOGIN_FAILED,
        Action.LOGOUT,
        Action.SECOND_FACTOR_FAILED,
        Action.SECOND_FACTOR_ADDED,
        Action.SECOND_FACTOR_REMOVED,
    }
)


def events_of(institution: Institution) -> QuerySet[AuditEvent]:
    """The events an institution's local administrator may read (see the module's docstring)."""
    account_events = (
        Q(
            institution__isnull=True,
            processor__isnull=True,
            action__in=sorted(ACCOUNT_ACTIONS),
        )
        & _while_member(institution)
        & ~processor_or_hub_accounts("actor__")
    )
    return AuditEvent.objects.filter(Q(institution=institution) | account_events)


def _while_member(institution: Institution) -> Q:
    """Events whose actor had an active role at the institution at the event's time.

    The membership records its creation and whether it is active now; when it was deactivated
    (and reactivated) follows from the append-only log itself (``services.set_active``).
    Memberships never switched off or on are matched in the database; the few others by their
    periods. An inactive membership whose deactivation is not in the log shows nothing.
    """
    memberships = Membership.objects.for_institution(institution)
    switches = _switches(institution)
    switched = set(switches) | set(memberships.filter(is_active=False).values_list("pk", flat=True))
    plain = memberships.filter(
        user=OuterRef("actor"), is_active=True, created_at__lte=OuterRef("timestamp")
    )
    if switched:
        plain = plain.exclude(pk__in=sorted(switched))
    condition = Q(Exists(plain))
    for membership in memberships.filter(pk__in=sorted(switched)).only(
        "pk", "user_id", "created_at", "is_active"
    ):
        for start, end in _periods(membership, switches.get(membership.pk, [])):
            between = Q(actor_id=membership.user_id, timestamp__gte=start)
            if end is not None:
                between &= Q(timestamp__lt=end)
            condition |= between
    return condition


def _switches(institution: Institution) -> dict[int, list[tuple[dt.datetime, bool]]]:
    """Per membership id, the moments it was deactivated (False) or reactivated (True)."""
    switches: dict[int, list[tuple[dt.datetime, bool]]] = {}
    rows = (
        AuditEvent.objects.filter(
            institution=institution,
            action=Action.CHANGE,
            object_type=Membership._meta.label,
            detail__has_key="active",
        )
        .order_by("timestamp", "id")
        .values_list("object_id", "timestamp", "detail")
    )
    for object_id, timestamp, detail in rows:
        if object_id.isascii() and object_id.isdigit() and isinstance(detail, dict):
            switches.setdefault(int(object_id), []).append((timestamp, bool(detail["active"])))
    return switches


def _periods(
    membership: Any, switches: list[tuple[dt.datetime, bool]]
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The periods in which the membership was active; the last one open if it still is."""
    periods: list[tuple[dt.datetime, dt.datetime | None]] = []
    start: dt.datetime | None = membership.created_at
    for timestamp, active in switches:
        if active and start is None:
            start = timestamp
        elif not active and start is not None:
            periods.append((start, timestamp))
            start = None
    if start is not None and membership.is_active:
        periods.append((start, None))
    return periods
