"""The one function every feature calls to write the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import Promise

from datahub.audit.models import Action, AuditEvent


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from (the proxy's, unless the hub sits behind a trusted one)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


#: Default of ``record(institution=...)``: the institution the request is working for.
FROM_REQUEST: Any = object()


def record(
    action: Action | str,
    *,
    actor: Any = None,
    institution: Any = FROM_REQUEST,
    processor: Any = None,
    obj: models.Model | None = None,
    description: str = "",
    values: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: ``record(Action.VIEW, actor=user, institution=inst, obj=delivery)``.

    The actor defaults to the request's user and the institution to the request's current one;
    pass ``institution=None`` for events of a person's account rather than of an institution.

    ``description`` is English, marked with ``gettext_noop`` so that the log can show it in
    the reader's language; with ``values`` it is a template (``"delivery {file}"``), and a
    value that is a lazy translation (a role's label) is shown translated as well.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if institution is FROM_REQUEST:
        institution = getattr(request, "institution", None) if request is not None else None
    english, message, stored = _described(description, values)
    return AuditEvent.objects.create(
        action=str(action),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        institution=institution,
        processor=processor,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        description=english,
        message=message,
        values=stored,
        ip_address=client_address(request),
        detail=detail or {},
    )


def _described(
    template: str, values: Mapping[str, Any] | None
) -> tuple[str, str | None, dict[str, Any] | None]:
    """The English text of a description, and its template and values to store (none
    without values)."""
    with translation.override(None):  # lazy texts give their English original
        template = str(template)
        if not values:
            return template[:300], None, None
        stored = {
            key: {"t": str(value)} if isinstance(value, Promise) else _plain(value)
            for key, value in values.items()
        }
        english = {key: str(value) for key, value in values.items()}
    try:
        return template.format_map(english)[:300], template[:300], stored
    except (KeyError, IndexError, ValueError):  # a template that does not fit its values
        return f"{template} {english}"[:300], None, None


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: numbers and text as they are, a date marked (shown in the
    reader's date format), anything else as text."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"d": value.isoformat()}
    return value if isinstance(value, int | float | str) or value is None else str(value)


def _actor_label(actor: Any) -> str:
    if actor is None:
        return ""
    return str(getattr(actor, "email", "") or actor)[:254]


#: Refused tokens are logged at most once per address per this many seconds: anyone can send
#: requests with made-up tokens, and the append-only log must not be theirs to fill.
REFUSAL_LOG_SECONDS = 60


def record_refused_token(
    request: HttpRequest,
    description: str,
    *,
    values: Mapping[str, Any] | None = None,
    token: str | None = None,
    **who: Any,
) -> None:
    """Log a call refused for its token, at most once per :data:`REFUSAL_LOG_SECONDS` per
    address for unknown tokens, and per ``token`` (an id, for a revoked one: its use must not
    hide behind another's refusal from the same address, such as a shared proxy); ``who``: the
    ``actor``, ``institution`` or ``processor`` of a revoked token."""
    key = f"api-refusal:token:{token}" if token else f"api-refusal:{client_address(request)}"
    if not cache.add(key, 1, REFUSAL_LOG_SECONDS):
        return
    who.setdefault("institution", None)
    record(
        Action.DENIED,
        request=request,
        description=description,
        values=values,
        detail={"path": request.path},
        **who,
    )
