"""Every refusal under /api/ is JSON with a Dutch ``detail``, also those Django gives before the
API's own handlers are reached (an unknown path, a method the call does not take, a body that
cannot be read), and a server error (a full disk, a lost database)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

_KEPT_HEADERS = ("Allow", "WWW-Authenticate")
#: Answers already JSON: the API's own, and the FHIR endpoint's OperationOutcome.
_JSON_TYPES = ("application/json", "application/fhir+json")


class JsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not _needs_json(request, response):
            return response
        answer = JsonResponse({"detail": _detail(response)}, status=response.status_code)
        for header in _KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer


def _needs_json(request: HttpRequest, response: HttpResponseBase) -> bool:
    path = request.path
    return (
        path.startswith("/api/")
        and not path.startswith("/api/docs")
        and 400 <= response.status_code < 600
        and isinstance(response, HttpResponse)
        and not response.get("Content-Type", "").startswith(_JSON_TYPES)
    )


def _detail(response: HttpResponseBase) -> str:
    if response.status_code >= 500:  # (the error is in the hub's log; never in the answer)
        return _(
            "The hub could not handle this call; nothing was changed. Try again later; if it "
            "keeps going wrong, contact the DHD Servicedesk."
        )
    if response.status_code == 404:
        return _("This API call does not exist; see /api/docs.")
    if response.status_code == 405:
        return _("This API call does not take the method used; it takes: %(allowed)s.") % {
            "allowed": response.get("Allow", "—")
        }
    return _("The request could not be read (a broken or too large body?).")
