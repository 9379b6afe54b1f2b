"""The API's authentication: ``Authorization: Bearer dh_...`` with an institution's token."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.audit.models import Action
from datahub.audit.services import client_address, record


class TokenAuth(HttpBearer):
    """Accepts an active token and sets ``request.institution`` to the token's institution.

    An unknown or revoked token is refused (401) and the attempt written to the audit log;
    the logged text holds only the token's prefix, never the secret.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.find(token.strip())
        if found is None or not found.is_active:
            _log_refusal(request, token, found)
            return None
        tokens.mark_used(found)
        request.institution = found.institution  # type: ignore[attr-defined]
        request.api_token = found  # type: ignore[attr-defined]
        return found


#: Refused tokens are logged at most once per address per this many seconds: anyone can send
#: requests with made-up tokens, and the append-only log must not be theirs to fill.
REFUSAL_LOG_SECONDS = 60


def _log_refusal(request: HttpRequest, raw: str, found: ApiToken | None) -> None:
    if not cache.add(f"api-refusal:{client_address(request)}", 1, REFUSAL_LOG_SECONDS):
        return
    what = "revoked" if found is not None else "unknown"
    record(
        Action.DENIED,
        actor=tokens.TokenActor(found) if found is not None else None,
        institution=found.institution if found is not None else None,
        request=request,
        description=f"{what} API token {raw.strip()[: tokens.PREFIX_LENGTH]!r}",
        detail={"path": request.path},
    )


def token_of(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (behind :class:`TokenAuth`)."""
    token: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token
