"""The details of one delivery: Voortgang, Verslag, Exporteer. Never cached: the report shows
patient-level values, and a workstation may be shared."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import reports
from datahub.deliveries.models import Delivery
from datahub.dictionaries import labels
from datahub.portal.access import deny, member_required
from datahub.portal.http import InstitutionRequest

PAGE_SIZE = 100


def own_delivery(request: InstitutionRequest, delivery_id: int) -> Delivery:
    """A delivery of the current institution; any other id is not found, and logged."""
    delivery = (
        Delivery.objects.for_institution(request.institution)
        .select_related(
            "sub_delivery__registry", "dictionary_version", "unit", "submitted_by", "file"
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        deny(request, gettext_noop("delivery {id} is not of this institution"), id=delivery_id)
        raise Http404
    return delivery


def _original_name(delivery: Delivery) -> str | None:
    """The name the file had on the person's computer, when the hub stored the delivery under
    another one (built from the fields he filled in by hand); else None."""
    name = delivery.file.original_name if delivery.file else None
    return name if name and name != delivery.file_name else None


@never_cache
@member_required()
def delivery_detail(request: InstitutionRequest, delivery_id: int) -> HttpResponse:
    delivery = own_delivery(request, delivery_id)
    tab = "verslag" if request.GET.get("tab") == "verslag" else "voortgang"
    context: dict[str, object] = {
        "delivery": delivery,
        "tab": tab,
        "rejected_for_share": reports.rejected_for_share(delivery),
        "original_name": _original_name(delivery),
    }
    if tab == "verslag":
        report, shown = _report_context(request, delivery)
        context |= report
        record(
            Action.VIEW,
            request=request,
            obj=delivery,
            description=gettext_noop("processing report"),
            detail=shown,
        )
    return render(request, "deliveries/detail.html", context)


def _report_context(
    request: InstitutionRequest, delivery: Delivery
) -> tuple[dict[str, object], dict[str, object]]:
    """The report tab's context, and for the audit log which findings it shows: their
    records, and how they were chosen."""
    code, level = _selection(request)
    findings = reports.findings_of(delivery, code=code, level=level)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    fields = reports.report_fields(delivery)
    lang = translation.get_language() or "nl"
    rows = [
        (f, [f.keys.get(name) for name in fields], *reports.shown_message(f, lang)) for f in page
    ]
    context: dict[str, object] = {
        "page": page,
        "rows": rows,
        "report_fields": fields,
        "codes": reports.codes_of(delivery),
        "code": code,
        "level": level,
        "levels": labels.LEVELS,
        # the export of what the tab shows: the parts of its selection that are chosen
        "export_query": urlencode({k: v for k, v in (("code", code), ("niveau", level)) if v}),
    }
    records = sorted({f.record for f in page if f.record is not None})
    return context, {"page": page.number, "code": code, "level": level, "records": records}


def _selection(request: InstitutionRequest) -> tuple[str, str]:
    """The report tab's selection in the URL: an error code and a level (either may be empty)."""
    return request.GET.get("code", ""), request.GET.get("niveau", "")


@never_cache
@member_required()
def delivery_progress(request: InstitutionRequest, delivery_id: int) -> HttpResponse:
    """The Voortgang table alone, polled by the page while the delivery is processed."""
    delivery = own_delivery(request, delivery_id)
    context = {"delivery": delivery, "polled": True}
    return render(request, "deliveries/_progress.html", context)


@never_cache
@member_required()
def delivery_export(request: InstitutionRequest, delivery_id: int) -> StreamingHttpResponse:
    """The report as CSV: the findings the report tab shows, with its selection (code, level)."""
    delivery = own_delivery(request, delivery_id)
    code, level = _selection(request)
    record(
        Action.EXPORT,
        request=request,
        obj=delivery,
        description=gettext_noop("processing report CSV"),
        detail={"code": code, "level": level} if code or level else None,
    )
    response = StreamingHttpResponse(
        reports.csv_rows(delivery, code=code, level=level), content_type="text/csv; charset=utf-8"
    )
    name = delivery.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = f'attachment; filename="verwerkingsverslag_{name}.csv"'
    return response
