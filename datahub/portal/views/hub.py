"""The hub operator's pages: the operational status, importing data dictionaries, participation
and delivery methods."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from datahub import operations
from datahub.dictionaries import services
from datahub.dictionaries.models import Participation, RegistryMethod
from datahub.portal.access import operator_required
from datahub.portal.forms import (
    DictionaryUploadForm,
    InstitutionFilterForm,
    MethodForm,
    ParticipationForm,
)
from datahub.portal.http import PortalRequest

#: Rows per table shown without a chosen institution (all of one institution's rows are shown).
SHOWN = 50


@operator_required
def operator_home(request: PortalRequest) -> HttpResponse:
    context = {"status": operations.status(timezone.now())}
    return render(request, "portal/hub/home.html", context)


@operator_required
def dictionary_import(request: PortalRequest) -> HttpResponse:
    form = DictionaryUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    lapsing = False  # the last attempt would take deadlines away: offer "Publish anyway"
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        if upload.size > services.MAX_WORKBOOK_BYTES:
            problems = [_("The file is too large for a data dictionary.")]
        else:
            try:
                version = services.import_workbook(
                    upload.read(),
                    upload.name,
                    actor=request.user,
                    request=request,
                    lapse_confirmed=form.cleaned_data["lapse_confirmed"],
                )
            except services.ImportRefused as refused:
                problems = refused.messages(get_language() or "nl")
                lapsing = isinstance(refused, services.DeadlinesWouldLapse)
            else:
                messages.success(
                    request,
                    _("Data dictionary %(version)s has been published.") % {"version": version},
                )
                language = get_language() or "nl"
                for warning in version.dictionary.warnings:
                    messages.warning(
                        request,
                        _("Note: %(warning)s.")
                        % {"warning": warning.message(language).rstrip(".")},
                    )
                return redirect("portal:dictionary", version.sub_delivery.code, version.version)
    context = {"form": form, "problems": problems, "lapsing": lapsing}
    return render(request, "portal/hub/import.html", context)


@operator_required
def participation(request: PortalRequest) -> HttpResponse:
    filter_form = InstitutionFilterForm(request.GET or None, auto_id="filter_%s")
    chosen = filter_form.cleaned_data["institution"] if filter_form.is_valid() else None
    # Three forms with an "institution" field: each its own ids, so each label finds its field.
    # The forms that change start at the institution shown.
    participation_form = ParticipationForm(
        request.POST if request.POST.get("form") == "participation" else None,
        auto_id="participation_%s",
        initial={"institution": chosen},
    )
    method_form = MethodForm(
        request.POST if request.POST.get("form") == "method" else None,
        auto_id="method_%s",
        initial={"institution": chosen},
    )
    if request.method == "POST":
        saved = _save(request, participation_form, method_form)
        if saved is not None:
            messages.success(request, _("The change has been saved."))
            return redirect(f"{reverse('portal:participation')}?institution={saved}")
    participations = Participation.objects.unscoped().select_related(
        "institution", "sub_delivery__registry"
    )
    methods = RegistryMethod.objects.unscoped().select_related("institution", "registry")
    if chosen is not None:
        participations = participations.filter(institution=chosen)
        methods = methods.filter(institution=chosen)
    context = {
        "participation_form": participation_form,
        "method_form": method_form,
        "filter_form": filter_form,
        "participations": _shown(
            participations.order_by("institution__agb_code", "sub_delivery__code"), chosen
        ),
        "methods": _shown(methods.order_by("institution__agb_code", "registry__stream"), chosen),
    }
    return render(request, "portal/hub/participation.html", context)


def _shown(rows: QuerySet[Any], chosen: Any) -> dict[str, Any]:
    """All rows of the chosen institution; without one, the first :data:`SHOWN` and how
    many there are."""
    if chosen is not None:
        shown = list(rows)
        return {"rows": shown, "total": len(shown)}
    shown = list(rows[:SHOWN])
    return {"rows": shown, "total": rows.count() if len(shown) == SHOWN else len(shown)}


def _save(
    request: PortalRequest, participation_form: ParticipationForm, method_form: MethodForm
) -> int | None:
    """Save the posted form; the id of its institution, or None if nothing was saved."""
    try:
        if participation_form.is_bound and participation_form.is_valid():
            services.set_participation(
                actor=request.user, request=request, **participation_form.cleaned_data
            )
            return int(participation_form.cleaned_data["institution"].pk)
        if method_form.is_bound and method_form.is_valid():
            services.set_method(actor=request.user, request=request, **method_form.cleaned_data)
            return int(method_form.cleaned_data["institution"].pk)
    except services.ParticipationError as exc:
        form = participation_form if participation_form.is_bound else method_form
        form.add_error(None, str(exc))
    return None
