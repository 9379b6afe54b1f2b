"""add_person gives roles to people of hospitals, never to accounts of processors or the hub."""

from __future__ import annotations

import pytest

from datahub.institutions.models import Membership, ProcessorMembership, Role
from datahub.institutions.services import PeopleError, add_person
from tests.conftest import make_user


def _add(actor, institution, email: str) -> Membership:
    return add_person(
        actor=actor, institution=institution, email=email, full_name="x", role=Role.SUBMITTER
    )


@pytest.mark.parametrize(
    "extra", [{"is_hub_operator": True}, {"is_staff": True}, {"is_superuser": True}]
)
def test_a_hub_account_is_refused(local_admin, institution, extra):
    hub = make_user("hub-person@datahub.example", **extra)
    with pytest.raises(PeopleError):
        _add(local_admin, institution, hub.email)
    assert not Membership.objects.unscoped().filter(user=hub).exists()


def test_a_processors_account_is_refused_even_when_its_membership_ended(
    local_admin, institution, processor_user
):
    ProcessorMembership.objects.filter(user=processor_user).update(is_active=False)
    with pytest.raises(PeopleError):
        _add(local_admin, institution, processor_user.email.upper())
    assert not Membership.objects.unscoped().filter(user=processor_user).exists()


def test_a_person_of_another_hospital_may_work_here_too(local_admin, institution, outsider_admin):
    membership = _add(local_admin, institution, outsider_admin.email)
    assert membership.institution == institution and membership.user == outsider_admin
    assert Membership.objects.unscoped().filter(user=outsider_admin).count() == 2
