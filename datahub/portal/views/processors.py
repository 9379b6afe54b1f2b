"""The hub operator's pages for processors: the list, adding one, and one processor's name and
people."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from datahub.forwarding import authorisations
from datahub.institutions import processors
from datahub.institutions.models import Processor, ProcessorMembership
from datahub.institutions.onboarding import OnboardingError
from datahub.portal.access import operator_required
from datahub.portal.forms import AddProcessorForm, AddProcessorPersonForm, ProcessorForm
from datahub.portal.http import PortalRequest

#: The posted actions on a person of the processor.
_ACCESS = {"deactivate": False, "activate": True}
#: People per page of a processor: deactivated people are never removed.
PAGE_SIZE = 50


@operator_required
def processor_list(request: PortalRequest) -> HttpResponse:
    context = {"processors": processors.processors_overview()}
    return render(request, "portal/hub/processors.html", context)


@operator_required
def processor_add(request: PortalRequest) -> HttpResponse:
    form = AddProcessorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            processor = processors.add_processor(
                actor=request.user, request=request, **form.cleaned_data
            )
        except OnboardingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(processor)s has been added.") % {"processor": processor.name}
            )
            return redirect("portal:processor_edit", processor.pk)
    return render(request, "portal/hub/processor_add.html", {"form": form})


@operator_required
def processor_edit(request: PortalRequest, processor_id: int) -> HttpResponse:
    processor = get_object_or_404(Processor, pk=processor_id)
    posted = request.POST.get("form") if request.method == "POST" else None
    details = ProcessorForm(
        request.POST if posted == "details" else None,
        auto_id="details_%s",
        initial={"name": processor.name},
    )
    person_form = AddProcessorPersonForm(
        request.POST if posted == "person" else None, auto_id="person_%s"
    )
    access_error = None
    try:
        done = _apply(request, processor, posted, details, person_form)
    except OnboardingError as exc:
        if posted == "access":
            access_error = str(exc)
        else:
            (details if posted == "details" else person_form).add_error(None, str(exc))
    else:
        if done:
            messages.success(request, done)
            return redirect(_same_page(request, processor))
    people = Paginator(processors.people_of(processor), PAGE_SIZE)
    context = {
        "processor": processor,
        "details": details,
        "person_form": person_form,
        "access_error": access_error,
        "page": people.get_page(request.GET.get("page")),
        "registrations": authorisations.registrations().filter(processor=processor),
    }
    return render(request, "portal/hub/processor_edit.html", context)


def _same_page(request: PortalRequest, processor: Processor) -> str:
    """The processor's page, at the page of people the change was made on."""
    url = reverse("portal:processor_edit", args=[processor.pk])
    number = request.GET.get("page", "")
    return f"{url}?page={number}" if number.isascii() and number.isdigit() else url


def _apply(
    request: PortalRequest,
    processor: Processor,
    posted: str | None,
    details: ProcessorForm,
    person_form: AddProcessorPersonForm,
) -> str | None:
    """Carry out the posted change; its message, or None when nothing was (validly) posted.
    A refusal raises ``OnboardingError``."""
    if posted == "details" and details.is_valid():
        processors.change_processor(
            actor=request.user, processor=processor, request=request, **details.cleaned_data
        )
        return _("The change has been saved.")
    if posted == "person" and person_form.is_valid():
        membership = processors.add_processor_person(
            actor=request.user, processor=processor, request=request, **person_form.cleaned_data
        )
        return _("%(email)s now has access.") % {"email": membership.user.email}
    if posted == "access":
        action = request.POST.get("action", "")
        membership = _person(request, processor)
        if action not in _ACCESS:
            raise Http404
        processors.set_person_active(
            actor=request.user, membership=membership, active=_ACCESS[action], request=request
        )
        return _("The change has been saved.")
    return None


def _person(request: PortalRequest, processor: Processor) -> ProcessorMembership:
    """The posted person of this processor; another processor's (or none at all): 404."""
    try:
        membership_id = int(request.POST.get("person", ""))
    except ValueError:
        raise Http404 from None
    membership = processors.person_of(processor, membership_id)
    if membership is None:
        raise Http404
    return membership
