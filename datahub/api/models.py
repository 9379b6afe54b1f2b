"""API tokens: how an institution's own systems identify themselves to the API.

A token is shown once when it is made; the hub keeps only its SHA-256 hash and a short prefix
that lets people tell tokens apart (and lets the hub find the row without the secret).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager
from datahub.token_expiry import ExpiringToken


class ApiToken(ExpiringToken):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    #: The token's first characters, shown in lists and logs; not secret, not unique.
    prefix = models.CharField(_("token prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InstitutionScopedManager["ApiToken"]()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["institution", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
