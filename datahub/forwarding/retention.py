"""Retention: raw delivered files go after their retention date, packages after they expire.

Reports, counts, findings and packages' manifests stay: only the bytes of files are deleted.
A package expires at acknowledgement plus ``PACKAGE_RETENTION_DAYS`` (or that long after a newer
``TOTAAL`` package replaced it), and at once when its authorisation was revoked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files
from datahub.deliveries.models import Delivery, StoredFile
from datahub.forwarding.models import Package


@dataclass(frozen=True)
class PurgeResult:
    raw_files: int
    packages: int


def purge(now: dt.datetime | None = None) -> PurgeResult:
    """Delete what has passed its retention; safe to run any number of times, anywhere."""
    now = now or timezone.now()
    return PurgeResult(raw_files=purge_raw_files(now), packages=purge_packages(now))


def purge_raw_files(now: dt.datetime) -> int:
    today = timezone.localdate(now)
    delivered = Delivery.objects.unscoped().filter(file__isnull=False).values("file")
    due = StoredFile.objects.filter(
        pk__in=delivered, retain_until__lt=today, deleted_at__isnull=True
    )
    count = 0
    for stored in due.iterator():
        delivery = Delivery.objects.unscoped().filter(file=stored).select_related("institution")
        files.delete(stored)
        count += 1
        for owner in delivery:
            record(
                Action.DELETE,
                institution=owner.institution,
                obj=owner,
                description=f"delivered file of delivery {owner.pk} deleted after retention",
            )
    return count


def purge_packages(now: dt.datetime) -> int:
    due = (
        Package.objects.unscoped()
        .filter(expired_at__isnull=True)
        .filter(Q(expires_at__lte=now) | Q(authorisation__revoked_at__isnull=False))
        .select_related("csv_file", "parquet_file", "institution", "processor")
    )
    count = 0
    for package in due.iterator():
        for stored in (package.csv_file, package.parquet_file):
            if stored is not None and stored.deleted_at is None:
                files.delete(stored)
        Package.objects.for_processor(package.processor_id).filter(pk=package.pk).update(
            expired_at=now
        )
        record(
            Action.DELETE,
            institution=package.institution,
            processor=package.processor,
            obj=package,
            description=f"files of package {package.pk} deleted (expired)",
        )
        count += 1
    return count
