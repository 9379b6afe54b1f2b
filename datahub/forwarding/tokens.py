"""Processor API tokens: random, shown once, stored as a SHA-256 digest.

A token has 256 random bits, so a fast digest is enough (no password hashing needed): a leaked
database does not give usable tokens, and looking one up is a single indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record, record_refused_token
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.models import ProcessorToken
from datahub.institutions.models import Processor

PREFIX = "dhp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    *, actor: Any, processor: Processor, name: str, request: HttpRequest | None = None
) -> tuple[ProcessorToken, str]:
    """A new token for ``processor``; the plain token is returned here and never again."""
    name = name.strip()
    if not name:
        raise ForwardingError(_("Give the token a name, e.g. the system that uses it."))
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ProcessorToken.objects.create(
        processor=processor,
        name=name[:100],
        prefix=plain[:10],
        digest=_digest(plain),
        created_by=actor if getattr(actor, "pk", None) else None,
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
    )
    return token, plain


def revoke_token(
    *, actor: Any, processor: Processor, token_id: int, request: HttpRequest | None = None
) -> ProcessorToken:
    """Revoke one of the processor's own tokens (another's id is simply not found)."""
    token = tokens_of(processor).filter(pk=token_id).first()
    if token is None:
        raise ForwardingError(_("No such token."))
    if token.revoked_at is not None:
        raise ForwardingError(_("This token was already revoked."))
    ProcessorToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
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


def authenticate(plain: str, request: HttpRequest | None = None) -> ProcessorToken | None:
    """The live token for ``plain``, or None; notes when it was last used. A refused token
    (unknown or revoked) is written to the audit log when ``request`` is given."""
    token: ProcessorToken | None = None
    if plain.startswith(PREFIX) and len(plain) <= 200:
        found = ProcessorToken.objects.select_related("processor").filter(digest=_digest(plain))
        token = found.first()
    if token is None or token.revoked_at is not None:
        if request is not None:
            shown = token.prefix if token is not None else plain.strip()[: len(PREFIX) + 7]
            processor = token.processor if token is not None else None
            record_refused_token(
                request,
                gettext_noop("revoked API token {prefix}")
                if token is not None
                else gettext_noop("unknown API token {prefix}"),
                values={"prefix": repr(shown)},
                token=f"processor-{token.pk}" if token is not None else None,
                processor=processor,
            )
        return None
    ProcessorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
