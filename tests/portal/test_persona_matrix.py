"""Every portal URL against every persona: who gets the page, who is refused, nobody sees more."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html

from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Membership
from tests.conftest import logged_in

DELIVERY_PAGES = ["overview", "delivered", "expected", "quality", "upload", "forwarding"]
ADMIN_PAGES = ["people", "person_add", "audit_log", "authorisations", "api_tokens", "api_token_add"]
OPERATOR_PAGES = [
    "operator_home",
    "dictionary_import",
    "participation",
    "processor_registrations",
    "delivery_status",
    "institutions",
    "institution_add",
    "processors",
    "processor_add",
    "operator_quality",
]
ALL_PAGES = [
    *DELIVERY_PAGES,
    "entry",
    *ADMIN_PAGES,
    *OPERATOR_PAGES,
    "processor_home",
    "dictionaries",
]

ALLOWED = {
    "submitter": {*DELIVERY_PAGES, "dictionaries"},
    "local_admin": {*DELIVERY_PAGES, *ADMIN_PAGES, "dictionaries"},
    "clinician": {"entry", "dictionaries"},
    "outsider": {*DELIVERY_PAGES, "dictionaries"},
    "processor_user": {"processor_home", "dictionaries"},
    "operator": {*OPERATOR_PAGES, "dictionaries"},
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("page", ALL_PAGES)
def test_each_persona_reaches_exactly_the_pages_of_its_role(request, persona, page):
    user = request.getfixturevalue(persona)
    response = logged_in(user).get(reverse(f"portal:{page}"))
    expected = 200 if page in ALLOWED[persona] else 403
    assert response.status_code == expected, (persona, page)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(db, page):
    response = Client().get(reverse(f"portal:{page}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_refused_page_is_in_the_audit_log(submitter):
    logged_in(submitter).get(reverse("portal:people"))
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.actor == submitter
    assert event.detail["path"] == reverse("portal:people")


def test_an_outsider_admin_cannot_open_a_person_of_another_institution_by_editing_the_id(
    local_admin, submitter, outsider_admin
):
    target = Membership.objects.unscoped().get(user=submitter)
    client = logged_in(outsider_admin)
    url = reverse("portal:person_edit", args=[target.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "deactivate"}).status_code == 404
    assert client.post(url, {"action": "role", "role": "lokaal_beheerder"}).status_code == 404
    target.refresh_from_db()
    assert target.is_active and target.role == "aanleveraar"
    assert AuditEvent.objects.filter(actor=outsider_admin, action=Action.DENIED).count() == 3


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "outsider"])
def test_the_home_page_sends_institution_people_to_the_overview(request, persona):
    response = logged_in(request.getfixturevalue(persona)).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url == reverse("portal:overview")


@pytest.mark.parametrize(
    ("persona", "target"),
    [("clinician", "entry"), ("operator", "operator_home"), ("processor_user", "processor_home")],
)
def test_the_home_page_sends_other_roles_to_their_own_page(request, persona, target):
    response = logged_in(request.getfixturevalue(persona)).get(reverse("portal:home"))
    assert response.url == reverse(f"portal:{target}")


def test_the_menu_shows_only_the_pages_of_the_role(submitter, local_admin):
    submitter_page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    admin_page = logged_in(local_admin).get(reverse("portal:overview")).content.decode()
    assert reverse("portal:people") not in submitter_page
    assert reverse("portal:people") in admin_page
    for page in DELIVERY_PAGES:
        assert reverse(f"portal:{page}") in submitter_page


def test_the_menu_starts_with_the_manuals_five_pages_in_its_order(submitter):
    page = html.fromstring(logged_in(submitter).get(reverse("portal:overview")).content)
    labels = [a.text_content().strip() for a in page.xpath("//nav//a[@href]")]
    manual = ["Overzicht", "Aangeleverd", "Verwacht", "Bestanden aanleveren", "Afnameoverzicht"]
    assert [label for label in labels if label in manual] == manual
    assert labels.index("Afnameoverzicht") < labels.index("Datakwaliteit")
