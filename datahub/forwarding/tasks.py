"""Background tasks of forwarding. Tasks take ids and are idempotent."""

from __future__ import annotations

from django_tasks import task

from datahub.deliveries.models import Delivery
from datahub.forwarding import packaging, retention


@task()
def forward_delivery(delivery_id: int) -> int:
    """Build the packages of a finished delivery; the number of packages it has."""
    return len(packaging.forward_delivery(delivery_id))


@task()
def recover_forwarding_task() -> int:
    """Forward what a lost task left unforwarded (a worker killed mid-task)."""
    return packaging.recover()


@task()
def purge_task() -> dict[str, int]:
    result = retention.purge()
    return {
        "raw_files": result.raw_files,
        "packages": result.packages,
        "leftovers": result.leftovers,
        "entry_records": result.entry_records,
    }


def queue_forwarding(delivery: Delivery) -> None:
    """The hook of ``deliveries.processing``: queue forwarding of a finished production delivery."""
    if packaging.is_forwardable(delivery):
        forward_delivery.enqueue(delivery.pk)
