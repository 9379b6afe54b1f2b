"""What the hub may not receive (a BSN, names, addresses, telecom, photos) is never stored."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps

from datahub.deliveries import files
from datahub.deliveries.models import Delivery, StoredFile
from datahub.fhir import privacy
from tests.fhir.conftest import BSN, BSN_SYSTEM, NAME, bundle, issues, patient, post, procedure


def _database_text() -> str:
    """Every row of every table, as text."""
    return "\n".join(str(list(model._base_manager.values_list())) for model in apps.get_models())


def _stored_files_text() -> str:
    parts = []
    for stored in StoredFile.objects.all():
        with files.open_plaintext(stored) as stream:
            parts.append(stream.read().decode())
    return "\n".join(parts)


def test_the_filter_drops_bsns_anywhere_and_a_persons_name_address_telecom_photo():
    sent = bundle(
        patient(),
        procedure(1, performer=[{"actor": {"reference": "Practitioner/7", "display": "Dr. X"}}]),
        {"resourceType": "Practitioner", "name": [{"family": "X"}], "photo": [{"url": "x"}]},
    )
    sent["entry"][1]["resource"]["contained"] = [
        {"resourceType": "RelatedPerson", "telecom": [{"value": "1"}], "patient": {}}
    ]
    dropped = [
        path
        for index, entry in enumerate(sent["entry"])
        for path in privacy.strip(entry["resource"], f"Bundle.entry[{index}].resource")
    ]
    assert dropped == [
        "Bundle.entry[0].resource.identifier[0]",
        "Bundle.entry[0].resource.name",
        "Bundle.entry[0].resource.address",
        "Bundle.entry[0].resource.telecom",
        "Bundle.entry[1].resource.performer[0].actor.display",
        "Bundle.entry[1].resource.contained[0].telecom",
        "Bundle.entry[2].resource.name",
        "Bundle.entry[2].resource.photo",
    ]
    kept = sent["entry"][0]["resource"]
    assert kept["identifier"] == [{"system": "urn:registry:patient", "value": "PAT1"}]
    assert kept["gender"] == "female"


def test_a_bsn_in_a_reference_is_dropped_and_an_emptied_object_with_it():
    resource = procedure(1)
    resource["subject"] = {
        "reference": "Patient/1",
        "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": BSN},
    }
    assert privacy.strip(resource, "Procedure") == ["Procedure.subject.identifier"]
    assert resource["subject"] == {"reference": "Patient/1"}


def test_dropped_elements_are_reported_as_warnings_and_stored_nowhere(
    fhir_cataract, token, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(token, bundle(patient(), procedure(1)))
    assert response.status_code == 202, response.content
    warnings = [issue for issue in issues(response) if issue["severity"] == "warning"]
    assert [w["expression"] for w in warnings if w["code"] == "security"] == [
        ["Bundle.entry[0].resource.identifier[0]"],
        ["Bundle.entry[0].resource.name"],
        ["Bundle.entry[0].resource.address"],
        ["Bundle.entry[0].resource.telecom"],
    ]
    assert BSN not in response.content.decode() and NAME not in response.content.decode()
    assert Delivery.objects.unscoped().get().is_finished
    assert "OP0001" in _database_text()  # (the dump does see the records' findings)
    assert "PAT1" in _stored_files_text()
    for secret in (BSN, NAME, "Verborgenstraat", "0612345678"):
        assert secret not in _database_text()
        assert secret not in _stored_files_text()
        assert secret not in caplog.text


def test_a_bsn_that_a_field_would_take_refuses_the_submission(fhir_cataract, token, caplog):
    caplog.set_level(logging.DEBUG)
    resource = procedure(1)
    resource["subject"] = {"identifier": {"system": BSN_SYSTEM, "value": BSN}}
    response = post(token, bundle(resource, patient()))
    assert response.status_code == 422
    found = issues(response)
    assert [(i["severity"], i["code"]) for i in found] == [("error", "security")]
    assert found[0]["expression"] == ["Bundle.entry[0].resource.subject.identifier.value"]
    assert "PatientCode" in found[0]["diagnostics"]
    assert BSN not in response.content.decode()
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()
    assert BSN not in _database_text()
    assert BSN not in caplog.text
    from datahub.audit.models import Action, AuditEvent

    event = AuditEvent.objects.get(action=Action.DENIED)  # the system sends BSNs: on record
    assert event.institution.agb_code == "11111111"
    assert event.detail == {"code": "CAT", "fields": ["PatientCode"]}


@pytest.mark.parametrize(
    "system",
    [
        "http://fhir.nl/fhir/NamingSystem/BSN",
        "HTTP://FHIR.NL/fhir/NamingSystem/bsn",
        "https://fhir.nl/fhir/NamingSystem/bsn",
        "http://fhir.nl/fhir/NamingSystem/bsn/",
        "URN:OID:2.16.840.1.113883.2.4.6.3",
        "2.16.840.1.113883.2.4.6.3",
    ],
)
def test_a_bsn_under_any_spelling_of_its_system_refuses_the_submission(
    fhir_cataract, token, system
):
    """The address of a naming system is compared as the web compares it: these are all the
    BSN's, and PatientCode (``subject.identifier.value``) would have stored it."""
    resource = procedure(1)
    resource["subject"] = {"identifier": {"system": system, "value": BSN}}
    response = post(token, bundle(resource))
    assert response.status_code == 422, response.content
    assert [i["code"] for i in issues(response)] == ["security"]
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_a_bsn_sent_again_under_another_system_is_not_stored_either(fhir_cataract, token):
    """The BSN is known from the Patient; the operation names the patient by the same number
    under a local system: after the filter the field would still hold it."""
    resource = procedure(1)
    resource["subject"] = {"identifier": {"system": "urn:local:patient", "value": BSN}}
    response = post(token, bundle(patient(), resource))
    assert response.status_code == 422, response.content
    assert [i["code"] for i in issues(response)] == ["security"]
    assert BSN not in response.content.decode()
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    "actor",
    [
        {"reference": "urn:uuid:6f1c", "display": "Dr. Verborgen"},
        {"reference": "#p1", "display": "Dr. Verborgen"},
        {"reference": "PractitionerRole/3", "display": "Dr. Verborgen"},
        {"display": "Dr. Verborgen"},
    ],
)
def test_the_display_of_every_reference_is_dropped_and_a_codings_kept(actor):
    resource = procedure(1, performer=[{"actor": actor}])
    dropped = privacy.strip(resource, "Procedure")
    assert dropped == ["Procedure.performer[0].actor.display"]
    assert "Verborgen" not in str(resource)
    coded = procedure(1, bodySite=[{"coding": [{"code": "OD", "display": "Rechteroog"}]}])
    assert privacy.strip(coded, "Procedure") == []


