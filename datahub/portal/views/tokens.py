"""The local administrator's API tokens: make one (shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.api import tokens
from datahub.api.forms import TokenForm
from datahub.api.models import ApiToken
from datahub.portal.access import deny, local_admin_required
from datahub.portal.http import InstitutionRequest


@local_admin_required
def api_tokens(request: InstitutionRequest) -> HttpResponse:
    return render(request, "api/tokens/list.html", {"tokens": tokens.listed(request.institution)})


@local_admin_required
def api_token_add(request: InstitutionRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.issue(
                actor=request.user,
                institution=request.institution,
                name=form.cleaned_data["name"],
                valid_days=form.cleaned_data["valid_days"],
                request=request,
            )
        except tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            return _show_once(request, token, secret)
    return render(request, "api/tokens/add.html", {"form": form})


def _show_once(request: InstitutionRequest, token: ApiToken, secret: str) -> HttpResponse:
    """The secret in this one response only: not stored, not cached, not in a redirect."""
    response = render(request, "api/tokens/created.html", {"token": token, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@local_admin_required
def api_token_revoke(request: InstitutionRequest, token_id: int) -> HttpResponse:
    token = tokens.token_of(request.institution, token_id)
    if token is None:
        deny(request, gettext_noop("API token {id} is not of this institution"), id=token_id)
        raise Http404
    if request.method == "POST":
        try:
            tokens.revoke(actor=request.user, token=token, request=request)
        except tokens.TokenError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The token %(prefix)s… has been revoked.") % {"prefix": token.prefix}
            )
        return redirect("portal:api_tokens")
    return render(request, "api/tokens/revoke.html", {"token": token})
