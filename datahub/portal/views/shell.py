"""The start page, which sends each person to the first page of his role, and the switch of
institution."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from datahub.institutions.middleware import SESSION_KEY
from datahub.institutions.models import DELIVERY_ROLES, ProcessorMembership, Role
from datahub.portal.http import PortalRequest


@login_required
def home(request: PortalRequest) -> HttpResponse:
    """Send each person to the first page of his role."""
    membership = request.membership
    if membership is not None and membership.role in DELIVERY_ROLES:
        return redirect("portal:overview")
    if membership is not None and membership.role == Role.CLINICIAN:
        return redirect("portal:entry")
    if request.user.is_hub_operator:
        return redirect("portal:operator_home")
    if ProcessorMembership.objects.filter(user=request.user, is_active=True).exists():
        return redirect("portal:processor_home")
    return render(request, "portal/no_role.html", status=403)


@require_POST
@login_required
def switch_institution(request: PortalRequest) -> HttpResponse:
    """Work for another of one's own institutions; an id not among them is ignored."""
    chosen = request.POST.get("institution", "")
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 12:
        own = request.user.memberships.filter(is_active=True, institution_id=int(chosen))
        if own.exists():
            request.session[SESSION_KEY] = int(chosen)
    return redirect("portal:home")
