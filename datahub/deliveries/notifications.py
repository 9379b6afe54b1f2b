"""The e-mail to the person who delivered, when processing ends: status, counts, report link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from datahub.deliveries.models import Delivery


def send_processed_email(delivery_id: int) -> bool:
    """Tell the submitter how his delivery was processed; False when there is nobody to tell."""
    delivery = (
        Delivery.objects.unscoped()
        .select_related("submitted_by", "sub_delivery__registry")
        .get(pk=delivery_id)
    )
    person = delivery.submitted_by
    if person is None or not person.is_active or not delivery.is_finished:
        return False
    context = {
        "delivery": delivery,
        "person": person,
        "link": settings.BASE_URL + reverse("portal:delivery", args=[delivery.pk]) + "?tab=verslag",
    }
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = render_to_string("deliveries/email/processed_subject.txt", context).strip()
        body = render_to_string("deliveries/email/processed.txt", context)
    send_mail(subject, body, None, [person.email])
    return True


def queue_processed_email(delivery: Delivery) -> None:
    """The hook processing calls once a delivery has its result."""
    from datahub.deliveries.tasks import notify_submitter

    notify_submitter.enqueue(delivery.pk)
