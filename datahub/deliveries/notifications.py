"""The e-mail when processing ends: status, counts, report link.

It goes to the person who delivered (while he is still an active member of the institution)
and to the institution's contact address (spec §9), each in his own language; a delivery
through the API has no person, so its contact address is told.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from datahub.deliveries.models import Delivery
from datahub.institutions.contacts import Recipient, with_contact_address
from datahub.institutions.models import Membership


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
    """Tell the submitter and the contact address how the delivery was processed."""
    delivery = (
        Delivery.objects.unscoped()
        .select_related("submitted_by", "institution", "sub_delivery__registry")
        .get(pk=delivery_id)
    )
    if not delivery.is_finished or _stale(delivery):
        return 0
    link = settings.BASE_URL + reverse("portal:delivery", args=[delivery.pk]) + "?tab=verslag"
    recipients = recipients_of(delivery)
    for recipient in recipients:
        context = {"delivery": delivery, "link": link}
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject = render_to_string("deliveries/email/processed_subject.txt", context).strip()
            body = render_to_string("deliveries/email/processed.txt", context)
        send_mail(subject, body, None, [recipient.email])
    return len(recipients)


def queue_processed_email(delivery: Delivery) -> None:
    """The hook processing calls once a delivery has its result."""
    from datahub.deliveries.tasks import notify_submitter

    notify_submitter.enqueue(delivery.pk)
