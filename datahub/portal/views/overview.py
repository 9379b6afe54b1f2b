"""Overzicht, Aangeleverd and Verwacht (being built: issue 6)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from datahub.portal.access import member_required
from datahub.portal.http import InstitutionRequest
from datahub.portal.views.shell import coming


@member_required()
def overview(request: InstitutionRequest) -> HttpResponse:
    return coming(
        request,
        _("Overview"),
        _(
            "Here you will see your missing deliveries, upcoming deliveries and rejected or "
            "erroneous deliveries at a glance."
        ),
    )


@member_required()
def delivered(request: InstitutionRequest) -> HttpResponse:
    return coming(
        request,
        _("Delivered"),
        _("Here you will find every delivery of your institution, with filters and reports."),
    )


@member_required()
def expected(request: InstitutionRequest) -> HttpResponse:
    return coming(
        request,
        _("Expected"),
        _("Here you will see the deliveries expected from your institution and their deadlines."),
    )
