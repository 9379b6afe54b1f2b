"""The audit log (in the spirit of NEN 7513): who did what, for which institution, when, from where.

Rows are only ever added. ``save`` refuses to change a stored row, the queryset refuses bulk
updates and deletes, and database triggers (see the migration) refuse UPDATE and DELETE even
from outside Django.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, NoReturn

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only")

    def for_institution(self, institution: Any) -> AuditQuerySet:
        return self.filter(institution=institution)


class Action(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    SECOND_FACTOR_FAILED = "mfa_failed", _("Wrong second-factor code")
    SECOND_FACTOR_ADDED = "mfa_added", _("Second factor enrolled")
    SECOND_FACTOR_REMOVED = "mfa_removed", _("Second factor removed")
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    FORWARD = "forward", _("Forwarded")
    DENIED = "denied", _("Access refused")


def _shown(value: Any) -> Any:
    """A stored value of a description, for the reader: a translatable text (``{"t": ...}``)
    translated, a date (``{"d": ...}``) in his date format."""
    if isinstance(value, dict) and "t" in value:
        return gettext(value["t"])
    if isinstance(value, dict) and "d" in value:
        return formats.date_format(dt.date.fromisoformat(value["d"]), "SHORT_DATE_FORMAT")
    return value


class AuditEvent(models.Model):
    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A copy of the login name: the log must stay readable whatever happens to the account.
    actor_label = models.CharField(_("person"), max_length=254, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    processor = models.ForeignKey(
        "institutions.Processor",
        verbose_name=_("processor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    # In English, as written; ``message`` and ``values`` let the log show it in the reader's
    # language (see ``text``). Nullable: adding them must not rebuild the table on SQLite,
    # which would drop its append-only triggers.
    description = models.CharField(_("description"), max_length=300, blank=True)
    message = models.CharField(_("message"), max_length=300, null=True, blank=True)  # noqa: DJ001
    values = models.JSONField(_("values"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects: ClassVar[AuditQuerySet] = AuditQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-timestamp", "-id"]
        # Django's own base manager would delete without the append-only check (SQLite has no
        # trigger against a DELETE the ORM sends)
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["institution", "-timestamp"]),
            # a person's events: the account events of an institution's people in its log
            models.Index(fields=["actor", "-timestamp"]),
            # an object's events in time, such as the switches of a membership that scope a
            # local administrator's log
            models.Index(fields=["institution", "object_type", "object_id", "timestamp"]),
            # the people an institution's log names (its person filter's choices, read from
            # this index alone) and one person's events in it
            models.Index(fields=["institution", "actor", "-timestamp"]),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only")

    @property
    def text(self) -> str:
        """The description in the reader's language: the message translated, with its values
        (a value that was a translatable text is translated too); a description without a
        message is translated as a whole (or shown as it is)."""
        if not self.message:
            return gettext(self.description) if self.description else ""
        try:
            values = {key: _shown(value) for key, value in (self.values or {}).items()}
            return gettext(self.message).format_map(values)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):  # broken
            return self.description

    @property
    def object_label(self) -> str:
        """The object's kind in the reader's language and its id (``Aanlevering 86``)."""
        return f"{object_type_label(self.object_type)} {self.object_id}".strip()


def object_type_label(object_type: str) -> str:
    """A recorded kind of object (a model's label) in the reader's language (``Aanlevering``);
    a label that names no model (any more) as it was recorded."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(capfirst(model._meta.verbose_name))
