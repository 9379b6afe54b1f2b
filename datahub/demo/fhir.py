"""Demo FHIR deliveries: the eye clinic's Cataract operations, sent as a Bundle through the real
FHIR channel (``fhir.service.submit``, as ``POST /api/fhir/CAT`` would with the clinic's token).

The registry's own dictionary (``CAT_1.4``, a copy of the registry's workbook) maps four fields
to FHIRPath, so a FHIR delivery of it lacks nine required ones. The version the demo publishes
(1.5, see ``deliveries``) maps, in addition, every field an operation's resources carry
(:data:`FHIRPATHS`; ``docs/fhir.md`` explains it). It is the demo's mapping, not the
registry's: its extensions and code systems are made up under ``datahub.example``. Per
operation the Bundle holds

- the **Procedure** (the record): its identifier, the patient's number in ``subject``, the
  date, the eye (``bodySite``), the technique (``code``), the complication during the
  operation (``complication``), the lens (``focalDevice``: a contained Device), and the first
  or second eye, comorbidity, target refraction and anaesthesia as extensions;
- the **Patient** (``subject.resolve()``: birth year and sex), an entry by ``urn:uuid``;
- the **Observation** of the visual acuity before the operation, the reason for it
  (``reasonReference.resolve()``), an entry by ``urn:uuid``.

The follow-up (check-up date, visual acuity and refraction after the operation, complications
after it) is not mapped: it is known weeks later, and no element of the Procedure refers to
it. Nor is ``Opmerking``: free text may name the patient.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import replace
from typing import Any

from django.utils import timezone

from datahub.api import tokens
from datahub.api.demo import FHIR_DEMO_TOKEN, load_demo_token
from datahub.deliveries.models import Delivery
from datahub.fhir import service
from datahub.institutions.models import Institution
from datahub.validation import DataDictionary

#: Extensions and code systems of the demo's mapping (one code system per reference table).
EXTENSION = "https://datahub.example/fhir/StructureDefinition/cataract-"
CODES = "https://datahub.example/fhir/CodeSystem/"
MEASUREMENT = CODES + "cataract-meting"
#: The clinic's own numbers for its operations and patients.
CLINIC = "https://oosterschelde.example/fhir/NamingSystem/"

#: The demo's FHIRPath per field, beside the registry's own four (OperatieID, PatientCode,
#: Operatiedatum, ODS), which it keeps.
FHIRPATHS = {
    "Geboortejaar": "subject.resolve().birthDate.toString().substring(0, 4)",
    "Geslacht": "subject.resolve().gender"
    ".select(iif($this = 'male', '1', iif($this = 'female', '2', '9')))",
    "EersteTweedeOog": f"extension('{EXTENSION}eerste-tweede-oog').value.ofType(Coding).code",
    "Comorbiditeit": f"extension('{EXTENSION}comorbiditeit').value.ofType(Coding).code",
    "VaCCPre": "reasonReference.resolve().ofType(Observation)"
    f".where(code.coding.exists(system = '{MEASUREMENT}' and code = 'VaCCPre'))"
    ".value.ofType(Quantity).value",
    "Streefrefractie": f"extension('{EXTENSION}streefrefractie').value.ofType(decimal)",
    "Techniek": f"code.coding.where(system = '{CODES}TECHNIEK').code",
    "Anesthesie": f"extension('{EXTENSION}anesthesie').value.ofType(Coding).code",
    "IOLType": f"focalDevice.manipulated.resolve().type.coding.where(system = '{CODES}IOL').code",
    "PerOpComplicatie": f"complication.coding.where(system = '{CODES}PEROP').code",
}


def with_fhirpaths(dictionary: DataDictionary) -> DataDictionary:
    """``dictionary`` with the demo's FHIRPath of the fields in :data:`FHIRPATHS`."""
    fields = tuple(
        replace(spec, fhirpath=FHIRPATHS.get(spec.name, spec.fhirpath))
        for spec in dictionary.fields
    )
    return replace(dictionary, fields=fields)


