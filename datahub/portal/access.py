"""Who may open which page. Every portal view is wrapped in exactly one of these decorators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from datahub.accounts.models import User
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.institutions.models import DELIVERY_ROLES, ProcessorMembership, Role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def deny(request: HttpRequest, reason: str) -> PermissionDenied:
    """Log a refused attempt and return the exception to raise."""
    record(Action.DENIED, request=request, description=reason[:300], detail={"path": request.path})
    return PermissionDenied(reason)


def member_required(roles: Iterable[str] = DELIVERY_ROLES) -> Callable[[View], View]:
    """The current institution's member with one of ``roles``; sets ``request.institution``."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise deny(request, "not a member with the required role")
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


local_admin_required = member_required({Role.LOCAL_ADMIN})
clinician_required = member_required({Role.CLINICIAN})


def operator_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "is_hub_operator", False):
            raise deny(request, "not a hub operator")
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


def processor_required(view: View) -> View:
    """A member of a processor organisation; sets ``request.processor``."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = (
            ProcessorMembership.objects.filter(user=cast(User, request.user), is_active=True)
            .select_related("processor")
            .first()
        )
        if membership is None:
            raise deny(request, "not a member of a processor")
        request.processor = membership.processor  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


def any_role_required(view: View) -> View:
    """Anyone with a role: a member of an institution, a processor's person or the operator."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = cast(User, request.user)
        has_role = (
            getattr(request, "membership", None) is not None
            or user.is_hub_operator
            or ProcessorMembership.objects.filter(user=user, is_active=True).exists()
        )
        if not has_role:
            raise deny(request, "no role")
        return view(request, *args, **kwargs)

    return cast(View, wrapped)
