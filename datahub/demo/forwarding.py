"""Demo forwarding: IKNL registered for MMY, MRDM for Cataract and MMY, and authorisations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.dictionaries.models import Registry
from datahub.forwarding import authorisations, packaging
from datahub.forwarding.models import Authorisation, Package, ProcessorRegistration
from datahub.institutions.models import Institution, Membership, Processor, Role

SINCE = dt.date(2019, 1, 1)
#: How long after its delivery was processed a demo package was made available.
FORWARDED_AFTER = dt.timedelta(minutes=3)
REGISTRATIONS = [("iknl", "MMY"), ("mrdm", "Cataract"), ("mrdm", "MMY")]
#: (institution, processor, registry) authorised in the demo; IKNL for MMY of 44444444 is not.
AUTHORISED = [
    ("11111111", "mrdm", "Cataract"),
    ("11111111", "iknl", "MMY"),
    ("44444444", "mrdm", "Cataract"),
    ("33333333", "mrdm", "Cataract"),
]


def load_forwarding(operator: Any) -> None:
    processors = {p.code: p for p in Processor.objects.all()}
    registries = {r.stream: r for r in Registry.objects.all()}
    registered = {(r.processor.code, r.registry.stream) for r in authorisations.registrations()}
    since = timezone.make_aware(dt.datetime.combine(SINCE, dt.time()))
    for code, stream in REGISTRATIONS:
        if (code, stream) not in registered and stream in registries:
            registration = authorisations.register_processor(
                actor=operator, processor=processors[code], registry=registries[stream]
            )
            # Forwarding follows the registration too: it must cover the demo's years.
            ProcessorRegistration.objects.filter(pk=registration.pk).update(registered_at=since)
    for agb, code, stream in AUTHORISED:
        institution = Institution.objects.get(agb_code=agb)
        exists = Authorisation.objects.for_institution(institution).filter(
            processor=processors[code], registry=registries.get(stream)
        )
        if stream in registries and not exists.exists():
            authorisation = authorisations.authorise(
                actor=_local_admin(institution),
                institution=institution,
                registry=registries[stream],
                processor=processors[code],
                valid_from=SINCE,
            )
            # The demo's deliveries lie years back; so must the authorisations that cover them.
            Authorisation.objects.for_institution(institution).filter(pk=authorisation.pk).update(
                created_at=since
            )


def forward_deliveries(institutions: list[Institution]) -> int:
    """Forward the demo's past deliveries now, oldest first, and date their packages as the hub
    would have made them on the day: a few minutes after the delivery was processed. A package
    that a later delivery of its period replaced was replaced on that day, and expires the
    retention period after it (the purge then deletes its files, as it would have). The number
    of deliveries forwarded.

    Without this the worker would forward them after the demo, and every package of the
    demo's years would say it was made available today."""
    pending = list(
        packaging.pending(timezone.now())
        .filter(institution__in=institutions)
        .exclude(packaging.never_forwarded())
        .values_list("pk", "processed_at")
    )
    for delivery_id, processed_at in pending:
        if processed_at is None:  # (pending ones are processed)
            continue
        made = processed_at + FORWARDED_AFTER
        ids = [package.pk for package in packaging.forward_delivery(delivery_id)]
        Package.objects.unscoped().filter(pk__in=ids).update(created_at=made)
        Delivery.objects.unscoped().filter(pk=delivery_id, forwarding_done_at__isnull=False).update(
            forwarding_done_at=made
        )
    retention = dt.timedelta(days=packaging.retention_days())
    replaced = Package.objects.unscoped().filter(
        institution__in=institutions, superseded_by__isnull=False, fetched_at=None
    )
    for pk, replaced_at in replaced.values_list("pk", "superseded_by__created_at"):
        Package.objects.unscoped().filter(pk=pk).update(
            superseded_at=replaced_at, expires_at=replaced_at + retention
        )
    return len(pending)


def _local_admin(institution: Institution) -> Any:
    membership = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.LOCAL_ADMIN)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None
