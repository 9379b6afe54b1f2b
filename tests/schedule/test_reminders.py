"""Reminder e-mails: before a deadline and after a missed one, once each, in one's language."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from datahub.dictionaries import services as dictionaries
from datahub.dictionaries.models import Method, Registry
from datahub.institutions.models import Institution
from datahub.schedule.models import ReminderKind, SentReminder
from datahub.schedule.reminders import send_reminders
from datahub.schedule.tasks import send_reminders_task
from tests.conftest import make_member
from tests.schedule.conftest import TODAY, days, deliver

pytestmark = pytest.mark.usefixtures("registries")


@pytest.fixture
def contact(institution) -> Institution:
    Institution.objects.filter(pk=institution.pk).update(contact_email="registraties@a.example")
    institution.refresh_from_db()
    return institution


def sent(kind: str) -> set[tuple[str, str]]:
    rows = SentReminder.objects.unscoped().filter(kind=kind)
    return {(r.sub_delivery.code, r.period) for r in rows}


@pytest.mark.usefixtures("contact")
def test_deadlines_within_the_reminder_days_and_recently_missed_ones_are_reminded(settings):
    settings.REMINDER_DAYS = 14
    send_reminders(TODAY)
    assert sent(ReminderKind.DUE) == {("MMYIKNL", "2025K4"), ("MMYIKNL", "2026K2")}
    assert sent(ReminderKind.MISSED) == set()  # 1 May and 10 April: longer ago than 14 days
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "2026K2" in body and "/aanleveren/?code=MMYIKNL&periode=2026K2" in body


@pytest.mark.usefixtures("contact")
def test_a_registry_delivered_through_the_api_is_reminded_without_the_upload_page(
    settings, institution, operator
):
    """As the portal's Aanleveren button: the upload page refuses such a registry's files."""
    registry = Registry.objects.get(sub_deliveries__code="MMYIKNL")
    dictionaries.set_method(
        actor=operator, institution=institution, registry=registry, method=Method.API
    )
    settings.REMINDER_DAYS = 14
    send_reminders(TODAY)
    body = mail.outbox[0].body
    assert "2026K2" in body and "via API" in body
    assert "/aanleveren/" not in body


@pytest.mark.usefixtures("contact")
def test_a_deadline_missed_within_the_reminder_days_is_reported(settings):
    settings.REMINDER_DAYS = 50
    send_reminders(TODAY)
    assert sent(ReminderKind.MISSED) == {("MMYIKNL", "2026K1")}  # CAT 10 April: 66 days ago
    assert "2026K1" in mail.outbox[0].body


@pytest.mark.usefixtures("contact")
def test_the_reminder_days_come_from_the_settings(settings):
    settings.REMINDER_DAYS = 30
    send_reminders(TODAY)
    assert ("CAT", "TOTAAL") in sent(ReminderKind.DUE)


@pytest.mark.usefixtures("contact")
def test_each_reminder_is_sent_once():
    send_reminders(TODAY)
    send_reminders(TODAY)
    assert len(mail.outbox) == 1
    send_reminders(TODAY + dt.timedelta(days=1))  # 2026K2 still due: already told
    assert len(mail.outbox) == 2  # but 2025K4's deadline (today) has now been missed
    assert "2026K2" not in mail.outbox[1].body and "2025K4" in mail.outbox[1].body


def test_a_delivered_period_is_not_reminded(contact, settings):
    settings.REMINDER_DAYS = 50
    deliver(contact, "MMYIKNL", "2026K1", on=days(-2))
    deliver(contact, "MMYIKNL", "2026K2", on=days(-2))
    send_reminders(TODAY)
    assert sent(ReminderKind.MISSED) == set()
    assert sent(ReminderKind.DUE) == {("MMYIKNL", "2025K4"), ("CAT", "TOTAAL")}


def test_a_test_delivery_does_not_prevent_a_reminder(contact, settings):
    settings.REMINDER_DAYS = 50
    deliver(contact, "MMYIKNL", "2026K1", on=days(-2), is_test=True)
    send_reminders(TODAY)
    assert ("MMYIKNL", "2026K1") in sent(ReminderKind.MISSED)


def test_local_administrators_get_it_in_their_own_language(contact, local_admin, submitter):
    local_admin.language = "en"
    local_admin.save()
    send_reminders(TODAY)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"registraties@a.example", local_admin.email}
    assert "deadline" in by_address[local_admin.email].subject.lower()
    assert "The deadline of these deliveries" in by_address[local_admin.email].body
    assert "The deadline of these deliveries" not in by_address["registraties@a.example"].body


def test_an_institution_without_contacts_gets_nothing_and_is_reminded_once_it_has_one(
    institution,
):
    assert send_reminders(TODAY) == 0
    assert not SentReminder.objects.unscoped().exists()
    make_member("beheer@a.example", institution, "lokaal_beheerder")
    assert send_reminders(TODAY) == 1


def test_a_failed_send_is_tried_again_next_time_and_stops_nobody_else(contact, monkeypatch):
    from datahub.schedule import reminders

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert send_reminders(TODAY) == 0
    assert not SentReminder.objects.unscoped().exists()
    monkeypatch.undo()
    assert send_reminders(TODAY) == 1


@pytest.mark.usefixtures("contact")
def test_the_command_and_the_task_send_them(capsys):
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert len(mail.outbox) == 1
    call_command("send_reminders")  # `datahub send-reminders` runs this very command
    assert "0 reminder e-mail(s) sent." in capsys.readouterr().out
    assert send_reminders_task.call() == 0


def test_a_failing_claim_leaves_no_reminder_claimed_and_the_next_run_sends_them_all(
    contact, monkeypatch
):
    from django.db import OperationalError

    real = SentReminder.objects.create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["period"])
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(SentReminder.objects, "create", flaky)
    assert send_reminders(TODAY) == 0
    assert not SentReminder.objects.unscoped().exists()  # none lost as "sent"
    monkeypatch.undo()
    assert send_reminders(TODAY) == 1
    assert len(mail.outbox) == 1 and len(sent(ReminderKind.DUE)) >= 2


def test_when_one_address_refuses_the_others_are_not_mailed_twice(
    contact, local_admin, monkeypatch
):
    from datahub.schedule import reminders

    real = reminders.send_mail

    def refusing(subject, body, sender, to):
        if to == ["registraties@a.example"]:
            raise OSError("550 mailbox unavailable")
        return real(subject, body, sender, to)

    monkeypatch.setattr(reminders, "send_mail", refusing)
    assert send_reminders(TODAY) == 1
    assert send_reminders(TODAY) == 0  # the next run does not mail the administrator again
    assert [m.to for m in mail.outbox] == [[local_admin.email]]
    for row in SentReminder.objects.unscoped():
        assert row.recipients == [local_admin.email]  # who was served


def test_a_worker_stopped_while_sending_loses_no_reminder(contact, local_admin, monkeypatch):
    """The claim was released only by ``except Exception``: a worker killed, or stopped by a
    second SIGTERM (``SystemExit``), while sending left it claimed for good and the others
    were never reminded. Each address reached is noted at once; a claim left unfinished is
    taken over after ``CLAIM_MINUTES`` and mails only those not reached."""
    from datahub.schedule import reminders

    real = reminders.send_mail
    first, second = [r.email for r in reminders.recipients_of(contact)]

    def stopped_at_the_second(subject, body, sender, to):
        if to == [second]:
            raise SystemExit(1)
        return real(subject, body, sender, to)

    monkeypatch.setattr(reminders, "send_mail", stopped_at_the_second)
    with pytest.raises(SystemExit):
        send_reminders(TODAY)
    monkeypatch.undo()
    assert [m.to for m in mail.outbox] == [[first]]
    assert send_reminders(TODAY) == 0  # still claimed: the worker may only be slow
    later = timezone.now() + dt.timedelta(minutes=reminders.CLAIM_MINUTES + 1)
    with time_machine.travel(later):
        assert send_reminders(TODAY) == 1
        assert send_reminders(TODAY) == 0
    assert [m.to for m in mail.outbox] == [[first], [second]]
    for row in SentReminder.objects.unscoped():
        assert row.done_at is not None and row.recipients == [first, second]


def _contact_person(operator, institution, code: str, email: str):
    from datahub.dictionaries.models import SubDelivery
    from datahub.institutions import onboarding

    registry = SubDelivery.objects.get(code=code).registry
    return onboarding.add_registry_contact(
        actor=operator, institution=institution, registry=registry, name="Contact", email=email
    )


def test_a_contact_person_of_a_registry_is_reminded_of_that_registry_only(
    contact, operator, institution, settings
):
    """The manual's "contactpersonen per (kwaliteits)registratie": the contact person of
    MMYIKNL hears of its deadlines, not of Cataract's; the contact address of all."""
    settings.REMINDER_DAYS = 30  # due: MMYIKNL 2025K4 and 2026K2, CAT TOTAAL (15 July)
    _contact_person(operator, institution, "MMYIKNL", "Myeloom@A.example")
    assert send_reminders(TODAY) == 2
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert set(by_address) == {"registraties@a.example", "myeloom@a.example"}
    assert "2026K2" in by_address["myeloom@a.example"]
    assert "TOTAAL" not in by_address["myeloom@a.example"]
    assert "TOTAAL" in by_address["registraties@a.example"]
    rows = SentReminder.objects.unscoped().select_related("sub_delivery")
    for row in rows:
        expected = {"registraties@a.example"}
        if row.sub_delivery.code == "MMYIKNL":
            expected.add("myeloom@a.example")
        assert set(row.recipients) == expected, row.sub_delivery.code
    assert send_reminders(TODAY) == 0


def test_a_reminder_that_reached_nobody_is_sent_next_time(
    operator, institution, settings, monkeypatch
):
    """Only contact persons (no contact address, no local administrator): the e-mail of
    Cataract's contact fails while Myeloma's goes out; Cataract's reminder is not lost."""
    from datahub.schedule import reminders

    settings.REMINDER_DAYS = 30
    _contact_person(operator, institution, "MMYIKNL", "myeloom@a.example")
    _contact_person(operator, institution, "CAT", "cataract@a.example")
    real = reminders.send_mail

    def refusing(subject, body, sender, to):
        if to == ["cataract@a.example"]:
            raise OSError("451 try again later")
        return real(subject, body, sender, to)

    monkeypatch.setattr(reminders, "send_mail", refusing)
    assert send_reminders(TODAY) == 1
    assert ("CAT", "TOTAAL") not in sent(ReminderKind.DUE)
    monkeypatch.undo()
    assert send_reminders(TODAY) == 1
    assert [m.to for m in mail.outbox] == [["myeloom@a.example"], ["cataract@a.example"]]
    assert "TOTAAL" in mail.outbox[1].body and "2026K2" not in mail.outbox[1].body
