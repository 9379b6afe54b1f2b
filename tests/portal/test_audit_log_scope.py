"""An institution's audit log shows its own events and its people's account events, nothing else.

A local administrator must not be able to read another organisation's log by giving one of its
people a role: accounts of processors and of the hub cannot get one, and a person who also works
at another hospital shows only his account events (logins and the like) from the moment he got
his role here, and only while it is active.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from datahub.accounts.totp import code_for_secret
from datahub.audit.models import Action, AuditEvent
from datahub.audit.services import record
from datahub.institutions.audit_log import events_of
from datahub.institutions.models import Membership, Role
from tests.conftest import PASSWORD, TOTP_SECRET, logged_in


def _log(admin) -> list[AuditEvent]:
    response = logged_in(admin).get(reverse("portal:audit_log"))
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def _add(admin, email: str):
    return logged_in(admin).post(
        reverse("portal:person_add"), {"email": email, "full_name": "x", "role": Role.CLINICIAN}
    )


def test_a_processors_or_the_hubs_account_cannot_be_given_a_role(
    local_admin, institution, processor_user, operator
):
    for account in (processor_user, operator):
        response = _add(local_admin, account.email)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert not Membership.objects.unscoped().filter(user=account).exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE, institution=institution).exists()


def test_adding_people_does_not_open_other_organisations_logs(
    clock, local_admin, institution, other_institution, processor_user, operator, outsider_admin
):
    with clock(1):
        # The processor makes an API token; the operator logs in and is refused a page; the
        # other hospital's administrator logs in and reads his own institution's log.
        processor_client = logged_in(processor_user)
        response = processor_client.post(reverse("portal:processor_home"), {"name": "leaky"})
        assert response.status_code == 200
        assert AuditEvent.objects.filter(actor=processor_user, action=Action.CREATE).exists()
        assert logged_in(operator).get(reverse("portal:audit_log")).status_code == 403
        assert logged_in(outsider_admin).get(reverse("portal:audit_log")).status_code == 200
    with clock(2):
        for account in (processor_user, operator, outsider_admin):
            _add(local_admin, account.email)
    with clock(3):
        logged_in(outsider_admin)  # a login after he got a role here
        logged_in(operator)
        processor_client.post(reverse("portal:processor_home"), {"name": "later"})
    with clock(4):
        events = _log(local_admin)
        page = logged_in(local_admin).get(reverse("portal:audit_log")).content.decode()

    # A person of another hospital may work here too; his role here is created.
    assert Membership.objects.for_institution(institution).filter(user=outsider_admin).exists()
    assert not any(e.actor_id in {processor_user.pk, operator.pk} for e in events)
    assert not any(e.institution_id == other_institution.pk for e in events)
    assert not any(e.processor_id is not None for e in events)
    assert "API token" not in page and "leaky" not in page
    joined = Membership.objects.for_institution(institution).get(user=outsider_admin).created_at
    theirs = [e for e in events if e.actor_id == outsider_admin.pk]
    assert [e.action for e in theirs] == [Action.LOGIN]
    assert theirs[0].timestamp > joined


def test_accounts_of_a_processor_or_the_hub_with_a_role_anyway_stay_out_of_the_log(
    clock, local_admin, institution, processor_user, operator
):
    """Roles given before add_person refused such accounts do not open their logs either."""
    with clock(1):
        for account in (processor_user, operator):
            Membership.objects.create(user=account, institution=institution, role=Role.CLINICIAN)
    with clock(2):
        logged_in(processor_user).post(reverse("portal:processor_home"), {"name": "leaky"})
        logged_in(operator).get(reverse("portal:operator_home"))
    with clock(3):
        events = _log(local_admin)
    assert not any(e.actor_id in {processor_user.pk, operator.pk} for e in events)


def _log_in_through_the_pages(email: str, password: str = PASSWORD) -> Client:
    client = Client()
    client.post(reverse("account_login"), {"login": email, "password": password})
    if password == PASSWORD:
        code = code_for_secret(TOTP_SECRET, int(timezone.now().timestamp()))
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    return client


def test_a_members_own_logins_and_failed_logins_show(clock, local_admin, submitter):
    with clock(1):
        _log_in_through_the_pages(submitter.email)
    with clock(2):
        _log_in_through_the_pages(submitter.email, "not-the-password")
    with clock(3):
        events = _log(local_admin)
    mine = [e.action for e in events if e.actor_id == submitter.pk]
    assert mine == [Action.LOGIN_FAILED, Action.LOGIN]
    assert any(e.actor_id == local_admin.pk and e.action == Action.VIEW for e in events)


def test_account_events_show_only_while_the_role_is_active(clock, local_admin, submitter):
    membership = Membership.objects.unscoped().get(user=submitter)
    edit = reverse("portal:person_edit", args=[membership.pk])
    with clock(1):
        _log_in_through_the_pages(submitter.email, "first")
    with clock(2):
        logged_in(local_admin).post(edit, {"action": "deactivate"})
    with clock(3):
        _log_in_through_the_pages(submitter.email, "while-away")
    with clock(4):
        logged_in(local_admin).post(edit, {"action": "activate"})
    with clock(5):
        _log_in_through_the_pages(submitter.email, "back")
    with clock(6):
        events = _log(local_admin)
    first, away, back = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("timestamp")
    shown = [e.pk for e in events if e.action == Action.LOGIN_FAILED]
    assert shown == [back.pk, first.pk]
    assert away.pk not in shown


def test_account_events_of_an_inactive_role_stop_when_it_was_deactivated(
    clock, local_admin, submitter
):
    membership = Membership.objects.unscoped().get(user=submitter)
    with clock(1):
        _log_in_through_the_pages(submitter.email)
    with clock(2):
        logged_in(local_admin).post(
            reverse("portal:person_edit", args=[membership.pk]), {"action": "deactivate"}
        )
    with clock(3):
        _log_in_through_the_pages(submitter.email, "after-leaving")
    with clock(4):
        events = _log(local_admin)
    assert [e.action for e in events if e.actor_id == submitter.pk] == [Action.LOGIN]


def test_an_inactive_role_whose_deactivation_is_not_in_the_log_shows_no_account_events(
    clock, local_admin, submitter
):
    with clock(1):
        record(Action.LOGIN, actor=submitter, institution=None)
    Membership.objects.unscoped().filter(user=submitter).update(is_active=False)
    with clock(2):
        events = _log(local_admin)
    assert not any(e.actor_id == submitter.pk for e in events)


def test_the_institutions_events_and_its_peoples_account_events_are_paged_together(
    clock, local_admin, submitter, institution
):
    for n in range(1, 31):  # after the fixtures gave the roles
        with clock(n):
            record(Action.CHANGE, actor=local_admin, institution=institution, description=f"c{n}")
            record(Action.LOGIN, actor=submitter, institution=None, description=f"l{n}")
    pages = Paginator(events_of(institution), 25)
    shown = [e.description for n in pages.page_range for e in pages.page(n)]
    assert pages.count == 60
    assert shown == [f"{kind}{n}" for n in range(30, 0, -1) for kind in ("l", "c")]
