"""Reminder e-mails: a deadline approaches, or passed without an accepted delivery.

Run periodically (``send_reminders_task`` in the worker, or ``datahub send-reminders``). Each
reminder — institution, sub-delivery, period, deadline, kind — is sent once: a row in
``SentReminder`` claims it before sending. A deadline is reminded of from
``DATAHUB_REMINDER_DAYS`` days before it; a missed deadline is reported during the same number
of days after it, so a first run on a hub with years of history does not send years of mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from datahub.dictionaries.models import Method
from datahub.dictionaries.services import methods_of
from datahub.institutions.contacts import Recipient, with_contact_address, written
from datahub.institutions.models import Institution, Membership, Role
from datahub.schedule import services
from datahub.schedule.models import ReminderKind, SentReminder
from datahub.schedule.services import Expected

logger = logging.getLogger(__name__)
DEFAULT_REMINDER_DAYS = 14


def reminder_days() -> int:
    return int(getattr(settings, "REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def reminders_for(institution: Institution, today: dt.date) -> dict[ReminderKind, list[Expected]]:
    """The reminders that are due today (whether or not they were sent already)."""
    window = dt.timedelta(days=reminder_days())
    open_ = [
        e
        for e in services.expected_deliveries(institution, today + window)
        if e.delivered_on is None
    ]
    return {
        ReminderKind.DUE: [e for e in open_ if today <= e.deadline <= today + window],
        ReminderKind.MISSED: [e for e in open_ if today - window <= e.deadline < today],
    }


def recipients_of(institution: Institution) -> list[Recipient]:
    """The contact address and the active local administrators, each once."""
    admins = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.LOCAL_ADMIN, is_active=True, user__is_active=True)
        .select_related("user")
    )
    return with_contact_address(institution, (m.user for m in admins))


def send_reminders(today: dt.date | None = None) -> int:
    """Send every reminder due today that was not sent before; the number of e-mails sent."""
    today = today or timezone.localdate()
    institutions = Institution.objects.filter(participations__isnull=False).distinct()
    sent = 0
    for institution in institutions:
        try:
            sent += send_for_institution(institution, today)
        except Exception:  # noqa: S112  (logged; one bad address must not stop the others)
            continue  # released in send_for_institution: the next run tries again
    return sent


def send_for_institution(institution: Institution, today: dt.date) -> int:
    """Send the institution's due reminders to each recipient; the number of e-mails sent.

    The reminders are claimed all at once (a failing claim leaves none claimed, so the next
    run tries them all again). A recipient whose e-mail fails is logged; when every e-mail
    failed the claims are released for the next run, and when some went out they stay, with
    the addresses that were served, so that nobody gets the same reminder twice.
    """
    recipients = recipients_of(institution)
    if not recipients:
        return 0  # nobody to tell: not recorded, so a contact added later is still reminded
    due = reminders_for(institution, today)
    with transaction.atomic():
        claimed = {
            kind: [e for e in items if _claim(institution, e, kind, recipients)]
            for kind, items in due.items()
        }
    if not any(claimed.values()):
        return 0
    served = []
    methods = methods_of(institution)
    due_items, missed_items = (
        [_item(e, methods) for e in claimed[kind]]
        for kind in (ReminderKind.DUE, ReminderKind.MISSED)
    )
    for recipient in recipients:
        try:
            _send(recipient, institution, due_items, missed_items)
        except Exception:
            logger.exception(
                "reminder for %s could not be sent to %s", institution.agb_code, recipient.email
            )
        else:
            served.append(recipient.email)
    if not served:
        _claims(institution, claimed).delete()
        raise RemindersNotSent(institution.agb_code)
    if len(served) < len(recipients):
        _claims(institution, claimed).update(recipients=served)
    return len(served)


class RemindersNotSent(Exception):
    """No e-mail of an institution's reminders went out (released for the next run)."""


def _claim(
    institution: Institution, e: Expected, kind: str, recipients: Sequence[Recipient]
) -> bool:
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                institution=institution,
                sub_delivery=e.sub_delivery,
                period=e.period,
                deadline=e.deadline,
                kind=kind,
                recipients=[r.email for r in recipients],
            )
    except IntegrityError:
        return False
    return True


def _claims(
    institution: Institution, claimed: dict[ReminderKind, list[Expected]]
) -> QuerySet[SentReminder]:
    """The rows that claimed these reminders (released when no e-mail went out, or given the
    addresses served when only some did)."""
    rows = Q(pk__in=[])
    for kind, items in claimed.items():
        for e in items:
            rows |= Q(sub_delivery=e.sub_delivery, period=e.period, deadline=e.deadline, kind=kind)
    return SentReminder.objects.for_institution(institution).filter(rows)


def _item(e: Expected, methods: dict[int, str]) -> tuple[Expected, str | None, str | None]:
    """A reminder's line: the expected delivery, the upload page's address when the
    institution delivers this registry through the portal, else how it delivers (as the
    portal's Aanleveren button)."""
    method = methods.get(e.sub_delivery.registry_id)
    if method == Method.PORTAL:
        return e, settings.BASE_URL + e.upload_url, None
    return e, None, method


def _send(
    recipient: Recipient,
    institution: Institution,
    due: list[tuple[Expected, str | None, str | None]],
    missed: list[tuple[Expected, str | None, str | None]],
) -> None:
    context = {
        "institution": institution,
        "due": due,
        "missed": missed,
        "overview": settings.BASE_URL + reverse("portal:overview"),
    }
    subject, body = written("schedule/email/reminder", context, recipient.language)
    send_mail(subject, body, None, [recipient.email])
