"""The processor services: only the hub's operator, one rule on whose side an account is, and
the invitations of people who never chose a password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from datahub.audit.models import Action, AuditEvent
from datahub.institutions import processors
from datahub.institutions.models import Membership, Processor, ProcessorMembership, Role
from datahub.institutions.onboarding import OnboardingError
from datahub.institutions.services import PeopleError, add_person
from tests.conftest import make_user


def _add(actor, processor, email: str) -> ProcessorMembership:
    return processors.add_processor_person(
        actor=actor, processor=processor, email=email, full_name="Nina"
    )


@pytest.mark.parametrize("persona", ["local_admin", "processor_user"])
def test_only_the_hub_operator_may_use_the_services(request, persona, processor):
    actor = request.getfixturevalue(persona)
    membership = ProcessorMembership.objects.first() or _add(
        make_user("hub2@datahub.example", is_hub_operator=True), processor, "x@iknl.example"
    )
    calls = [
        lambda: processors.add_processor(actor=actor, code="nivel", name="Nivel"),
        lambda: processors.change_processor(actor=actor, processor=processor, name="X"),
        lambda: _add(actor, processor, "nina@iknl.example"),
        lambda: processors.set_person_active(actor=actor, membership=membership, active=False),
    ]
    for call in calls:
        with pytest.raises(OnboardingError, match="Alleen de beheerder van de hub"):
            call()
    processor.refresh_from_db()
    membership.refresh_from_db()
    assert processor.name == "IKNL" and membership.is_active
    assert not Processor.objects.filter(code="nivel").exists()
    assert not get_user_model().objects.filter(email="nina@iknl.example").exists()


@pytest.mark.parametrize("code", ["", "A", "a b", "a--b", "a-", "a=b", "a,b", "é"])
def test_the_service_refuses_a_code_that_cannot_key_a_pseudonym_secret(operator, code):
    with pytest.raises(OnboardingError, match="kleine letters en cijfers"):
        processors.add_processor(actor=operator, code=code, name="X")
    assert not Processor.objects.exists()


def test_a_code_that_differs_only_in_case_is_refused(operator, processor):
    Processor.objects.filter(pk=processor.pk).update(code="IKNL")  # (made before the rule)
    with pytest.raises(OnboardingError, match="bestaat al een verwerker"):
        processors.add_processor(actor=operator, code="iknl", name="Ander")
    assert Processor.objects.count() == 1


@pytest.mark.parametrize(
    "extra", [{"is_hub_operator": True}, {"is_staff": True}, {"is_superuser": True}]
)
def test_a_hub_account_is_refused(operator, processor, extra):
    hub = make_user("hub-person@datahub.example", **extra)
    with pytest.raises(OnboardingError, match="zorginstelling of bij de hub"):
        _add(operator, processor, hub.email)
    assert not ProcessorMembership.objects.filter(user=hub).exists()


def test_an_institutions_account_is_refused_even_when_its_role_ended(
    operator, processor, submitter
):
    Membership.objects.unscoped().filter(user=submitter).update(is_active=False)
    with pytest.raises(OnboardingError, match="zorginstelling of bij de hub"):
        _add(operator, processor, submitter.email.upper())
    assert not ProcessorMembership.objects.filter(user=submitter).exists()


def test_a_processors_person_is_then_refused_by_the_institutions(
    operator, processor, local_admin, institution
):
    _add(operator, processor, "nina@iknl.example")
    with pytest.raises(PeopleError, match="kan geen rol bij een zorginstelling krijgen"):
        add_person(
            actor=local_admin,
            institution=institution,
            email="nina@iknl.example",
            full_name="Nina",
            role=Role.SUBMITTER,
        )


def test_reactivating_an_invited_person_sends_a_new_invitation(
    operator, processor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _add(operator, processor, "nina@iknl.example")
    user = membership.user
    assert not user.has_usable_password()
    first_password = user.password
    with django_capture_on_commit_callbacks(execute=True):
        processors.set_person_active(actor=operator, membership=membership, active=False)
    user.refresh_from_db()
    # the first mail's link is signed with the password it replaced: it no longer works
    assert user.password != first_password and not user.has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        processors.set_person_active(actor=operator, membership=membership, active=True)
    assert len(mail.outbox) == 2
    assert all("/accounts/password/reset/key/" in m.body for m in mail.outbox)
    assert list(
        AuditEvent.objects.filter(action=Action.CHANGE)
        .order_by("id")
        .values_list("description", flat=True)
    ) == ["nina@iknl.example: deactivated", "nina@iknl.example: activated"]


def test_setting_the_state_a_person_has_logs_nothing(operator, processor, processor_user):
    membership = ProcessorMembership.objects.get(user=processor_user)
    processors.set_person_active(actor=operator, membership=membership, active=True)
    assert not AuditEvent.objects.exists() and not mail.outbox


def test_the_list_counts_only_active_people_with_enabled_accounts(operator, processor):
    for n, (role_active, account_active) in enumerate([(True, True), (True, False), (False, True)]):
        user = make_user(f"p{n}@iknl.example", is_active=account_active)
        ProcessorMembership.objects.create(user=user, processor=processor, is_active=role_active)
    (listed,) = processors.processors_overview()
    assert listed.active_people == 1


def test_a_person_invited_elsewhere_who_never_chose_a_password_gets_an_invitation(
    operator, processor, django_capture_on_commit_callbacks
):
    """Invited at one processor and deactivated there before choosing a password (the link
    went void), then added to another: a working link, not a notice to log in as usual."""
    from django.core import mail

    from datahub.institutions.models import Processor

    with django_capture_on_commit_callbacks(execute=True):
        first = _add(operator, processor, "wisselt@example.org")
        processors.set_person_active(actor=operator, membership=first, active=False)
    other = Processor.objects.create(code="mrdm", name="MRDM")
    with django_capture_on_commit_callbacks(execute=True):
        _add(operator, other, "wisselt@example.org")
    assert mail.outbox[-1].to == ["wisselt@example.org"]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body
