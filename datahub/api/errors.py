"""The API's error body: a summary and the problems per field, like the upload page shows them.

``{"detail": "...", "problems": {"unit": ["..."], "file": ["..."]}}`` — the key ``file`` holds
problems of the file itself (name, type, size, content). Invalid input of the upload is a refused
delivery; invalid input of any other call names the parameters that are wrong. Every message is
in the hub's language: pydantic's English is replaced by the hub's own words per error type.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any, get_args

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from pydantic import Field
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from datahub.api import multipart, tokens
from datahub.token_expiry import TokenExpired

FILE_KEY = "file"
#: The view of the upload (``datahub.api.deliveries.upload``), whose invalid input is a refusal.
UPLOAD_VIEW = "api:upload"
#: The FHIR endpoint (``datahub.fhir.api.submit``), whose every refusal is an OperationOutcome.
FHIR_VIEW = "api:fhir"
#: pydantic's own error types, which get the hub's words per type.
PYDANTIC_TYPES = frozenset(get_args(ErrorType))
#: The start of the hub's own error types (:func:`hub_error`), already worded in the request's
#: language; another library's custom type gets a general message, never its English.
HUB_TYPE = "datahub."


def hub_error(kind: str, message: str) -> PydanticCustomError:
    """A refusal of a field's value in the hub's own (translated) words."""
    return PydanticCustomError(HUB_TYPE + kind, message)


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


def refuse_unknown_parameters(request: HttpRequest, view: Callable[..., Any]) -> None:
    """Refuse (422) a query parameter the call ``view`` does not take, naming the ones it does
    (its parameters but the request): a client paging with ``page`` or ``offset`` would
    otherwise get the first page again and again."""
    known = _parameters_of(view)
    unknown = sorted(set(request.GET) - set(known) - {""})  # (``?=x`` names none)
    if not unknown:
        return
    message = _("This call takes no such parameter; it takes: %(names)s.") % {
        "names": ", ".join(known)
    }
    raise ValidationError(
        [
            {"type": HUB_TYPE + "unknown_parameter", "loc": ("query", name), "msg": message}
            for name in unknown
        ]
    )


@functools.cache
def _parameters_of(view: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(view).parameters if name != "request")


def incomplete() -> Problems:
    """The body of an upload whose multipart body ended inside its file (400)."""
    message = _(
        "The request was incomplete: its body ended inside the file, before the multipart's "
        "closing boundary (cut off on its way?). Nothing was stored; send it again."
    )
    return Problems(detail=message, problems={FILE_KEY: [message]})


def too_large_answer(path: str) -> tuple[bytes, str]:
    """The body and content type of the refusal of a request larger than the server takes
    (``MAX_REQUEST_BYTES``; ``datahub serve`` refuses it before reading it): the API's JSON, an
    OperationOutcome at the FHIR endpoint, in the hub's language."""
    from datahub.sizes import size_text

    if path.startswith("/api/fhir/"):
        from datahub.fhir import outcome, parsing

        body = outcome.operation_outcome(parsing.too_large().issues)
        return json.dumps(body, ensure_ascii=False).encode(), f"{outcome.MEDIA_TYPE}; charset=utf-8"
    detail = _("The request is larger than the hub takes (%(size)s); nothing was stored.") % {
        "size": size_text(settings.MAX_REQUEST_BYTES)
    }
    return json.dumps({"detail": detail}, ensure_ascii=False).encode(), "application/json"


def unauthorised(request: HttpRequest) -> Problems:
    """The body of a call without a usable token (401)."""
    if request.headers.get("Authorization", "").split(" ")[0].lower() == "bearer":
        return Problems(detail=tokens.refused_message())
    return Problems(detail=_("This call needs an API token: send Authorization: Bearer <token>."))


