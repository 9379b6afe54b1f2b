"""The e-mail when processing ends: status, counts, report link.

It goes to the person who delivered (while he is still an active member of the institution
whose role may open the delivery's page: not a clinician, who enters records but does not see
deliveries),
to the institution's contact address and to its contact persons for the registry (spec §9),
each in his own language; a delivery through the API has no person, so its contact address is
told.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.institutions.contacts import Recipient, with_contact_address, written
from datahub.institutions.models import DELIVERY_ROLES, Membership

logger = logging.getLogger(__name__)


def recipients_of(delivery: Delivery) -> list[Recipient]:
    person = delivery.submitted_by
    member = (
        person is not None
        and person.is_active
        and Membership.objects.for_institution(delivery.institution)
        .filter(user=person, is_active=True, role__in=DELIVERY_ROLES)  # who may open the link
        .exists()
    )
    people = [person] if member else []
    return with_contact_address(delivery.institution, people, [delivery.sub_delivery.registry_id])


#: A notice that could not go out within this time is no longer news (and the demo's deliveries,
#: processed "years ago", send none).
NOTICE_HOURS = 24


def _stale(delivery: Delivery) -> bool:
    processed = delivery.processed_at
    return processed is None or processed < timezone.now() - dt.timedelta(hours=NOTICE_HOURS)


def send_processed_email(delivery_id: int) -> int:
    """Tell the submitter and the contact address how the delivery was processed; the number
    of e-mails sent by this call.

    The e-mail is claimed first (``notify_claimed_at``), so two workers never both send it, and
    ``notified_at`` is set only once every recipient was tried. Each address served is noted
    (``notified_to``) as soon as its e-mail went out: a worker stopped in the middle (SIGKILL,
    or the ``SystemExit`` of a second SIGTERM) leaves a claim that recovery takes over after
    ``CLAIM_MINUTES``, and the e-mail then goes only to those not served yet. When an address
    failed (a mail server down, a mailbox refusing for a while) it is logged and the claim is
    released: recovery (``recover``) tries the addresses not served again, while the notice
    is news (``NOTICE_HOURS``), and nobody who had the e-mail gets it twice.
    """
    delivery = (
        Delivery.objects.unscoped()
        .select_related("submitted_by", "institution", "sub_delivery__registry")
        .get(pk=delivery_id)
    )
    if not delivery.is_finished or _stale(delivery):
        return 0
    if not _claim(delivery.pk):
        return 0  # told already, or being told
    link = settings.BASE_URL + reverse("portal:delivery", args=[delivery.pk]) + "?tab=verslag"
    served = _served(delivery.pk)  # by a worker that held the claim before and was stopped
    recipients = recipients_of(delivery)
    sent, failed = 0, False
    for recipient in recipients:
        if recipient.email.lower() in served:
            continue
        try:
            _send(delivery, recipient, link)
        except Exception:
            failed = True
            logger.exception(
                "e-mail of delivery %s could not be sent to %s", delivery.pk, recipient.email
            )
        else:
            served.append(recipient.email.lower())
            Delivery.objects.unscoped().filter(pk=delivery.pk).update(notified_to=served)
            sent += 1
    told = Delivery.objects.unscoped().filter(pk=delivery.pk)
    if failed:  # released for recovery to try the others again
        told.update(notify_claimed_at=None)
        raise ProcessedEmailNotSent(delivery.pk)
    told.update(notified_at=timezone.now(), notified_to=[])  # the addresses are no longer needed
    return sent


#: A claim on the e-mail this old, without ``notified_at``, was left by a worker stopped while
#: sending it (SMTP gives up long before: ``EMAIL_TIMEOUT``); recovery sends the e-mail again.
CLAIM_MINUTES = 15


def _claimable(now: dt.datetime) -> Q:
    """E-mails not sent and not being sent: never claimed, or claimed by a stopped worker."""
    stale = now - dt.timedelta(minutes=CLAIM_MINUTES)
    unclaimed = Q(notify_claimed_at__isnull=True) | Q(notify_claimed_at__lt=stale)
    return unclaimed & Q(notified_at__isnull=True)


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    unsent = Delivery.objects.unscoped().filter(_claimable(now), pk=delivery_id)
    return bool(unsent.update(notify_claimed_at=now))


def _served(delivery_id: int) -> list[str]:
    served = Delivery.objects.unscoped().values_list("notified_to", flat=True).get(pk=delivery_id)
    return list(served)


class ProcessedEmailNotSent(Exception):
    """The e-mail of a processed delivery did not reach every address (released for
    recovery; the failed task shows on the hub operator's start page)."""


def _send(delivery: Delivery, recipient: Recipient, link: str) -> None:
    context = {"delivery": delivery, "link": link}
    subject, body = written("deliveries/email/processed", context, recipient.language)
    send_mail(subject, body, None, [recipient.email])


#: A finished delivery's e-mail task gets this long before recovery queues it again.
GRACE_MINUTES = 15


def unnotified(now: dt.datetime) -> list[int]:
    """Finished deliveries whose e-mail was lost while it is still news: its task failed to
    queue, or its worker was stopped before or while sending it."""
    return list(
        Delivery.objects.unscoped()
        .filter(
            _claimable(now),
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
