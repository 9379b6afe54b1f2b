"""Background tasks of deliveries. Tasks take ids; the delivery's row holds the state."""

from __future__ import annotations

from django_tasks import task

from datahub.deliveries import processing


@task()
def process_delivery(delivery_id: int) -> bool:
    return processing.process(delivery_id)


@task()
def recover_deliveries() -> int:
    return processing.recover()


def enqueue_processing(delivery_id: int) -> None:
    from django.utils import timezone

    from datahub.deliveries.models import Delivery

    Delivery.objects.unscoped().filter(pk=delivery_id).update(queued_at=timezone.now())
    process_delivery.enqueue(delivery_id)


@task()
def notify_submitter(delivery_id: int) -> int:
    from datahub.deliveries.notifications import send_processed_email

    return send_processed_email(delivery_id)


@task()
def recover_notifications() -> int:
    from datahub.deliveries.notifications import recover

    return recover()


@task()
def discard_stale_uploads() -> int:
    from datahub.deliveries.uploads import discard_stale

    return discard_stale()
