"""Mapping FHIR resources to records by the data dictionary's FHIRPath (no database)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from datahub.fhir import mapping, parsing
from datahub.fhir.outcome import FhirRefused
from datahub.fhir.references import References
from datahub.validation import FieldSpec, load_dictionary
from tests.deliveries.conftest import FIXTURES
from tests.fhir.conftest import bundle, patient, procedure

CAT = load_dictionary(FIXTURES / "CAT_1.4.xlsx")


def records_of(resources: list[dict]) -> list[dict[str, str | None]]:
    compiled = mapping.compile_fields(CAT)
    return [
        mapping.values_of(CAT, compiled, resource)
        for _path, resource in resources
        if resource["resourceType"] == CAT.general.fhir_resource
    ]


def test_each_procedure_of_a_bundle_is_one_record_by_the_fields_fhirpath():
    root = bundle(procedure(1), patient(), procedure(2, bodySite=[{"coding": [{"code": "OS"}]}]))
    records = records_of(parsing.entries(root))
    assert len(records) == 2
    first = records[0]
    assert first["OperatieID"] == "OP0001"
    assert first["PatientCode"] == "PAT1"
    assert first["ODS"] == "OD"
    assert records[1]["ODS"] == "OS"


def test_a_datetime_becomes_its_date_on_the_dutch_clock_for_a_datum_field():
    late = procedure(1, performedDateTime="2026-05-01T23:30:00+02:00")
    assert records_of(parsing.entries(late))[0]["Operatiedatum"] == "2026-05-01"
    plain = procedure(1, performedDateTime="2026-05-02")
    assert records_of(parsing.entries(plain))[0]["Operatiedatum"] == "2026-05-02"
    # the same moment in UTC: still the first of May in the Netherlands (a quarter's edge)
    utc = procedure(1, performedDateTime="2026-03-31T22:30:00Z")
    assert records_of(parsing.entries(utc))[0]["Operatiedatum"] == "2026-04-01"


def test_a_decimal_in_exponent_form_is_written_out():
    from decimal import Decimal

    from datahub.fhir.mapping import text_of
    from datahub.validation import FieldSpec

    spec = FieldSpec(1, "V", datatype="decimaal")
    assert text_of([Decimal("1E-7")], spec) == "0.0000001"
    assert text_of([Decimal("1.5E+2")], spec) == "150"
    assert text_of([Decimal("1E+999999")], spec) == "1E+999999"  # left for the check to refuse


def test_fields_without_fhirpath_or_without_a_value_are_empty():
    resource = procedure(1)
    del resource["bodySite"]
    record = records_of(parsing.entries(resource))[0]
    assert record["ODS"] is None
    assert record["Geslacht"] is None  # no FHIRPath in the dictionary
    assert set(record) == set(CAT.field_names)


def test_a_single_resource_is_one_record_and_other_types_in_a_bundle_are_ignored():
    assert len(records_of(parsing.entries(procedure(1)))) == 1
    assert records_of(parsing.entries(bundle(patient()))) == []


def test_values_are_text_in_the_dictionarys_formats():
    decimal = FieldSpec(1, "V", datatype="decimaal")
    assert mapping.text_of([Decimal("1.50")], decimal) == "1.50"
    assert mapping.text_of([True], FieldSpec(1, "B")) == "true"
    assert mapping.text_of([{"code": "OD"}], FieldSpec(1, "C", datatype="code")) is None
    stamp = FieldSpec(1, "T", datatype="datumtijd")
    assert mapping.text_of(["2026-05-01T09:30:00.123+02:00"], stamp) == "2026-05-01T09:30:00"


def test_decimals_keep_their_digits_when_read():
    sent = b'{"resourceType": "Observation", "valueDecimal": 1.50}'
    root = parsing.read(sent, "application/json")
    assert str(root["valueDecimal"]) == "1.50"


def test_a_malformed_resource_gets_an_issue_naming_its_element():
    resource = procedure(1, performedDateTime="2026-13-45", bogus=True)
    found = mapping.model_issues("Bundle.entry[0].resource", resource)
    where = {issue.expression for issue in found}
    assert where == {
        "Bundle.entry[0].resource.performedDateTime",
        "Bundle.entry[0].resource.bogus",
    }
    assert all(issue.severity == "error" and issue.code == "invalid" for issue in found)


def test_an_unknown_resource_type_is_invalid():
    found = mapping.model_issues("Bundle.entry[2].resource", {"resourceType": "Operatie"})
    assert [issue.expression for issue in found] == ["Bundle.entry[2].resource.resourceType"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "application/fhir+xml", 415),
        (b'{"resourceType": "Bundle"}', "text/plain", 415),
        (b"{not json", "application/fhir+json", 400),
        (b"[1, 2]", "application/fhir+json", 400),
        (b"", "application/fhir+json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/fhir+json", 400),
        (b'{"resourceType": "Bundle", "type": "searchset"}', "application/fhir+json", 400),
    ],
)
def test_what_is_not_a_bounded_fhir_json_resource_is_refused(body, content_type, status):
    with pytest.raises(FhirRefused) as refused:
        parsing.entries(parsing.read(body, content_type))
    assert refused.value.status == status
    assert refused.value.issues[0].severity == "error"


def test_nesting_below_the_json_readers_limit_but_over_ours_is_refused():
    deep = b'{"resourceType": "Procedure", "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    with pytest.raises(FhirRefused, match="te diep"):
        parsing.read(deep, "application/fhir+json")


def test_nesting_is_refused_from_one_level_over_the_limit_wherever_it_is():
    """Counted level by level: a deep branch behind many shallow ones, objects and lists."""

    def nested(levels: int) -> Any:  # the resource is level 1
        node: Any = "x"
        for level in range(levels - 1):
            node = [node] if level % 2 else {"a": node}
        return node

    for levels, refused in ((parsing.MAX_DEPTH, False), (parsing.MAX_DEPTH + 1, True)):
        shallow = [{"b": [1, {"c": None}]} for _ in range(50)]
        body = {"resourceType": "Procedure", "extension": shallow, "z": nested(levels)}
        data = json.dumps(body).encode()
        if refused:
            with pytest.raises(FhirRefused, match="te diep"):
                parsing.read(data, "application/fhir+json")
        else:
            assert parsing.read(data, "application/fhir+json") == json.loads(data)


def test_a_bundle_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ENTRIES", 3)
    with pytest.raises(FhirRefused) as refused:
        parsing.entries(bundle(*[procedure(n) for n in range(1, 5)]))
    assert refused.value.status == 413


def _mapped(**fhirpaths: str):
    """CAT with some fields' FHIRPath as given."""
    fields = tuple(replace(s, fhirpath=fhirpaths.get(s.name, s.fhirpath)) for s in CAT.fields)
    return replace(CAT, fields=fields)


def test_a_reference_resolves_against_the_entry_it_is_in():
    """``#gp`` in the Patient is the Patient's contained Practitioner, not the Procedure's."""
    gp = {"resourceType": "Practitioner", "id": "gp", "gender": "female"}
    operation = procedure(
        1, subject={"reference": "Patient/p1"}, contained=[gp | {"gender": "male"}]
    )
    root = bundle(
        operation,
        {
            "resourceType": "Patient",
            "id": "p1",
            "generalPractitioner": [{"reference": "#gp"}],
            "contained": [gp],
        },
    )
    dictionary = _mapped(Opmerking="subject.resolve().generalPractitioner.resolve().gender")
    compiled = mapping.compile_fields(dictionary, References(root))
    assert mapping.values_of(dictionary, compiled, operation)["Opmerking"] == "female"


def test_a_version_specific_reference_resolves_to_that_version_only():
    references = References(
        bundle({"resourceType": "Patient", "id": "p1", "meta": {"versionId": "2"}})
    )
    assert len(references.resolve(["Patient/p1/_history/2", "Patient/p1"])) == 2
    assert references.resolve(["Patient/p1/_history/3", "Patient/p2", "#p1", 7, {}]) == []


def test_without_a_submission_resolve_finds_nothing():
    dictionary = _mapped(Geboortejaar="subject.resolve().birthDate")
    compiled = mapping.compile_fields(dictionary)
    assert mapping.values_of(dictionary, compiled, procedure(1))["Geboortejaar"] is None
