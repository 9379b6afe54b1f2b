"""Who may open the schedule pages, and that nobody sees another institution's deliveries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Status
from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver

pytestmark = pytest.mark.usefixtures("registries")
PAGES = [
    reverse("portal:overview"),
    reverse("portal:overview_table", args=["afgekeurd"]),
    reverse("portal:delivered"),
    reverse("portal:expected"),
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["clinician", "processor_user", "operator"])
def test_people_without_a_delivery_role_are_refused_and_logged(request, persona, url):
    user = request.getfixturevalue(persona)
    assert logged_in(user).get(url).status_code == 403
    assert AuditEvent.objects.filter(actor=user, action=Action.DENIED).exists()


@pytest.mark.parametrize("url", PAGES)
def test_an_outsider_sees_none_of_our_deliveries(outsider, institution, url):
    ours = deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.REJECTED)
    page = logged_in(outsider).get(url + "?recent=on").content.decode()
    assert reverse("portal:delivery", args=[ours.pk]) not in page
    assert ours.file_name not in page


@pytest.mark.parametrize("url", PAGES)
def test_a_local_administrator_sees_the_pages_too(local_admin, url):
    assert logged_in(local_admin).get(url).status_code == 200


def test_an_outsider_following_our_details_link_gets_not_found_and_is_logged(outsider, institution):
    ours = deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.REJECTED)
    assert logged_in(outsider).get(reverse("portal:delivery", args=[ours.pk])).status_code == 404
    assert AuditEvent.objects.filter(actor=outsider, action=Action.DENIED).exists()
