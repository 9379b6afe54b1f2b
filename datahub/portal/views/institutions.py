"""The hub operator's pages for institutions: the list, onboarding one, changing one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from datahub.institutions import onboarding
from datahub.institutions.models import Institution, Unit
from datahub.portal.access import operator_required
from datahub.portal.forms import (
    AddInstitutionForm,
    AddUnitForm,
    InstitutionForm,
    RegistryContactForm,
)
from datahub.portal.http import PortalRequest


@operator_required
def institution_list(request: PortalRequest) -> HttpResponse:
    institutions = onboarding.institutions_overview()
    return render(request, "portal/hub/institutions.html", {"institutions": institutions})


@operator_required
def institution_add(request: PortalRequest) -> HttpResponse:
    form = AddInstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            institution = onboarding.add_institution(
                actor=request.user,
                name=data["name"],
                agb_code=data["agb_code"],
                contact_email=data["contact_email"],
                units=form.units(),
                admin_email=data["admin_email"],
                admin_name=data["admin_name"],
                request=request,
            )
        except onboarding.OnboardingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(institution)s has been added; %(email)s has been invited.")
                % {"institution": institution, "email": data["admin_email"].lower()},
            )
            return redirect("portal:institutions")
    return render(request, "portal/hub/institution_add.html", {"form": form})


@operator_required
def institution_edit(request: PortalRequest, institution_id: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=institution_id)
    posted = request.POST.get("form") if request.method == "POST" else None
    details = InstitutionForm(
        request.POST if posted == "details" else None,
        auto_id="details_%s",
        initial={"name": institution.name, "contact_email": institution.contact_email},
    )
    unit_form = AddUnitForm(
        request.POST if posted == "unit" else None, auto_id="unit_%s", institution=institution
    )
    contact_form = RegistryContactForm(
        request.POST if posted == "contact" else None,
        auto_id="contact_%s",
        institution=institution,
    )
    forms = {"details": details, "unit": unit_form, "contact": contact_form}
    try:
        if posted == "details" and details.is_valid():
            onboarding.change_institution(
                actor=request.user, institution=institution, request=request, **details.cleaned_data
            )
            messages.success(request, _("The change has been saved."))
            return redirect("portal:institution_edit", institution.pk)
        if posted == "unit" and unit_form.is_valid():
            unit = onboarding.add_unit(
                actor=request.user,
                institution=institution,
                request=request,
                **unit_form.cleaned_data,
            )
            messages.success(request, _("Unit %(unit)s has been added.") % {"unit": unit})
            return redirect("portal:institution_edit", institution.pk)
        if posted == "contact" and contact_form.is_valid():
            contact = onboarding.add_registry_contact(
                actor=request.user,
                institution=institution,
                request=request,
                **contact_form.cleaned_data,
            )
            messages.success(
                request,
                _("%(email)s is now a contact person for %(registry)s.")
                % {"email": contact.email, "registry": contact.registry.stream},
            )
            return redirect("portal:institution_edit", institution.pk)
        if posted == "remove_contact":
            _remove_contact(request, institution)
            return redirect("portal:institution_edit", institution.pk)
    except onboarding.OnboardingError as exc:
        forms.get(posted or "", details).add_error(None, str(exc))
    context = {
        "institution": institution,
        "details": details,
        "unit_form": unit_form,
        "contact_form": contact_form,
        "units": Unit.objects.for_institution(institution).order_by("number"),
        "contacts": onboarding.registry_contacts(institution),
    }
    return render(request, "portal/hub/institution_edit.html", context)


def _remove_contact(request: PortalRequest, institution: Institution) -> None:
    """Remove the contact person posted; one of another institution (or no number) is a
    contact that does not exist here: a message, and nothing changes."""
    try:
        contact_id = int(request.POST.get("contact", ""))
    except ValueError:
        contact_id = 0
    try:
        onboarding.remove_registry_contact(
            actor=request.user, institution=institution, contact_id=contact_id, request=request
        )
    except onboarding.OnboardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The contact person has been removed."))
