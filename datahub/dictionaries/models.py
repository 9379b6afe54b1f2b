"""Registries, their sub-deliveries, the versions of each data dictionary, and participation.

A dictionary version is the registry's workbook as imported: its stored form (the engine's
``DataDictionary.to_dict()``) is the single source of truth for every check and page. A stored
version never changes; a new version is a new row.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager
from datahub.validation import DataDictionary


class Method(models.TextChoices):
    """Aanlevermethode: how an institution delivers for a registry (exactly one per registry)."""

    PORTAL = "Webportaal", _("Web portal")
    API = "API", _("API")
    FHIR = "FHIR", _("FHIR")
    ENTRY = "Invoerportaal", _("Entry portal")


class Registry(models.Model):
    """A quality registry; its ``stream`` (aanleverstroom) is the name the portal shows."""

    stream = models.CharField(_("delivery stream"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("registry")
        verbose_name_plural = _("registries")
        ordering = ["stream"]

    def __str__(self) -> str:
        return self.stream


class SubDelivery(models.Model):
    """A deelaanlevering: one file layout of a registry, with the code used in file names."""

    registry = models.ForeignKey(
        Registry,
        verbose_name=_("registry"),
        on_delete=models.PROTECT,
        related_name="sub_deliveries",
    )
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("sub-delivery"), max_length=100)

    class Meta:
        verbose_name = _("sub-delivery")
        verbose_name_plural = _("sub-deliveries")
        ordering = ["registry__stream", "name"]

    def __str__(self) -> str:
        return f"{self.registry.stream} – {self.name} ({self.code})"


class DictionaryVersionQuerySet(models.QuerySet["DictionaryVersion"]):
    def valid_on(self, day: dt.date) -> DictionaryVersionQuerySet:
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )


class DictionaryVersion(models.Model):
    sub_delivery = models.ForeignKey(
        SubDelivery,
        verbose_name=_("sub-delivery"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.CharField(_("version"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    frequency = models.CharField(_("delivery frequency"), max_length=10)
    definition = models.JSONField(_("definition"))
    workbook = models.BinaryField(_("workbook as imported"))
    workbook_name = models.CharField(max_length=200)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DictionaryVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("dictionary version")
        verbose_name_plural = _("dictionary versions")
        ordering = ["sub_delivery__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["sub_delivery", "version"], name="version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sub_delivery.code} {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A stored dictionary version is immutable; import a new version")
        super().save(*args, **kwargs)

    @cached_property
    def dictionary(self) -> DataDictionary:
        """The engine's dictionary, rebuilt from the stored form."""
        return DataDictionary.from_dict(self.definition)

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class RegistryMethod(models.Model):
    """The one delivery method an institution uses for a registry. Only the hub operator sets it."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="registry_methods"
    )
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("delivery method"), max_length=20, choices=Method.choices)

    objects = InstitutionScopedManager["RegistryMethod"]()

    class Meta:
        verbose_name = _("delivery method")
        verbose_name_plural = _("delivery methods")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "registry"], name="one_method_per_registry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.agb_code} {self.registry}: {self.method}"


class Participation(models.Model):
    """An institution takes part in a sub-delivery from a date (until a date, if it stopped)."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    sub_delivery = models.ForeignKey(
        SubDelivery, verbose_name=_("sub-delivery"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = InstitutionScopedManager["Participation"]()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["sub_delivery__registry__stream", "sub_delivery__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "sub_delivery"], name="participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.agb_code} {self.sub_delivery.code} since {self.since}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """Whether the institution took part on some day of ``first``..``last``."""
        return self.since <= last and (self.until is None or self.until >= first)


class RegistryContact(models.Model):
    """A contact person of an institution for a registry (the manual's "contactpersonen per
    registratie"): told of the registry's approaching and missed deadlines and of its
    processed deliveries, beside the institution's contact address and local administrators.

    The hub operator keeps the list (the manual: "neem dan contact op met DHD"); the person
    needs no account. The address is stored in lower case.
    """

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="registry_contacts",
    )
    registry = models.ForeignKey(
        Registry, verbose_name=_("registry"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionScopedManager["RegistryContact"]()

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["registry__stream", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "registry", "email"], name="registry_contact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.registry})"
