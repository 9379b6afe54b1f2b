"""What the Afnameoverzicht shows: where an institution's data goes, and went."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from datahub.deliveries.models import Delivery
from datahub.dictionaries.models import DictionaryVersion, Participation, Registry, RegistryMethod
from datahub.forwarding.models import Authorisation, Package
from datahub.forwarding.packaging import finished_on, is_forwardable, misses_a_package
from datahub.institutions.models import Institution


@dataclass
class RegistryRow:
    registry: Registry
    method: str = ""
    sub_deliveries: list[tuple[str, str]] = field(default_factory=list)  # (name, frequency)
    authorisations: list[Authorisation] = field(default_factory=list)


def registry_rows(institution: Institution, today: dt.date) -> list[RegistryRow]:
    """Per registry the institution takes part in: method, frequency, authorised processors."""
    participations = (
        Participation.objects.for_institution(institution)
        .select_related("sub_delivery__registry")
        .order_by("sub_delivery__registry__stream", "sub_delivery__name")
    )
    frequencies = _frequencies([p.sub_delivery_id for p in participations], today)
    methods = {
        m.registry_id: m.get_method_display()
        for m in RegistryMethod.objects.for_institution(institution)
    }
    rows: dict[int, RegistryRow] = {}
    for p in participations:
        registry = p.sub_delivery.registry
        row = rows.setdefault(registry.pk, RegistryRow(registry, str(methods.get(registry.pk, ""))))
        row.sub_deliveries.append((p.sub_delivery.name, frequencies.get(p.sub_delivery_id, "")))
    for authorisation in current_authorisations(institution):
        if authorisation.registry_id in rows:
            rows[authorisation.registry_id].authorisations.append(authorisation)
    return list(rows.values())


def _frequencies(sub_delivery_ids: list[int], today: dt.date) -> dict[int, str]:
    """The delivery frequency of each sub-delivery's version in force today (else the newest)."""
    found: dict[int, str] = {}
    versions = DictionaryVersion.objects.filter(sub_delivery_id__in=sub_delivery_ids).order_by(
        "sub_delivery_id", "-valid_from"
    )
    by_sub: dict[int, list[DictionaryVersion]] = defaultdict(list)
    for version in versions.only("sub_delivery_id", "valid_from", "valid_to", "frequency"):
        by_sub[version.sub_delivery_id].append(version)
    for sub_id, candidates in by_sub.items():
        current = next((v for v in candidates if v.is_valid_on(today)), candidates[0])
        found[sub_id] = current.frequency
    return found


def current_authorisations(institution: Institution) -> QuerySet[Authorisation]:
    return (
        Authorisation.objects.for_institution(institution)
        .filter(revoked_at__isnull=True)
        .select_related("processor")
        .order_by("registry__stream", "processor__name")
    )


def all_authorisations(institution: Institution) -> QuerySet[Authorisation]:
    """Current and revoked, newest first: the local administrator's history."""
    return (
        Authorisation.objects.for_institution(institution)
        .select_related("processor", "registry", "created_by", "revoked_by")
        .order_by("revoked_at", "registry__stream", "processor__name", "-created_at")
    )


def production_deliveries(institution: Institution) -> QuerySet[Delivery]:
    """Production deliveries with their packages, newest first (the trail)."""
    packages = Package.objects.for_institution(institution).select_related(
        "processor", "authorisation"
    )
    return (
        Delivery.objects.for_institution(institution)
        .filter(is_test=False)
        .select_related("sub_delivery__registry", "file")
        .prefetch_related(Prefetch("packages", queryset=packages.order_by("processor__name")))
        .order_by("-submitted_at", "-id")
    )


def awaiting_forwarding(
    institution: Institution, deliveries: Iterable[Delivery]
) -> dict[int, list[str]]:
    """Of ``deliveries`` (from :func:`production_deliveries`): per delivery still to be
    forwarded, the processors authorised when it finished that have no package of it yet
    (their forwarding has yet to run: the background worker is busy or down, a package
    failed, or the hub lacks a processor's pseudonym secret).

    The rule of ``packaging.forward_delivery``, for a page of deliveries in one query: a
    column per processor the institution ever authorised (a few).
    """
    candidates = [d.pk for d in deliveries if is_forwardable(d) and d.processed_at is not None]
    if not candidates:
        return {}
    granted = Authorisation.objects.for_institution(institution).select_related("processor")
    processors = sorted({(a.processor.name, a.processor_id) for a in granted})
    columns = {f"waits_{pk}": misses_a_package(pk) for _, pk in processors}
    rows = (
        Delivery.objects.for_institution(institution)
        .filter(pk__in=candidates)
        .annotate(finished_on=finished_on())
        .annotate(**columns)
        .values("pk", *columns)
    )
    waiting = {row["pk"]: [name for name, pk in processors if row[f"waits_{pk}"]] for row in rows}
    return {pk: names for pk, names in waiting.items() if names}
