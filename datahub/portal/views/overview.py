"""Overzicht, Aangeleverd and Verwacht; and the hub operator's delivery status per period.

The rules of each table live in ``datahub.schedule``; these views choose, paginate and render.
Every query is scoped to the current institution, and the number of queries of each page does
not depend on the number of deliveries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from datahub.deliveries.models import Delivery
from datahub.dictionaries.models import Participation, SubDelivery
from datahub.dictionaries.services import methods_of
from datahub.institutions.models import Institution
from datahub.portal.access import member_required, operator_required
from datahub.portal.http import InstitutionRequest, PortalRequest
from datahub.schedule import operator, services
from datahub.schedule.forms import DeliveredFilterForm, ExpectedFilterForm, PeriodStatusForm
from datahub.schedule.listing import deliveries_of

#: Rows each Overzicht table shows before "Volledig overzicht".
PREVIEW = 5
PAGE_SIZE = 25
FULL_PAGE_SIZE = 50

#: The tables of Overzicht, by the name used in the "Volledig overzicht" URL.
TABLES = {
    "missend": gettext_lazy("Missing deliveries"),
    "komend": gettext_lazy("Upcoming deliveries"),
    "afgekeurd": gettext_lazy("Rejected and erroneous deliveries"),
}


@member_required()
def overview(request: InstitutionRequest) -> HttpResponse:
    today = timezone.localdate()
    expected = _expected(request.institution, today + dt.timedelta(days=services.UPCOMING_DAYS))
    missing = services.missing(expected, today)
    upcoming = services.upcoming(expected, today)
    findings = services.with_findings(request.institution)
    tables = [
        _preview("missend", missing, len(missing)),
        _preview("komend", upcoming, len(upcoming)),
        _preview("afgekeurd", list(findings[:PREVIEW]), findings.count()),
    ]
    context = {
        "tables": tables,
        "methods": methods_of(request.institution),
        "upcoming_days": services.UPCOMING_DAYS,
    }
    return render(request, "schedule/overview.html", context)


def _preview(name: str, rows: Sequence[Any], total: int) -> dict[str, Any]:
    return {"name": name, "title": TABLES[name], "rows": rows[:PREVIEW], "total": total}


def _expected(institution: Institution, until: dt.date) -> list[services.Expected]:
    return services.expected_deliveries(institution, until)


@member_required()
def overview_table(request: InstitutionRequest, table: str) -> HttpResponse:
    """Volledig overzicht: every row of one Overzicht table, paginated."""
    if table not in TABLES:
        raise Http404
    today = timezone.localdate()
    rows: Any
    if table == "afgekeurd":
        rows = services.with_findings(request.institution)
    else:
        expected = _expected(request.institution, today + dt.timedelta(days=services.UPCOMING_DAYS))
        rows = (services.missing if table == "missend" else services.upcoming)(expected, today)
    page = Paginator(rows, FULL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "name": table,
        "title": TABLES[table],
        "page": page,
        "total": page.paginator.count,
        "methods": methods_of(request.institution),
        "upcoming_days": services.UPCOMING_DAYS,
    }
    return render(request, "schedule/overview_table.html", context)


def _sub_deliveries(institution: Institution) -> list[SubDelivery]:
    participations = Participation.objects.for_institution(institution).select_related(
        "sub_delivery__registry"
    )
    return [p.sub_delivery for p in participations]


@member_required()
def delivered(request: InstitutionRequest) -> HttpResponse:
    """Aangeleverd: every delivery, filtered in the URL, paginated, with its deadline."""
    form = DeliveredFilterForm(request.GET, _sub_deliveries(request.institution))
    rows = deliveries_of(request.institution, form.chosen())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "schedule/delivered.html",
        {
            "form": form,
            "page": page,
            "rows": _with_deadlines(list(page.object_list)),
            "methods": methods_of(request.institution),
        },
    )


def _with_deadlines(deliveries: list[Delivery]) -> list[tuple[Delivery, dt.date | None]]:
    plans = services.schedules({d.sub_delivery_id for d in deliveries}, _far_future())
    return [(d, services.deadline_of(d, plans)) for d in deliveries]


def _far_future() -> dt.date:
    return services.horizon(timezone.localdate())


@member_required()
def expected(request: InstitutionRequest) -> HttpResponse:
    """Verwacht: expected deliveries with a deadline today or later, filtered in the URL."""
    institution = request.institution
    today = timezone.localdate()
    rows = services.future(_expected(institution, services.horizon(today)), today)
    form = ExpectedFilterForm(request.GET, _sub_deliveries(institution))
    page = Paginator(form.apply(rows), FULL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "methods": methods_of(institution)}
    return render(request, "schedule/expected.html", context)


@operator_required
def delivery_status(request: PortalRequest) -> HttpResponse:
    """For one sub-delivery and deadline: which institutions delivered, which are late."""
    form = PeriodStatusForm(request.GET)
    form.is_valid()
    sub_delivery = form.cleaned_data.get("deelaanlevering")
    entries = operator.deadlines_of(sub_delivery) if sub_delivery else []
    form.set_deadlines(entries)
    chosen = next((e for e in entries if e.key == request.GET.get("deadline")), None)
    if chosen is None and entries:
        chosen = operator.current_entry(entries, timezone.localdate())
    if chosen is not None:
        data = request.GET.copy()  # the list shows the deadline the table is about
        data["deadline"] = chosen.key
        form.data = data
    form.full_clean()  # again, now that the deadlines are the choices
    rows = operator.period_status(sub_delivery, chosen) if sub_delivery and chosen else []
    context = {"form": form, "sub_delivery": sub_delivery, "entry": chosen, "rows": rows}
    return render(request, "schedule/delivery_status.html", context)
