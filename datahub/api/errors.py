"""The API's error body: a summary and the problems per field, like the upload page shows them.

``{"detail": "...", "problems": {"unit": ["..."], "file": ["..."]}}`` — the key ``file`` holds
problems of the file itself (name, type, size, content). Invalid input of the upload is a refused
delivery; invalid input of any other call names the parameters that are wrong.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError
from pydantic import Field

FILE_KEY = "file"
#: The view of the upload (``datahub.api.deliveries.upload``), whose invalid input is a refusal.
UPLOAD_VIEW = "api:upload"


class Problems(Schema):
    detail: str
    problems: dict[str, list[str]] = Field(
        default_factory=dict, description='Messages per field; "file" for the file itself.'
    )


def refused(problems: dict[str, list[str]]) -> Problems:
    """The body of a refused delivery: nothing was stored."""
    per_field = {(name or FILE_KEY): list(messages) for name, messages in problems.items()}
    return Problems(detail=_("The delivery was refused; nothing was stored."), problems=per_field)


def invalid(problems: dict[str, list[str]]) -> Problems:
    """The body of a call whose parameters are invalid (other than the upload's)."""
    per_field = {(name or FILE_KEY): list(messages) for name, messages in problems.items()}
    detail = _("The request's parameters are invalid: %(names)s.") % {"names": ", ".join(per_field)}
    return Problems(detail=detail, problems=per_field)


def install(api: NinjaAPI) -> None:
    """Invalid input (a missing file, a date that is no date) as problems per field too."""

    def invalid_input(request: HttpRequest, exc: Any) -> HttpResponse:
        problems: dict[str, list[str]] = {}
        for error in exc.errors:
            problems.setdefault(_field_of(error), []).append(str(error.get("msg", "")))
        body = refused(problems) if _is_upload(request) else invalid(problems)
        return api.create_response(request, body.model_dump(), status=422)

    api.add_exception_handler(ValidationError, invalid_input)


def _is_upload(request: HttpRequest) -> bool:
    match = request.resolver_match
    return request.method == "POST" and match is not None and match.view_name == UPLOAD_VIEW


def _field_of(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    return location[-1] if location else FILE_KEY
