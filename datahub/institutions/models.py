"""Institutions, their units, the people who work for them, and processor organisations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager

agb_code_validator = RegexValidator(r"^\d{8}$", _("An AGB code has exactly 8 digits."))
#: A processor's code: the key of its pseudonym secret in ``DATAHUB_PSEUDONYM_SECRETS``
#: (``code=secret,code=secret``), so lower-case letters, digits and single dashes only.
processor_code_validator = RegexValidator(
    r"^[a-z0-9]+(-[a-z0-9]+)*$",
    _("A code consists of lower-case letters and digits, optionally joined by single dashes."),
)


class Institution(models.Model):
    agb_code = models.CharField(
        _("institution code"), max_length=8, unique=True, validators=[agb_code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agb_code})"


class Unit(models.Model):
    """An instellingsonderdeel: a numbered unit or location of an institution."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="units"
    )
    number = models.PositiveIntegerField(_("unit number"))
    name = models.CharField(_("name"), max_length=200)

    objects = InstitutionScopedManager["Unit"]()

    class Meta:
        verbose_name = _("institution unit")
        verbose_name_plural = _("institution units")
        ordering = ["institution", "number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="unit_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.name}"


class Role(models.TextChoices):
    SUBMITTER = "aanleveraar", _("Submitter")
    LOCAL_ADMIN = "lokaal_beheerder", _("Local administrator")
    CLINICIAN = "arts", _("Clinician")


#: Roles that may see the institution's deliveries and reports.
DELIVERY_ROLES = frozenset({Role.SUBMITTER, Role.LOCAL_ADMIN})


class Membership(models.Model):
    """A person's role at one institution. A person may work for several institutions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InstitutionScopedManager["Membership"]()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["institution", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution.agb_code}: {self.role}"

    @property
    def may_deliver(self) -> bool:
        return self.role in DELIVERY_ROLES

    @property
    def is_local_admin(self) -> bool:
        return self.role == Role.LOCAL_ADMIN


class Processor(models.Model):
    """A verwerker: an organisation that receives forwarded registry data through the API."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processor")
        verbose_name_plural = _("processors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcessorMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="processor_memberships",
    )
    processor = models.ForeignKey(
        Processor,
        verbose_name=_("processor"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("processor membership")
        verbose_name_plural = _("processor memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "processor"], name="processor_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.processor}"
