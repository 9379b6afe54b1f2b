"""The reminders that were sent, so that each is sent once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager


class ReminderKind(models.TextChoices):
    DUE = "due", _("Deadline approaching")
    MISSED = "missed", _("Deadline missed")


class SentReminder(models.Model):
    """One reminder about one expected delivery of one institution.

    The unique constraint is the claim: a worker inserts the row before it sends, so two workers
    never send the same reminder; the row is removed again when no e-mail of it went out, and
    holds the addresses that were served when only some did. A claim without ``done_at`` older
    than ``CLAIM_MINUTES`` was left by a worker stopped while sending: the next run takes it
    over and mails only the addresses not ``served`` yet.
    """

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    sub_delivery = models.ForeignKey(
        "dictionaries.SubDelivery", on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=10)
    deadline = models.DateField(_("deadline"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)  # claimed, while done_at is empty
    #: Set when every recipient was tried; empty while the e-mails are being sent.
    done_at = models.DateTimeField(null=True, blank=True)
    #: The addresses reached so far, each noted as soon as its e-mail went out.
    served = models.JSONField(default=list)

    objects = InstitutionScopedManager["SentReminder"]()

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "sub_delivery", "period", "deadline", "kind"],
                name="reminder_sent_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.sub_delivery_id} {self.period} {self.kind}"
