"""Login, logout, failed logins and second-factor changes go to the audit log."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from datahub.audit.models import Action
from datahub.audit.services import record


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, actor=user, request=request, institution=None)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, actor=user, request=request, institution=None)


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    known = get_user_model().objects.filter(email__iexact=email).first() if email else None
    record(
        Action.LOGIN_FAILED,
        actor=known,
        request=request,
        institution=None,
        description=email,
        detail={"login": email},
    )


@receiver(mfa_signals.authentication_failed)
def audit_second_factor_failed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Action.SECOND_FACTOR_FAILED, actor=user, request=request, institution=None)


@receiver(mfa_signals.authenticator_added)
def audit_second_factor_added(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    record(
        Action.SECOND_FACTOR_ADDED,
        actor=user,
        request=request,
        institution=None,
        description=str(authenticator.type),
    )


@receiver(mfa_signals.authenticator_removed)
def audit_second_factor_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    record(
        Action.SECOND_FACTOR_REMOVED,
        actor=user,
        request=request,
        institution=None,
        description=str(authenticator.type),
    )
