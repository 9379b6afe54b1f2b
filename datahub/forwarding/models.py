"""Processors per registry, authorisations (machtigingen), packages and processor API tokens.

The hub operator registers which processors may receive a registry's data
(:class:`ProcessorRegistration`); an institution's local administrator authorises one of them for
a registry from a date (:class:`Authorisation`); every finished production delivery then becomes
one :class:`Package` per authorised processor, fetched through the API with a
:class:`ProcessorToken`. Packages and authorisations are institution data (scoped managers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager
from datahub.token_expiry import ExpiringToken

M = TypeVar("M", bound=models.Model)


class ProcessorScopedManager(InstitutionScopedManager[M], Generic[M]):
    """Institution data that a processor may also see: its own rows, through ``for_processor``."""

    def for_processor(self, processor: Any) -> models.QuerySet[M]:
        if processor is None or getattr(processor, "pk", processor) is None:
            raise ValueError("for_processor() needs a processor")
        return self.unscoped().filter(processor=processor)


class ProcessorRegistration(models.Model):
    """The hub operator allows a processor to receive a registry's data (if authorised)."""

    processor = models.ForeignKey(
        "institutions.Processor",
        verbose_name=_("processor"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    registry = models.ForeignKey(
        "dictionaries.Registry",
        verbose_name=_("registry"),
        on_delete=models.PROTECT,
        related_name="processor_registrations",
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("processor registration")
        verbose_name_plural = _("processor registrations")
        ordering = ["registry__stream", "processor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "registry"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_open_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registry.stream} – {self.processor.name}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Authorisation(models.Model):
    """A machtiging: an institution lets a processor receive a registry's data from a date."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="authorisations",
    )
    registry = models.ForeignKey(
        "dictionaries.Registry",
        verbose_name=_("registry"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    processor = models.ForeignKey(
        "institutions.Processor",
        verbose_name=_("processor"),
        on_delete=models.PROTECT,
        related_name="authorisations",
    )
    valid_from = models.DateField(_("from"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProcessorScopedManager["Authorisation"]()

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["registry__stream", "processor__name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "registry", "processor"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_open_authorisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.agb_code} {self.registry.stream} → {self.processor.code}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_active_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day


#: Packages neither expired nor superseded: those still offered to their processor (unless
#: the authorisation was revoked, until the purge expires them).
OFFERED = models.Q(expired_at__isnull=True, superseded_by__isnull=True)


def still_registered() -> models.Exists:
    """Whether the registration a package was made under is still open: once the hub's operator
    withdraws it, the processor may fetch none of its packages, also not after registering it
    again: a registration covers only the packages made while it was open (a package is made
    only under an open one, after its delivery finished, ``authorisations.in_force``)."""
    return models.Exists(
        ProcessorRegistration.objects.filter(
            processor=models.OuterRef("processor"),
            registry=models.OuterRef("authorisation__registry"),
            withdrawn_at__isnull=True,
            registered_at__lte=models.OuterRef("created_at"),
        )
    )


def fetchable() -> models.Q:
    """Packages their processor may fetch: offered, under an authorisation in force, of a
    registry the processor is registered for."""
    return OFFERED & models.Q(authorisation__revoked_at__isnull=True) & models.Q(still_registered())


class Package(models.Model):
    """What one processor receives of one delivery: pseudonymised CSV and Parquet, a manifest.

    The files are encrypted at rest like delivered files. The row (with its manifest) stays when
    the files expire, so the Afnameoverzicht keeps the whole trail.
    """

    delivery = models.ForeignKey(
        "deliveries.Delivery",
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        related_name="packages",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (institution, delivery) below
    )
    processor = models.ForeignKey(
        "institutions.Processor",
        verbose_name=_("processor"),
        on_delete=models.PROTECT,
        related_name="packages",
    )
    authorisation = models.ForeignKey(
        Authorisation,
        verbose_name=_("authorisation"),
        on_delete=models.PROTECT,
        related_name="packages",
    )
    manifest = models.JSONField(_("manifest"))
    record_count = models.PositiveIntegerField(_("records"))
    csv_file = models.ForeignKey(
        "deliveries.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parquet_file = models.ForeignKey(
        "deliveries.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("made available"), default=timezone.now, db_index=True)
    #: Its place among the processor's packages in the order they became visible: the API's
    #: cursor (``after``). Numbered, and ``created_at`` stamped after the last one's, under a
    #: lock on the processor held until the package commits, so a higher number (or a later
    #: moment) is never visible before a lower one (``packaging._next_place``).
    sequence = models.PositiveBigIntegerField(_("sequence number"))
    fetched_at = models.DateTimeField(_("fetched"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)

    objects = ProcessorScopedManager["Package"]()

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "processor"], name="one_package_each"),
            models.UniqueConstraint(
                fields=["processor", "sequence"], name="one_sequence_number_each"
            ),
        ]
        indexes = [
            # What a processor may still fetch (its list, its page): the years of packages
            # expired or superseded are not read.
            models.Index(
                fields=["processor", "sequence"],
                condition=OFFERED,
                name="package_offered",
            ),
            # An institution's packages of some deliveries (a page of the Afnameoverzicht):
            # with an index on the institution alone, SQLite read all its packages for them.
            models.Index(fields=["institution", "delivery"], name="package_institution_delivery"),
        ]

    def __str__(self) -> str:
        return f"package {self.pk} of delivery {self.delivery_id} for {self.processor_id}"


class ProcessorToken(ExpiringToken):
    """A processor's API key. Only its SHA-256 is stored: the token is shown once."""

    processor = models.ForeignKey(
        "institutions.Processor",
        verbose_name=_("processor"),
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.processor_id}: {self.name} ({self.prefix}…)"
