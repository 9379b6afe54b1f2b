"""Middleware of every request: the headers every page carries, the language, and the refusal
of a NUL character in the address."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

# No inline scripts or styles anywhere in the portal; everything comes from our own static files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Dutch unless the person chose English with the switch (the browser's language is ignored).

    The hub's users are Dutch hospital staff whose browsers are often set to English; the manual
    and the registries speak Dutch, so that is what everyone gets until he switches.
    """

    def process_request(self, request: HttpRequest) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code


class RejectNulMiddleware:
    """A NUL character in the address or its query is refused with a 400 before any view reads
    it: no field may hold one, and PostgreSQL refuses it in a query (a 500 otherwise). Under
    /api/ the answer is JSON, as every refusal there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = _("The address holds a character that is not allowed (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )
