"""Afnameoverzicht, the local administrator's authorisations, the processor's own page and the
operator's registration of processors per registry."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.forwarding import authorisations, overview, tokens
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.forms import AuthoriseForm, RegisterProcessorForm, TokenForm
from datahub.forwarding.models import (
    Authorisation,
    Package,
    ProcessorRegistration,
    ProcessorToken,
    fetchable,
)
from datahub.forwarding.packaging import retention_days
from datahub.portal.access import (
    deny,
    local_admin_required,
    member_required,
    operator_required,
    processor_required,
)
from datahub.portal.http import InstitutionRequest, PortalRequest, ProcessorRequest

PAGE_SIZE = 25


@member_required()
def forwarding(request: InstitutionRequest) -> HttpResponse:
    """Afnameoverzicht: where the institution's data goes, per registry and per delivery."""
    institution = request.institution
    deliveries = overview.production_deliveries(institution)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "registries": overview.registry_rows(institution, timezone.localdate()),
        "page": page,
        "waiting": overview.awaiting_forwarding(institution, page.object_list),
        "retention_days": retention_days(),
    }
    return render(request, "forwarding/overview.html", context)


@local_admin_required
def authorisation_list(request: InstitutionRequest) -> HttpResponse:
    form = AuthoriseForm(request.POST or None, institution=request.institution)
    if request.method == "POST" and form.is_valid():
        registration = form.cleaned_data["registration"]
        try:
            authorisations.authorise(
                actor=request.user,
                institution=request.institution,
                registry=registration.registry,
                processor=registration.processor,
                valid_from=form.cleaned_data["valid_from"],
                request=request,
            )
        except ForwardingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The authorisation has been saved."))
            return redirect("portal:authorisations")
    context = {"form": form, "authorisations": overview.all_authorisations(request.institution)}
    return render(request, "forwarding/authorisations.html", context)


@local_admin_required
def authorisation_revoke(request: InstitutionRequest, authorisation_id: int) -> HttpResponse:
    """Asks first (what stops, what is deleted); the POST revokes."""
    authorisation = authorisations.authorisation_of(request.institution, authorisation_id)
    if authorisation is None:
        deny(
            request,
            gettext_noop("authorisation {id} is not of this institution"),
            id=authorisation_id,
        )
        raise Http404
    if request.method == "POST":
        return _revoke(request, authorisation)
    context = {
        "authorisation": authorisation,
        "unfetched": authorisations.unfetched_of_authorisation(authorisation),
    }
    return render(request, "forwarding/authorisation_revoke.html", context)


def _revoke(request: InstitutionRequest, authorisation: Authorisation) -> HttpResponse:
    try:
        authorisations.revoke(actor=request.user, authorisation=authorisation, request=request)
    except ForwardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(processor)s no longer receives data of %(registry)s.")
            % {"processor": authorisation.processor, "registry": authorisation.registry},
        )
    return redirect("portal:authorisations")


@processor_required
def processor_home(request: ProcessorRequest) -> HttpResponse:
    """The processor's page: its registries, its packages at a glance, its API tokens."""
    form = TokenForm(request.POST or None)
    shown: dict[str, object] = {}
    if request.method == "POST" and form.is_valid():
        try:
            shown["created"], shown["new_token"] = tokens.create_token(
                actor=request.user,
                processor=request.processor,
                name=form.cleaned_data["name"],
                valid_days=form.cleaned_data["valid_days"],
                request=request,
            )
        except ForwardingError as exc:
            form.add_error(None, str(exc))
        else:
            form = TokenForm()
    context = {**_processor_context(request), "form": form, **shown}
    response = render(request, "forwarding/processor_home.html", context)
    if shown:  # the token is in this page only: never keep it in a cache
        response["Cache-Control"] = "no-store"
    return response


def _processor_context(request: ProcessorRequest) -> dict[str, object]:
    processor = request.processor
    # The conditions in WHERE, not in the counts: so only the packages still offered are read
    # (an index of just those), not the processor's years of expired ones.
    available = Package.objects.for_processor(processor).filter(fetchable())
    return {
        "tokens": tokens.listed(processor),
        "registrations": authorisations.registrations().filter(processor=processor),
        "counts": available.aggregate(
            available=Count("pk"), unfetched=Count("pk", filter=Q(fetched_at__isnull=True))
        ),
        "api_url": request.build_absolute_uri("/api/verwerker/packages"),
    }


@processor_required
def processor_token_revoke(request: ProcessorRequest, token_id: int) -> HttpResponse:
    """Asks first (which token, what stops); the POST revokes."""
    token = tokens.tokens_of(request.processor).filter(pk=token_id).first()
    if token is None:
        deny(request, gettext_noop("token {id} is not of this processor"), id=token_id)
        raise Http404
    if request.method == "POST":
        return _revoke_token(request, token)
    return render(request, "forwarding/processor_token_revoke.html", {"token": token})


def _revoke_token(request: ProcessorRequest, token: ProcessorToken) -> HttpResponse:
    try:
        tokens.revoke_token(
            actor=request.user, processor=request.processor, token_id=token.pk, request=request
        )
    except ForwardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token has been revoked; it no longer works."))
    return redirect("portal:processor_home")


@operator_required
def processor_registrations(request: PortalRequest) -> HttpResponse:
    form = RegisterProcessorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authorisations.register_processor(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ForwardingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The processor has been registered for the registry."))
            return redirect("portal:processor_registrations")
    registrations = ProcessorRegistration.objects.select_related("processor", "registry").order_by(
        "withdrawn_at", "registry__stream", "processor__name"
    )
    return render(
        request,
        "forwarding/registrations.html",
        {"form": form, "registrations": registrations},
    )


@operator_required
def processor_registration_withdraw(request: PortalRequest, registration_id: int) -> HttpResponse:
    """Asks first (what stops, what is deleted); the POST withdraws."""
    registration = authorisations.registration_of(registration_id)
    if registration is None:
        raise Http404
    if request.method == "POST":
        return _withdraw(request, registration)
    context = {
        "registration": registration,
        "unfetched": authorisations.unfetched_of_registration(registration),
        "institutions": authorisations.institutions_authorising(registration),
    }
    return render(request, "forwarding/registration_withdraw.html", context)


def _withdraw(request: PortalRequest, registration: ProcessorRegistration) -> HttpResponse:
    try:
        authorisations.withdraw_registration(
            actor=request.user, registration=registration, request=request
        )
    except ForwardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The registration has been withdrawn."))
    return redirect("portal:processor_registrations")
