"""``POST /api/fhir/{code}``: an institution's system submits FHIR R4 resources.

Authenticated and audited as the upload (the institution's API token; the delivery's creation
is audited with the token as actor). The delivery's fields are query parameters; the body is
a Bundle (batch, transaction, collection) or one resource, as ``application/fhir+json``. The
answer is an OperationOutcome.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import AfterValidator, Field

from datahub.api.auth import TokenAuth, token_of
from datahub.api.deliveries import Text, _bounded, _no_nul
from datahub.api.errors import Problems
from datahub.api.tokens import TokenActor
from datahub.deliveries import intake
from datahub.fhir import outcome, parsing, service

router = Router(auth=TokenAuth(), tags=["FHIR"])


class FhirFields(Schema):
    """The delivery's fields; the hub makes the (CSV) file name from them."""

    unit: int | None = Field(
        None, description="Number of the institution unit; not needed with only one unit."
    )
    period: Annotated[str, AfterValidator(_no_nul)] = Field(
        "",
        description="2020, 2020H1, 2020K1 or 2020M01; for a TOTAAL sub-delivery empty or TOTAAL.",
    )
    is_test: bool = Field(False, description="true for a test delivery.")
    version: Text = Field(
        None, description="Data dictionary version; defaults to the one in force today."
    )
    creation_date: dt.date | None = Field(None, description="Defaults to today.")
    sequence_number: Annotated[int | None, AfterValidator(_bounded)] = Field(
        None,
        description="Higher than every earlier one of this unit and sub-delivery; defaults to "
        f"the next free one. At most {intake.MAX_SEQUENCE}.",
        json_schema_extra={"maximum": intake.MAX_SEQUENCE},
    )


class IssueOut(Schema):
    severity: Literal["error", "warning", "information"]
    code: str = Field(description="FHIR IssueType: invalid, security, processing, ...")
    diagnostics: str = Field(description="The hub's message (Dutch).")
    expression: list[str] = Field(
        default_factory=list, description="Where: Bundle.entry[0].resource.identifier, ..."
    )
    details: dict[str, Any] | None = Field(
        None, description="For a finding of the check: its code (system urn:datahub:bevinding)."
    )


class OperationOutcomeOut(Schema):
    resourceType: Literal["OperationOutcome"]
    issue: list[IssueOut]


_LOCATION = {
    "Location": {
        "description": "The delivery's status URL (`/api/aanleveringen/{id}`): poll it.",
        "schema": {"type": "string", "format": "uri"},
    }
}
_OPENAPI = {
    "responses": {200: {"headers": _LOCATION}, 202: {"headers": _LOCATION}},
    "requestBody": {
        "required": True,
        "content": {
            outcome.MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "description": "A FHIR R4 Bundle (batch, transaction or collection) or one "
                    "resource of the data dictionary's FHIR resource type.",
                }
            }
        },
    },
}


#: ninja's operationId of :func:`submit`, and the schema of its OperationOutcomes.
_OPERATION_ID = f"{__name__}_submit".replace(".", "_")
_OUTCOME = {"schema": {"$ref": "#/components/schemas/OperationOutcomeOut"}}


def declare_fhir_json(schema: dict[str, Any]) -> None:
    """In the OpenAPI description, the endpoint's OperationOutcomes as what they are:
    ``application/fhir+json`` (ninja declares every answer as the API's ``application/json``)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation.get("operationId") != _OPERATION_ID:
                continue
            for answer in operation["responses"].values():
                if answer.get("content") == {"application/json": _OUTCOME}:
                    answer["content"] = {outcome.MEDIA_TYPE: _OUTCOME}


@router.post(
    "/fhir/{code}",
    response={
        200: OperationOutcomeOut,
        202: OperationOutcomeOut,
        400: OperationOutcomeOut,
        401: Problems,
        413: OperationOutcomeOut,
        415: OperationOutcomeOut,
        422: OperationOutcomeOut,
        503: OperationOutcomeOut,
    },
    summary="Submit FHIR resources",
    url_name="fhir",  # errors.FHIR_VIEW: its invalid input is an OperationOutcome
    openapi_extra=_OPENAPI,
)
def submit(request: HttpRequest, code: str, fields: Query[FhirFields]) -> HttpResponse:
    """Map the resources to records by the data dictionary's FHIRPath, drop what the hub may
    not receive, and deliver the records (channel FHIR) as a file would be delivered.

    Accepted: 202 with an OperationOutcome that names the delivery and its status URL
    (``/api/aanleveringen/{id}``, also in the ``Location`` header), the dropped elements and
    the check's findings per record; a retry of the latest submission: 200, the same. Refused:
    400, 413, 415 or 422 with one issue per problem, 503 when the hub could not store it just
    now; nothing is stored.
    """
    token = token_of(request)
    length = _declared_length(request)
    if length is None:
        message = _("The request's Content-Length is not a number; nothing was stored.")
        return outcome.response(400, [outcome.error("invalid", message)])
    if length > parsing.MAX_BYTES:
        return outcome.response(413, parsing.too_large().issues)
    try:
        accepted = service.submit(
            request.body,
            request.content_type or "",
            code=code,
            fields=service.Fields(**fields.model_dump()),
            institution=token.institution,
            actor=TokenActor(token),
            request=request,
        )
    except outcome.FhirRefused as refused:
        return outcome.response(refused.status, refused.issues)
    response = outcome.response(200 if accepted.repeated else 202, accepted.issues)
    response["Location"] = service.status_url(accepted.delivery)
    return response


def _declared_length(request: HttpRequest) -> int | None:
    """The body's length as the client declared it (0 when it did not); None when it is no
    number (``datahub serve`` refuses such a request itself; Django would fail reading it)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
