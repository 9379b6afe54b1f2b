"""Demo registries: the three sample dictionaries, and the demo institutions taking part."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from datahub.demo.people import INSTITUTIONS
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method, Registry, SubDelivery
from datahub.institutions.models import Institution

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dictionaries"
SAMPLES = ["CAT_1.4.xlsx", "MMYIKNL_2.1.xlsx", "MMYPROMS_2.1.xlsx"]

#: Delivery method per (institution, registry stream) in the demo.
METHODS = {
    ("11111111", "Cataract"): Method.PORTAL,
    ("11111111", "MMY"): Method.PORTAL,
    ("44444444", "Cataract"): Method.ENTRY,  # its clinician enters operations by hand
    ("44444444", "MMY"): Method.API,
    ("33333333", "Cataract"): Method.FHIR,  # its own system sends the operations as FHIR
}
#: The sub-deliveries a demo institution takes part in, when not every one.
ONLY = {"33333333": ("CAT",)}
#: A demo institution that joined recently: since the first of the month this many months ago
#: (the others since the first dictionary version), so that it has a few deliveries only.
JOINED_MONTHS_AGO = {"33333333": 4}


def load_dictionaries(operator: Any) -> list[DictionaryVersion]:
    versions = []
    for name in SAMPLES:
        code, version = name.removesuffix(".xlsx").split("_")
        existing = services.find_version(code, version)
        versions.append(
            existing
            or services.import_workbook((FIXTURES / name).read_bytes(), name, actor=operator)
        )
    return versions


def load_participation(operator: Any) -> None:
    for institution in Institution.objects.filter(agb_code__in=[code for code, *_ in INSTITUTIONS]):
        sub_deliveries = SubDelivery.objects.select_related("registry")
        if institution.agb_code in ONLY:
            sub_deliveries = sub_deliveries.filter(code__in=ONLY[institution.agb_code])
        months = JOINED_MONTHS_AGO.get(institution.agb_code)
        for sub_delivery in sub_deliveries:
            if (
                not services.participations_of(institution)
                .filter(sub_delivery=sub_delivery)
                .exists()
            ):
                services.set_participation(
                    actor=operator,
                    institution=institution,
                    sub_delivery=sub_delivery,
                    since=_since(sub_delivery, months),
                )
        for registry in Registry.objects.filter(sub_deliveries__in=sub_deliveries).distinct():
            method = METHODS.get((institution.agb_code, registry.stream), Method.PORTAL)
            if services.method_of(institution, registry) != method:
                services.set_method(
                    actor=operator, institution=institution, registry=registry, method=method
                )


def _since(sub_delivery: SubDelivery, months: int | None) -> dt.date:
    if months is not None:
        today = timezone.localdate()
        month = today.year * 12 + today.month - 1 - months
        return dt.date(month // 12, month % 12 + 1, 1)
    first = sub_delivery.versions.order_by("valid_from").first()
    return first.valid_from if first else dt.date(2020, 1, 1)
