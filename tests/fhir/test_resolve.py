"""``resolve()`` in a field's FHIRPath: a Procedure's Patient (an Encounter, an Observation) is
another entry of the Bundle or a contained resource; nothing is fetched from elsewhere."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import files
from datahub.deliveries.models import Delivery, StoredFile
from datahub.fhir.references import References
from tests.fhir.conftest import BSN, BSN_SYSTEM, NAME, issues, patient, post, procedure

BIRTH_YEAR = "subject.resolve().birthDate.toString().substring(0, 4)"
SEX = "subject.resolve().gender.select(iif($this = 'male', '1', iif($this = 'female', '2', '9')))"
PATIENT_URN = "urn:uuid:0b5d3a2e-8c4f-4d61-9a7e-3f1c2b6d9e10"


def _stored_record() -> list[str]:
    delivery = Delivery.objects.unscoped().get()
    with files.open_plaintext(delivery.file) as stream:
        return stream.read().decode().splitlines()[1].split(",")


def _findings_of(response: Any, field: str) -> list[str]:
    return [
        issue["details"]["coding"][0]["code"]
        for issue in issues(response)
        if issue["code"] == "business-rule" and f"Veld {field}:" in issue["diagnostics"]
    ]


def _entry(resource: dict[str, Any], full_url: str | None = None) -> dict[str, Any]:
    return {"resource": resource} | ({"fullUrl": full_url} if full_url else {})


def _bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


def _operation_of(reference: str) -> dict[str, Any]:
    """Operation 1, of the patient at ``reference`` (his registry number alongside)."""
    return procedure(
        1, subject={"reference": reference, "identifier": {"system": "urn:x", "value": "PAT1"}}
    )


def _with_id(resource: dict[str, Any], ident: str) -> dict[str, Any]:
    return resource | {"id": ident}


REST = "https://ehr.example/fhir/"
OTHER_SERVER = "https://elders.example/fhir/"
RESOLVED = {
    "by-fullUrl": _bundle(
        _entry(_operation_of(PATIENT_URN), "urn:uuid:5f8e2c1a-7b3d-4e9f-8a6c-1d2e3f4a5b6c"),
        _entry(patient(), PATIENT_URN),
    ),
    "by-type-and-id": _bundle(
        _entry(_operation_of("Patient/p1")), _entry(_with_id(patient(), "p1"))
    ),
    "by-restful-base": _bundle(
        _entry(_with_id(_operation_of("Patient/p1"), "op1"), REST + "Procedure/op1"),
        _entry(
            _with_id(patient() | {"gender": "male", "birthDate": "1960-01-01"}, "p1"),
            "https://elders.example/fhir/Patient/p1",
        ),
        _entry(_with_id(patient(), "p1"), REST + "Patient/p1"),
    ),
    "by-absolute-url": _bundle(
        _entry(_operation_of(REST + "Patient/p1")),
        _entry(_with_id(patient(), "p1"), REST + "Patient/p1"),
    ),
    "contained": _bundle(
        _entry(_operation_of("#p1") | {"contained": [_with_id(patient(), "p1")]}),
    ),
    "by-type-and-id-among-entries-without-a-restful-fullUrl": _bundle(
        _entry(_operation_of("Patient/p1"), "urn:uuid:5f8e2c1a-7b3d-4e9f-8a6c-1d2e3f4a5b6c"),
        _entry(
            _with_id(patient() | {"gender": "male", "birthDate": "1960-01-01"}, "p1"),
            OTHER_SERVER + "Patient/p1",
        ),
        _entry(_with_id(patient(), "p1"), PATIENT_URN),
    ),
    "versioned-relative": _bundle(
        _entry(_operation_of("Patient/p1/_history/3")),
        _entry(_with_id(patient() | {"meta": {"versionId": "3"}}, "p1")),
    ),
    "versioned-absolute": _bundle(
        _entry(_operation_of(REST + "Patient/p1/_history/3")),
        _entry(_with_id(patient() | {"meta": {"versionId": "3"}}, "p1"), REST + "Patient/p1"),
    ),
    "versioned-relative-on-the-same-server": _bundle(
        _entry(_with_id(_operation_of("Patient/p1/_history/3"), "op1"), REST + "Procedure/op1"),
        _entry(_with_id(patient() | {"meta": {"versionId": "3"}}, "p1"), REST + "Patient/p1"),
    ),
}


@pytest.mark.parametrize("sent", RESOLVED.values(), ids=RESOLVED.keys())
def test_a_field_reads_the_patient_the_procedures_subject_refers_to(cataract_mapped, token, sent):
    cataract_mapped(Geboortejaar=BIRTH_YEAR, Geslacht=SEX)
    response = post(token, sent)
    assert response.status_code == 202, response.content
    assert _stored_record()[:5] == ["OP0001", "PAT1", "1950", "2", "2026-05-01"]
    assert _findings_of(response, "Geboortejaar") == _findings_of(response, "Geslacht") == []


UNRESOLVED = {
    "not-in-the-bundle": _bundle(
        _entry(_operation_of("Patient/p2")), _entry(_with_id(patient(), "p1"))
    ),
    "elsewhere": _bundle(
        _entry(_operation_of("https://elders.example/fhir/Patient/p1")),
        _entry(_with_id(patient(), "p1"), REST + "Patient/p1"),
    ),
    "two-with-that-id": _bundle(
        _entry(_operation_of("Patient/p1")),
        _entry(_with_id(patient(), "p1")),
        _entry(_with_id(patient() | {"birthDate": "1960-01-01"}, "p1")),
    ),
    "contained-elsewhere": _bundle(
        _entry(_operation_of("#p1")),
        _entry(
            {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": "#p1"},
                "contained": [_with_id(patient(), "p1")],
            }
        ),
    ),
    # a relative reference in an entry with a RESTful fullUrl is of that server only
    "relative-on-another-server": _bundle(
        _entry(_with_id(_operation_of("Patient/p1"), "op1"), REST + "Procedure/op1"),
        _entry(_with_id(patient(), "p1"), OTHER_SERVER + "Patient/p1"),
    ),
    # without a RESTful fullUrl: type and id among the entries without one only
    "type-and-id-of-an-entry-on-a-server": _bundle(
        _entry(_operation_of("Patient/p1")),
        _entry(_with_id(patient(), "p1"), OTHER_SERVER + "Patient/p1"),
    ),
    "versioned-without-versionId": _bundle(
        _entry(_operation_of("Patient/p1/_history/3")), _entry(_with_id(patient(), "p1"))
    ),
    "versioned-another-version": _bundle(
        _entry(_operation_of(REST + "Patient/p1/_history/3")),
        _entry(_with_id(patient() | {"meta": {"versionId": "2"}}, "p1"), REST + "Patient/p1"),
    ),
    # two resources Patient/p1 are ambiguous whatever their versions
    "versioned-two-with-that-id": _bundle(
        _entry(_operation_of("Patient/p1/_history/1")),
        _entry(_with_id(patient() | {"meta": {"versionId": "1"}}, "p1")),
        _entry(_with_id(patient() | {"meta": {"versionId": "2"}}, "p1")),
    ),
}


@pytest.mark.parametrize("sent", UNRESOLVED.values(), ids=UNRESOLVED.keys())
def test_a_reference_that_does_not_resolve_within_the_bundle_gives_an_empty_field(
    cataract_mapped, token, sent, monkeypatch
):
    """Nothing is looked up outside the submission; the required field is empty (002)."""
    import socket

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("resolve() went to the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    cataract_mapped(Geboortejaar=BIRTH_YEAR, Geslacht=SEX)
    response = post(token, sent)
    assert response.status_code == 202, response.content
    assert _stored_record()[:5] == ["OP0001", "PAT1", "", "", "2026-05-01"]
    assert _findings_of(response, "Geboortejaar") == _findings_of(response, "Geslacht") == ["002"]


def test_a_resolved_patient_has_been_filtered_before_a_field_reads_it(
    cataract_mapped, token, django_capture_on_commit_callbacks
):
    """A field that would read the Patient's name (or address, phone) finds nothing: the
    privacy filter dropped them from the resource resolve() reaches."""
    cataract_mapped(
        Opmerking="subject.resolve().name.family",
        PatientCode="subject.resolve().identifier.where(system = 'urn:registry:patient').value",
        Geboortejaar="subject.resolve().address.city | subject.resolve().telecom.value",
    )
    sent = _bundle(_entry(_operation_of(PATIENT_URN)), _entry(patient(), PATIENT_URN))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(token, sent)
    assert response.status_code == 202, response.content
    record = _stored_record()
    assert record[:3] == ["OP0001", "PAT1", ""]
    assert record[-1] == ""  # Opmerking
    dropped = [i["expression"] for i in issues(response) if i["code"] == "security"]
    assert ["Bundle.entry[1].resource.name"] in dropped
    for secret in (NAME, "Zwolle", "0612345678", BSN):
        assert secret not in response.content.decode()
        assert secret not in ",".join(record)


@pytest.mark.parametrize(
    "fhirpath",
    [
        "subject.resolve().identifier.value",
        f"subject.resolve().identifier.where(system = '{BSN_SYSTEM}').value",
    ],
)
def test_a_field_that_would_take_the_bsn_through_resolve_refuses_the_submission(
    cataract_mapped, token, fhirpath, caplog
):
    caplog.set_level(logging.DEBUG)
    cataract_mapped(PatientCode=fhirpath)
    sent = _bundle(_entry(_operation_of(PATIENT_URN)), _entry(patient(), PATIENT_URN))
    response = post(token, sent)
    assert response.status_code == 422, response.content
    found = issues(response)
    assert [(i["severity"], i["code"]) for i in found] == [("error", "security")]
    assert found[0]["expression"] == [f"Bundle.entry[0].resource.{fhirpath}"]
    assert "PatientCode" in found[0]["diagnostics"]
    assert BSN not in response.content.decode() and BSN not in caplog.text
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.detail == {"code": "CAT", "fields": ["PatientCode"]}


def test_person_data_of_any_resource_that_resolve_reaches_is_dropped_by_its_type(
    cataract_mapped, token, django_capture_on_commit_callbacks
):
    """Names, addresses and telecom are dropped by their FHIR data type wherever they are (an
    Organization's contact, a Location, a PractitionerRole, a CareTeam, a Patient's
    birthPlace extension, a contained or a nested Bundle's resource): a field that reads them
    through resolve() is empty. What the dictionary maps (birth date, sex) stays."""
    cataract_mapped(
        Geboortejaar=BIRTH_YEAR,
        Geslacht=SEX,
        Opmerking="subject.resolve().extension.value.ofType(Address).city",
        PostOpComplicatie="subject.resolve().extension.value.ofType(HumanName).family",
        Techniek="subject.resolve().managingOrganization.resolve().contact.name.family",
        Anesthesie="subject.resolve().managingOrganization.resolve().contact.telecom.value",
        IOLType="location.resolve().address.city",
        PerOpComplicatie="location.resolve().telecom.value",
        EersteTweedeOog="performer[0].actor.resolve().telecom.value",
        Comorbiditeit="performer[1].actor.resolve().telecom.value",
        ControleDatum="performer[0].onBehalfOf.resolve().contact.address.city",
    )
    phone = [{"system": "phone", "value": "0201234567"}]
    person = patient() | {
        "managingOrganization": {"reference": "urn:uuid:org"},
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                "valueAddress": {"city": "Geboortestad"},
            },
            {"url": "urn:x:moeder", "valueHumanName": {"family": "Moedernaam"}},
        ],
    }
    contact = {"name": {"family": "Contactpersoon"}, "telecom": phone, "address": {"city": "X"}}
    operation = _operation_of(PATIENT_URN) | {
        "location": {"reference": "urn:uuid:loc"},
        "performer": [
            {"actor": {"reference": "urn:uuid:role"}, "onBehalfOf": {"reference": "#org"}},
            {"actor": {"reference": "urn:uuid:team"}},
        ],
        "contained": [{"resourceType": "Organization", "id": "org", "contact": [contact]}],
    }
    nested = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Location", "address": {"city": "Genest"}}}],
    }
    sent = _bundle(
        _entry(operation),
        _entry(person, PATIENT_URN),
        _entry({"resourceType": "Organization", "contact": [contact]}, "urn:uuid:org"),
        _entry(
            {"resourceType": "Location", "address": {"city": "Locatiestad"}, "telecom": phone},
            "urn:uuid:loc",
        ),
        _entry({"resourceType": "PractitionerRole", "telecom": phone}, "urn:uuid:role"),
        _entry({"resourceType": "CareTeam", "telecom": phone}, "urn:uuid:team"),
        _entry(nested),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(token, sent)
    assert response.status_code == 202, response.content
    record = _stored_record()
    assert record[:5] == ["OP0001", "PAT1", "1950", "2", "2026-05-01"]
    dropped = [i["expression"][0] for i in issues(response) if i["code"] == "security"]
    for path in (
        "Bundle.entry[0].resource.contained[0].contact[0].name",
        "Bundle.entry[1].resource.extension[0].valueAddress",
        "Bundle.entry[1].resource.extension[1].valueHumanName",
        "Bundle.entry[2].resource.contact[0].telecom",
        "Bundle.entry[3].resource.address",
        "Bundle.entry[4].resource.telecom",
        "Bundle.entry[5].resource.telecom",
        "Bundle.entry[6].resource.entry[0].resource.address",
    ):
        assert path in dropped
    for secret in ("Geboortestad", "Moedernaam", "Contactpersoon", "0201234567", "stad"):
        assert secret not in response.content.decode()
        assert secret not in ",".join(record)


LONG = "https://ehr.example/" + "x" * 5000 + "/fhir/"


@pytest.mark.parametrize(
    ("operation", "where"),
    [
        (_entry(_operation_of("Patient/p1"), LONG + "Procedure/op1"), "Bundle.entry[0].fullUrl"),
        (_entry(_operation_of(LONG + "Patient/p1")), "Bundle.entry[0].resource"),
    ],
    ids=["fullUrl", "reference"],
)
def test_a_fullurl_or_reference_over_4_kb_refuses_the_submission_at_once(
    cataract_mapped, token, operation, where
):
    """Its cost would grow with its length (per reference, the referring entry's base):
    refused, naming the entry, before anything is mapped."""
    cataract_mapped(Geboortejaar=BIRTH_YEAR, Geslacht=SEX)
    reasons = [{"reference": "Observation/o1"}] * 2000
    operation["resource"]["reasonReference"] = reasons
    sent = _bundle(operation, _entry(_with_id(patient(), "p1"), LONG + "Patient/p1"))
    started = time.process_time()
    response = post(token, sent)
    assert time.process_time() - started < 5
    assert response.status_code == 400, response.content[:300]
    found = issues(response)
    assert [(i["severity"], i["code"], i["expression"]) for i in found] == [
        ("error", "too-costly", [where])
    ]
    assert "4096" in found[0]["diagnostics"]
    assert not Delivery.objects.unscoped().exists()


def test_many_candidates_of_a_versioned_reference_are_ambiguous_at_once():
    """5,000 Procedures refer to ``Patient/x/_history/1`` and 5,000 Patients are ``x``: each
    reference is ambiguous from the number of candidates, not by comparing each version."""
    count = 5000
    sent = _bundle(
        *[
            _entry({"resourceType": "Procedure", "subject": {"reference": "Patient/x/_history/1"}})
            for _ in range(count)
        ],
        *[
            _entry({"resourceType": "Patient", "id": "x", "meta": {"versionId": str(n)}})
            for n in range(count)
        ],
    )
    references = References(sent)
    subjects = [entry["resource"]["subject"] for entry in sent["entry"][:count]]
    started = time.process_time()
    assert references.resolve(subjects) == []
    assert time.process_time() - started < 1
