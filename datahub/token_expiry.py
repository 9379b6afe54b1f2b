"""How long an API token works: chosen when it is made, from a few lengths, never for ever.

Both kinds of token expire: an institution's (``api.tokens``) and a processor's
(``forwarding.tokens``). A token outlives neither its expiry nor its revocation, but it does
outlive its maker's role: an institution's system must not stop when a person leaves, so the
token lists show whose role is gone and leave the decision to revoke to the people who manage
them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Validity(models.IntegerChoices):
    """The lengths a token can be made for, in days."""

    DAYS_90 = 90, _("90 days")
    YEAR = 365, _("1 year")
    TWO_YEARS = 730, _("2 years")


DEFAULT_VALIDITY = Validity.YEAR
#: The lists warn this many days before a token expires (their text names the number).
WARN_DAYS = 30


class TokenExpired(Exception):
    """A call with a token past its expiry; ``str()`` is the 401's detail (in the caller's
    language), which tells that a new token must be made."""


def expiry(valid_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """When a token made ``now`` for ``valid_days`` (one of :class:`Validity`) stops working.

    >>> expiry(90, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if valid_days not in Validity.values:
        raise ValueError(f"not a token validity: {valid_days!r}")
    return (now or timezone.now()) + dt.timedelta(days=valid_days)


class ValidityField(forms.TypedChoiceField):
    """How long a new token works, in days: a year unless chosen otherwise (also when a post
    leaves it out); a length not offered is refused."""

    def __init__(self) -> None:
        super().__init__(
            label=_("Valid for"),
            help_text=_("After this the token stops working and a new one must be made."),
            choices=Validity.choices,
            coerce=int,
            initial=DEFAULT_VALIDITY,
            required=False,
        )

    def clean(self, value: Any) -> int:
        days = super().clean(value)  # (django-stubs types empty_value as text only)
        return int(DEFAULT_VALIDITY) if days in self.empty_values else int(days)


class ExpiringToken(models.Model):
    """The expiry of a token, and its state as the lists show it."""

    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        """Neither revoked nor expired: a call with it is accepted."""
        return self.revoked_at is None and not self.is_expired

    @property
    def expires_soon(self) -> bool:
        """Active, and expires within :data:`WARN_DAYS`: time to make its successor."""
        return self.is_active and self.expires_at - timezone.now() <= dt.timedelta(days=WARN_DAYS)


def refusal_description(token: ExpiringToken | None) -> str:
    """The audit log's description (a template) of a refused token: unknown, revoked or
    expired."""
    if token is None:
        return gettext_noop("unknown API token {prefix}")
    if token.revoked_at is not None:
        return gettext_noop("revoked API token {prefix}")
    return gettext_noop("expired API token {prefix}")
