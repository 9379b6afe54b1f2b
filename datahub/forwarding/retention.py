"""Retention: raw delivered files go after their retention date, packages after they expire.

Reports, counts, findings and packages' manifests stay: only the bytes of files are deleted.
A package expires at acknowledgement plus ``PACKAGE_RETENTION_DAYS`` (or that long after a newer
package replaced it), and at once when its authorisation was revoked.

What a killed worker leaves behind goes too, a day later: encrypted files that no delivery or
package took, encrypted bytes in storage without a record (the process died between writing
them and recording them), and the temporary files (pseudonymised records in plain text while a
package is being written) under ``FILE_UPLOAD_TEMP_DIR``.

Records entered by hand in the invoerportaal (``EntryDraft``) are the institution's dataset and
stay while it takes part; they go ``RAW_FILE_RETENTION_DAYS`` after its participation in their
sub-delivery ended (the retention of the raw files they became).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files
from datahub.deliveries.models import Delivery, EntryDraft, StoredFile
from datahub.dictionaries.models import Participation
from datahub.forwarding.models import Package, still_registered

LEFTOVER_AGE = dt.timedelta(days=1)  # far longer than any upload or package takes to write


@dataclass(frozen=True)
class PurgeResult:
    raw_files: int
    packages: int
    leftovers: int = 0
    entry_records: int = 0


def purge(now: dt.datetime | None = None) -> PurgeResult:
    """Delete what has passed its retention; safe to run any number of times, anywhere."""
    now = now or timezone.now()
    return PurgeResult(
        raw_files=purge_raw_files(now),
        packages=purge_packages(now),
        leftovers=purge_orphaned_files(now)
        + purge_unrecorded_files(now)
        + purge_temporary_files(now),
        entry_records=purge_entry_records(now),
    )


def purge_orphaned_files(now: dt.datetime) -> int:
    """Encrypted files that no delivery or package took (their worker died while writing)."""
    taken = (
        Q(pk__in=Delivery.objects.unscoped().filter(file__isnull=False).values("file"))
        | Q(pk__in=Package.objects.unscoped().filter(csv_file__isnull=False).values("csv_file"))
        | Q(
            pk__in=Package.objects.unscoped()
            .filter(parquet_file__isnull=False)
            .values("parquet_file")
        )
    )
    orphans = StoredFile.objects.filter(deleted_at__isnull=True, created_at__lt=now - LEFTOVER_AGE)
    count = 0
    for stored in orphans.exclude(taken).iterator():
        files.delete(stored)
        count += 1
    return count


def purge_unrecorded_files(now: dt.datetime) -> int:
    """Encrypted files in storage without a ``StoredFile`` row, older than a day, in the
    folders of this month and the last (``files.storage_name_for``): a purge runs several times
    a day, so a leftover is found while its folder is among them."""
    today = timezone.localdate(now)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    count = 0
    for day in (today, last_month):
        folder = files.storage_name_for(day).rsplit("/", 1)[0]
        try:
            _dirs, names = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        paths = [f"{folder}/{name}" for name in names if name.endswith(".enc")]
        recorded = set(
            StoredFile.objects.filter(storage_name__in=paths).values_list("storage_name", flat=True)
        )
        for path in paths:
            if path in recorded or default_storage.get_modified_time(path) >= now - LEFTOVER_AGE:
                continue
            default_storage.delete(path)
            count += 1
    return count


def purge_temporary_files(now: dt.datetime) -> int:
    """Temporary files and folders older than a day under ``FILE_UPLOAD_TEMP_DIR``."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = (now - LEFTOVER_AGE).timestamp()
    count = 0
    for entry in folder.iterdir():
        try:
            if entry.lstat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:  # gone already (another purge), or in use: the next run tries again
            continue
        count += 1
    return count


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
                description=gettext_noop(
                    "delivered file of delivery {delivery} deleted after retention"
                ),
                values={"delivery": owner.pk},
            )
    return count


def purge_entry_records(now: dt.datetime) -> int:
    """Entered records of a participation that ended more than the raw files' retention ago."""
    cutoff = timezone.localdate(now) - dt.timedelta(days=settings.RAW_FILE_RETENTION_DAYS)
    ended = (
        Participation.objects.unscoped()
        .filter(until__lt=cutoff)
        .select_related("institution", "sub_delivery")
    )
    count = 0
    for participation in ended.iterator():
        drafts = EntryDraft.objects.for_institution(participation.institution).filter(
            sub_delivery=participation.sub_delivery
        )
        deleted, _by_model = drafts.delete()
        if not deleted:
            continue
        count += deleted
        record(
            Action.DELETE,
            institution=participation.institution,
            description=gettext_noop(
                "{count} entered records of {code} deleted after retention: the participation "
                "ended on {until}"
            ),
            values={
                "count": deleted,
                "code": participation.sub_delivery.code,
                "until": participation.until.isoformat() if participation.until else "",
            },
        )
    return count


def purge_packages(now: dt.datetime) -> int:
    due = (
        Package.objects.unscoped()
        .filter(expired_at__isnull=True)
        .filter(
            Q(expires_at__lte=now)
            | Q(authorisation__revoked_at__isnull=False)
            | ~Q(still_registered())  # (the operator withdrew the registration)
        )
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
            description=gettext_noop("files of package {id} deleted (expired)"),
            values={"id": package.pk},
        )
        count += 1
    return count
