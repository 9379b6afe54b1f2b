"""The Cataract registry delivered through FHIR by institution A (B delivers it through the API),
tokens for both, and FHIR resources to send."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method
from datahub.validation import load_dictionary, write_workbook
from tests.api.conftest import bearer, other_token, token  # noqa: F401  (fixtures)
from tests.deliveries.conftest import FIXTURES, cataract  # noqa: F401  (fixture)

URL = "/api/fhir/CAT"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
BSN = "999990019"
NAME = "Jansen-Verborgen"


@pytest.fixture
def fhir_cataract(cataract, operator, institution, other_institution) -> DictionaryVersion:  # noqa: F811
    """CAT 1.4; A delivers Cataract through FHIR, B through the API."""
    registry = cataract.sub_delivery.registry
    services.set_method(actor=operator, institution=institution, registry=registry, method="FHIR")
    services.set_method(
        actor=operator, institution=other_institution, registry=registry, method=Method.API
    )
    return cataract


@pytest.fixture
def cataract_mapped(operator, institution, other_institution) -> Callable[..., DictionaryVersion]:
    """CAT 1.4 with some fields' FHIRPath as given (``Geslacht="subject.resolve().gender"``);
    A delivers Cataract through FHIR, B through the API."""

    def mapped(**fhirpaths: str) -> DictionaryVersion:
        base = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
        changed = tuple(
            replace(spec, fhirpath=fhirpaths.get(spec.name, spec.fhirpath)) for spec in base.fields
        )
        buffer = io.BytesIO()
        write_workbook(replace(base, fields=changed), buffer)
        version = services.import_workbook(buffer.getvalue(), "CAT_1.4.xlsx")
        registry = version.sub_delivery.registry
        for inst, method in ((institution, Method.FHIR), (other_institution, Method.API)):
            services.set_participation(
                actor=operator,
                institution=inst,
                sub_delivery=version.sub_delivery,
                since=version.valid_from,
            )
            services.set_method(actor=operator, institution=inst, registry=registry, method=method)
        return version

    return mapped


def procedure(number: int = 1, **extra: Any) -> dict[str, Any]:
    """A Cataract operation as a Procedure (OperatieID, PatientCode, Operatiedatum, ODS)."""
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "identifier": [{"system": "urn:oid:2.16.528.1.9999", "value": f"OP{number:04d}"}],
        "status": "completed",
        "subject": {"identifier": {"system": "urn:registry:patient", "value": f"PAT{number}"}},
        "performedDateTime": f"2026-05-{number:02d}T09:30:00+02:00",
        "bodySite": [{"coding": [{"system": "urn:registry:ods", "code": "OD"}]}],
    }
    resource.update(extra)
    return resource


def patient() -> dict[str, Any]:
    """A Patient with what the hub may not receive: a BSN, a name, an address, a phone."""
    return {
        "resourceType": "Patient",
        "identifier": [
            {"system": BSN_SYSTEM, "value": BSN},
            {"system": "urn:registry:patient", "value": "PAT1"},
        ],
        "name": [{"family": NAME, "given": ["Anna"]}],
        "address": [{"line": ["Verborgenstraat 1"], "city": "Zwolle"}],
        "telecom": [{"system": "phone", "value": "0612345678"}],
        "gender": "female",
        "birthDate": "1950-01-01",
    }


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"resource": resource} for resource in resources],
    }


def post(
    secret: str,
    body: Any,
    *,
    content_type: str = "application/fhir+json",
    url: str = URL,
    **query: Any,
) -> Any:
    """POST ``body`` (JSON unless bytes) with ``query`` (``unit`` 0 unless given)."""
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    query.setdefault("unit", 0)
    query = {key: value for key, value in query.items() if value is not None}
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return Client().post(url, data, content_type=content_type, **bearer(secret))


def issues(response: Any) -> list[dict[str, Any]]:
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert response["Content-Type"].startswith("application/fhir+json")
    return body["issue"]
