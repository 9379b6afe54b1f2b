"""Demo registries: the three sample dictionaries, and both demo institutions taking part."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
}


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
    for institution in Institution.objects.filter(agb_code__in=["11111111", "44444444"]):
        for sub_delivery in SubDelivery.objects.select_related("registry"):
            first = sub_delivery.versions.order_by("valid_from").first()
            since = first.valid_from if first else dt.date(2020, 1, 1)
            if (
                not services.participations_of(institution)
                .filter(sub_delivery=sub_delivery)
                .exists()
            ):
                services.set_participation(
                    actor=operator, institution=institution, sub_delivery=sub_delivery, since=since
                )
        for registry in Registry.objects.all():
            method = METHODS.get((institution.agb_code, registry.stream), Method.PORTAL)
            if services.method_of(institution, registry) != method:
                services.set_method(
                    actor=operator, institution=institution, registry=registry, method=method
                )
