"""Deliveries through the API: upload a file, poll its status, fetch its report (JSON or CSV).

The endpoints are thin: the same intake checks and submission as the upload page
(``datahub.deliveries.intake``) with the channel ``API``, and the same stored report as the
Details page. Every fetch is written to the audit log; another institution's delivery id is
not found (404) and the attempt is logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import File, Form, Query, Router, Schema
from ninja import Status as Reply
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import AfterValidator, Field

from datahub.api import multipart
from datahub.api.auth import TokenAuth, token_of
from datahub.api.errors import (
    FILE_KEY,
    Problems,
    hub_error,
    incomplete,
    refuse_unknown_parameters,
    refused,
)
from datahub.api.tokens import TokenActor
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import intake, reports, uploads
from datahub.deliveries.intake import Metadata
from datahub.deliveries.models import ENGINE_STATUS_LABEL, Channel, Delivery
from datahub.deliveries.models import Status as DeliveryStatus
from datahub.forwarding.api import Moment
from datahub.timestamps import UtcMoment

CHANNEL = Channel.API

router = Router(auth=TokenAuth(), tags=["Aanleveringen"])


def _bounded(number: int | None) -> int | None:
    """A sequence number the database can hold (a 32-bit integer on PostgreSQL)."""
    if number is not None and number > intake.MAX_SEQUENCE:
        raise hub_error("sequence_number_too_high", intake.sequence_too_high())
    return number


def _no_nul(text: str | None) -> str | None:
    """No field holds a NUL character (PostgreSQL refuses it in a query)."""
    if text is not None and "\x00" in text:
        raise hub_error("nul", _("This field holds a character that is not allowed (NUL)."))
    return text


Text = Annotated[str | None, AfterValidator(_no_nul)]


class DeliveryFields(Schema):
    """The fields of the upload page. A field left out is taken from the file name."""

    file_name: Text = Field(
        None,
        description="The delivery's file name; defaults to the name of the uploaded file part "
        "(from which Django strips any path, so send it here to have it checked as given).",
    )
    institution_code: Text = Field(None, description="AGB code of the institution.")
    unit: int | None = Field(None, description="Number of the institution unit (0, 1, ...).")
    code: Text = Field(None, description="Code of the sub-delivery, e.g. CAT.")
    version: Text = Field(None, description="Data dictionary version, e.g. 1.4.")
    is_test: bool | None = Field(None, description="true for a test delivery.")
    creation_date: dt.date | None = Field(None, description="Date the file was made.")
    sequence_number: Annotated[int | None, AfterValidator(_bounded)] = Field(
        None,
        description="Higher than every earlier one of this unit and sub-delivery; "
        f"at most {intake.MAX_SEQUENCE}.",
        json_schema_extra={"maximum": intake.MAX_SEQUENCE},
    )
    period: Annotated[str, AfterValidator(_no_nul)] = Field(
        "",
        description="2020, 2020H1, 2020K1 or 2020M01; for a TOTAAL sub-delivery empty or TOTAAL.",
    )


class RecordCounts(Schema):
    total: int | None
    processed: int | None
    not_processed: int | None


class DeliveryLinks(Schema):
    status: str
    report: str
    report_csv: str
    portal: str


class DeliveryOut(Schema):
    id: int
    file_name: str
    code: str
    version: str
    unit: int
    period: str
    sequence_number: int
    is_test: bool
    channel: str
    status: str = Field(description="aangeleverd, in_verwerking, verwerkt, ...")
    status_label: str = Field(description="The status as the report and the portal name it.")
    finished: bool
    submitted_at: UtcMoment
    processed_at: UtcMoment | None
    records: RecordCounts
    progress_percent: int = Field(description="Share of the file read so far while processing.")
    errors: int | None
    warnings: int | None
    links: DeliveryLinks


class ReportFinding(Schema):
    record: int | None
    line: int | None
    level: str
    code: str
    field: str | None
    value: str | None
    message: str
    keys: dict[str, str | None]


class ReportDictionary(Schema):
    code: str
    version: str


class ReportOut(Schema):
    """Exactly the JSON of ``datahub validate --format json`` on the same file."""

    file: str | None
    dictionary: ReportDictionary
    status: str
    records: RecordCounts
    errors: int | None
    warnings: int | None
    findings: list[ReportFinding]


@router.post(
    "/aanleveringen",
    response={
        200: DeliveryOut,
        202: DeliveryOut,
        400: Problems,
        401: Problems,
        413: Problems,
        422: Problems,
        503: Problems,
    },
    summary="Deliver a file",
    url_name="upload",  # errors.UPLOAD_VIEW: its invalid input is a refused delivery
)
def upload(
    request: HttpRequest, file: File[UploadedFile], fields: Form[DeliveryFields]
) -> Reply[Any]:
    """Deliver a file with the fields of the upload page; every check of "Controleren" runs.

    Accepted: 202 with the delivery (status ``aangeleverd``); poll ``links.status`` until
    ``finished``. Refused: 400 (or 413 for a file over the maximum) with the problems per
    field; nothing is stored. 503 when the hub could not store the file: try again later.
    """
    token = token_of(request)
    if multipart.interrupted(request):  # (a later file part was cut off)
        return Reply(400, incomplete())
    sent = len(request.FILES.getlist(FILE_KEY))
    if sent > 1:  # ninja would take the last one without a word
        message = _("Send one file per delivery; this request holds %(count)s parts “file”.")
        return Reply(400, refused({FILE_KEY: [message % {"count": sent}]}))
    if (file.size or 0) > settings.MAX_UPLOAD_BYTES:
        return Reply(413, refused(_too_large()))
    metadata = _metadata(file, fields)
    try:
        delivery = intake.submit(
            metadata,
            file.chunks(),
            size=file.size or 0,
            institution=token.institution,
            channel=CHANNEL,
            actor=TokenActor(token),
            request=request,
        )
    except intake.StorageUnavailable as exc:
        return Reply(503, refused(exc.problems))
    except intake.DeliveryRefused as exc:
        earlier = intake.landed_before(token.institution, metadata, file.chunks(), exc.problems)
        if earlier is not None:  # a retry of an upload that did land (its answer was lost)
            return Reply(200, _out(_own(request, earlier.pk)))
        return Reply(400, refused(exc.problems))
    # Read again: processing may already have started (or, with an immediate backend, ended).
    return Reply(202, _out(_own(request, delivery.pk)))


def _metadata(file: UploadedFile, fields: DeliveryFields) -> Metadata:
    """The posted fields, each one left out filled from the file name as the page does."""
    name = fields.file_name if fields.file_name is not None else (file.name or "")
    metadata = intake.metadata_from_name(name)
    given = fields.model_dump(exclude_unset=True, exclude={"file_name"})
    for key, value in given.items():
        if value is not None:
            setattr(metadata, key, value.strip() if isinstance(value, str) else value)
    metadata.code = metadata.code.upper()
    metadata.period = metadata.period.upper()
    return metadata


def _too_large() -> dict[str, list[str]]:
    return {"": [uploads.too_large()]}


#: Deliveries a list call answers with, at the most.
LIST_PAGE = 100


@router.get(
    "/aanleveringen",
    response={200: list[DeliveryOut], 401: Problems, 422: Problems},
    summary="The institution's deliveries",
)
def deliveries(
    request: HttpRequest,
    since: Annotated[
        Moment,
        Query(
            None,  # with the validator of Moment beside it, ninja would make it required
            description="Only deliveries delivered at or after this moment (`submitted_at`).",
        ),
    ] = None,
    code: Annotated[str | None, Query(max_length=50, description="Only this sub-delivery.")] = (
        None
    ),
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries with this status now.")
    ] = None,
) -> list[DeliveryOut]:
    """Your institution's deliveries through any channel (also those delivered on the portal,
    entered by hand or sent as FHIR), in the order they were delivered, at most 100 a call.

    The list is what the hub holds at the moment of the call: a delivery still being
    submitted then shows on a later call, with its own `submitted_at` (a moment just before).
    To follow the deliveries, ask with `since` a few minutes before the latest `submitted_at`
    you received, and skip the ids you have; for more than 100, ask again from the last
    `submitted_at` of the answer. `status` is the status now: poll a delivery's own status
    until it is `finished`."""
    refuse_unknown_parameters(request, deliveries)
    token = token_of(request)
    rows = (
        Delivery.objects.for_institution(token.institution)
        .select_related("sub_delivery__registry", "dictionary_version", "unit")
        .defer(*_NOT_SHOWN)
    )
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    if code:
        rows = rows.filter(sub_delivery__code=code.strip().upper())
    if status is not None:
        rows = rows.filter(status=status)
    page = list(rows.order_by("submitted_at", "pk")[:LIST_PAGE])
    record(
        Action.VIEW,
        actor=TokenActor(token),
        institution=token.institution,
        request=request,
        description=gettext_noop("list of {count} deliveries (API)"),
        values={"count": len(page)},
        detail={"deliveries": [d.pk for d in page]},
    )
    return [_out(d) for d in page]


@router.get(
    "/aanleveringen/{delivery_id}",
    response={200: DeliveryOut, 401: Problems, 404: Problems, 422: Problems},
    summary="A delivery's status",
)
def status(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    """Status and counts; poll it (every few seconds) until ``finished`` is true."""
    delivery = _own(request, delivery_id)
    _audit(request, Action.VIEW, delivery, gettext_noop("delivery status (API)"))
    return _out(delivery)


@router.get(
    "/aanleveringen/{delivery_id}/verslag",
    response={200: ReportOut, 401: Problems, 404: Problems, 409: Problems, 422: Problems},
    summary="The processing report (JSON)",
)
def report(request: HttpRequest, delivery_id: int) -> StreamingHttpResponse:
    """The report in the validation engine's JSON format, once the delivery is processed
    (streamed: a report with a million findings starts at once, in little memory)."""
    delivery = _finished(request, delivery_id)
    _audit(request, Action.VIEW, delivery, gettext_noop("processing report JSON (API)"))
    return StreamingHttpResponse(
        reports.json_chunks(delivery), content_type="application/json; charset=utf-8"
    )


@router.get(
    "/aanleveringen/{delivery_id}/verslag.csv",
    response={200: None, 401: Problems, 404: Problems, 409: Problems, 422: Problems},
    summary="The processing report (CSV)",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def report_csv(request: HttpRequest, delivery_id: int) -> StreamingHttpResponse:
    """The report as CSV: UTF-8 with BOM, formulas neutralised, as the Details page exports."""
    delivery = _finished(request, delivery_id)
    _audit(request, Action.EXPORT, delivery, gettext_noop("processing report CSV (API)"))
    response = StreamingHttpResponse(
        reports.csv_rows(delivery), content_type="text/csv; charset=utf-8"
    )
    name = delivery.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = f'attachment; filename="verwerkingsverslag_{name}.csv"'
    return response


#: What a delivery's answer does not show and the list need not read (a version's stored
#: dictionary and workbook, megabytes with large value tables; the records with an error).
_NOT_SHOWN = (
    "dictionary_version__definition",
    "dictionary_version__workbook",
    "error_records",
    "filled_counts",
    "notified_to",
)


def _own(request: HttpRequest, delivery_id: int) -> Delivery:
    """A delivery of the token's institution; any other id is not found, and logged."""
    token = token_of(request)
    delivery = (
        Delivery.objects.for_institution(token.institution)
        .select_related("sub_delivery__registry", "dictionary_version", "unit")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        record(
            Action.DENIED,
            actor=TokenActor(token),
            institution=token.institution,
            request=request,
            description=gettext_noop("delivery {id} is not of this institution (API)"),
            values={"id": delivery_id},
            detail={"path": request.path},
        )
        raise HttpError(404, _("There is no delivery with this id for your institution."))
    return delivery


def _finished(request: HttpRequest, delivery_id: int) -> Delivery:
    delivery = _own(request, delivery_id)
    if not delivery.is_finished:
        raise HttpError(409, _("The delivery has not been processed yet; poll its status."))
    return delivery


def _audit(request: HttpRequest, action: Action, delivery: Delivery, description: str) -> None:
    token = token_of(request)
    record(
        action,
        actor=TokenActor(token),
        institution=token.institution,
        obj=delivery,
        request=request,
        description=description,
    )


def _out(delivery: Delivery) -> DeliveryOut:
    api_url = f"/api/aanleveringen/{delivery.pk}"
    return DeliveryOut(
        id=delivery.pk,
        file_name=delivery.file_name,
        code=delivery.sub_delivery.code,
        version=delivery.dictionary_version.version,
        unit=delivery.unit.number,
        period=delivery.period,
        sequence_number=delivery.sequence_number,
        is_test=delivery.is_test,
        channel=delivery.channel,
        status=delivery.status,
        status_label=ENGINE_STATUS_LABEL.get(DeliveryStatus(delivery.status), delivery.status),
        finished=delivery.is_finished,
        submitted_at=delivery.submitted_at,
        processed_at=delivery.processed_at,
        records=RecordCounts(
            total=delivery.records_total,
            processed=delivery.records_processed,
            not_processed=delivery.records_not_processed,
        ),
        progress_percent=delivery.progress_percent,
        errors=delivery.error_count,
        warnings=delivery.warning_count,
        links=DeliveryLinks(
            status=settings.BASE_URL + api_url,
            report=settings.BASE_URL + api_url + "/verslag",
            report_csv=settings.BASE_URL + api_url + "/verslag.csv",
            portal=settings.BASE_URL + reverse("portal:delivery", args=[delivery.pk]),
        ),
    )
