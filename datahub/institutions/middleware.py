"""Which institution the logged-in person is working for in this request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from datahub.institutions.models import Membership

SESSION_KEY = "datahub.institution_id"


class CurrentInstitutionMiddleware:
    """Sets ``request.membership`` and ``request.institution`` (or None) from the session.

    A person with memberships of several institutions chooses one (see the switch in the header);
    the choice is only ever among his own active memberships.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.institution = membership.institution if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)


def current_membership(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(user.memberships.filter(is_active=True).select_related("institution"))
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.institution_id == chosen:
            return membership
    return memberships[0]
