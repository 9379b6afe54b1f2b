"""Processor API tokens: random, shown once, stored as a SHA-256 digest.

A token has 256 random bits, so a fast digest is enough (no password hashing needed): a leaked
database does not give usable tokens, and looking one up is a single indexed query. A token
works until its expiry, chosen when it is made (``token_expiry``).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record, record_refused_token
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.models import ProcessorToken
from datahub.institutions.models import Processor, ProcessorMembership
from datahub.token_expiry import DEFAULT_VALIDITY, TokenExpired, expiry, refusal_description

PREFIX = "dhp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    *,
    actor: Any,
    processor: Processor,
    name: str,
    valid_days: int = DEFAULT_VALIDITY,
    request: HttpRequest | None = None,
) -> tuple[ProcessorToken, str]:
    """A new token for ``processor``, working for ``valid_days`` (one of
    ``token_expiry.Validity``); the plain token is returned here and never again."""
    name = name.strip()
    if not name:
        raise ForwardingError(_("Give the token a name, e.g. the system that uses it."))
    try:
        expires_at = expiry(valid_days)
    except ValueError:
        raise ForwardingError(_("Choose how long the token is valid.")) from None
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ProcessorToken.objects.create(
        processor=processor,
        name=name[:100],
        prefix=plain[:10],
        digest=_digest(plain),
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=expires_at,
    )
    record(
        Action.CREATE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=token,
        request=request,
        description=gettext_noop("API token {prefix}… created"),
        values={"prefix": token.prefix},
        detail={"expires_at": expires_at.isoformat(), "valid_days": valid_days},
    )
    return token, plain


def revoke_token(
    *, actor: Any, processor: Processor, token_id: int, request: HttpRequest | None = None
) -> ProcessorToken:
    """Revoke one of the processor's own tokens (another's id is simply not found)."""
    token = tokens_of(processor).filter(pk=token_id).first()
    if token is None:
        raise ForwardingError(_("No such token."))
    # conditional: of two revocations at once only one changes the row and is audited
    changed = ProcessorToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not changed:
        raise ForwardingError(_("This token was already revoked."))
    record(
        Action.CHANGE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=token,
        request=request,
        description=gettext_noop("API token {prefix}… revoked"),
        values={"prefix": token.prefix},
    )
    return token


def tokens_of(processor: Processor) -> QuerySet[ProcessorToken]:
    return ProcessorToken.objects.filter(processor=processor)


def listed(processor: Processor) -> QuerySet[ProcessorToken]:
    """The processor's tokens for its page, with their makers and ``creator_has_role``: whether
    the maker is still an active member of the processor (in the same query, whatever the
    number)."""
    members = ProcessorMembership.objects.filter(
        processor=processor, user=OuterRef("created_by"), is_active=True, user__is_active=True
    )
    return (
        tokens_of(processor).select_related("created_by").annotate(creator_has_role=Exists(members))
    )


def authenticate(plain: str, request: HttpRequest | None = None) -> ProcessorToken | None:
    """The live token for ``plain``, or None; notes when it was last used. A refused token
    (unknown, revoked or expired) is written to the audit log when ``request`` is given; an
    expired one raises :class:`~datahub.token_expiry.TokenExpired`, whose message says that a
    new token must be made."""
    token: ProcessorToken | None = None
    if plain.startswith(PREFIX) and len(plain) <= 200:
        found = ProcessorToken.objects.select_related("processor").filter(digest=_digest(plain))
        token = found.first()
    if token is None or not token.is_active:
        if request is not None:
            _log_refusal(request, plain, token)
        if token is not None and token.revoked_at is None:
            raise TokenExpired(
                _(
                    "The API token has expired: make a new token on the page Processor of "
                    "the portal."
                )
            )
        return None
    ProcessorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def _log_refusal(request: HttpRequest, plain: str, token: ProcessorToken | None) -> None:
    record_refused_token(
        request,
        refusal_description(token),
        values={"prefix": repr(token.prefix if token else plain.strip()[: len(PREFIX) + 7])},
        token=f"processor-{token.pk}" if token is not None else None,
        processor=token.processor if token is not None else None,
    )
