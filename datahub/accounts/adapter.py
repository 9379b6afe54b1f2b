"""django-allauth adapters: no self sign-up; first TOTP enrolment right after the password step."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from datahub.accounts.invitations import send_no_access_notice
from datahub.institutions.services import has_access


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by a local administrator or the hub operator, never by sign-up.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # A person who just gave his password and has no second factor yet is sent to enrol one
        # (see RequireSecondFactorMiddleware); asking the password again there adds nothing.
        # Changing or removing an existing second factor still asks for it.
        request = self.request or context.request
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            return bool(is_mfa_enabled(user)) and bool(
                super().is_reauthentication_required(app=app, **kwargs)
            )
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        # A person invited but never in, whose last role was deactivated (the invitation was
        # voided for that), must not choose a password by "Forgot password" instead: he is
        # told by mail that his address has no access, and the page says what it always says.
        if not user.has_usable_password() and not has_access(user):
            send_no_access_notice(user)
            return
        super().send_password_reset_mail(user, email, context)


class MFAAdapter(DefaultMFAAdapter):
    #: allauth's "Incorrect code." says nothing about what to do next.
    error_messages = DefaultMFAAdapter.error_messages | {
        "incorrect_code": _(
            "This code is not correct. Enter the code your authenticator app shows now (each "
            "code works once, for about 30 seconds), or, without your phone, one of your unused "
            "recovery codes. Does no code of the app work? Check that the time on your phone is "
            "set automatically."
        ),
    }

    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
