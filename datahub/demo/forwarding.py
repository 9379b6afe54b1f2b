"""Demo forwarding: IKNL registered for MMY, MRDM for Cataract and MMY, and authorisations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from datahub.dictionaries.models import Registry
from datahub.forwarding import authorisations
from datahub.forwarding.models import Authorisation, ProcessorRegistration
from datahub.institutions.models import Institution, Membership, Processor, Role

SINCE = dt.date(2019, 1, 1)
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


def _local_admin(institution: Institution) -> Any:
    membership = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.LOCAL_ADMIN)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None
