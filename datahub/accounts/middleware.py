"""Everyone logs in with two factors: a person without one is sent to enrol first."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

# What a logged-in person without a second factor may still reach: enrolment itself, logging out,
# switching the language, and the site's icon. Everything else sends him to enrol.
_OPEN_URL_NAMES = frozenset({"mfa_activate_totp", "account_logout", "set_language", "favicon"})


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._is_open(request) and not is_mfa_enabled(user):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            return resolve(request.path_info).url_name in _OPEN_URL_NAMES
        except Resolver404:
            return False
