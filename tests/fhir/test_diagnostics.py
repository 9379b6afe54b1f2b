"""Every diagnostic of a refused resource is in the request's language: fhir.resources' English
(``Value for the field 'status' is required.``) never reaches the sender."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.fhir.conftest import URL, bearer, bundle, issues, patient, procedure


def _post(secret: str, body: Any, language: str | None = None) -> Any:
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(
        URL + "?unit=0", json.dumps(body), content_type="application/fhir+json", **bearer(secret)
    )


def _without(resource: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key != name}


AT = "Bundle.entry[0].resource"
DATE_TIME = (
    "This is not a FHIR dateTime: write yyyy, yyyy-mm, yyyy-mm-dd or yyyy-mm-ddThh:mm:ss with "
    "a time zone, e.g. 2026-05-01T09:30:00+02:00."
)


@pytest.mark.parametrize(
    ("resource", "expression", "message"),
    [
        (_without(procedure(1), "status"), f"{AT}.status", "This element is required."),
        (
            procedure(1, extension=[{"valueString": "x"}]),
            f"{AT}.extension[0].url",
            "This element is required.",
        ),
        (
            procedure(1, performedString="in mei"),
            AT,
            "Give only one of performedDateTime, performedString: they are one choice element "
            "(performed[x]).",
        ),
        (
            procedure(1, performedDateTime="2026-05-01T09:30:00"),
            f"{AT}.performedDateTime",
            DATE_TIME,
        ),
        (
            procedure(1, performedDateTime="gisteren"),
            f"{AT}.performedDateTime",
            DATE_TIME,
        ),
        (
            {**patient(), "birthDate": "1-1-1950"},
            f"{AT}.birthDate",
            "This is not a FHIR date: write yyyy, yyyy-mm or yyyy-mm-dd, e.g. 2026-05-01.",
        ),
        (
            procedure(1, meta={"lastUpdated": "2026-05-01"}),
            f"{AT}.meta.lastUpdated",
            "This is not a FHIR instant: write yyyy-mm-ddThh:mm:ss with a time zone, e.g. "
            "2026-05-01T09:30:00+02:00.",
        ),
        (
            procedure(1, identifier=[None]),
            f"{AT}.identifier",
            "A list of elements may not hold null.",
        ),
        (
            procedure(1, identifier={"value": "OP1"}),
            f"{AT}.identifier",
            "This must be a list (a JSON array).",
        ),
        (
            procedure(1, identifier=[5]),
            f"{AT}.identifier[0]",
            "This must be an element of type Identifier (a JSON object).",
        ),
        (
            procedure(1, subject="Patient/1"),
            f"{AT}.subject",
            "This must be an element (a JSON object), not a single value.",
        ),
        (procedure(1, id="op 1"), f"{AT}.id", "An id may hold only letters, digits, '-' and '.'."),
        (
            procedure(1, bodySite=[{"coding": [{"code": " OD"}]}]),
            f"{AT}.bodySite[0].coding[0].code",
            "A code may not begin or end with a space, nor hold two spaces in a row.",
        ),
        (
            procedure(1, identifier=[{"value": ""}]),
            f"{AT}.identifier[0].value",
            "This text may not be empty: leave the element out instead.",
        ),
    ],
    ids=[
        "required",
        "required-in-extension",
        "choice-twice",
        "datetime-without-zone",
        "datetime-no-date",
        "date",
        "instant",
        "null-in-list",
        "object-for-list",
        "number-for-element",
        "text-for-element",
        "id",
        "code",
        "empty-string",
    ],
)
def test_each_problem_fhir_resources_finds_is_said_in_the_requests_language(
    fhir_cataract, token, resource, expression, message
):
    response = _post(token, bundle(resource), language="en")
    assert response.status_code == 400, response.content
    found = [(i["code"], i["diagnostics"], i["expression"]) for i in issues(response)]
    assert found == [("invalid", message, [expression])]


def test_a_missing_status_is_said_in_dutch_by_default(fhir_cataract, token):
    """It was ``Value for the field 'status' is required.`` (a review)."""
    response = _post(token, bundle(_without(procedure(1), "status")))
    assert response.status_code == 400
    assert issues(response)[0]["diagnostics"] == "Dit element is verplicht."


def test_two_types_of_one_choice_element_are_named_in_dutch(fhir_cataract, token):
    """It was "Deze waarde kan niet worden gelezen." at ``Procedure`` (a review)."""
    response = _post(token, procedure(1, performedString="in mei"))
    assert response.status_code == 400
    (issue,) = issues(response)
    assert "performedDateTime, performedString" in issue["diagnostics"]
    assert "performed[x]" in issue["diagnostics"]
    assert issue["diagnostics"].startswith("Geef ")


def test_an_error_type_the_hub_does_not_know_gets_a_general_message():
    """A library's custom type whose English the hub has no words for is never passed on."""
    from django.utils.translation import override

    from datahub.api.errors import message_of
    from datahub.fhir.diagnostics import model_message

    unknown = {"type": "fhir-validation-wrong-resource-type", "msg": "expects resource type"}
    with override("nl"):
        assert model_message(unknown) == "Dit element heeft niet de vorm die FHIR R4 voorschrijft."
        assert message_of(unknown) == "Deze waarde kan niet worden gelezen."


@pytest.mark.parametrize(
    ("resource", "expression", "value_set"),
    [
        (procedure(1, status="klaar"), f"{AT}.status", "EventStatus"),
        ({**patient(), "gender": "vrouw"}, f"{AT}.gender", "AdministrativeGender"),
        (
            {"resourceType": "Observation", "status": "definitief", "code": {"text": "visus"}},
            f"{AT}.status",
            "ObservationStatus",
        ),
        (
            procedure(1, contained=[{"resourceType": "Patient", "id": "p", "gender": "V"}]),
            f"{AT}.contained[0].gender",
            "AdministrativeGender",
        ),
    ],
    ids=["procedure-status", "patient-gender", "observation-status", "contained-patient"],
)
def test_a_code_outside_its_required_value_set_is_refused(
    fhir_cataract, token, resource, expression, value_set
):
    """fhir.resources accepted ``status: "klaar"`` (a review): the elements the hub reads are
    checked against the value set FHIR R4 requires of them (the other operation's codes are);
    nothing is stored."""
    from datahub.deliveries.models import Delivery

    others = [procedure(2, status="in-progress"), {**patient(), "gender": "other"}]
    response = _post(token, bundle(resource, *others), language="en")
    assert response.status_code == 400, response.content
    (issue,) = issues(response)
    assert (issue["code"], issue["expression"]) == ("code-invalid", [expression])
    assert issue["diagnostics"].startswith(f"This is not a code of {value_set}, which FHIR R4")
    assert not Delivery.objects.unscoped().exists()


def test_a_choice_element_is_named_up_to_where_its_types_start() -> None:
    from datahub.fhir.diagnostics import _common_prefix

    assert _common_prefix(["valueDate", "valueDateTime"]) == "value"
    assert _common_prefix(["performedDateTime", "performedString"]) == "performed"
