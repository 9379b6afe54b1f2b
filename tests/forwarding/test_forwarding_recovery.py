"""Recovery of lost forwarding (the periodic task ``recover_forwarding_task``): what one
delivery or processor gets wrong does not keep the others from their packages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from datahub.forwarding.models import Package
from tests.conftest import logged_in
from tests.forwarding.conftest import (
    authorise,
    deliver,
    finished_ago,
    finished_deliveries,
    patient_rows,
)
from tests.work import counted, sqlite_only

WAITING = "Not forwarded yet: the data are being prepared for the authorised processors."


@pytest.fixture
def lost(monkeypatch):
    """Forwarding tasks are lost: deliveries finish, nothing forwards them."""
    from datahub.deliveries import processing

    monkeypatch.setattr(processing, "finished_hooks", [])


def test_a_delivery_whose_file_is_gone_does_not_stop_the_recovery_of_the_next(
    lost, authorised, institution, submitter, django_capture_on_commit_callbacks, caplog
):
    from datahub.forwarding.tasks import recover_forwarding_task

    capture = django_capture_on_commit_callbacks
    broken = deliver(institution, submitter, patient_rows(2), 1, capture=capture)
    sound = deliver(institution, submitter, patient_rows(3), 2, capture=capture)
    default_storage.delete(broken.file.storage_name)  # the bytes lost from storage
    finished_ago(institution, hours=1)

    recover_forwarding_task.call()

    packages = Package.objects.for_institution(institution)
    assert [p.delivery_id for p in packages] == [sound.pk]
    assert f"delivery {broken.pk}" in caplog.text


def test_a_processor_whose_package_fails_does_not_keep_the_other_from_its_package(
    authorised,
    registered,
    institution,
    submitter,
    other_processor,
    monkeypatch,
    django_capture_on_commit_callbacks,
    caplog,
):
    from datahub.forwarding import packaging

    authorise(institution, other_processor, registered)
    build = packaging.build_package

    def fails_for_iknl(delivery, authorisation):
        if authorisation.processor.code == "iknl":
            raise OSError("disk full")
        return build(delivery, authorisation)

    monkeypatch.setattr(packaging, "build_package", fails_for_iknl)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert [p.processor for p in Package.objects.for_institution(institution)] == [other_processor]
    assert "to iknl failed" in caplog.text


def _afnameoverzicht(user) -> str:
    client = logged_in(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client.get(reverse("portal:forwarding")).content.decode()


def test_a_delivery_that_could_not_be_forwarded_for_days_is_forwarded_once_it_can(
    authorised, institution, submitter, settings, django_capture_on_commit_callbacks
):
    from datahub.forwarding.tasks import recover_forwarding_task

    settings.PSEUDONYM_SECRETS = {}  # IKNL's secret not configured yet: nothing can be made
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    finished_ago(institution, days=3)
    recover_forwarding_task.call()
    assert not Package.objects.for_institution(institution).exists()
    assert WAITING in _afnameoverzicht(submitter)

    settings.PSEUDONYM_SECRETS = {"iknl": "iknl-secret-configured-three-days-later"}
    recover_forwarding_task.call()

    assert Package.objects.for_institution(institution).get().record_count == 2
    page = _afnameoverzicht(submitter)
    assert WAITING not in page and "<td>2</td>" in page


@sqlite_only
def test_recovery_does_not_grow_with_the_deliveries_forwarded_before(
    authorised, cataract, institution
):
    from datahub.forwarding.tasks import recover_forwarding_task

    a_year_ago = timezone.now() - dt.timedelta(days=365)
    work, start = [], 0
    for n in (1_000, 10_000):
        finished_deliveries(institution, cataract, n, start, processed_at=a_year_ago)
        start += n
        recover_forwarding_task.call()  # finds nothing due for them (authorised only now)
        with counted() as steps:
            assert recover_forwarding_task.call() == 0
        work.append(steps[0])
    assert work[1] < 2 * work[0], work
