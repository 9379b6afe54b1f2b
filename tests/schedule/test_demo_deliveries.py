"""The demo deliveries: every table of every page shows something; loading twice adds nothing."""

from __future__ import annotations

import collections
import time

import pytest
from django.urls import reverse

from datahub.deliveries.models import Delivery, Status
from datahub.demo.deliveries import load_deliveries
from datahub.demo.dictionaries import load_dictionaries, load_participation
from datahub.demo.people import load_operator, load_people
from datahub.institutions.models import Institution, Membership, Role
from tests.conftest import logged_in


@pytest.fixture(autouse=True)
def _today():
    """The demo is made relative to the real today, so this module does not travel in time."""
    return


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_people()
        operator = load_operator()
        load_dictionaries(operator)
        load_participation(operator)
        started = time.monotonic()
        created = load_deliveries(operator)
        elapsed = time.monotonic() - started
    yield created, elapsed
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_the_demo_deliveries_show_in_every_table_of_every_page(demo):
    created, elapsed = demo
    print(f"demo deliveries of {len(created)} institutions in {elapsed:.1f}s")
    for institution in Institution.objects.filter(agb_code__in=["11111111", "44444444"]):
        statuses = collections.Counter(
            Delivery.objects.for_institution(institution).values_list("status", flat=True)
        )
        assert {Status.PROCESSED, Status.WARNINGS, Status.ERRORS, Status.REJECTED} <= set(statuses)
        member = Membership.objects.for_institution(institution).filter(role=Role.SUBMITTER).first()
        client = logged_in(member.user)
        overview = client.get(reverse("portal:overview"))
        for table in overview.context["tables"]:
            assert table["total"] > 0, (institution.agb_code, table["name"])
        assert len(client.get(reverse("portal:delivered")).context["rows"]) == 25
        assert len(client.get(reverse("portal:expected")).context["page"].object_list) > 0


@pytest.mark.django_db
def test_loading_the_demo_deliveries_again_adds_nothing(demo):
    from datahub.demo.people import load_operator

    assert load_deliveries(load_operator()) == []
