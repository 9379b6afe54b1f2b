"""The API's authentication: ``Authorization: Bearer dh_...`` with an institution's token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.audit.services import record_refused_token
from datahub.token_expiry import refusal_description


class TokenAuth(HttpBearer):
    """Accepts an active token and sets ``request.institution`` to the token's institution.

    An unknown, revoked or expired token is refused (401) and the attempt written to the audit
    log; the logged text holds only the token's prefix, never the secret. An expired token's
    401 says so, and that a new token must be made.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.find(token.strip())
        if found is None or not found.is_active:
            _log_refusal(request, token, found)
            if found is not None and found.revoked_at is None:
                raise tokens.expired()
            return None
        tokens.mark_used(found)
        request.institution = found.institution  # type: ignore[attr-defined]
        request.api_token = found  # type: ignore[attr-defined]
        return found


def _log_refusal(request: HttpRequest, raw: str, found: ApiToken | None) -> None:
    record_refused_token(
        request,
        refusal_description(found),
        values={"prefix": repr(raw.strip()[: tokens.PREFIX_LENGTH])},
        token=f"institution-{found.pk}" if found is not None else None,
        actor=tokens.TokenActor(found) if found is not None else None,
        institution=found.institution if found is not None else None,
    )


def token_of(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (behind :class:`TokenAuth`)."""
    token: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token