def deliver(
    institution: Institution,
    code: str,
    version: str,
    *,
    unit: int,
    period: str,
    sequence: int,
    records: list[dict[str, str]],
    kind: str,
    is_test: bool,
) -> Delivery:
    """Send ``records`` as a Bundle with the institution's demo token; the delivery made.

    ``kind``: ``ok``; ``errors``: the Patient of the second operation is missing from the
    Bundle (its reference resolves to nothing: birth year and sex are empty, ``002``);
    ``warnings``: the first patient was born 112 years before the operation.
    """
    body = json.dumps(bundle(records, kind)).encode()
    token = tokens.find(load_demo_token(institution, FHIR_DEMO_TOKEN))
    assert token is not None
    fields = service.Fields(
        unit=unit, period=period, is_test=is_test, version=version, sequence_number=sequence
    )
    accepted = service.submit(
        body,
        "application/fhir+json",
        code=code,
        fields=fields,
        institution=institution,
        actor=tokens.TokenActor(token),
    )
    return accepted.delivery


def bundle(records: list[dict[str, str]], kind: str) -> dict[str, Any]:
    """A Bundle of the operations ``records`` (the demo's Cataract records, as text)."""
    entries = []
    for number, record in enumerate(records):
        patient, observation = _url(record, "patient"), _url(record, "visus")
        operation = _procedure(record, patient, observation)
        entries.append({"fullUrl": _url(record, "operatie"), "resource": operation})
        if not (kind == "errors" and number == 1):
            born = _born(record, old=kind == "warnings" and number == 0)
            entries.append({"fullUrl": patient, "resource": _patient(record, born)})
        entries.append({"fullUrl": observation, "resource": _acuity(record, patient)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _url(record: dict[str, str], what: str) -> str:
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{CLINIC}{what}/{record['OperatieID']}")
    )


def _procedure(record: dict[str, str], patient: str, observation: str) -> dict[str, Any]:
    operated = dt.datetime.combine(dt.date.fromisoformat(record["Operatiedatum"]), dt.time(9, 30))
    return {
        "resourceType": "Procedure",
        "contained": [
            {"resourceType": "Device", "id": "iol", "type": _coded("IOL", record["IOLType"])}
        ],
        "extension": [
            _extension("eerste-tweede-oog", "OOG", record["EersteTweedeOog"]),
            _extension("comorbiditeit", "COMORB", record["Comorbiditeit"]),
            {
                "url": f"{EXTENSION}streefrefractie",
                "valueDecimal": float(record["Streefrefractie"]),
            },
            _extension("anesthesie", "ANESTHESIE", record["Anesthesie"]),
        ],
        "identifier": [{"system": f"{CLINIC}operatie", "value": record["OperatieID"]}],
        "status": "completed",
        "code": _coded("TECHNIEK", record["Techniek"]),
        "subject": {
            "reference": patient,
            "identifier": {"system": f"{CLINIC}patient", "value": record["PatientCode"]},
        },
        "performedDateTime": timezone.make_aware(operated).isoformat(),
        "reasonReference": [{"reference": observation}],
        "bodySite": [_coded("ODS", record["ODS"])],
        "complication": [_coded("PEROP", record["PerOpComplicatie"])],
        "focalDevice": [{"manipulated": {"reference": "#iol"}}],
    }


def _patient(record: dict[str, str], born: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": f"{CLINIC}patient", "value": record["PatientCode"]}],
        "gender": {"1": "male", "2": "female"}.get(record["Geslacht"], "unknown"),
        "birthDate": born,
    }


def _born(record: dict[str, str], *, old: bool) -> str:
    """A birth date in the record's birth year (or 112 years before the operation)."""
    year = int(record["Operatiedatum"][:4]) - 112 if old else int(record["Geboortejaar"])
    seed = int(record["OperatieID"])
    return dt.date(year, 1 + seed % 12, 1 + seed % 28).isoformat()


def _acuity(record: dict[str, str], patient: str) -> dict[str, Any]:
    """The corrected visual acuity before the operation, measured a fortnight before it."""
    measured = dt.date.fromisoformat(record["Operatiedatum"]) - dt.timedelta(days=14)
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": MEASUREMENT, "code": "VaCCPre"}]},
        "subject": {"reference": patient},
        "effectiveDateTime": measured.isoformat(),
        "valueQuantity": {
            "value": float(record["VaCCPre"]),
            "system": "http://unitsofmeasure.org",
            "code": "1",
        },
    }


def _coded(table: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{CODES}{table}", "code": code}]}


def _extension(name: str, table: str, code: str) -> dict[str, Any]:
    return {"url": f"{EXTENSION}{name}", "valueCoding": {"system": f"{CODES}{table}", "code": code}}
