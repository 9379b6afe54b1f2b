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

What the page costs must not follow the rest of the hub's log: account events have no
institution, and every hospital's logins are among them. The two kinds are therefore read by two
queries joined by ``UNION ALL``, each on an index of its own: the institution's events by
institution, the account events by person, only those of the institution's (former) people and
only from the moment each got his role here.

The page's filters (``AuditFilter``) narrow both queries before they are joined: they can only
leave events out of what the institution may read, never add any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce

from datahub.accounts.models import User
from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Institution, Membership
from datahub.institutions.services import processor_or_hub_accounts
from datahub.schedule.services import within_days

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


@dataclass(frozen=True)
class AuditFilter:
    """The filters of the log page; empty values filter nothing."""

    action: str = ""
    actor: int | None = None  # a person's id
    email: str = ""  # a part of the login name the event recorded
    object_type: str = ""  # a model's label, as recorded
    object_id: str = ""
    since: dt.date | None = None  # dates in the hub's time zone, both included
    until: dt.date | None = None


def events_of(institution: Institution, chosen: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """The events an institution's local administrator may read (see the module's docstring),
    newest first; with ``chosen`` only those that match it.

    Count, order or slice (page) it, never filter it further: it may be a union.
    """
    chosen = chosen or AuditFilter()
    own = _matching(AuditEvent.objects.filter(institution=institution), chosen).order_by()
    if chosen.action and chosen.action not in ACCOUNT_ACTIONS:
        return own.order_by("-timestamp", "-id")
    account = _matching(_account_events(institution), chosen)
    return own.union(account, all=True).order_by("-timestamp", "-id")


def _matching(events: QuerySet[AuditEvent], chosen: AuditFilter) -> QuerySet[AuditEvent]:
    if chosen.action:
        events = events.filter(action=chosen.action)
    if chosen.actor is not None:
        events = events.filter(actor_id=chosen.actor)
    if chosen.email:
        events = events.filter(actor_label__icontains=chosen.email)
    if chosen.object_type:
        events = events.filter(object_type=chosen.object_type)
    if chosen.object_id:
        events = events.filter(object_id=chosen.object_id)
    return within_days(events, "timestamp", chosen.since, chosen.until)


def people_in_log(institution: Institution) -> QuerySet[User]:
    """The people an institution's log can name, by e-mail address: its people (whose account
    events it shows) and everyone its own events name (a processor's downloads, the hub's
    changes of its participations)."""
    named = AuditEvent.objects.filter(institution=institution, actor__isnull=False)
    members = Membership.objects.for_institution(institution)
    return User.objects.filter(
        Q(pk__in=named.values("actor")) | Q(pk__in=members.values("user"))
    ).order_by("email")


def object_types_in(institution: Institution) -> list[str]:
    """The kinds of object (model labels) the institution's own events name; account events
    name none."""
    named = AuditEvent.objects.filter(institution=institution).exclude(object_type="")
    return list(named.values_list("object_type", flat=True).distinct().order_by("object_type"))


def _account_events(institution: Institution) -> QuerySet[AuditEvent]:
    """The account events of the institution's people while they had an active role here.

    Each event is joined with its person's role here (a person has at most one per
    institution), so that only his own events from the role's creation on are read.
    """
    role = FilteredRelation(
        "actor__memberships", condition=Q(actor__memberships__institution=institution)
    )
    return (
        AuditEvent.objects.annotate(role=role)
        .filter(
            institution__isnull=True,
            processor__isnull=True,
            action__in=sorted(ACCOUNT_ACTIONS),
            role__created_at__lte=F("timestamp"),
        )
        .alias(active_then=_active_then(institution))
        .filter(active_then=True)
        .exclude(processor_or_hub_accounts("actor__"))
        .order_by()  # the union orders
    )


def _active_then(institution: Institution) -> Coalesce:
    """Whether the event's person had an active role (``role``) at the event's time.

    The membership records its creation and whether it is active now; when it was deactivated
    and reactivated follows from the append-only log itself (``services.set_active``, which
    logs only real switches, so they alternate). A role was active at a moment if the first
    switch after it is a deactivation; with no switch after it, if it is active now. An
    inactive role whose deactivation is not in the log therefore shows nothing after its last
    logged switch. One subquery whatever the number of switches or leavers (a condition per
    period made the query too large for SQLite after a thousand leavers).
    """
    switches_after = AuditEvent.objects.filter(
        institution=institution,
        object_type=Membership._meta.label,
        object_id=Cast(OuterRef("role__pk"), output_field=CharField()),
        action=Action.CHANGE,
        detail__has_key="active",
        timestamp__gt=OuterRef("timestamp"),
    ).order_by("timestamp", "id")
    deactivation = ExpressionWrapper(Q(detail__active=False), output_field=BooleanField())
    first_is_deactivation = switches_after.annotate(off=deactivation).values("off")[:1]
    return Coalesce(
        Subquery(first_is_deactivation), F("role__is_active"), output_field=BooleanField()
    )
