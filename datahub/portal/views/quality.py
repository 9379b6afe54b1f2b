"""Datakwaliteit: an institution's data-quality dashboard, and the hub operator's across
institutions. Counts, codes and field names only (no patient-level value), so not audited as a
view of patient data; the numbers come from ``datahub.quality.services``."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop

from datahub.dictionaries.models import SubDelivery
from datahub.portal.access import deny, member_required, operator_required
from datahub.portal.http import InstitutionRequest, PortalRequest
from datahub.portal.views.overview import _sub_deliveries
from datahub.quality import figures, services
from datahub.quality.forms import QualityForm


def _form(request: PortalRequest, sub_deliveries: list[SubDelivery]) -> QualityForm:
    """The choices; a sub-delivery not offered (a forged code) is not found, and logged."""
    code = request.GET.get("deelaanlevering")
    if code and code not in {s.code for s in sub_deliveries}:
        deny(request, gettext_noop("sub-delivery {code} is not offered here"), code=code)
        raise Http404
    return QualityForm(request.GET, sub_deliveries)


def _statuses() -> list[tuple[str, str]]:
    return [(status.value, str(status.label)) for status in services.STATUS_ORDER]


@member_required()
def quality(request: InstitutionRequest) -> HttpResponse:
    form = _form(request, _sub_deliveries(request.institution))
    sub_delivery, since, until = form.chosen()
    context: dict[str, object] = {"form": form, "board": None, "statuses": _statuses()}
    if sub_delivery is not None:
        board = services.dashboard(request.institution, sub_delivery, since, until)
        context |= {"board": board, "charts": figures.dashboard_charts(board)}
    return render(request, "quality/dashboard.html", context)


@operator_required
def operator_quality(request: PortalRequest) -> HttpResponse:
    sub_deliveries = list(SubDelivery.objects.select_related("registry").order_by("code"))
    form = _form(request, sub_deliveries)
    sub_delivery, since, until = form.chosen()
    context: dict[str, object] = {"form": form, "overview": None, "statuses": _statuses()}
    if sub_delivery is not None:
        overview = services.across_institutions(sub_delivery, since, until)
        context |= {"overview": overview, "charts": figures.overview_charts(overview)}
    return render(request, "quality/operator.html", context)
