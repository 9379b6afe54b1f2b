"""Which processors may receive which registry's data: the operator's registrations and the
institution's authorisations (machtigingen). Every change is audited; refusals change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.dictionaries.models import Participation, Registry
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.models import Authorisation, Package, ProcessorRegistration, fetchable
from datahub.institutions.models import Institution, Processor


def registrations() -> QuerySet[ProcessorRegistration]:
    """Every open registration, for forms and the operator's page."""
    return ProcessorRegistration.objects.filter(withdrawn_at__isnull=True).select_related(
        "processor", "registry"
    )


def register_processor(
    *, actor: Any, processor: Processor, registry: Registry, request: HttpRequest | None = None
) -> ProcessorRegistration:
    """The operator allows ``processor`` to receive ``registry``'s data."""
    if not isinstance(processor, Processor) or processor.pk is None:
        raise ForwardingError(_("Choose a processor organisation."))
    try:
        with transaction.atomic():
            registration = ProcessorRegistration.objects.create(
                processor=processor, registry=registry, registered_by=_user(actor)
            )
    except IntegrityError:
        raise ForwardingError(
            _("%(processor)s is already registered for %(registry)s.")
            % {"processor": processor.name, "registry": registry.stream}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=registration,
        request=request,
        description=gettext_noop("processor {processor} registered for {stream}"),
        values={"processor": processor.code, "stream": registry.stream},
    )
    return registration


def withdraw_registration(
    *, actor: Any, registration: ProcessorRegistration, request: HttpRequest | None = None
) -> None:
    """No new authorisations; and with it no new packages, whatever was authorised."""
    changed = ProcessorRegistration.objects.filter(
        pk=registration.pk, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    if not changed:
        raise ForwardingError(_("This registration was already withdrawn."))
    record(
        Action.CHANGE,
        actor=actor,
        institution=None,
        processor=registration.processor,
        obj=registration,
        request=request,
        description=gettext_noop("registration of {processor} for {stream} withdrawn"),
        values={"processor": registration.processor.code, "stream": registration.registry.stream},
    )


def registration_of(registration_id: int) -> ProcessorRegistration | None:
    return (
        ProcessorRegistration.objects.select_related("processor", "registry")
        .filter(pk=registration_id)
        .first()
    )


def unfetched_of_registration(registration: ProcessorRegistration) -> int:
    """How many packages of the registry the processor may fetch and has not: withdrawing the
    registration leaves them unfetched, and the purge deletes them."""
    packages = Package.objects.for_processor(registration.processor_id)
    return _unfetched(packages.filter(authorisation__registry=registration.registry_id))


def institutions_authorising(registration: ProcessorRegistration) -> int:
    """How many institutions have an open authorisation under the registration: the forwarding
    that withdrawing it stops. (The hub's operator works across institutions.)"""
    return (
        Authorisation.objects.unscoped()
        .filter(processor=registration.processor_id, registry=registration.registry_id)
        .filter(revoked_at__isnull=True)
        .count()
    )


def participating_registries(institution: Institution) -> QuerySet[Registry]:
    """The registries the institution takes part in (any of their sub-deliveries, ever)."""
    sub_deliveries = Participation.objects.for_institution(institution).values("sub_delivery")
    return Registry.objects.filter(sub_deliveries__in=sub_deliveries).distinct()


def choosable(institution: Institution) -> QuerySet[ProcessorRegistration]:
    """Registrations the local administrator may pick: of registries his institution is in."""
    return registrations().filter(registry__in=participating_registries(institution))


def authorise(
    *,
    actor: Any,
    institution: Institution,
    registry: Registry,
    processor: Processor,
    valid_from: dt.date,
    request: HttpRequest | None = None,
) -> Authorisation:
    """Let ``processor`` receive the institution's ``registry`` data from ``valid_from``."""
    if not participating_registries(institution).filter(pk=registry.pk).exists():
        raise ForwardingError(
            _("Your institution does not take part in %(registry)s.") % {"registry": registry}
        )
    if not registrations().filter(processor=processor, registry=registry).exists():
        raise ForwardingError(
            _("%(processor)s is not a processor registered for %(registry)s.")
            % {"processor": processor, "registry": registry}
        )
    try:
        with transaction.atomic():
            authorisation = Authorisation.objects.create(
                institution=institution,
                registry=registry,
                processor=processor,
                valid_from=valid_from,
                created_by=_user(actor),
            )
    except IntegrityError:
        raise ForwardingError(
            _("%(processor)s is already authorised for %(registry)s.")
            % {"processor": processor, "registry": registry}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        processor=processor,
        obj=authorisation,
        request=request,
        description=gettext_noop("authorised {processor} for {stream} from {since}"),
        values={"processor": processor.code, "stream": registry.stream, "since": valid_from},
    )
    return authorisation


def revoke(*, actor: Any, authorisation: Authorisation, request: HttpRequest | None = None) -> None:
    """Stop forwarding at once: no new packages, and the processor can no longer fetch any."""
    changed = (
        Authorisation.objects.for_institution(authorisation.institution_id)
        .filter(pk=authorisation.pk, revoked_at__isnull=True)
        .update(revoked_at=timezone.now(), revoked_by=_user(actor))
    )
    if not changed:
        raise ForwardingError(_("This authorisation was already revoked."))
    record(
        Action.CHANGE,
        actor=actor,
        institution=authorisation.institution,
        processor=authorisation.processor,
        obj=authorisation,
        request=request,
        description=gettext_noop("authorisation of {processor} for {stream} revoked"),
        values={
            "processor": authorisation.processor.code,
            "stream": authorisation.registry.stream,
        },
    )


def authorisation_of(institution: Institution, authorisation_id: int) -> Authorisation | None:
    return (
        Authorisation.objects.for_institution(institution)
        .select_related("registry", "processor", "institution")
        .filter(pk=authorisation_id)
        .first()
    )


def unfetched_of_authorisation(authorisation: Authorisation) -> int:
    """How many packages under the authorisation its processor may fetch and has not: revoking
    it leaves them unfetched, and the purge deletes them."""
    packages = Package.objects.for_institution(authorisation.institution_id)
    return _unfetched(packages.filter(authorisation=authorisation))


def _unfetched(packages: QuerySet[Package]) -> int:
    return packages.filter(fetchable(), fetched_at__isnull=True).count()


def active_authorisations(
    institution: Institution | int, registry_id: int, moment: dt.datetime
) -> QuerySet[Authorisation]:
    """Authorisations in force at ``moment`` (and not revoked since), for a processor that is
    still registered for the registry."""
    authorisations = Authorisation.objects.for_institution(institution)
    return (
        in_force(authorisations, registry_id, moment, timezone.localdate(moment))
        .select_related("processor")
        .order_by("processor__code")
    )


def in_force(
    authorisations: QuerySet[Authorisation], registry: Any, moment: Any, day: Any
) -> QuerySet[Authorisation]:
    """Of ``authorisations``, those in force for ``registry`` at ``moment`` (on the local
    ``day``): made by then, valid from that day, not revoked, for a processor registered by
    then and still (one registration: a processor withdrawn at that moment and registered again
    later does not get what was delivered in between). The arguments may be values or outer
    references, so that one query can ask it for many deliveries
    (``overview.awaiting_forwarding``)."""
    return authorisations.filter(
        registry_id=registry, revoked_at__isnull=True, created_at__lte=moment, valid_from__lte=day
    ).filter(
        processor__registrations__registry_id=registry,
        processor__registrations__registered_at__lte=moment,
        processor__registrations__withdrawn_at__isnull=True,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
