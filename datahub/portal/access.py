"""Who may open which page. Every portal view is wrapped in exactly one of these decorators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.accounts.models import User
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.institutions.models import DELIVERY_ROLES, ProcessorMembership, Role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def deny(request: HttpRequest, reason: str, **values: Any) -> PermissionDenied:
    """Log a refused attempt and return the exception to raise.

    ``reason``: English, marked with ``gettext_noop``; with ``values`` a template (see
    ``audit.services.record``)."""
    event = record(
        Action.DENIED,
        request=request,
        description=reason,
        values=values,
        detail={"path": request.path},
    )
    return PermissionDenied(event.description)


def member_required(
    roles: Iterable[str] = DELIVERY_ROLES, *, posts_name_institution: bool = False
) -> Callable[[View], View]:
    """The current institution's member with one of ``roles``; sets ``request.institution``.

    ``posts_name_institution``: every form posted to the view names the institution its page
    was drawn for (``portal/_institution_field.html``); a post for another one (the person
    switched institution in another tab since) is refused, and the page drawn again.
    """
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise deny(request, gettext_noop("not a member with the required role"))
            if posts_name_institution and not _for_current_institution(request):
                messages.error(
                    request,
                    _(
                        "You switched to another institution in the meantime: nothing was "
                        "changed. Check the page below, for %(institution)s, and try again."
                    )
                    % {"institution": membership.institution},
                )
                return redirect(request.path)
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


def _for_current_institution(request: HttpRequest) -> bool:
    """A post names the current institution (a post without the field does not come from a
    page of the portal, so not from a page drawn for another institution; CSRF keeps out
    others' posts)."""
    posted = request.POST.get("instelling") if request.method == "POST" else None
    institution = getattr(request, "institution", None)
    return posted is None or (institution is not None and posted == str(institution.pk))


local_admin_required = member_required({Role.LOCAL_ADMIN}, posts_name_institution=True)
clinician_required = member_required({Role.CLINICIAN}, posts_name_institution=True)


def operator_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "is_hub_operator", False):
            raise deny(request, gettext_noop("not a hub operator"))
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
            raise deny(request, gettext_noop("not a member of a processor"))
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
            raise deny(request, gettext_noop("no role"))
        return view(request, *args, **kwargs)

    return cast(View, wrapped)
