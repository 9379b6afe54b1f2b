"""The processing task: idempotent, recovers stale work, e-mails the submitter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from datahub.deliveries import intake, processing, reports
from datahub.deliveries.models import Delivery, Status
from datahub.validation import load_dictionary, validate_file
from tests.deliveries.conftest import FIXTURES, cat_csv, deliver, metadata


def _delivery(institution, submitter, data=None, sequence=1):
    data = data or cat_csv(3, **{"2": {"Geslacht": "7"}})
    return intake.submit(
        metadata(sequence),
        [data],
        size=len(data),
        institution=institution,
        channel="Webportaal",
        actor=submitter,
    )


def test_running_the_task_twice_gives_one_result(cataract, institution, submitter):
    delivery = _delivery(institution, submitter)  # queued on commit; tests run tasks at once
    assert processing.process(delivery.pk) is True
    findings = list(delivery.findings.values_list("position", "code"))
    assert processing.process(delivery.pk) is False
    assert list(delivery.findings.values_list("position", "code")) == findings


def test_a_delivery_whose_worker_went_silent_is_processed_again(cataract, institution, submitter):
    delivery = _delivery(institution, submitter)
    silent = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        status=Status.PROCESSING, claim_token="dead-worker", heartbeat_at=silent, attempts=1
    )
    assert processing.needing_processing() == [delivery.pk]
    assert processing.recover() == 1  # the immediate task backend processes it right away
    delivery.refresh_from_db()
    assert delivery.status == Status.ERRORS
    assert delivery.attempts == 2
    assert processing.needing_processing() == []


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_result(
    cataract, institution, submitter
):
    delivery = _delivery(institution, submitter)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(status=Status.RECEIVED)
    assert processing._claim(delivery.pk, "first")
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(claim_token="second")
    report = processing._validate(Delivery.objects.unscoped().get(pk=delivery.pk), "first")
    assert processing._finish(delivery, "first", report) is False


def test_the_submitter_gets_an_email_when_processing_ends(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [submitter.email]
    assert message.subject == f"Datahub: {delivery.file_name}: Verwerkt met fouten"
    assert f"/aanleveringen/{delivery.pk}/" in message.body


def test_the_email_is_in_the_submitters_language(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    submitter.language = "en"
    submitter.save()
    with django_capture_on_commit_callbacks(execute=True):
        _delivery(institution, submitter)
    assert "Processed with errors" in mail.outbox[0].subject


def test_the_records_with_a_value_per_field_are_stored_with_the_delivery(
    cataract, institution, submitter
):
    """For the data-quality dashboard's completeness: counts per field name, no values."""
    data = cat_csv(3, **{"2": {"IOLType": "  "}, "3": {"Opmerking": "Geheim detail"}})
    delivery = _delivery(institution, submitter, data=data)
    processing.process(delivery.pk)
    delivery.refresh_from_db()
    dictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
    expected = validate_file(dictionary, data, file_name=delivery.file_name).filled
    assert delivery.filled_counts == expected
    assert set(delivery.filled_counts) == set(dictionary.field_names)  # (jsonb keeps no order)
    assert delivery.filled_counts["IOLType"] == 2
    assert delivery.filled_counts["Opmerking"] == 1
    assert delivery.filled_counts["OperatieID"] == delivery.records_total == 3
    assert "Geheim" not in str(delivery.filled_counts)


