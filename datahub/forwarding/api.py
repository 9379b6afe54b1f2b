"""The processor API: list the packages forwarded to you, download one, acknowledge receipt.

Mounted at ``/api/verwerker/`` (``from datahub.forwarding.api import router``). Every call is
authenticated with a processor's API token (``Authorization: Bearer dhp_…``); a processor only
ever reaches its own packages, and refusals say why.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import AfterValidator

from datahub.api.errors import Problems, hub_error, refuse_unknown_parameters
from datahub.forwarding import fetching, tokens
from datahub.forwarding.errors import (
    AuthorisationRevoked,
    FilesUnavailable,
    FileUnreadable,
    ForwardingError,
    PackageNotFound,
    PackageWithdrawn,
)
from datahub.forwarding.models import Package, ProcessorToken
from datahub.institutions.models import Processor
from datahub.timestamps import UtcMoment, normalised

CHUNK = 64 * 1024
#: Packages in one answer of the list.
PAGE = 1000
#: The highest ``after`` the database can compare (a 64-bit integer).
MAX_SEQUENCE = 2**63 - 1


class ProcessorTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ProcessorToken | None:
        return tokens.authenticate(token, request)


router = Router(auth=ProcessorTokenAuth(), tags=["Verwerker"])


class PackageOut(Schema):
    id: int
    sequence: int = Field(
        description="Its place among your packages in the order they became available: give "
        "the last one you received as `after` to get the next ones."
    )
    institution: str
    registry: str
    sub_delivery: str
    version: str
    period: str
    delivery_id: int
    record_count: int
    made_available_at: UtcMoment = Field(
        description="When it became available (UTC, to the microsecond)."
    )
    fetched_at: UtcMoment | None
    acknowledged_at: UtcMoment | None
    expires_at: UtcMoment | None


class PackageDetail(PackageOut):
    manifest: dict[str, Any]


class Message(Schema):
    detail: str


_DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file, streamed: CSV (UTF-8) or Parquet, as `format` asks.",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in fetching.FORMATS.values()
            },
            "headers": {
                "X-Content-SHA256": {
                    "description": "The file's SHA-256 (hex), as in the manifest.",
                    "schema": {"type": "string"},
                },
                "Content-Disposition": {
                    "description": 'attachment; filename="<the file\'s name>"',
                    "schema": {"type": "string"},
                },
            },
        }
    }
}


def _in_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment in UTC (a naive one is in the hub's time zone); refused if it has no UTC date.

    Without this, 0001-01-01 or 9999-12-31T23:59:59-14:00 would crash the query (a 500).
    """
    if moment is None:
        return None
    try:
        aware = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        return aware.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise hub_error(
            "datetime_out_of_range",
            _("This date and time lie outside the range the Datahub can handle."),
        ) from None


Moment = Annotated[dt.datetime | None, AfterValidator(_in_utc)]


def _processor(request: HttpRequest) -> Processor:
    token: ProcessorToken = request.auth  # type: ignore[attr-defined]
    return token.processor


def _out(package: Package) -> dict[str, Any]:
    manifest = dict(package.manifest)
    if "delivered_at" in manifest:  # (written as …+00:00 in packages made before 2026-12)
        manifest["delivered_at"] = normalised(manifest["delivered_at"])
    return {
        "id": package.pk,
        "sequence": package.sequence,
        "institution": manifest["institution"],
        "registry": manifest["registry"],
        "sub_delivery": manifest["sub_delivery"],
        "version": manifest["version"],
        "period": manifest["period"],
        "delivery_id": package.delivery_id,
        "record_count": package.record_count,
        "made_available_at": package.created_at,
        "fetched_at": package.fetched_at,
        "acknowledged_at": package.acknowledged_at,
        "expires_at": package.expires_at,
        "manifest": manifest,
    }


def _package(request: HttpRequest, package_id: int) -> Package:
    try:
        return fetching.package_for(_processor(request), package_id, request)
    except PackageNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except AuthorisationRevoked as exc:
        raise HttpError(403, str(exc)) from None
    except PackageWithdrawn as exc:
        raise HttpError(410, str(exc)) from None


#: Every call can answer these: no usable token, and a parameter that cannot be read.
_REFUSALS: dict[int, Any] = {401: Message, 422: Problems}


@router.get(
    "/packages",
    response={200: list[PackageOut], **_REFUSALS},
    summary="Available packages",
)
def list_packages(
    request: HttpRequest,
    registry: Annotated[
        str | None, Query(description="Only this registry's packages (e.g. Cataract).")
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_SEQUENCE,
            description="Only packages after this `sequence`: the last one you received.",
        ),
    ] = None,
    since: Annotated[
        Moment,
        Query(
            None,  # here too: with the validator of Moment beside it, ninja makes it required
            description="Only packages made available after this moment. To page on it, send "
            "the last `made_available_at` back exactly, to the microsecond; `after` is simpler.",
        ),
    ] = None,
) -> list[dict[str, Any]]:
    """Packages you may fetch, in the order they became available, at most 1000 a call.

    To get each package once: call with `after` = the `sequence` of the last package you
    received (the first time without), until a call answers with an empty list; keep that
    number for the next poll. A package never becomes available behind one you have seen.
    """
    refuse_unknown_parameters(request, list_packages)
    packages = fetching.available_packages(
        _processor(request), registry=registry, since=since, after=after
    )
    return [_out(p) for p in packages[:PAGE]]


@router.get(
    "/packages/{package_id}",
    response={200: PackageDetail, 403: Message, 404: Message, 410: Message, **_REFUSALS},
    summary="One package with its manifest",
)
def package_detail(request: HttpRequest, package_id: int) -> dict[str, Any]:
    return _out(_package(request, package_id))


@router.get(
    "/packages/{package_id}/download",
    response={
        200: None,
        403: Message,
        404: Message,
        410: Message,
        500: Message,
        503: Message,
        **_REFUSALS,
    },
    summary="Download a package (CSV or Parquet)",
    openapi_extra=_DOWNLOAD,
)
def download(
    request: HttpRequest, package_id: int, format: fetching.Format = "csv"
) -> StreamingHttpResponse:
    package = _package(request, package_id)
    try:
        stream = fetching.open_download(package, format, request)
    except PackageWithdrawn as exc:
        raise HttpError(410, str(exc)) from None
    except FilesUnavailable as exc:
        raise HttpError(503, str(exc)) from None
    except FileUnreadable as exc:
        raise HttpError(500, str(exc)) from None
    response = StreamingHttpResponse(_chunks(stream), content_type=fetching.FORMATS[format])
    entry = package.manifest["files"][format]
    response["Content-Disposition"] = f'attachment; filename="{entry["name"]}"'
    response["X-Content-SHA256"] = entry["sha256"]
    return response


@router.post(
    "/packages/{package_id}/acknowledge",
    response={
        200: PackageOut,
        403: Message,
        404: Message,
        409: Message,
        410: Message,
        **_REFUSALS,
    },
    summary="Acknowledge receipt of a package",
)
def acknowledge(request: HttpRequest, package_id: int) -> dict[str, Any]:
    package = _package(request, package_id)
    try:
        return _out(fetching.acknowledge(package, request))
    except ForwardingError as exc:
        raise HttpError(409, str(exc)) from None


def _chunks(stream: Any) -> Any:
    with stream:
        while piece := stream.read(CHUNK):
            yield piece
