"""Retention: ``datahub purge`` deletes raw files after retention and expired packages' files."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import files
from datahub.deliveries.models import StoredFile
from datahub.forwarding import authorisations
from datahub.forwarding.models import Package
from datahub.forwarding.retention import purge
from tests.forwarding.conftest import deliver, patient_rows


@pytest.fixture
def package(authorised, institution, submitter, django_capture_on_commit_callbacks) -> Package:
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    return Package.objects.for_institution(institution).select_related("delivery").get()


def test_raw_files_are_deleted_after_their_retention_and_the_report_stays(package):
    delivery = package.delivery
    stored = delivery.file
    StoredFile.objects.filter(pk=stored.pk).update(retain_until=dt.date(2020, 1, 1))
    out = StringIO()
    call_command("purge", stdout=out)
    assert "1 delivered file" in out.getvalue()
    stored.refresh_from_db()
    assert stored.deleted_at is not None
    assert not default_storage.exists(stored.storage_name)
    delivery.refresh_from_db()
    assert delivery.records_total == 2
    package.refresh_from_db()
    assert package.expired_at is None  # a package does not depend on the raw file
    assert package.csv_file.deleted_at is None


def test_files_within_retention_are_kept(package):
    assert purge().raw_files == 0
    package.delivery.file.refresh_from_db()
    assert package.delivery.file.deleted_at is None


def test_an_acknowledged_package_expires_after_the_retention_period(package):
    now = timezone.now()
    Package.objects.for_processor(package.processor).filter(pk=package.pk).update(
        acknowledged_at=now, expires_at=now + dt.timedelta(days=30)
    )
    assert purge(now + dt.timedelta(days=29)).packages == 0
    assert purge(now + dt.timedelta(days=31)).packages == 1
    package.refresh_from_db()
    assert package.expired_at is not None
    assert AuditEvent.objects.filter(action=Action.DELETE, processor=package.processor).exists()
    assert package.manifest["record_count"] == 2  # the manifest remains
    for stored in (package.csv_file, package.parquet_file):
        assert stored.deleted_at is not None
        with pytest.raises(FileNotFoundError):
            files.open_plaintext(stored)


def test_an_unacknowledged_package_is_kept(package):
    assert purge(timezone.now() + dt.timedelta(days=400)).packages == 0


def test_packages_under_a_revoked_authorisation_are_deleted(package, authorised, local_admin):
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    assert purge().packages == 1
    assert purge().packages == 0  # running again changes nothing


def test_the_periodic_job_exists():
    from datahub import periodic

    assert periodic._task("datahub.forwarding.tasks.purge_task") is not None


def test_what_a_killed_worker_left_behind_goes_a_day_later(package, settings, tmp_path):
    # A package's plain-text working folder and an encrypted file no delivery or package took.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    working = tmp_path / "tmpabc"
    working.mkdir()
    (working / "package.csv").write_text("pseudonymised records")
    orphan = files.store([b"records nobody took"], "x.csv")
    current = tmp_path / "tmpnew"
    current.mkdir()
    assert purge().leftovers == 0  # a fresh folder or file may still be in use
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    os.utime(working, (two_days_ago.timestamp(),) * 2)
    StoredFile.objects.filter(pk__in=[orphan.pk, package.csv_file_id]).update(
        created_at=two_days_ago
    )
    assert purge().leftovers == 2
    assert not working.exists() and current.exists()
    orphan.refresh_from_db()
    assert orphan.deleted_at is not None and not default_storage.exists(orphan.storage_name)
    for taken in (package.csv_file, package.parquet_file, package.delivery.file):
        taken.refresh_from_db()
        assert taken.deleted_at is None


def test_bytes_stored_without_a_record_are_removed(package, monkeypatch):
    """The bytes are written before their row: a failing insert removes them again, and what a
    killed process left without a row goes a day later."""
    from django.db import OperationalError

    name = files.storage_name_for(timezone.localdate())  # its own name: other tests store too

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(files, "storage_name_for", lambda today: name)
    monkeypatch.setattr(StoredFile.objects, "create", locked)
    with pytest.raises(OperationalError):
        files.store([b"patient records"], "x.csv")
    monkeypatch.undo()
    assert not default_storage.exists(name)  # nothing left behind

    left = default_storage.save(files.storage_name_for(timezone.localdate()), StringIO("x"))
    recorded = package.delivery.file.storage_name
    assert purge().leftovers == 0  # it may still be on its way to its record
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    for name in (left, recorded):
        os.utime(default_storage.path(name), (two_days_ago, two_days_ago))
    assert purge().leftovers == 1
    assert not default_storage.exists(left) and default_storage.exists(recorded)