def test_a_file_rejected_as_a_file_stores_no_counts(cataract, institution, submitter):
    data = b"OperatieID,Onbekend\n1,2\n"
    delivery = _delivery(institution, submitter, data=data)
    processing.process(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.REJECTED
    assert delivery.filled_counts is None


def test_an_xml_file_of_another_registry_gets_t08_and_is_rejected(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = b"<?xml version='1.0'?><MMYIKNL><record><PatientCode>1</PatientCode></record></MMYIKNL>"
    name = "11111111_0_CAT_1.4_1_20261128_PROD.xml"
    delivery = deliver(
        institution, submitter, data, capture=django_capture_on_commit_callbacks, file_name=name
    )
    assert delivery.status == Status.REJECTED
    # T08 first: the report of datahub validate, line for line (the engine finds the root)
    findings = list(delivery.findings.order_by("pk"))
    assert findings[0].code == "T08"
    assert "Registratie in het bestand (MMYIKNL)" in findings[0].message
    assert "(CAT)" in findings[0].message
    expected = validate_file(load_dictionary(FIXTURES / "CAT_1.4.xlsx"), data, file_name=name)
    shown = [(f.code, f.line, f.field or "", f.message) for f in expected.findings]
    assert [(f.code, f.line, f.field, f.message) for f in findings] == shown
    assert (delivery.records_total, delivery.records_not_processed) == (expected.total, 1)


def test_a_file_that_kills_its_worker_again_and_again_is_rejected_not_retried_for_ever(
    cataract, institution, submitter
):
    delivery = _delivery(institution, submitter)
    silent = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        status=Status.PROCESSING,
        claim_token="dead",
        heartbeat_at=silent,
        attempts=processing.MAX_ATTEMPTS,
    )
    assert processing._claim(delivery.pk, "another") is False
    assert processing.recover() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.REJECTED
    finding = delivery.findings.get()
    assert finding.code == "T00"
    assert reports.message_in(finding, "nl").startswith("De aanlevering kon door een storing")
    assert reports.message_in(finding, "en").startswith("The delivery could not be processed")
    assert processing.needing_processing() == []


@pytest.mark.parametrize("stop", [SystemExit, KeyboardInterrupt])
@pytest.mark.parametrize("during", ["validate_file", "_insert_findings"])
def test_a_worker_being_stopped_gives_the_delivery_back_without_using_an_attempt(
    cataract, institution, submitter, monkeypatch, stop, during
):
    """A deploy stops the worker: db_worker raises SystemExit at the second SIGTERM (the
    supervisor sends it when the task does not end in time), Ctrl+C KeyboardInterrupt. As
    many stops as there are attempts must not reject a valid file with T00."""

    def stopped(*args, **kwargs):
        raise stop

    delivery = _delivery(institution, submitter)  # queued, not processed yet (no commit)
    monkeypatch.setattr(processing, during, stopped)
    for _deploy in range(processing.MAX_ATTEMPTS + 1):
        with pytest.raises(stop):
            processing.process(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.RECEIVED, 0)
        assert delivery.claim_token == "" and delivery.heartbeat_at is None
    monkeypatch.undo()
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        queued_at=timezone.now() - dt.timedelta(hours=1)  # the stopped task is gone
    )
    assert processing.recover() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.ERRORS, 1)
    assert delivery.findings.get().code != "T00"


def test_stops_in_between_do_not_hide_a_file_that_kills_its_worker(
    cataract, institution, submitter, monkeypatch
):
    def stopped(*args, **kwargs):
        raise SystemExit(1)

    delivery = _delivery(institution, submitter)
    silent = timezone.now() - dt.timedelta(hours=1)
    for crash in range(processing.MAX_ATTEMPTS):
        with monkeypatch.context() as patch:  # a deploy stops the worker
            patch.setattr(processing, "validate_file", stopped)
            with pytest.raises(SystemExit):
                processing.process(delivery.pk)
        # the next worker dies on the file (killed: it leaves its claim, which goes stale)
        assert processing._claim(delivery.pk, f"killed-{crash}")
        Delivery.objects.unscoped().filter(pk=delivery.pk).update(heartbeat_at=silent)
    assert processing.recover() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.REJECTED, processing.MAX_ATTEMPTS)
    assert delivery.findings.get().code == "T00"


def test_a_nul_character_in_a_value_does_not_stop_the_result_from_being_stored(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = cat_csv(3, **{"2": {"Geslacht": "\x00"}})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter, data)
    delivery.refresh_from_db()
    assert delivery.is_finished
    assert "\x00" not in "".join(str(v) for v in delivery.findings.values_list("value", flat=True))


