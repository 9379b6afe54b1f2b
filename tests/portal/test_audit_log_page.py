"""The local administrator reads his institution's log; its viewing is logged too."""

from __future__ import annotations

from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.audit.services import record
from tests.conftest import logged_in


def test_the_log_shows_the_institutions_events_and_its_peoples_logins(
    local_admin, submitter, institution, other_institution, outsider
):
    record(Action.CHANGE, actor=local_admin, institution=institution, description="ours")
    record(Action.CHANGE, actor=outsider, institution=other_institution, description="theirs")
    record(Action.LOGIN, actor=submitter, institution=None)
    record(Action.LOGIN, actor=outsider, institution=None, description="outsider-login")
    page = logged_in(local_admin).get(reverse("portal:audit_log")).content.decode()
    assert "ours" in page
    assert "theirs" not in page
    assert submitter.email in page
    assert "outsider-login" not in page


def test_viewing_the_log_is_logged(local_admin, institution):
    logged_in(local_admin).get(reverse("portal:audit_log"))
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert event.institution == institution
    assert event.description == "audit log"


def test_the_log_can_be_filtered_by_action(local_admin, institution):
    record(Action.EXPORT, actor=local_admin, institution=institution, description="an-export")
    record(Action.CHANGE, actor=local_admin, institution=institution, description="a-change")
    page = logged_in(local_admin).get(reverse("portal:audit_log"), {"action": "export"})
    text = page.content.decode()
    assert "an-export" in text and "a-change" not in text


def test_the_log_is_paged(local_admin, institution):
    for n in range(60):
        record(Action.CHANGE, actor=local_admin, institution=institution, description=f"e{n}")
    client = logged_in(local_admin)
    first = client.get(reverse("portal:audit_log")).content.decode()
    assert "Pagina 1 van 2" in first
    second = client.get(reverse("portal:audit_log"), {"page": 2}).content.decode()
    assert "e0<" in second


def test_the_object_is_named_in_the_readers_language(local_admin, institution, submitter):
    from datahub.institutions.models import Membership

    membership = Membership.objects.for_institution(institution).get(user=submitter)
    record(Action.CHANGE, actor=local_admin, institution=institution, obj=membership)
    client = logged_in(local_admin)
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"Lidmaatschap {membership.pk}" in page
    assert "institutions.Membership" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"Membership {membership.pk}" in page
