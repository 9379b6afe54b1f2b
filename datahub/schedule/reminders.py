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
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
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
    """The contact address and the active local administrators, each about every registry,
    and the contact persons per registry, each about his own; each address once."""
    admins = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.LOCAL_ADMIN, is_active=True, user__is_active=True)
        .select_related("user")
    )
    return with_contact_address(institution, (m.user for m in admins), None)


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
    run tries them all again). Each recipient is told of the reminders of the registries he is
    told about (a contact person of one registry, only of its own). A recipient whose e-mail
    fails is logged; a reminder that reached nobody is released for the next run, and one that
    reached some stays, with the addresses that were served, so that nobody gets the same
    reminder twice.
    """
    recipients = recipients_of(institution)
    if not recipients:
        return 0  # nobody to tell: not recorded, so a contact added later is still reminded
    due = reminders_for(institution, today)
    with transaction.atomic():
        claims = [
            claim
            for kind, items in due.items()
            for e in items
            if (told := _told_of(e, recipients))
            and (claim := _claim(institution, e, kind, told)) is not None
        ]
    if not claims:
        return 0
    methods = methods_of(institution)
    sent = 0
    for recipient in recipients:
        mine = [  # (a claim taken over: some were served before)
            c
            for c in claims
            if recipient.email not in c.row.served
            and recipient.covers(c.expected.sub_delivery.registry_id)
        ]
        if not mine:
            continue
        try:
            _send(recipient, institution, *_lines(mine, methods))
        except Exception:
            logger.exception(
                "reminder for %s could not be sent to %s", institution.agb_code, recipient.email
            )
            continue
        sent += 1
        for claim in mine:  # noted at once: a worker stopped now does not mail it again
            claim.row.served = [*claim.row.served, recipient.email]
            claim.row.save(update_fields=["served"])
    rows = SentReminder.objects.for_institution(institution)
    # a reminder that reached nobody (each of its addresses failed) is released for the next
    # run; the others are done, with who was served
    rows.filter(pk__in=[c.row.pk for c in claims if not c.row.served]).delete()
    if not any(c.row.served for c in claims):
        raise RemindersNotSent(institution.agb_code)
    now = timezone.now()
    for claim in claims:
        if claim.row.served:
            reached = [r.email for r in recipients if r.email in claim.row.served]
            rows.filter(pk=claim.row.pk).update(done_at=now, recipients=reached)
    return sent


def _told_of(e: Expected, recipients: Sequence[Recipient]) -> list[Recipient]:
    """Those of ``recipients`` who are told about the expected delivery's registry."""
    return [r for r in recipients if r.covers(e.sub_delivery.registry_id)]


class RemindersNotSent(Exception):
    """No e-mail of an institution's reminders went out (released for the next run)."""


#: A claim this old without ``done_at`` was left by a worker stopped while sending it.
CLAIM_MINUTES = 15


@dataclass(frozen=True)
class _Claim:
    """A reminder this run sends: the expected delivery, its kind and the row claiming it."""

    expected: Expected
    kind: str
    row: SentReminder


def _claim(
    institution: Institution, e: Expected, kind: str, recipients: Sequence[Recipient]
) -> _Claim | None:
    """Claim a reminder not sent yet, or take over one whose worker was stopped while
    sending it; None when it was sent (or is being sent)."""
    key = {"sub_delivery": e.sub_delivery, "period": e.period, "deadline": e.deadline}
    try:
        with transaction.atomic():
            row = SentReminder.objects.create(
                institution=institution, kind=kind, recipients=[r.email for r in recipients], **key
            )
    except IntegrityError:
        now = timezone.now()
        mine = SentReminder.objects.for_institution(institution).filter(
            kind=kind, done_at__isnull=True, sent_at__lt=now - dt.timedelta(minutes=CLAIM_MINUTES)
        )
        if not mine.filter(**key).update(sent_at=now):
            return None
        row = SentReminder.objects.for_institution(institution).get(kind=kind, **key)
    return _Claim(e, kind, row)


def _lines(
    claims: list[_Claim], methods: dict[int, str]
) -> tuple[list[tuple[Expected, str | None, str | None]], ...]:
    """The e-mail's lines of the deadlines to come and of the missed ones."""
    return tuple(
        [_item(c.expected, methods) for c in claims if c.kind == kind]
        for kind in (ReminderKind.DUE, ReminderKind.MISSED)
    )


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
