"""Making, revoking and recognising API tokens.

Tokens are 256 random bits (``dh_`` + URL-safe base64). Only their SHA-256 hash is stored: a
slow password hash adds nothing for a secret that long, and a fast one keeps every API call
cheap. A presented token is looked up by its (non-secret) prefix and its hash compared in
constant time. A token works until its expiry, chosen when it is made (``token_expiry``). Every
change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.api.models import ApiToken
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.institutions.models import Institution, Membership, Role
from datahub.institutions.services import PeopleError, require_local_admin
from datahub.token_expiry import DEFAULT_VALIDITY, TokenExpired, expiry

SCHEME = "dh_"
PREFIX_LENGTH = len(SCHEME) + 8
#: How often (seconds) the "last used" time is written; every call would be a write per poll.
LAST_USED_RESOLUTION = 60


class TokenError(Exception):
    """A refused change to a token; ``str()`` is the user's message."""


@dataclass(frozen=True)
class TokenActor:
    """Who acted, for the audit log and the delivery, when a system called with a token."""

    token: ApiToken
    pk: None = None

    def __str__(self) -> str:
        return f"API token {self.token.prefix} ({self.token.name})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return SCHEME + secrets.token_urlsafe(32)


def tokens_of(institution: Institution) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_institution(institution).select_related("created_by", "revoked_by")


def listed(institution: Institution) -> QuerySet[ApiToken]:
    """The institution's tokens for its list, each with ``creator_has_role``: whether its maker
    is still an active local administrator here (in the same query, whatever the number)."""
    admins = Membership.objects.for_institution(institution).filter(
        user=OuterRef("created_by"), role=Role.LOCAL_ADMIN, is_active=True, user__is_active=True
    )
    return tokens_of(institution).annotate(creator_has_role=Exists(admins))


def token_of(institution: Institution, token_id: int) -> ApiToken | None:
    """One token of this institution, or None: another institution's id is not found."""
    return tokens_of(institution).filter(pk=token_id).first()


def issue(
    *,
    actor: Any,
    institution: Institution,
    name: str,
    valid_days: int = DEFAULT_VALIDITY,
    request: HttpRequest | None = None,
    secret: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``institution``, working for ``valid_days`` (one of
    ``token_expiry.Validity``); returns the row and the secret (shown once, not kept)."""
    _require_admin(actor, institution)
    try:
        expires_at = expiry(valid_days)
    except ValueError:
        raise TokenError(_("Choose how long the token is valid.")) from None
    raw = secret or new_secret()
    token = ApiToken.objects.create(
        institution=institution,
        name=name.strip()[:100],
        prefix=raw[:PREFIX_LENGTH],
        token_hash=hash_token(raw),
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=expires_at,
    )
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        obj=token,
        request=request,
        description=gettext_noop("API token {prefix} ({name})"),
        values={"prefix": token.prefix, "name": token.name},
        detail={"expires_at": expires_at.isoformat(), "valid_days": valid_days},
    )
    return token, raw


def revoke(*, actor: Any, token: ApiToken, request: HttpRequest | None = None) -> None:
    """Revoke at once: the next call with this token gets 401. Revoking twice changes nothing."""
    _require_admin(actor, token.institution)
    now = timezone.now()
    # conditional: of two revocations at once only one changes the row and is audited
    changed = (
        tokens_of(token.institution)
        .filter(pk=token.pk, revoked_at__isnull=True)
        .update(revoked_at=now, revoked_by=actor)
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    if not changed:
        return
    record(
        Action.CHANGE,
        actor=actor,
        institution=token.institution,
        obj=token,
        request=request,
        description=gettext_noop("API token {prefix} ({name}) revoked"),
        values={"prefix": token.prefix, "name": token.name},
    )


def _require_admin(actor: Any, institution: Institution) -> None:
    try:
        require_local_admin(actor, institution)
    except PeopleError as exc:
        raise TokenError(str(exc)) from None


def find(raw: str) -> ApiToken | None:
    """The token row that ``raw`` is the secret of (revoked, expired or not), or None."""
    if not raw.startswith(SCHEME) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    match = None
    candidates = (
        ApiToken.objects.unscoped().filter(prefix=raw[:PREFIX_LENGTH]).select_related("institution")
    )
    for candidate in candidates:
        if hmac.compare_digest(candidate.token_hash, digest):
            match = candidate
    return match


def mark_used(token: ApiToken) -> None:
    now = timezone.now()
    recent = now - dt.timedelta(seconds=LAST_USED_RESOLUTION)
    if token.last_used_at is None or token.last_used_at < recent:
        ApiToken.objects.for_institution(token.institution_id).filter(pk=token.pk).update(
            last_used_at=now
        )
        token.last_used_at = now


def refused_message() -> str:
    return _("The API token is unknown or has been revoked.")


def expired() -> TokenExpired:
    """The refusal of a call with an expired token: who makes a new one, and where."""
    return TokenExpired(
        _(
            "The API token has expired: a local administrator must make a new token on the "
            "page API tokens of the portal."
        )
    )