def test_the_contact_address_is_told_too_and_a_deactivated_submitter_is_not(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    from datahub.institutions.models import Membership

    institution.contact_email = "registraties@a.example"
    institution.save()
    Membership.objects.for_institution(institution).filter(user=submitter).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _delivery(institution, submitter)
    assert [m.to for m in mail.outbox] == [["registraties@a.example"]]


def test_the_registrys_contact_persons_are_told_and_those_of_another_registry_are_not(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    from datahub.dictionaries.models import Registry, RegistryContact

    other = Registry.objects.create(stream="Myeloom", name="Myeloom")
    for registry, email in (
        (cataract.sub_delivery.registry, "oogarts@a.example"),
        (other, "x@a.example"),
    ):
        RegistryContact.objects.create(
            institution=institution, registry=registry, name="C", email=email
        )
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["oogarts@a.example", submitter.email])
    assert all(delivery.file_name in m.subject for m in mail.outbox)


def test_a_notice_for_a_delivery_processed_long_ago_is_not_sent(cataract, institution, submitter):
    from datahub.deliveries.notifications import send_processed_email

    delivery = _delivery(institution, submitter)
    processing.process(delivery.pk)
    assert send_processed_email(delivery.pk) == 1
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        processed_at=timezone.now() - dt.timedelta(days=3)
    )
    assert send_processed_email(delivery.pk) == 0


def test_a_delivery_queued_recently_is_not_queued_again_by_recovery(
    cataract, institution, submitter
):
    delivery = _delivery(institution, submitter)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        status=Status.RECEIVED, submitted_at=long_ago, queued_at=timezone.now()
    )
    assert processing.needing_processing() == []
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(queued_at=long_ago)
    assert processing.needing_processing() == [delivery.pk]


def test_a_delivery_whose_queuing_failed_keeps_its_file_and_is_recovered(
    cataract, institution, submitter, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    from datahub.deliveries import tasks

    def locked(delivery_id: int) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "enqueue_processing", locked)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)  # committed: the upload succeeded
    delivery.refresh_from_db()
    assert delivery.status == Status.RECEIVED and delivery.queued_at is None
    assert delivery.file is not None and delivery.file.deleted_at is None
    monkeypatch.undo()
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        submitted_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert processing.recover() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.ERRORS and delivery.attempts == 1


def test_findings_are_stored_in_short_transactions_under_the_claim(
    cataract, institution, submitter, monkeypatch
):
    # Batches of 2 findings; the claim is lost after the first batch (a worker took over).
    monkeypatch.setattr(processing, "FINDING_BATCH", 2)
    data = cat_csv(6, **{str(i): {"Geslacht": "7"} for i in range(1, 6)})
    delivery = _delivery(institution, submitter, data)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(status=Status.RECEIVED)
    assert processing._claim(delivery.pk, "first")
    report = processing._validate(Delivery.objects.unscoped().get(pk=delivery.pk), "first")
    assert len(report.findings) == 5
    insert = processing._insert_findings

    def insert_then_lose_the_claim(rows):
        insert(rows)
        Delivery.objects.unscoped().filter(pk=delivery.pk).update(claim_token="second")

    monkeypatch.setattr(processing, "_insert_findings", insert_then_lose_the_claim)
    assert processing._finish(delivery, "first", report) is False
    assert delivery.findings.count() == 2  # the first batch, committed; not shown (see below)
    monkeypatch.setattr(processing, "_insert_findings", insert)
    assert processing._finish(delivery, "second", report) is True
    positions = list(delivery.findings.order_by("position").values_list("position", flat=True))
    assert positions == [1, 2, 3, 4, 5]  # the leftovers replaced, nothing twice
    delivery.refresh_from_db()
    assert delivery.is_finished and delivery.heartbeat_at is None


def test_a_delivery_being_processed_shows_no_findings_yet(cataract, institution, submitter):
    from django.urls import reverse

    from tests.conftest import logged_in

    delivery = _delivery(institution, submitter)
    assert processing.process(delivery.pk) and delivery.findings.exists()
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(status=Status.PROCESSING)
    client = logged_in(submitter)
    page = client.get(reverse("portal:delivery", args=[delivery.pk]), {"tab": "verslag"})
    assert "Geslacht bevat waarde 7" not in page.content.decode()
    export = client.get(reverse("portal:delivery_export", args=[delivery.pk]))
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()) == 1