def test_a_reference_with_an_odd_type_gets_an_answer_not_a_server_error(fhir_cataract, token):
    actor = {"display": "x", "type": ["Practitioner"]}
    response = post(token, bundle(procedure(1, performer=[{"actor": actor}])))
    assert response.status_code in (202, 400), response.content
    assert issues(response)


def test_a_flood_of_dropped_elements_gives_a_bounded_answer(fhir_cataract, token):
    performers = [{"actor": {"reference": "Patient/1", "display": "x"}} for _ in range(3000)]
    response = post(token, bundle(procedure(1, performer=performers)))
    assert response.status_code == 202, response.content[:300]
    security = [i for i in issues(response) if i["code"] == "security"]
    assert len(security) == 1001
    assert "2000" in security[-1]["diagnostics"]


@pytest.mark.parametrize(
    ("bsn", "copy"),
    [
        (BSN, "999 990 019"),
        (BSN, "999-99-0019"),
        (BSN, " NL999990019 "),
        ("012345672", "12345672"),  # 8 digits: the BSN without its leading zero
        ("12345672", "0123.45.672"),
    ],
)
def test_a_bsn_copied_under_another_system_in_another_format_refuses_the_submission(
    cataract_mapped, token, caplog, bsn, copy
):
    """The Patient has the BSN in the BSN system and again, written otherwise, under a local
    system that a field reads through resolve(): its digits are the BSN's, so it is refused
    (and audited) as a BSN taken directly is."""
    from datahub.audit.models import Action, AuditEvent

    caplog.set_level(logging.DEBUG)
    cataract_mapped(PatientCode="subject.resolve().identifier.where(system='urn:local').value")
    person = patient()
    person["identifier"] = [
        {"system": BSN_SYSTEM, "value": bsn},
        {"system": "urn:local", "value": copy},
    ]
    operation = procedure(1, subject={"reference": "urn:uuid:p1"})
    sent = bundle(operation, person)
    sent["entry"][1]["fullUrl"] = "urn:uuid:p1"
    response = post(token, sent)
    assert response.status_code == 422, response.content
    found = issues(response)
    assert [(i["severity"], i["code"]) for i in found] == [("error", "security")]
    assert "PatientCode" in found[0]["diagnostics"]
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.detail == {"code": "CAT", "fields": ["PatientCode"]}
    for text in (bsn, copy.strip(), bsn.lstrip("0")):
        assert text not in response.content.decode()
        assert text not in caplog.text
        assert text not in _database_text()


