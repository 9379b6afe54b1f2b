"""Afnameoverzicht and the processor's pages (being built: issue 7)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from datahub.portal.access import member_required, processor_required
from datahub.portal.http import InstitutionRequest, PortalRequest
from datahub.portal.views.shell import coming


@member_required()
def forwarding(request: InstitutionRequest) -> HttpResponse:
    return coming(
        request,
        _("Data recipients"),
        _(
            "Here you will see which processors receive your institution's data per registry, "
            "and what was forwarded to whom and when."
        ),
    )


@processor_required
def processor_home(request: PortalRequest) -> HttpResponse:
    return coming(
        request,
        _("Processor"),
        _("Processors fetch the data forwarded to them through the API."),
    )