def install(api: NinjaAPI) -> None:
    """Invalid input (a missing file, a date that is no date) as problems per field too, a body
    that cannot be read as a 400, and a
    refused token as a message in the hub's language (with ``WWW-Authenticate: Bearer``); an
    expired token's message says it expired."""

    def invalid_input(request: HttpRequest, exc: Any) -> HttpResponse:
        if multipart.interrupted(request):  # no file because the body ended inside it
            return api.create_response(request, incomplete().model_dump(), status=400)
        problems: dict[str, list[str]] = {}
        for error in exc.errors:
            problems.setdefault(_field_of(error), []).append(message_of(error))
        if _view_name(request) == FHIR_VIEW:
            return _fhir_refusal(problems)
        body = refused(problems) if _is_upload(request) else invalid(problems)
        return api.create_response(request, body.model_dump(), status=422)

    def no_token(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, TokenExpired):
            body = {"detail": str(exc)}
        else:
            body = unauthorised(request).model_dump(exclude={"problems"})
        response = api.create_response(request, body, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="Datahub"'
        return response

    def unreadable(request: HttpRequest, exc: Any) -> HttpResponse:
        """A body Django cannot parse (a broken multipart, too many fields or too long a
        header): 400, as Django answers it outside the API, also when ninja would answer a
        500 with the traceback (``DEBUG``)."""
        if isinstance(exc, SuspiciousOperation):  # logged as Django logs it
            logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
        message = _("The request could not be read (a broken or too large body?).")
        if _view_name(request) == FHIR_VIEW:
            from datahub.fhir import outcome

            return outcome.response(400, [outcome.error("invalid", message)])
        return api.create_response(request, {"detail": message}, status=400)

    api.add_exception_handler(ValidationError, invalid_input)
    api.add_exception_handler(MultiPartParserError, unreadable)
    api.add_exception_handler(BadRequest, unreadable)
    for too_much in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        api.add_exception_handler(too_much, unreadable)
    api.add_exception_handler(AuthenticationError, no_token)
    api.add_exception_handler(TokenExpired, no_token)


def message_of(error: dict[str, Any]) -> str:
    """The hub's words for one of pydantic's errors; our own errors keep their (translated)
    text, and any other gets a general message."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind.startswith(HUB_TYPE):
        return str(error.get("msg", ""))
    if kind not in PYDANTIC_TYPES:
        return _("This value could not be read.")
    if kind == "missing":
        if _field_of(error) == FILE_KEY:
            return _(
                "No file was sent: send it in the multipart part “file” (if it was sent, the "
                "request's body was cut off before it: send it again)."
            )
        return _("This is required.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("This is not a whole number.")
    if kind == "int_parsing_size":
        return _("This number is too large.")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return _("This is not a number.")
    if kind.startswith("date_") and kind not in ("date_past", "date_future"):
        return _("This is not a date; give it as yyyy-mm-dd, e.g. 2026-11-28.")
    if kind.startswith("datetime_") and kind not in ("datetime_past", "datetime_future"):
        return _(
            "This is not a date or a date and time; give it as yyyy-mm-dd or "
            "yyyy-mm-ddThh:mm:ss with a time zone, e.g. 2026-11-28T09:30:00+01:00."
        )
    if kind in ("bool_type", "bool_parsing"):
        return _("Fill in true or false.")
    if kind in ("string_type", "string_unicode"):
        return _("This is not a text.")
    if kind == "string_too_long" and "max_length" in ctx:
        return _("This can be at most %(count)s characters long.") % {"count": ctx["max_length"]}
    if kind == "string_too_short" and "min_length" in ctx:
        return _("This must be at least %(count)s characters long.") % {"count": ctx["min_length"]}
    if kind == "greater_than" and "gt" in ctx:
        return _("This must be more than %(limit)s.") % {"limit": ctx["gt"]}
    if kind == "greater_than_equal" and "ge" in ctx:
        return _("This must be %(limit)s or more.") % {"limit": ctx["ge"]}
    if kind == "less_than" and "lt" in ctx:
        return _("This must be less than %(limit)s.") % {"limit": ctx["lt"]}
    if kind == "less_than_equal" and "le" in ctx:
        return _("This can be at most %(limit)s.") % {"limit": ctx["le"]}
    if kind in ("literal_error", "enum") and "expected" in ctx:
        choices = str(ctx["expected"]).replace(" or ", ", ")
        return _("Choose one of: %(choices)s.") % {"choices": choices}
    return _("This value could not be read.")


def _view_name(request: HttpRequest) -> str | None:
    match = request.resolver_match
    return match.view_name if match is not None else None


def _is_upload(request: HttpRequest) -> bool:
    return request.method == "POST" and _view_name(request) == UPLOAD_VIEW


def _fhir_refusal(problems: dict[str, list[str]]) -> HttpResponse:
    from datahub.fhir import outcome  # the FHIR package builds on the API, not the reverse

    return outcome.response(422, outcome.issues_from(problems, "invalid"))


def _field_of(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    return location[-1] if location else FILE_KEY
