"""Upload → processing → a pseudonymised package for each authorised processor, and no other."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import files
from datahub.deliveries.models import Delivery, Status
from datahub.dictionaries import services
from datahub.forwarding import authorisations
from datahub.forwarding.models import Authorisation, Package
from datahub.validation import load_dictionary, write_workbook
from tests.deliveries.conftest import FIXTURES
from tests.forwarding.conftest import authorise, deliver, patient_rows


def _csv_of(package: Package) -> pl.DataFrame:
    with files.open_plaintext(package.csv_file) as stream:
        return pl.read_csv(io.BytesIO(stream.read()), infer_schema=False)


def test_a_production_delivery_becomes_a_package_for_the_authorised_processor_only(
    authorised,
    institution,
    submitter,
    processor,
    other_processor,
    django_capture_on_commit_callbacks,
):
    delivery = deliver(
        institution,
        submitter,
        patient_rows(4, **{"2": {"Geslacht": "7"}}),
        capture=django_capture_on_commit_callbacks,
    )
    assert delivery.status == Status.ERRORS
    package = Package.objects.for_institution(institution).get()
    assert package.processor == processor
    assert package.record_count == 3
    assert package.manifest["record_count"] == 3
    assert package.manifest["institution"] == institution.agb_code
    assert package.manifest["sub_delivery"] == "CAT"
    frame = _csv_of(package)
    assert frame.height == 3
    assert "PAT0002" not in frame["PatientCode"].to_list()
    assert not Package.objects.for_processor(other_processor).exists()
    event = AuditEvent.objects.get(action=Action.FORWARD)
    assert event.processor == processor and event.institution == institution


def test_forwarding_again_keeps_the_moment_forwarding_was_done(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    """A recovery or a queued task that forwards a delivery again finds its packages; it
    moved the moment forwarding was done to now (a review of the demo's dates)."""
    from datahub.forwarding import packaging

    delivery = deliver(
        institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks
    )
    delivery.refresh_from_db()
    done = delivery.forwarding_done_at
    assert done is not None
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert len(packaging.forward_delivery(delivery.pk)) == 1
    delivery.refresh_from_db()
    assert delivery.forwarding_done_at == done


def test_no_patient_code_appears_in_any_package_file(
    authorised,
    institution,
    submitter,
    registered,
    other_processor,
    django_capture_on_commit_callbacks,
):
    authorise(institution, other_processor, registered)
    deliver(institution, submitter, patient_rows(3), capture=django_capture_on_commit_callbacks)
    packages = list(Package.objects.for_institution(institution))
    assert len(packages) == 2
    for package in packages:
        for stored in (package.csv_file, package.parquet_file):
            with files.open_plaintext(stored) as stream:
                content = stream.read()
            for code in (b"PAT0001", b"PAT0002", b"PAT0003"):
                assert code not in content


def test_pseudonyms_are_stable_within_a_processor_and_differ_across_processors(
    authorised,
    institution,
    submitter,
    registered,
    processor,
    other_processor,
    django_capture_on_commit_callbacks,
):
    authorise(institution, other_processor, registered)
    first = deliver(
        institution, submitter, patient_rows(2), 1, capture=django_capture_on_commit_callbacks
    )
    second = deliver(
        institution, submitter, patient_rows(2), 2, capture=django_capture_on_commit_callbacks
    )

    def pseudonyms(delivery, who):
        package = Package.objects.for_processor(who).get(delivery=delivery)
        return _csv_of(package)["PatientCode"].to_list()

    assert pseudonyms(first, processor) == pseudonyms(second, processor)
    assert set(pseudonyms(first, processor)).isdisjoint(pseudonyms(first, other_processor))


def test_the_parquet_file_holds_the_same_records_as_the_csv(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    deliver(institution, submitter, patient_rows(3), capture=django_capture_on_commit_callbacks)
    package = Package.objects.for_institution(institution).get()
    with files.open_plaintext(package.parquet_file) as stream:
        parquet = pl.read_parquet(io.BytesIO(stream.read()))
    assert parquet.equals(_csv_of(package))
    assert package.manifest["files"]["parquet"]["sha256"] == package.parquet_file.sha256


def test_test_deliveries_are_never_forwarded(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    deliver(
        institution,
        submitter,
        patient_rows(2),
        capture=django_capture_on_commit_callbacks,
        is_test=True,
        file_name="11111111_0_CAT_1.4_1_20261128_TEST.csv",
    )
    assert not Package.objects.for_institution(institution).exists()


def test_a_rejected_delivery_is_not_forwarded(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    delivery = deliver(
        institution, submitter, b"OperatieID\n", capture=django_capture_on_commit_callbacks
    )
    assert delivery.status == Status.REJECTED
    assert not Package.objects.for_institution(institution).exists()


def test_a_revoked_authorisation_stops_new_packages_at_once(
    authorised, institution, submitter, local_admin, django_capture_on_commit_callbacks
):
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()


def test_running_the_forwarding_task_twice_leaves_one_package_per_processor(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    from datahub.forwarding.tasks import forward_delivery

    delivery = deliver(
        institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks
    )
    forward_delivery.call(delivery.pk)
    forward_delivery.call(delivery.pk)
    assert Package.objects.for_institution(institution).count() == 1
    assert AuditEvent.objects.filter(action=Action.FORWARD).count() == 1


def test_a_new_totaal_package_supersedes_the_previous_one(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    first = deliver(
        institution, submitter, patient_rows(2), 1, capture=django_capture_on_commit_callbacks
    )
    second = deliver(
        institution, submitter, patient_rows(3), 2, capture=django_capture_on_commit_callbacks
    )
    old = Package.objects.for_institution(institution).get(delivery=first)
    new = Package.objects.for_institution(institution).get(delivery=second)
    assert old.superseded_by == new and old.expires_at is not None
    assert new.superseded_by is None


def test_a_redelivery_for_a_period_supersedes_its_package_and_no_other(
    authorised, institution, submitter, operator, django_capture_on_commit_callbacks
):
    quarterly = load_dictionary(FIXTURES / "CAT_1.4.xlsx").with_general(
        version="9.1", frequency="kwartaal", deadline_days=31, valid_from=dt.date(2020, 1, 1)
    )
    buffer = io.BytesIO()
    write_workbook(quarterly, buffer)
    services.import_workbook(buffer.getvalue(), "CAT_9.1.xlsx")

    def deliver_for(period: str, sequence: int) -> Delivery:
        name = f"11111111_0_CAT_9.1_{sequence}_20261128_PROD.csv"
        meta = {"file_name": name, "version": "9.1", "period": period}
        capture = django_capture_on_commit_callbacks
        return deliver(institution, submitter, patient_rows(2), sequence, capture, **meta)

    first, other, again = (
        deliver_for("2026K1", 1),
        deliver_for("2026K2", 2),
        deliver_for("2026K1", 3),
    )
    packages = {p.delivery_id: p for p in Package.objects.for_institution(institution)}
    assert packages[first.pk].superseded_by == packages[again.pk]
    assert packages[other.pk].superseded_by is None and packages[again.pk].superseded_by is None


def test_the_newest_delivery_by_time_keeps_its_package(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    # A delivery registered later with an earlier delivery time (an import, the demo) is older.
    now, capture = timezone.now(), django_capture_on_commit_callbacks
    with time_machine.travel(now + dt.timedelta(hours=2), tick=False):
        newest = deliver(institution, submitter, patient_rows(2), 1, capture)
    with time_machine.travel(now + dt.timedelta(hours=1), tick=False):
        older = deliver(institution, submitter, patient_rows(3), 2, capture)
    assert older.pk > newest.pk and older.submitted_at < newest.submitted_at
    packages = {p.delivery_id: p for p in Package.objects.for_institution(institution)}
    assert packages[older.pk].superseded_by == packages[newest.pk]
    assert packages[newest.pk].superseded_by is None


def test_other_institutions_deliveries_are_not_forwarded_under_a_authorisation(
    authorised, other_institution, outsider, django_capture_on_commit_callbacks
):
    deliver(
        other_institution,
        outsider,
        patient_rows(2),
        capture=django_capture_on_commit_callbacks,
        institution_code="44444444",
        file_name="44444444_0_CAT_1.4_1_20261128_PROD.csv",
    )
    assert not Package.objects.for_institution(other_institution).exists()


def test_an_authorisation_from_a_future_date_does_not_forward_yet(
    registered, institution, submitter, processor, django_capture_on_commit_callbacks
):
    from datahub.forwarding.authorisations import authorise as authorise_from

    authorise_from(
        actor=None,
        institution=institution,
        registry=registered,
        processor=processor,
        valid_from=timezone.localdate() + dt.timedelta(days=1),
    )
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()


def test_a_registration_withdrawn_by_the_operator_stops_forwarding(
    authorised, institution, submitter, operator, processor, django_capture_on_commit_callbacks
):
    registration = authorisations.registrations().get(processor=processor)
    authorisations.withdraw_registration(actor=operator, registration=registration)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()


def test_an_xml_delivery_is_forwarded_like_a_csv_one(
    authorised, institution, submitter, cataract, django_capture_on_commit_callbacks
):
    from tests.validation.helpers import cat_row
    from tests.validation.test_xml import xml_bytes

    rows = [cat_row(n, PatientCode=f"PAT{n:04d}") for n in (1, 2)]
    data = xml_bytes(cataract.dictionary, rows)
    deliver(
        institution,
        submitter,
        data,
        capture=django_capture_on_commit_callbacks,
        file_name="11111111_0_CAT_1.4_1_20261128_PROD.xml",
    )
    package = Package.objects.for_institution(institution).get()
    frame = _csv_of(package)
    assert frame.height == 2
    assert not {"PAT0001", "PAT0002"} & set(frame["PatientCode"].to_list())
    assert frame["Operatiedatum"].to_list() == [rows[0]["Operatiedatum"], rows[1]["Operatiedatum"]]
    # The hospital's operation number is a text key: pseudonymised too, so processors cannot
    # link their data through it.
    assert not {"11000001", "11000002"} & set(frame["OperatieID"].to_list())


def test_a_lost_forwarding_task_is_recovered_with_the_authorisations_of_that_moment(
    authorised,
    institution,
    submitter,
    registered,
    other_processor,
    processor,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from datahub.deliveries import processing
    from datahub.forwarding.tasks import recover_forwarding_task

    monkeypatch.setattr(processing, "finished_hooks", [])  # the task is lost
    delivery = deliver(
        institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks
    )
    authorise(institution, other_processor, registered)  # authorised only afterwards
    assert recover_forwarding_task.call() == 0  # its own task may still be running
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Authorisation.objects.for_institution(institution).filter(pk=authorised.pk).update(
        created_at=an_hour_ago
    )
    authorisations.registrations().filter(processor=processor).update(registered_at=an_hour_ago)
    Delivery.objects.for_institution(institution).update(
        processed_at=an_hour_ago + dt.timedelta(minutes=20)
    )
    assert recover_forwarding_task.call() == 1
    assert [p.processor for p in Package.objects.for_institution(institution)] == [processor]
    assert recover_forwarding_task.call() == 0
    assert Package.objects.for_institution(institution).get().delivery == delivery


def test_text_key_fields_are_pseudonymised_like_the_patient_code(cataract):
    from datahub.forwarding.packaging import pseudonymised_fields

    assert pseudonymised_fields(cataract.dictionary) == {"OperatieID", "PatientCode"}


def test_a_processor_registered_again_gets_nothing_delivered_while_it_was_withdrawn(
    authorised, institution, submitter, operator, processor, django_capture_on_commit_callbacks
):
    import time_machine
    from django.utils import timezone

    from datahub.forwarding import packaging

    registration = authorisations.registrations().get(processor=processor)
    authorisations.withdraw_registration(actor=operator, registration=registration)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    authorisations.register_processor(
        actor=operator, processor=processor, registry=registration.registry
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert packaging.recover() == 0  # the delivery finished while it was withdrawn
    assert not Package.objects.for_institution(institution).exists()
    deliver(institution, submitter, patient_rows(3), 2, capture=django_capture_on_commit_callbacks)
    assert Package.objects.for_institution(institution).count() == 1  # from now on, again


def test_a_revocation_while_the_package_is_built_leaves_no_package(
    authorised, institution, submitter, local_admin, monkeypatch, django_capture_on_commit_callbacks
):
    """Building a large delivery's files takes a while; a revocation that committed meanwhile
    still left a package and a "forward" in the audit log (a review, with a 1M-record file)."""
    from datahub.forwarding import packaging

    store = packaging._store_files
    stored: list = []

    def revoked_meanwhile(delivery, pseudonymise):
        result = store(delivery, pseudonymise)
        stored.extend(result[:2])
        authorisations.revoke(actor=local_admin, authorisation=authorised)
        return result

    monkeypatch.setattr(packaging, "_store_files", revoked_meanwhile)
    delivery = deliver(
        institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks
    )
    assert not Package.objects.for_institution(institution).exists()
    assert not AuditEvent.objects.filter(action=Action.FORWARD).exists()
    # the package's files are deleted, not left in storage until the purge
    assert len(stored) == 2
    for stored_file in stored:
        stored_file.refresh_from_db()
        assert stored_file.deleted_at is not None
        assert not default_storage.exists(stored_file.storage_name)
    delivery.refresh_from_db()
    assert delivery.forwarding_done_at is not None  # nothing is due any more


def test_a_registration_withdrawn_while_the_package_is_built_leaves_no_package(
    authorised,
    institution,
    submitter,
    operator,
    processor,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from datahub.forwarding import packaging

    store = packaging._store_files

    def withdrawn_meanwhile(delivery, pseudonymise):
        result = store(delivery, pseudonymise)
        registration = authorisations.registrations().get(processor=processor)
        authorisations.withdraw_registration(actor=operator, registration=registration)
        # and registered again: what was delivered in between is not its (as without a build)
        authorisations.register_processor(
            actor=operator, processor=processor, registry=registration.registry
        )
        return result

    monkeypatch.setattr(packaging, "_store_files", withdrawn_meanwhile)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()
