"""The hub operator onboards institutions: the list, adding one with its units and its first
local administrator, changing one; nobody else may."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datahub.accounts.totp import enrol_totp
from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Institution, Membership, Role, Unit
from tests.conftest import TOTP_SECRET, logged_in, make_member

NEW = {
    "name": "Ziekenhuis Nieuw",
    "agb_code": "22222222",
    "contact_email": "Registraties@Nieuw.example",
    "unit_name": "Hoofdlocatie",
    "other_units": "1 Locatie Oost\r\n\r\n7 Poli West",
    "admin_name": "Nina Nieuw",
    "admin_email": "Nina@Nieuw.example",
}


def _add(client: Client, callbacks, **changes: str):
    with callbacks(execute=True):
        return client.post(reverse("portal:institution_add"), NEW | changes)


def _nothing_created() -> bool:
    return (
        not Institution.objects.filter(agb_code=NEW["agb_code"]).exists()
        and not get_user_model().objects.filter(email="nina@nieuw.example").exists()
        and not mail.outbox
        and not AuditEvent.objects.filter(action=Action.CREATE).exists()
    )


def test_the_list_shows_each_institution_with_its_units_people_and_contact(
    operator, institution, local_admin, submitter, other_institution
):
    Membership.objects.unscoped().filter(user=submitter).update(is_active=False)
    institution.contact_email = "registratie@a.example"
    institution.save()
    page = logged_in(operator).get(reverse("portal:institutions")).content.decode()
    row = re.search(r"<tr>\s*<td>Ziekenhuis A</td>.*?</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert cells[:5] == [
        "Ziekenhuis A",
        "11111111",
        "0 – Hoofdlocatie<br>1 – Locatie Zuid",
        "1",  # Bob; Alice's role is deactivated
        "registratie@a.example",
    ]
    assert "Ziekenhuis B" in page and "44444444" in page
    assert reverse("portal:institution_add") in page
    assert "Zorginstelling toevoegen" in page


def test_the_list_needs_the_same_queries_for_many_institutions(
    operator, institution, other_institution
):
    client = logged_in(operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("portal:institutions"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(10):
        extra = Institution.objects.create(agb_code=f"333333{n:02}", name=f"Extra {n}")
        Unit.objects.create(institution=extra, number=0, name="Hoofdlocatie")
        Unit.objects.create(institution=extra, number=1, name="Oost")
        make_member(f"p{n}@extra.example", extra, Role.SUBMITTER)
    assert queries() == few


def test_the_operator_start_page_links_to_the_institutions(operator):
    page = logged_in(operator).get(reverse("portal:operator_home")).content.decode()
    assert reverse("portal:institutions") in page
    assert "Zorginstellingen" in page


def test_adding_an_institution_creates_it_with_its_units_and_invites_its_local_administrator(
    operator, django_capture_on_commit_callbacks
):
    response = _add(logged_in(operator), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("portal:institutions")
    institution = Institution.objects.get(agb_code="22222222")
    assert institution.name == "Ziekenhuis Nieuw"
    assert institution.contact_email == "registraties@nieuw.example"
    units = Unit.objects.for_institution(institution).order_by("number")
    assert [(u.number, u.name) for u in units] == [
        (0, "Hoofdlocatie"),
        (1, "Locatie Oost"),
        (7, "Poli West"),
    ]
    membership = Membership.objects.for_institution(institution).get()
    assert membership.user.email == "nina@nieuw.example"
    assert membership.user.full_name == "Nina Nieuw"
    assert membership.role == Role.LOCAL_ADMIN and membership.is_active
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@nieuw.example"]
    assert "Ziekenhuis Nieuw" in mail.outbox[0].subject


def test_the_invitation_is_sent_only_when_the_institution_is_committed(
    operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        logged_in(operator).post(reverse("portal:institution_add"), NEW)
    assert not mail.outbox
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_the_invited_local_administrator_chooses_a_password_and_manages_his_people(
    operator, django_capture_on_commit_callbacks
):
    _add(logged_in(operator), django_capture_on_commit_callbacks)
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert found is not None
    invitee = Client()
    form = invitee.get(found.group(1))
    assert form.status_code == 302
    password = "Een-heel-sterk-wachtwoord-2026"
    done = invitee.post(form["Location"], {"password1": password, "password2": password})
    assert done.status_code == 302
    admin = get_user_model().objects.get(email="nina@nieuw.example")
    assert admin.check_password(password)
    enrol_totp(admin, TOTP_SECRET)  # as at his first login
    assert logged_in(admin).get(reverse("portal:people")).status_code == 200


def test_adding_an_institution_is_in_the_audit_log_of_the_new_institution(
    operator, django_capture_on_commit_callbacks
):
    _add(logged_in(operator), django_capture_on_commit_callbacks)
    institution = Institution.objects.get(agb_code="22222222")
    events = AuditEvent.objects.filter(action=Action.CREATE).order_by("id")
    assert {e.actor for e in events} == {operator}
    assert {e.institution for e in events} == {institution}
    assert [e.object_type for e in events] == [
        "institutions.Institution",
        "institutions.Unit",
        "institutions.Unit",
        "institutions.Unit",
        "institutions.Membership",
    ]
    assert events[0].description == "institution Ziekenhuis Nieuw (22222222)"
    assert events[4].detail == {
        "email": "nina@nieuw.example",
        "role": "lokaal_beheerder",
        "new_account": True,
    }


def test_an_existing_person_becomes_local_administrator_and_is_told_so(
    operator, outsider_admin, django_capture_on_commit_callbacks
):
    _add(logged_in(operator), django_capture_on_commit_callbacks, admin_email=outsider_admin.email)
    institution = Institution.objects.get(agb_code="22222222")
    membership = Membership.objects.for_institution(institution).get()
    assert membership.user == outsider_admin and membership.role == Role.LOCAL_ADMIN
    assert outsider_admin.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agb_code": "1234567"}, "Een AGB-code bestaat uit precies 8 cijfers."),
        ({"agb_code": "1234567a"}, "Een AGB-code bestaat uit precies 8 cijfers."),
        ({"agb_code": "11111111"}, "Er bestaat al een zorginstelling met deze AGB-code."),
        ({"contact_email": "geen-adres"}, "Voer een geldig e-mailadres in."),
        ({"admin_email": "nina@"}, "Voer een geldig e-mailadres in."),
        ({"name": ""}, "Dit veld is verplicht."),
        ({"unit_name": ""}, "Dit veld is verplicht."),
        ({"other_units": "1 Oost\n1 West"}, "Onderdeelnummer 1 komt meer dan eens voor."),
        ({"other_units": "0 Nog een hoofdlocatie"}, "Onderdeelnummer 0 komt meer dan eens voor."),
        ({"other_units": "1 Oost\nZuid"}, "Regel 2: schrijf een onderdeelnummer en de naam"),
        ({"admin_email": "hub@datahub.example"}, "kan geen rol bij een zorginstelling krijgen"),
    ],
)
def test_a_refused_institution_shows_why_and_creates_nothing(
    operator, institution, django_capture_on_commit_callbacks, changes, message
):
    response = _add(logged_in(operator), django_capture_on_commit_callbacks, **changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<title>Fout:" in page
    if changes.get("agb_code") == "11111111":
        assert Institution.objects.filter(agb_code="11111111").count() == 1
        assert not AuditEvent.objects.filter(action=Action.CREATE).exists()
    else:
        assert _nothing_created()


def test_the_edit_page_changes_name_and_contact_address_and_logs_it(operator, institution):
    client = logged_in(operator)
    url = reverse("portal:institution_edit", args=[institution.pk])
    assert "Ziekenhuis A" in client.get(url).content.decode()
    response = client.post(
        url, {"form": "details", "name": "Ziekenhuis A-stad", "contact_email": "info@a.example"}
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.name, institution.contact_email) == ("Ziekenhuis A-stad", "info@a.example")
    assert institution.agb_code == "11111111"
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.actor == operator and event.institution == institution
    assert event.detail == {
        "from": {"name": "Ziekenhuis A", "contact_email": ""},
        "to": {"name": "Ziekenhuis A-stad", "contact_email": "info@a.example"},
    }


def test_an_invalid_contact_address_is_refused(operator, institution):
    url = reverse("portal:institution_edit", args=[institution.pk])
    response = logged_in(operator).post(
        url, {"form": "details", "name": "Ander", "contact_email": "niet-goed"}
    )
    assert "Voer een geldig e-mailadres in." in response.content.decode()
    institution.refresh_from_db()
    assert institution.name == "Ziekenhuis A"
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_a_unit_is_added_and_logged(operator, institution):
    url = reverse("portal:institution_edit", args=[institution.pk])
    response = logged_in(operator).post(url, {"form": "unit", "number": "5", "name": "Poli"})
    assert response.status_code == 302
    unit = Unit.objects.for_institution(institution).get(number=5)
    assert unit.name == "Poli"
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.actor == operator and event.institution == institution
    assert event.object_type == "institutions.Unit" and event.object_id == str(unit.pk)


def test_a_unit_number_the_institution_has_is_refused(operator, institution, other_institution):
    client = logged_in(operator)
    url = reverse("portal:institution_edit", args=[institution.pk])
    response = client.post(url, {"form": "unit", "number": "1", "name": "Dubbel"})
    assert "Deze zorginstelling heeft al een onderdeel met dit nummer." in response.content.decode()
    assert Unit.objects.for_institution(institution).count() == 2
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()
    # the same number at another institution is its own unit
    other = reverse("portal:institution_edit", args=[other_institution.pk])
    assert client.post(other, {"form": "unit", "number": "1", "name": "Oost"}).status_code == 302


@pytest.mark.parametrize("persona", ["local_admin", "submitter", "processor_user"])
def test_only_the_hub_operator_may_see_or_change_institutions(
    request, persona, institution, django_capture_on_commit_callbacks
):
    client = logged_in(request.getfixturevalue(persona))
    edit = reverse("portal:institution_edit", args=[institution.pk])
    for url in (reverse("portal:institutions"), reverse("portal:institution_add"), edit):
        assert client.get(url).status_code == 403
    assert _add(client, django_capture_on_commit_callbacks).status_code == 403
    details = {"form": "details", "name": "X", "contact_email": "x@x.example"}
    assert client.post(edit, details).status_code == 403
    assert client.post(edit, {"form": "unit", "number": "9", "name": "X"}).status_code == 403
    institution.refresh_from_db()
    assert institution.name == "Ziekenhuis A"
    assert not Unit.objects.for_institution(institution).filter(number=9).exists()
    assert not Institution.objects.filter(agb_code=NEW["agb_code"]).exists()
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 6
    assert not mail.outbox


def test_an_unknown_institution_is_not_found(operator):
    assert (
        logged_in(operator).get(reverse("portal:institution_edit", args=[999])).status_code == 404
    )


def test_the_error_summary_links_each_problem_to_its_field(operator, institution):
    response = logged_in(operator).post(
        reverse("portal:institution_add"), NEW | {"agb_code": "123", "admin_email": "x"}
    )
    summary = re.search(
        r'<div class="message message--error" role="alert">.*?</div>',
        response.content.decode(),
        re.S,
    )
    assert summary is not None
    assert "Er is niets opgeslagen." in summary.group(0)
    assert '<a href="#id_agb_code">AGB-code</a>: Een AGB-code bestaat uit' in summary.group(0)
    assert (
        '<a href="#id_admin_email">E-mailadres van de eerste lokaal beheerder</a>'
        in summary.group(0)
    )


def _contact_post(client: Client, institution: Institution, **data: object):
    url = reverse("portal:institution_edit", args=[institution.pk])
    return client.post(url, {"form": "contact", **data})


def test_the_operator_keeps_contact_persons_per_registry(operator, institution, other_institution):
    """The manual's "contactpersonen per registratie", kept by the hub: added for a registry
    the institution takes part in, audited, listed, and removed again."""
    from datahub.dictionaries.models import Registry, RegistryContact
    from tests.deliveries.conftest import take_part

    version = take_part(operator, [institution], "CAT_1.4.xlsx")
    registry = version.sub_delivery.registry
    foreign = Registry.objects.create(stream="Elders", name="Niet van A")
    client = logged_in(operator)
    url = reverse("portal:institution_edit", args=[institution.pk])
    page = client.get(url).content.decode()
    assert "Contactpersonen per registratie" in page and "Nog geen contactpersonen" in page
    assert f'value="{registry.pk}"' in page and f'value="{foreign.pk}"' not in page

    response = _contact_post(
        client, institution, registry=registry.pk, name="Olga Oog", email="Olga@A.example"
    )
    assert response.status_code == 302
    contact = RegistryContact.objects.for_institution(institution).get()
    assert (contact.registry, contact.email, contact.name) == (
        registry,
        "olga@a.example",
        "Olga Oog",
    )
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="dictionaries.RegistryContact")
    assert event.actor == operator and event.institution == institution
    page = client.get(url).content.decode()
    assert "olga@a.example" in page and "Olga Oog" in page

    again = _contact_post(
        client, institution, registry=registry.pk, name="O", email="olga@a.example"
    )
    assert "olga@a.example is al contactpersoon voor" in again.content.decode()
    elsewhere = _contact_post(
        client, institution, registry=foreign.pk, name="X", email="x@a.example"
    )
    assert elsewhere.status_code == 200  # not a registry of the institution: not a choice
    assert RegistryContact.objects.unscoped().count() == 1

    # another institution's page cannot remove it (its id is no contact of that institution)
    other_url = reverse("portal:institution_edit", args=[other_institution.pk])
    client.post(other_url, {"form": "remove_contact", "contact": contact.pk})
    assert RegistryContact.objects.unscoped().count() == 1
    for forged in ("", "x", "99999"):
        client.post(url, {"form": "remove_contact", "contact": forged})
    assert RegistryContact.objects.unscoped().count() == 1

    page = client.post(url, {"form": "remove_contact", "contact": contact.pk}, follow=True)
    assert "De contactpersoon is verwijderd." in page.content.decode()
    assert not RegistryContact.objects.unscoped().exists()
    assert AuditEvent.objects.filter(
        action=Action.DELETE, object_type="dictionaries.RegistryContact"
    ).exists()


def test_only_the_operator_keeps_contact_persons(local_admin, institution, operator):
    from datahub.dictionaries.models import RegistryContact
    from tests.deliveries.conftest import take_part

    registry = take_part(operator, [institution], "CAT_1.4.xlsx").sub_delivery.registry
    response = _contact_post(
        logged_in(local_admin), institution, registry=registry.pk, name="X", email="x@a.example"
    )
    assert response.status_code == 403
    assert not RegistryContact.objects.unscoped().exists()


def test_the_invitation_is_plain_text_with_the_names_as_written(
    operator, django_capture_on_commit_callbacks
):
    """Rendered as HTML it read "&#x27;s-Hertogenbosch &amp; Co": a mail with a password link
    that looks like phishing (a review)."""
    name = "Jeroen Bosch Ziekenhuis 's-Hertogenbosch & Co"
    _add(logged_in(operator), django_capture_on_commit_callbacks, name=name)
    [invitation] = mail.outbox
    assert name in invitation.subject and name in invitation.body
    assert "&amp;" not in invitation.body + invitation.subject
    assert "&#x27;" not in invitation.body + invitation.subject
