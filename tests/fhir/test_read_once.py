"""A field read before the privacy filter (with a BSN in the submission, for the BSN check) is
read again after it only where the filter changed what it read: the records are exactly those
of reading every field after the filter."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from datahub.deliveries import files
from datahub.deliveries.models import Delivery
from datahub.fhir import mapping, parsing, privacy
from datahub.fhir.references import References
from datahub.validation import load_dictionary
from tests.deliveries.conftest import FIXTURES
from tests.fhir.conftest import BSN, NAME, bundle, patient, post, procedure

CAT = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
FHIRPATHS = {
    "PatientCode": "subject.display",
    "Geboortejaar": "subject.resolve().birthDate.toString().substring(0, 4)",
    "Geslacht": "subject.resolve().name.count()",
    "ODS": "bodySite.count()",
    "EersteTweedeOog": "subject.resolve().generalPractitioner.resolve().gender",
    "VaCCPre": "reasonReference.resolve().value.ofType(Quantity).value",
    "Techniek": "subject.resolve().identifier.count()",
    "IOLType": "focalDevice.manipulated.resolve().type.coding.code",
    "Opmerking": "subject.resolve().generalPractitioner.resolve().name.family",
}
MAPPED = replace(
    CAT, fields=tuple(replace(s, fhirpath=FHIRPATHS.get(s.name, s.fhirpath)) for s in CAT.fields)
)


def _entry(resource: dict[str, Any], url: str) -> dict[str, Any]:
    return {"fullUrl": url, "resource": resource}


def _submission() -> dict[str, Any]:
    """Operations whose fields reach resources the filter changes, and ones it leaves alone."""
    doctor = {
        "resourceType": "Practitioner",
        "id": "gp",
        "name": [{"family": "Huisarts"}],
        "gender": "female",
    }
    patient_with_bsn = patient() | {"generalPractitioner": [{"reference": "Practitioner/gp"}]}
    patient_without = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:registry:patient", "value": "PAT2"}],
        "birthDate": "1960-02-02",
        "generalPractitioner": [{"reference": "Practitioner/gp"}],
    }
    acuity = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "visus"},
        "valueQuantity": {"value": 0.4},
    }
    lens = {"resourceType": "Device", "id": "iol", "type": {"coding": [{"code": "1"}]}}
    of_patient = {"subject": {"reference": "urn:uuid:p1"}}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            _entry(  # reaches the Patient (its BSN, name dropped) and through it the doctor
                procedure(
                    1,
                    **of_patient,
                    reasonReference=[{"reference": "urn:uuid:o1"}],
                    contained=[lens],
                    focalDevice=[{"manipulated": {"reference": "#iol"}}],
                ),
                "urn:uuid:op1",
            ),
            _entry(patient_with_bsn, "urn:uuid:p1"),
            _entry(acuity, "urn:uuid:o1"),
            _entry(doctor, "urn:uuid:gp"),
            # its own display dropped
            _entry(
                procedure(2, subject={"reference": "urn:uuid:p2", "display": NAME}), "urn:uuid:op2"
            ),
            # an unchanged patient, whose doctor's name is dropped
            _entry(procedure(3, subject={"reference": "urn:uuid:p2"}), "urn:uuid:op3"),
            _entry(patient_without, "urn:uuid:p2"),
            # an empty object left out of a list: changed, though no element is named dropped
            _entry(procedure(4, bodySite=[{}, {"coding": [{"code": "OD"}]}]), "urn:uuid:op4"),
        ],
    }


def _read_after_the_filter(root: dict[str, Any]) -> list[dict[str, str | None]]:
    """Every field of every record read after the filter (as before the change)."""
    resources = parsing.entries(root)
    compiled = mapping.compile_fields(MAPPED, References(root))
    for at, resource in resources:
        privacy.strip(resource, at)
    return [
        mapping.values_of(MAPPED, compiled, resource)
        for _at, resource in resources
        if resource["resourceType"] == "Procedure"
    ]


def test_the_records_are_those_of_reading_every_field_after_the_filter():
    root = _submission()
    expected = _read_after_the_filter(copy.deepcopy(root))
    resources = parsing.entries(root)
    references = References(root)
    compiled = mapping.compile_fields(MAPPED, references)
    before = {
        index: mapping.evaluated(MAPPED, compiled, resource, references)
        for index, (_at, resource) in enumerate(resources)
        if resource["resourceType"] == "Procedure"
    }
    changed = {
        index for index, (at, resource) in enumerate(resources) if privacy.stripped(resource, at)[1]
    }
    after = [
        mapping.values_after(MAPPED, compiled, resource, index, before[index], changed)
        for index, (_at, resource) in enumerate(resources)
        if index in before
    ]
    assert after == expected
    assert changed == {1, 3, 4, 7}  # the Patient with a BSN, the doctor, Procedures 2 and 4
    # the fields of operation 1 that reached the Patient or the doctor were read again
    first = before[0]
    assert first.reached["Opmerking"] == {0, 1, 3} and first.reached["VaCCPre"] == {0, 2}
    assert first.reached["IOLType"] == {0} and first.reached["OperatieID"] == set()
    assert (first.values["Opmerking"], after[0]["Opmerking"]) == ("Huisarts", None)
    assert (first.values["Geslacht"], after[0]["Geslacht"]) == ("1", "0")
    assert (first.values["Techniek"], after[0]["Techniek"]) == ("2", "1")
    assert after[0]["VaCCPre"] == "0.4" and after[0]["IOLType"] == "1"
    assert after[0]["EersteTweedeOog"] == "female"
    # operation 2's display, operation 3's doctor's name, operation 4's emptied body site
    assert (before[4].values["PatientCode"], after[1]["PatientCode"]) == (NAME, None)
    assert (before[5].values["Opmerking"], after[2]["Opmerking"]) == ("Huisarts", None)
    assert after[2]["Geboortejaar"] == "1960"
    assert (before[7].values["ODS"], after[3]["ODS"]) == ("2", "1")


def test_the_filter_tells_whether_it_changed_a_resource():
    assert privacy.stripped(patient(), "Patient") == privacy.Stripped(
        [
            "Patient.identifier[0]",
            "Patient.name",
            "Patient.address",
            "Patient.telecom",
        ],
        True,
    )
    emptied = procedure(1, bodySite=[{}], note=[])
    assert privacy.stripped(emptied, "Procedure") == privacy.Stripped([], True)
    assert "bodySite" not in emptied and "note" not in emptied
    assert privacy.stripped(procedure(1), "Procedure") == privacy.Stripped([], False)


def test_with_a_bsn_sent_a_record_holds_what_the_filter_left(cataract_mapped, token):
    """The BSN check reads every field before the filter; the record is read after it."""
    cataract_mapped(Opmerking="bodySite.count()", PatientCode="subject.display")
    operation = procedure(
        1,
        subject={"display": NAME, "identifier": {"system": "urn:x", "value": "PAT1"}},
        bodySite=[{}, {"coding": [{"system": "urn:registry:ods", "code": "OD"}]}],
    )
    response = post(token, bundle(operation, patient()))
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.unscoped().get()
    with files.open_plaintext(delivery.file) as stream:
        record = stream.read().decode().splitlines()[1].split(",")
    assert record[:2] == ["OP0001", ""] and record[-1] == "1"
    assert NAME not in ",".join(record) and BSN not in ",".join(record)


def test_a_contained_resource_the_filter_dropped_whole_is_not_reached_after_it(
    cataract_mapped, token
):
    """Read before the filter (a BSN was sent), the contained resources were indexed; one the
    filter then dropped whole (shaped like a BSN identifier at its top) was still found through
    that index, with the name it holds (a review)."""
    from tests.fhir.conftest import BSN_SYSTEM

    cataract_mapped(PatientCode="subject.resolve().name.family")
    hostile = {
        "resourceType": "Patient",
        "id": "p",
        "system": BSN_SYSTEM,
        "value": BSN,
        "name": [{"family": NAME}],
    }
    response = post(token, bundle(procedure(1, contained=[hostile], subject={"reference": "#p"})))
    assert response.status_code == 202, response.content  # the field is just empty
    with files.open_plaintext(Delivery.objects.unscoped().get().file) as stream:
        assert NAME not in stream.read().decode()
