"""The e-mail when processing ends: status, counts, report link.

It goes to the person who delivered (while he is still an active member of the institution)
and to the institution's contact address (spec §9), each in his own language; a delivery
through the API has no person, so its contact address is told.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.institutions.contacts import Recipient, with_contact_address, written
from datahub.institutions.models import Membership

logger = logging.getLogger(__name__)


def recipients_of(delivery: Delivery) -> list[Recipient]:
    person = delivery.submitted_by
    member = (
        person is not None
        and person.is_active
        and Membership.objects.for_institution(delivery.institution)
        .filter(user=person, is_active=True)
        .exists()
    )
    return with_contact_address(delivery.institution, [person] if member else [])


#: A notice that could not go out within this time is no longer news (and the demo's deliveries,
#: processed "years ago", send none).
NOTICE_HOURS = 24


def _stale(delivery: Delivery) -> bool:
    processed = delivery.processed_at
    return processed is None or processed < timezone.now() - dt.timedelta(hours=NOTICE_HOURS)


def send_processed_email(delivery_id: int) -> int:
    """Tell the submitter and the contact address how the delivery was processed.

    The delivery is claimed first (``notified_at``), so two workers never both send it. Every
    recipient is tried; when no e-mail went out the claim is released for recovery
    (``recover``) to try again, and when some did it stays (a failed address is logged), so
    that nobody gets the same e-mail twice (as the reminders).
    """
    delivery = (
        Delivery.objects.unscoped()
        .select_related("submitted_by", "institution", "sub_delivery__registry")
        .get(pk=delivery_id)
    )
    if not delivery.is_finished or _stale(delivery):
        return 0
    unsent = Delivery.objects.unscoped().filter(pk=delivery.pk, notified_at__isnull=True)
    if not unsent.update(notified_at=timezone.now()):
        return 0  # told already
    link = settings.BASE_URL + reverse("portal:delivery", args=[delivery.pk]) + "?tab=verslag"
    recipients = recipients_of(delivery)
    served = 0
    for recipient in recipients:
        try:
            _send(delivery, recipient, link)
        except Exception:
            logger.exception(
                "e-mail of delivery %s could not be sent to %s", delivery.pk, recipient.email
            )
        else:
            served += 1
    if recipients and not served:  # released for recovery to try again
        Delivery.objects.unscoped().filter(pk=delivery.pk).update(notified_at=None)
        raise ProcessedEmailNotSent(delivery.pk)
    return served


class ProcessedEmailNotSent(Exception):
    """No e-mail of a processed delivery went out (released for recovery)."""


def _send(delivery: Delivery, recipient: Recipient, link: str) -> None:
    context = {"delivery": delivery, "link": link}
    subject, body = written("deliveries/email/processed", context, recipient.language)
    send_mail(subject, body, None, [recipient.email])


#: A finished delivery's e-mail task gets this long before recovery queues it again.
GRACE_MINUTES = 15


def unnotified(now: dt.datetime) -> list[int]:
    """Finished deliveries whose e-mail was lost (its task failed to queue, or its worker died)
    while it is still news."""
    return list(
        Delivery.objects.unscoped()
        .filter(
            notified_at__isnull=True,
            processed_at__gte=now - dt.timedelta(hours=NOTICE_HOURS),
            processed_at__lt=now - dt.timedelta(minutes=GRACE_MINUTES),
        )
        .values_list("pk", flat=True)
    )


def recover() -> int:
    """Queue the e-mail of every delivery ``unnotified`` now; the number queued."""
    from datahub.deliveries.tasks import notify_submitter

    missing = unnotified(timezone.now())
    for delivery_id in missing:
        notify_submitter.enqueue(delivery_id)
    return len(missing)


def queue_processed_email(delivery: Delivery) -> None:
    """The hook processing calls once a delivery has its result."""
    from datahub.deliveries.tasks import notify_submitter

    notify_submitter.enqueue(delivery.pk)
