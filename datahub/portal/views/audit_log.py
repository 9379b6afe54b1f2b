"""The local administrator reads his institution's audit log; reading it is logged too.

What it shows is decided by ``institutions.audit_log.events_of``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.institutions.audit_log import events_of, object_types_in, people_in_log
from datahub.portal.access import local_admin_required
from datahub.portal.forms import AuditFilterForm
from datahub.portal.http import InstitutionRequest

PAGE_SIZE = 50


@local_admin_required
def audit_log(request: InstitutionRequest) -> HttpResponse:
    institution = request.institution
    people, kinds = people_in_log(institution), object_types_in(institution)
    form = AuditFilterForm(request.GET, people=people, object_types=kinds)
    events = events_of(institution, form.chosen())
    # Logged before reading, so that this viewing is part of what is shown.
    record(
        Action.VIEW,
        request=request,
        description=gettext_noop("audit log"),
        detail=dict(request.GET.items()),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/audit_log.html", {"page": page, "form": form})