def test_a_lost_processed_email_is_sent_by_recovery_once(
    cataract, institution, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    """When queuing the e-mail failed (the database was locked, or the worker died between the
    commit and the queuing), nothing sent it: recovery now does, once."""
    import time_machine
    from django.db import OperationalError

    from datahub.deliveries import notifications

    def locked(delivery):  # queuing the e-mail task fails
        raise OperationalError("database is locked")

    hooks = [
        locked if hook is notifications.queue_processed_email else hook
        for hook in processing.finished_hooks
    ]
    assert locked in hooks
    monkeypatch.setattr(processing, "finished_hooks", hooks)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)
    monkeypatch.undo()
    assert mail.outbox == []
    assert notifications.recover() == 0  # its own task may still be on its way
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert notifications.unnotified(timezone.now()) == [delivery.pk]
        assert notifications.recover() == 1  # the test backend runs the task at once
        assert len(mail.outbox) == 1 and "Verwerkt met fouten" in mail.outbox[0].subject
        assert notifications.recover() == 0
    assert notifications.send_processed_email(delivery.pk) == 0  # told already
    assert len(mail.outbox) == 1


def test_a_failed_processed_email_is_released_for_recovery(
    cataract, institution, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    from datahub.deliveries import notifications

    def down(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)
    delivery.refresh_from_db()
    assert delivery.notified_at is None  # the next recovery tries again
    monkeypatch.undo()
    assert notifications.send_processed_email(delivery.pk) == 1


def test_an_address_that_refused_the_processed_email_is_tried_again_without_the_others(
    cataract, institution, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    """The contact address refuses for a while (the first to be tried or not): the submitter
    has his e-mail once, and recovery tries the contact address again until it accepts, while
    the notice is news. Before, an address that failed beside one that worked was never tried
    again."""
    import datetime as dt

    import time_machine
    from django.core import mail
    from django.utils import timezone

    from datahub.deliveries import notifications

    institution.contact_email = "registraties@a.example"
    institution.save()
    real = notifications.send_mail

    def contact_refuses(subject, body, sender, to, **kwargs):
        if to == ["registraties@a.example"]:
            raise OSError("mailbox unavailable")
        return real(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", contact_refuses)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter)
    assert [m.to for m in mail.outbox] == [[submitter.email]]
    now = timezone.now()
    with time_machine.travel(now + dt.timedelta(minutes=20)):
        assert notifications.recover() == 1  # refused again (the task fails: it is logged)
    assert [m.to for m in mail.outbox] == [[submitter.email]]
    monkeypatch.undo()
    with time_machine.travel(now + dt.timedelta(minutes=40)):
        assert notifications.recover() == 1
        assert notifications.recover() == 0
    assert [m.to for m in mail.outbox] == [[submitter.email], ["registraties@a.example"]]
    delivery.refresh_from_db()
    assert delivery.notified_at is not None and delivery.notified_to == []


def test_an_address_that_keeps_refusing_is_tried_while_the_notice_is_news(
    cataract, institution, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime as dt

    import time_machine
    from django.core import mail
    from django.utils import timezone

    from datahub.deliveries import notifications

    institution.contact_email = "registraties@a.example"
    institution.save()
    real = notifications.send_mail
    tried: list[str] = []

    def contact_refuses(subject, body, sender, to, **kwargs):
        tried.extend(to)
        if to == ["registraties@a.example"]:
            raise OSError("no such mailbox")
        return real(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", contact_refuses)
    with django_capture_on_commit_callbacks(execute=True):
        _delivery(institution, submitter)
    now = timezone.now()
    with time_machine.travel(now + dt.timedelta(hours=23)):
        assert notifications.recover() == 1
    with time_machine.travel(now + dt.timedelta(hours=25)):
        assert notifications.recover() == 0  # no longer news
    assert tried == [submitter.email, "registraties@a.example", "registraties@a.example"]
    assert [m.to for m in mail.outbox] == [[submitter.email]]


def _stopped_while_sending_to(address):
    """``send_mail`` as it goes when the worker is stopped while it talks to the mail server
    for ``address`` (db_worker turns a second SIGTERM into ``SystemExit``; SIGKILL leaves the
    database as this does)."""
    from datahub.deliveries import notifications

    real = notifications.send_mail

    def send_mail(subject, body, sender, to, **kwargs):
        if to == [address]:
            raise SystemExit(1)
        return real(subject, body, sender, to, **kwargs)

    return send_mail


def test_a_processed_email_whose_worker_was_stopped_while_sending_is_sent_by_recovery(
    cataract, institution, submitter, monkeypatch
):
    import time_machine

    from datahub.deliveries import notifications

    delivery = _delivery(institution, submitter)
    assert processing.process(delivery.pk)
    monkeypatch.setattr(notifications, "send_mail", _stopped_while_sending_to(submitter.email))
    with pytest.raises(SystemExit):
        notifications.send_processed_email(delivery.pk)
    monkeypatch.undo()
    assert mail.outbox == []
    assert notifications.send_processed_email(delivery.pk) == 0  # claimed: maybe still sending
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        assert notifications.recover() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert notifications.recover() == 1  # the claim is stale: its worker is gone
        assert [m.to for m in mail.outbox] == [[submitter.email]]
        assert notifications.recover() == 0
    delivery.refresh_from_db()
    assert delivery.notified_at is not None and delivery.notified_to == []


def test_recovery_of_an_interrupted_processed_email_spares_whom_it_reached(
    cataract, institution, submitter, monkeypatch
):
    """Stopped after the submitter had his e-mail, before the contact address had hers."""
    import time_machine

    from datahub.deliveries import notifications

    institution.contact_email = "registraties@a.example"
    institution.save()
    delivery = _delivery(institution, submitter)
    assert processing.process(delivery.pk)
    stopped = _stopped_while_sending_to("registraties@a.example")
    monkeypatch.setattr(notifications, "send_mail", stopped)
    with pytest.raises(SystemExit):
        notifications.send_processed_email(delivery.pk)
    monkeypatch.undo()
    assert [m.to for m in mail.outbox] == [[submitter.email]]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert notifications.recover() == 1
    assert [m.to for m in mail.outbox] == [[submitter.email], ["registraties@a.example"]]


def test_a_workbook_delivered_as_csv_is_refused_with_the_engines_finding(
    cataract, institution, submitter
):
    """Refused before it is stored (it was taken in, used up its sequence number and was
    rejected with this T05), in the person's language."""
    workbook = (FIXTURES / "CAT_1.4.xlsx").read_bytes()
    with pytest.raises(intake.DeliveryRefused) as refused:
        _delivery(institution, submitter, data=workbook)
    assert refused.value.problems[""] == [
        "De extensie .csv past niet bij de inhoud (een Excel-werkmap of zip-bestand)"
    ]
    with translation.override("en"), pytest.raises(intake.DeliveryRefused) as refused:
        _delivery(institution, submitter, data=workbook)
    assert refused.value.problems[""] == [
        "The extension .csv does not match the content (an Excel workbook or zip file)"
    ]
    assert not Delivery.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("saved_as", "code", "words"),
    [
        (lambda text: text.replace(",", ";").encode(), "T02", "gescheiden door ';'"),
        (lambda text: text.encode("utf-16"), "T01", "gecodeerd als UTF-16"),
        (lambda text: text.replace("\n", "\r").encode(), "T04", "alleen een CR-teken"),
    ],
    ids=["semicolons", "utf-16", "mac-line-endings"],
)
def test_an_excel_export_in_another_csv_form_is_rejected_with_one_clear_finding(
    cataract, institution, submitter, django_capture_on_commit_callbacks, saved_as, code, words
):
    data = saved_as(cat_csv(3).decode())
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(institution, submitter, data=data)
    delivery.refresh_from_db()
    assert delivery.status == Status.REJECTED
    finding = delivery.findings.get()
    assert (finding.code, finding.line) == (code, 1) and words in finding.message
    assert reports.message_in(finding, "en") != finding.message  # translated on English pages


@pytest.mark.parametrize("fault", ["storage", "database"])
def test_an_outage_of_the_hub_uses_no_attempt_and_fails_the_task_for_the_operator(
    cataract, institution, submitter, monkeypatch, fault
):
    """Ten minutes of a storage or database fault rejected a valid file with T00 (three
    attempts, one per recovery), and the task ended as a success: the hospital was told the
    hub failed, the operator was not (a reliability review)."""
    from django.db import OperationalError
    from django_tasks import TaskResultStatus

    from datahub.deliveries import files, tasks

    def failing(*args, **kwargs):
        raise OSError("I/O error") if fault == "storage" else OperationalError("database locked")

    delivery = _delivery(institution, submitter)  # queued, not processed yet (no commit)
    monkeypatch.setattr(files, "open_plaintext", failing)
    for _recovery in range(processing.MAX_ATTEMPTS + 2):
        with pytest.raises((OSError, OperationalError)):
            processing.process(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.RECEIVED, 0)
    # as a task: it fails, which the operator's page lists (tests/forwarding/
    # test_operational_status.py), while the delivery waits for recovery
    result = tasks.process_delivery.enqueue(delivery.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class in (OSError, OperationalError)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.RECEIVED, 0)
    monkeypatch.undo()
    assert processing.process(delivery.pk) is True  # the outage is over
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.ERRORS, 1)


@pytest.mark.parametrize("error", ["ValueError", "DataError"])
def test_an_error_of_the_hub_on_a_file_counts_and_fails_the_task(
    cataract, institution, submitter, monkeypatch, error
):
    """Also a value the database refuses (a DataError): it would fail again and again."""
    from django.db import DataError

    kind = {"ValueError": ValueError, "DataError": DataError}[error]

    def broken(*args, **kwargs):
        raise kind("a bug the file triggers")

    delivery = _delivery(institution, submitter)
    monkeypatch.setattr(processing, "validate_file", broken)
    for attempt in range(1, processing.MAX_ATTEMPTS + 1):
        with pytest.raises(kind, match="a bug"):
            processing.process(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert delivery.status == Status.REJECTED
    assert delivery.findings.get().code == "T00"


def test_a_delivery_the_hub_failed_on_is_shown_to_the_operator_and_can_be_processed_again(
    cataract, institution, submitter, operator, monkeypatch, django_capture_on_commit_callbacks
):
    """A T00 was seen by the hospital only, and nothing could process the file again (a
    reliability review): the operator's page lists it, ``datahub reprocess`` queues it."""
    from django.core.management import CommandError, call_command
    from django.urls import reverse

    from datahub.audit.models import AuditEvent
    from tests.conftest import logged_in

    def broken(*args, **kwargs):
        raise ValueError("a bug the file triggers")

    delivery = _delivery(institution, submitter)
    with monkeypatch.context() as patch:
        patch.setattr(processing, "validate_file", broken)
        for _attempt in range(processing.MAX_ATTEMPTS):
            with pytest.raises(ValueError, match="a bug"):
                processing.process(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.REJECTED
    page = logged_in(operator).get(reverse("portal:operator_home")).content.decode()
    assert "Afgekeurd door een storing van de hub" in page and "In orde" not in page
    assert f'<th scope="row" class="mono">{delivery.pk}</th>' in page

    ok = _delivery(institution, submitter, data=cat_csv(2), sequence=2)
    with pytest.raises(CommandError, match=f"delivery {ok.pk} was not rejected by a hub failure"):
        call_command("reprocess", str(ok.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess", str(delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.ERRORS, 1)
    assert "T00" not in set(delivery.findings.values_list("code", flat=True))
    assert delivery.filled_counts is not None and delivery.filled_counts["OperatieID"] == 3
    assert [m.to for m in mail.outbox] == [[submitter.email]]  # the new result
    assert AuditEvent.objects.filter(
        institution=institution, description__contains="processed again"
    ).exists()
    page = logged_in(operator).get(reverse("portal:operator_home")).content.decode()
    assert "Afgekeurd door een storing van de hub" not in page


def test_a_delivery_whose_file_is_missing_is_rejected_after_its_attempts(
    cataract, institution, submitter
):
    """A file that is gone is no outage to wait out: it was shown as processing for ever (a
    review); after its attempts it is rejected (T00) like any file the hub cannot process."""
    from django.core.files.storage import default_storage

    delivery = _delivery(institution, submitter)  # queued, not processed yet (no commit)
    default_storage.delete(delivery.file.storage_name)
    for _recovery in range(processing.MAX_ATTEMPTS):
        with pytest.raises(FileNotFoundError):
            processing.process(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.REJECTED, processing.MAX_ATTEMPTS)
    assert delivery.findings.get().code == "T00"
