"""The hub operator onboards institutions: the institution, its units and its first local
administrator, who then adds the rest of its people himself; and keeps its contact persons per
registry (told of the registry's deadlines and processed deliveries).

Like ``services``, every function checks the acting person's rights itself and writes the
audit log; refusals raise :class:`OnboardingError` with a message for the user. Units are only
added, never deleted: deliveries name them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.dictionaries.models import Registry, RegistryContact
from datahub.forwarding.authorisations import participating_registries
from datahub.institutions import services
from datahub.institutions.models import Institution, Role, Unit


class OnboardingError(Exception):
    """A refused change to an institution; ``str()`` is the user's message."""


def require_operator(actor: Any) -> None:
    if not getattr(actor, "is_hub_operator", False):
        raise OnboardingError(_("Only the hub operator may do this."))


def institutions_overview() -> QuerySet[Institution]:
    """Every institution with its units and its number of active people, in two queries."""
    active = Q(memberships__is_active=True, memberships__user__is_active=True)
    return (
        Institution.objects.annotate(active_people=Count("memberships", filter=active))
        .prefetch_related(Prefetch("units", queryset=Unit.objects.unscoped().order_by("number")))
        .order_by("name", "agb_code")
    )


@transaction.atomic
def add_institution(
    *,
    actor: Any,
    name: str,
    agb_code: str,
    contact_email: str,
    units: Iterable[tuple[int, str]],
    admin_email: str,
    admin_name: str,
    request: HttpRequest | None = None,
) -> Institution:
    """Create an institution with its ``units`` (unit 0 among them) and give ``admin_email``
    the role of local administrator, inviting him (or telling him, if he has an account) once
    all of it is committed. Nothing is stored when any part is refused."""
    require_operator(actor)
    units = sorted(units)
    numbers = [number for number, _name in units]
    if 0 not in numbers:
        raise OnboardingError(_("An institution has at least unit 0."))
    if len(set(numbers)) != len(numbers):
        raise OnboardingError(_("Each unit number can be used once."))
    try:
        with transaction.atomic():
            institution = Institution.objects.create(
                agb_code=agb_code, name=name.strip(), contact_email=contact_email.strip().lower()
            )
    except IntegrityError:  # (the forms say so first; here also when two add it at once)
        raise OnboardingError(_("An institution with this AGB code already exists.")) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        obj=institution,
        description=gettext_noop("institution {name} ({code})"),
        values={"name": institution.name, "code": agb_code},
        request=request,
        detail={"agb_code": agb_code, "name": institution.name, "contact_email": contact_email},
    )
    for number, unit_name in units:
        _create_unit(actor, institution, number, unit_name, request)
    try:
        services.give_role(
            actor=actor,
            institution=institution,
            email=admin_email,
            full_name=admin_name,
            role=Role.LOCAL_ADMIN,
            request=request,
        )
    except services.PeopleError as exc:  # e.g. an account of a processor or of the hub
        raise OnboardingError(str(exc)) from None
    return institution


@transaction.atomic
def change_institution(
    *,
    actor: Any,
    institution: Institution,
    name: str,
    contact_email: str,
    request: HttpRequest | None = None,
) -> Institution:
    """Change the name and contact address; its AGB code never changes (file names carry it)."""
    require_operator(actor)
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    new = {"name": name.strip(), "contact_email": contact_email.strip().lower()}
    old = {field: getattr(institution, field) for field in new}
    if old == new:
        return institution  # nothing changes: nothing to log
    for field, value in new.items():
        setattr(institution, field, value)
    institution.save(update_fields=list(new))
    record(
        Action.CHANGE,
        actor=actor,
        institution=institution,
        obj=institution,
        description=gettext_noop("institution {code}: name or contact address changed"),
        values={"code": institution.agb_code},
        request=request,
        detail={"from": old, "to": new},
    )
    return institution


@transaction.atomic
def add_unit(
    *,
    actor: Any,
    institution: Institution,
    number: int,
    name: str,
    request: HttpRequest | None = None,
) -> Unit:
    require_operator(actor)
    try:
        with transaction.atomic():
            return _create_unit(actor, institution, number, name, request)
    except IntegrityError:  # (the form says so first; here also when two add it at once)
        raise OnboardingError(_("This institution already has a unit with this number.")) from None


def _create_unit(
    actor: Any, institution: Institution, number: int, name: str, request: HttpRequest | None
) -> Unit:
    unit = Unit.objects.create(institution=institution, number=number, name=name.strip())
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        obj=unit,
        description=gettext_noop("unit {number}: {name}"),
        values={"number": number, "name": unit.name},
        request=request,
        detail={"number": number, "name": unit.name},
    )
    return unit


def registry_contacts(institution: Institution) -> QuerySet[RegistryContact]:
    """The institution's contact persons per registry, by registry and address."""
    return RegistryContact.objects.for_institution(institution).select_related("registry")


def registries_of(institution: Institution) -> QuerySet[Registry]:
    """The registries the institution takes part in, by name (a contact person's choices)."""
    return participating_registries(institution).order_by("stream")


@transaction.atomic
def add_registry_contact(
    *,
    actor: Any,
    institution: Institution,
    registry: Registry,
    name: str,
    email: str,
    request: HttpRequest | None = None,
) -> RegistryContact:
    """Add a contact person for one of the registries the institution takes part in."""
    require_operator(actor)
    if not registries_of(institution).filter(pk=registry.pk).exists():
        raise OnboardingError(
            _("%(institution)s does not take part in %(registry)s.")
            % {"institution": institution.name, "registry": registry.stream}
        )
    email = email.strip().lower()
    try:
        with transaction.atomic():
            contact = RegistryContact.objects.create(
                institution=institution, registry=registry, name=name.strip(), email=email
            )
    except IntegrityError:
        raise OnboardingError(
            _("%(email)s is already a contact person for %(registry)s.")
            % {"email": email, "registry": registry.stream}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        obj=contact,
        description=gettext_noop("contact person {email} for {registry}"),
        values={"email": email, "registry": registry.stream},
        request=request,
        detail={"email": email, "name": contact.name, "registry": registry.stream},
    )
    return contact


@transaction.atomic
def remove_registry_contact(
    *,
    actor: Any,
    institution: Institution,
    contact_id: int,
    request: HttpRequest | None = None,
) -> None:
    """Remove one of the institution's contact persons (an id of another institution's is
    refused as one that does not exist)."""
    require_operator(actor)
    contact = registry_contacts(institution).filter(pk=contact_id).first()
    if contact is None:
        raise OnboardingError(_("This contact person no longer exists."))
    values = {"email": contact.email, "registry": contact.registry.stream}
    record(
        Action.DELETE,
        actor=actor,
        institution=institution,
        obj=contact,
        description=gettext_noop("contact person {email} for {registry} removed"),
        values=values,
        request=request,
        detail=values,
    )
    contact.delete()