def test_a_field_with_other_digits_than_the_bsn_is_delivered(cataract_mapped, token):
    """Only the BSN's own digits refuse: the registry's number of the patient is delivered."""
    cataract_mapped(PatientCode="subject.resolve().identifier.where(system='urn:local').value")
    person = patient()
    person["identifier"] = [
        {"system": BSN_SYSTEM, "value": BSN},
        {"system": "urn:local", "value": "999 990 018"},
    ]
    sent = bundle(procedure(1, subject={"reference": "urn:uuid:p1"}), person)
    sent["entry"][1]["fullUrl"] = "urn:uuid:p1"
    response = post(token, sent)
    assert response.status_code == 202, response.content


def test_a_number_in_the_bsn_system_that_cannot_be_a_bsn_refuses_no_field(cataract_mapped, token):
    """A stray "1" in the BSN's system is dropped with it, but a field holding 1 is delivered."""
    cataract_mapped(PatientCode="subject.resolve().identifier.where(system='urn:local').value")
    person = patient()
    person["identifier"] = [
        {"system": BSN_SYSTEM, "value": "1"},
        {"system": "urn:local", "value": "1"},
    ]
    sent = bundle(procedure(1, subject={"reference": "urn:uuid:p1"}), person)
    sent["entry"][1]["fullUrl"] = "urn:uuid:p1"
    response = post(token, sent)
    assert response.status_code == 202, response.content
    dropped = [i for i in response.json()["issue"] if i["code"] == "security"]
    assert any("identifier" in i["expression"][0] for i in dropped)


def test_a_bsn_is_its_digits_in_any_script_and_its_system_in_any_spelling():
    from datahub.fhir.privacy import bsn_key, is_bsn

    for written in (
        "999990019",
        "999 990 019",
        "NL-999.99.0019",
        "٩٩٩٩٩٠٠١٩",
        "９９９ ９９０ ０１９",
    ):
        assert bsn_key(written) == "999990019", written
    assert [bsn_key(v) for v in ("12345678", "00012345678", "OD", "")] == ["012345678"] * 2 + [
        ""
    ] * 2
    for system in (
        BSN_SYSTEM,
        "HTTPS://FHIR.nl/fhir/NamingSystem/bsn/",
        " urn:oid:2.16.840.1.113883.2.4.6.3",
    ):
        assert is_bsn({"system": system, "value": BSN}), system
    for other in (
        None,
        "",
        0,
        [],
        "urn:registry:patient",
        "x" * 300 + BSN_SYSTEM,
        BSN_SYSTEM + "x",
    ):
        assert not is_bsn({"system": other, "value": BSN}), other
    assert not is_bsn(BSN_SYSTEM) and not is_bsn([{"system": BSN_SYSTEM}])
