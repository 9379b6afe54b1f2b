"""A Cataract registry that institution A takes part in through the web portal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datahub.deliveries import intake
from datahub.deliveries.intake import Metadata
from datahub.deliveries.models import Delivery
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method
from tests.validation.helpers import cat_row, csv_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "datahub" / "fixtures" / "dictionaries"
TODAY = dt.date(2026, 11, 29)


def take_part(
    operator, institutions, workbook: str, method: str = Method.PORTAL, since=dt.date(2020, 1, 1)
) -> DictionaryVersion:
    """Import ``workbook`` and let ``institutions`` take part in its sub-delivery through
    ``method``."""
    version = services.import_workbook((FIXTURES / workbook).read_bytes(), workbook)
    for inst in institutions:
        services.set_participation(
            actor=operator, institution=inst, sub_delivery=version.sub_delivery, since=since
        )
        services.set_method(
            actor=operator, institution=inst, registry=version.sub_delivery.registry, method=method
        )
    return version


@pytest.fixture
def cataract(operator, institution, other_institution) -> DictionaryVersion:
    return take_part(operator, (institution, other_institution), "CAT_1.4.xlsx")


@pytest.fixture
def cataract_entry(operator, institution, other_institution):
    """Institution A enters Cataract by hand; B delivers it through the web portal."""
    version = take_part(operator, (institution,), "CAT_1.4.xlsx", method=Method.ENTRY)
    services.set_participation(
        actor=operator,
        institution=other_institution,
        sub_delivery=version.sub_delivery,
        since=version.valid_from,
    )
    services.set_method(
        actor=operator,
        institution=other_institution,
        registry=version.sub_delivery.registry,
        method=Method.PORTAL,
    )
    return version


def cat_csv(rows: int = 3, **changes: dict[str, str]) -> bytes:
    """A Cataract CSV of ``rows`` valid records; ``changes`` maps record number → field edits."""
    from datahub.validation import load_dictionary

    names = load_dictionary(FIXTURES / "CAT_1.4.xlsx").field_names
    records = [cat_row(n, **changes.get(str(n), {})) for n in range(1, rows + 1)]
    return csv_bytes(names, records)


def metadata(sequence: int = 1, **changes: object) -> Metadata:
    values: dict[str, object] = {
        "file_name": f"11111111_0_CAT_1.4_{sequence}_20261128_PROD.csv",
        "institution_code": "11111111",
        "unit": 0,
        "code": "CAT",
        "version": "1.4",
        "is_test": False,
        "creation_date": dt.date(2026, 11, 28),
        "sequence_number": sequence,
        "period": "",
    }
    values.update(changes)
    return Metadata(**values)  # type: ignore[arg-type]


def deliver(
    institution, user, data: bytes, sequence: int = 1, capture=None, **meta: object
) -> Delivery:
    """Submit a file (Cataract unless ``meta`` says otherwise) through the portal and let it
    be processed (and forwarded) at once."""
    meta_obj = metadata(sequence, **meta)
    with capture(execute=True):
        delivery = intake.submit(
            meta_obj,
            [data],
            size=len(data),
            institution=institution,
            channel="Webportaal",
            actor=user,
        )
    delivery.refresh_from_db()
    return delivery
