"""The local administrator's pages for the people of his own institution."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.accounts.second_factor import has_second_factor
from datahub.institutions import services
from datahub.institutions.models import Membership, Role
from datahub.portal.access import deny, local_admin_required
from datahub.portal.forms import AddPersonForm, ChangePersonForm
from datahub.portal.http import InstitutionRequest

#: The posted actions that change a person's access rather than his role.
_ACCESS = frozenset({"deactivate", "activate", "reset_second_factor"})
#: People per page: deactivated people are never removed, so the list only grows.
PAGE_SIZE = 50


@local_admin_required
def people(request: InstitutionRequest) -> HttpResponse:
    memberships = services.people_of(request.institution)
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/people/list.html", {"page": page})


@local_admin_required
def person_add(request: InstitutionRequest) -> HttpResponse:
    form = AddPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.add_person(
                actor=request.user,
                institution=request.institution,
                request=request,
                **form.cleaned_data,
            )
        except services.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(email)s now has access.") % {"email": membership.user.email}
            )
            return redirect("portal:people")
    return render(request, "portal/people/add.html", {"form": form})


@local_admin_required
def person_edit(request: InstitutionRequest, membership_id: int) -> HttpResponse:
    membership = _own_membership(request, membership_id)
    # Only a role change binds the role form: a refused (de)activation must not show the
    # form as posted without a role ("required", the first role selected).
    action = request.POST.get("action")
    posted_role = request.method == "POST" and action not in _ACCESS
    form = ChangePersonForm(
        request.POST if posted_role else None, initial={"role": membership.role}
    )
    refused = None
    if request.method == "POST":
        try:
            changed = _apply_change(request, membership, form, action)
        except services.PeopleError as exc:
            refused = str(exc)
            if posted_role:
                form.add_error(None, refused)
        else:
            if changed and action == "reset_second_factor":
                messages.success(
                    request,
                    _("The second factor of %(email)s has been reset; he has been told by e-mail.")
                    % {"email": membership.user.email},
                )
                return redirect("portal:people")
            if changed:
                messages.success(request, _("The change has been saved."))
                if membership.user_id == request.user.pk and membership.role != Role.LOCAL_ADMIN:
                    return redirect("portal:home")  # no longer a local administrator here
                return redirect("portal:people")
    context = {
        "form": form,
        "membership": membership,
        "access_error": None if posted_role else refused,
        "may_reset_second_factor": membership.user_id != request.user.pk
        and has_second_factor(membership.user),
    }
    return render(request, "portal/people/edit.html", context)


def _apply_change(
    request: InstitutionRequest,
    membership: Membership,
    form: ChangePersonForm,
    action: str | None,
) -> bool:
    """Carry out the posted change (``action``: one of :data:`_ACCESS`, else the role form's);
    False when the form is not valid. A refusal raises ``PeopleError``."""
    if action == "reset_second_factor":
        services.reset_second_factor(actor=request.user, membership=membership, request=request)
        return True
    if action in _ACCESS:
        services.set_active(
            actor=request.user,
            membership=membership,
            active=action == "activate",
            request=request,
        )
        return True
    if form.is_valid():
        services.change_role(
            actor=request.user,
            membership=membership,
            role=form.cleaned_data["role"],
            request=request,
        )
        return True
    return False


def _own_membership(request: InstitutionRequest, membership_id: int) -> Membership:
    membership = services.membership_of(request.institution, membership_id)
    if membership is None:
        # Another institution's id (or none at all): not found, and the attempt is logged.
        deny(request, gettext_noop("membership {id} is not of this institution"), id=membership_id)
        raise Http404
    return membership
