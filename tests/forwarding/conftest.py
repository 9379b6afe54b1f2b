"""Forwarding fixtures: processors registered and authorised for Cataract, deliveries made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from datahub.deliveries.models import Channel, Delivery, Status
from datahub.dictionaries.models import DictionaryVersion
from datahub.forwarding import authorisations, tokens
from datahub.forwarding.models import Authorisation, Package, ProcessorRegistration
from datahub.institutions.models import Institution, Processor
from tests.deliveries.conftest import cat_csv, cataract, deliver, metadata  # noqa: F401

API = "/api/verwerker"


@pytest.fixture(autouse=True)
def _forwarding_settings(settings):
    """Secrets as production gives them, and the processor API mounted."""
    settings.PSEUDONYM_SECRETS = {"iknl": "iknl-test-secret", "mrdm": "mrdm-test-secret"}
    settings.PACKAGE_RETENTION_DAYS = 30
    settings.ROOT_URLCONF = "tests.forwarding.urls"


@pytest.fixture
def other_processor(db) -> Processor:
    return Processor.objects.create(code="mrdm", name="MRDM")


@pytest.fixture
def registered(cataract, processor, other_processor, operator):  # noqa: F811
    """Both processors registered by the operator for Cataract."""
    registry = cataract.sub_delivery.registry
    for p in (processor, other_processor):
        authorisations.register_processor(actor=operator, processor=p, registry=registry)
    return registry


def authorise(
    institution: Institution, processor: Processor, registry, actor=None
) -> Authorisation:
    return authorisations.authorise(
        actor=actor,
        institution=institution,
        registry=registry,
        processor=processor,
        valid_from=dt.date(2020, 1, 1),
    )


@pytest.fixture
def authorised(registered, institution, processor, local_admin) -> Authorisation:
    """Institution A authorised IKNL (not MRDM) for Cataract."""
    return authorise(institution, processor, registered, local_admin)


def patient_rows(n: int, **changes: dict[str, str]) -> bytes:
    """``n`` valid Cataract records, record i for patient ``PAT000i`` unless changed."""
    edits = {str(i): {"PatientCode": f"PAT{i:04d}"} for i in range(1, n + 1)}
    for key, value in changes.items():
        edits[key] = {**edits.get(key, {}), **value}
    return cat_csv(n, **edits)


@pytest.fixture
def token_of():
    def make(processor: Processor) -> str:
        return tokens.create_token(actor=None, processor=processor, name="etl")[1]

    return make


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def finished_deliveries(
    institution: Institution, version: DictionaryVersion, n: int, start: int = 0, **fields: object
) -> list[Delivery]:
    """``n`` production deliveries of ``version``, processed, written at once (no files): for
    tests of how work grows with the rows."""
    unit = institution.units.get(number=0)
    values: dict[str, object] = {
        "status": Status.PROCESSED,
        "processed_at": dt.datetime.now(dt.UTC),
    }
    values.update(fields)
    return Delivery.objects.bulk_create(
        Delivery(
            institution=institution,
            unit=unit,
            sub_delivery=version.sub_delivery,
            dictionary_version=version,
            channel=Channel.PORTAL,
            period="TOTAAL",
            sequence_number=start + i + 1,
            creation_date=dt.date(2020, 1, 1),
            file_name=f"{institution.agb_code}_0_CAT_1.4_{start + i + 1}_20200101_PROD.csv",
            **values,
        )
        for i in range(n)
    )


def packages_of(
    deliveries: list[Delivery], authorisation: Authorisation, **fields: object
) -> list[Package]:
    """A package (without files) of each delivery for the authorisation's processor, numbered
    on from its last, written at once: for tests of paging and of how work grows."""
    last = Package.objects.for_processor(authorisation.processor_id).order_by("sequence").last()
    start = last.sequence if last else 0
    return Package.objects.bulk_create(
        Package(
            delivery=delivery,
            institution_id=delivery.institution_id,
            processor_id=authorisation.processor_id,
            authorisation=authorisation,
            manifest={
                "institution": "",
                "registry": "Cataract",
                "sub_delivery": "CAT",
                "version": "1.4",
                "period": delivery.period,
            },
            record_count=1,
            sequence=start + i + 1,
            **fields,
        )
        for i, delivery in enumerate(deliveries)
    )


def finished_ago(institution: Institution, **ago: float) -> None:
    """The institution's deliveries finished that long ago, under the authorisations and
    registrations of now (made a minute before)."""
    finished = timezone.now() - dt.timedelta(**ago)
    Delivery.objects.for_institution(institution).update(processed_at=finished)
    before = finished - dt.timedelta(minutes=1)
    Authorisation.objects.for_institution(institution).update(created_at=before)
    ProcessorRegistration.objects.update(registered_at=before)
