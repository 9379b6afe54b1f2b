"""The local administrator's authorisations: authorise a registered processor, revoke."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from datahub.audit.models import Action, AuditEvent
from datahub.dictionaries.models import Registry
from datahub.forwarding import authorisations
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.models import Authorisation, ProcessorRegistration
from datahub.institutions.models import Processor
from tests.conftest import logged_in
from tests.forwarding.conftest import finished_deliveries, packages_of
from tests.html import text_of

URL = reverse("portal:authorisations")


def _asks(response) -> bool:
    """Whether the page offers the button that revokes."""
    return 'class="button button--danger">Intrekken</button>' in response.content.decode()


def _registration(processor) -> ProcessorRegistration:
    return authorisations.registrations().get(processor=processor)


def test_a_local_administrator_authorises_a_registered_processor(
    registered, institution, local_admin, processor
):
    start = timezone.localdate() + dt.timedelta(days=2)
    response = logged_in(local_admin).post(
        URL, {"registration": _registration(processor).pk, "valid_from": start.isoformat()}
    )
    assert response.status_code == 302
    authorisation = Authorisation.objects.for_institution(institution).get()
    assert authorisation.processor == processor
    assert authorisation.valid_from == start
    event = AuditEvent.objects.get(
        action=Action.CREATE,
        object_type="forwarding.Authorisation",
        object_id=str(authorisation.pk),
    )
    assert event.actor == local_admin and event.processor == processor


def test_the_page_lists_current_and_revoked_authorisations(authorised, local_admin):
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    page = logged_in(local_admin).get(URL).content.decode()
    assert "IKNL" in page
    assert "Ingetrokken" in page or "Revoked" in page


def test_only_processors_registered_for_the_registry_can_be_chosen(
    registered, local_admin, operator, processor
):
    unregistered = Processor.objects.create(code="other", name="Andere verwerker")
    registration = _registration(processor)
    authorisations.withdraw_registration(actor=operator, registration=registration)
    page = logged_in(local_admin).get(URL).content.decode()
    assert "Andere verwerker" not in page
    assert f'<option value="{registration.pk}"' not in page
    assert unregistered.name not in page


def test_a_forged_registration_id_is_refused_and_nothing_changes(
    registered, institution, local_admin
):
    response = logged_in(local_admin).post(URL, {"registration": 9999, "valid_from": "2026-12-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["registration"]
    assert not Authorisation.objects.for_institution(institution).exists()


def test_a_registry_the_institution_does_not_take_part_in_is_refused(
    registered, institution, processor
):
    elsewhere = Registry.objects.create(stream="Heup", name="Heupregistratie")
    with override("en"), pytest.raises(ForwardingError, match="does not take part"):
        authorisations.authorise(
            actor=None,
            institution=institution,
            registry=elsewhere,
            processor=processor,
            valid_from=dt.date(2026, 1, 1),
        )
    assert not Authorisation.objects.for_institution(institution).exists()


def test_an_organisation_not_registered_as_processor_for_the_registry_is_refused(
    registered, institution
):
    stranger = Processor.objects.create(code="stranger", name="Stranger")
    with override("en"), pytest.raises(ForwardingError, match="not a processor registered"):
        authorisations.authorise(
            actor=None,
            institution=institution,
            registry=registered,
            processor=stranger,
            valid_from=dt.date(2026, 1, 1),
        )


def test_authorising_twice_is_refused_clearly(authorised, local_admin, processor):
    response = logged_in(local_admin).post(
        URL, {"registration": _registration(processor).pk, "valid_from": "2026-12-01"}
    )
    assert "already authorised" in str(response.context["form"].non_field_errors()) or (
        "al gemachtigd" in str(response.context["form"].non_field_errors())
    )


def test_revoking_stops_the_authorisation_and_is_audited(authorised, local_admin):
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    assert logged_in(local_admin).post(url).status_code == 302
    authorised.refresh_from_db()
    assert authorised.revoked_at is not None and authorised.revoked_by == local_admin
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_id=str(authorised.pk), actor=local_admin
    ).exists()


def test_revoking_asks_first_what_stops_and_how_many_packages_are_deleted_and_changes_nothing(
    authorised, institution, cataract, local_admin
):
    deliveries = finished_deliveries(institution, cataract, 4)
    now = timezone.now()
    packages_of(deliveries[:2], authorised)  # waiting to be fetched
    packages_of(deliveries[2:3], authorised, fetched_at=now)
    packages_of(deliveries[3:], authorised, expired_at=now)
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    response = logged_in(local_admin).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Machtiging intrekken" in page
    assert "IKNL ontvangt dan geen gegevens van uw instelling voor Cataract meer" in page
    assert "Gemachtigd vanaf 01-01-2020" in page
    assert "2 pakketten die IKNL nog niet heeft opgehaald, worden verwijderd." in page
    assert _asks(response)
    authorised.refresh_from_db()
    assert authorised.revoked_at is None
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_the_list_links_to_the_question_instead_of_revoking_at_once(authorised, local_admin):
    page = logged_in(local_admin).get(URL).content.decode()
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    assert f'<a href="{url}">Intrekken…' in page
    assert f'action="{url}"' not in page


def test_a_revoked_authorisation_is_not_offered_for_revoking_again(authorised, local_admin):
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    client = logged_in(local_admin)
    response = client.get(url)
    assert "Deze machtiging was al ingetrokken." in text_of(response)
    assert not _asks(response)
    response = client.post(url, follow=True)
    assert "Deze machtiging was al ingetrokken." in text_of(response)
    assert AuditEvent.objects.filter(action=Action.CHANGE).count() == 1


def test_revoking_needs_the_forms_csrf_token(authorised, local_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(local_admin)
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    assert client.post(url).status_code == 403
    authorised.refresh_from_db()
    assert authorised.revoked_at is None


def test_an_outsider_admin_cannot_revoke_another_institutions_authorisation(
    authorised, outsider_admin
):
    url = reverse("portal:authorisation_revoke", args=[authorised.pk])
    client = logged_in(outsider_admin)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    authorised.refresh_from_db()
    assert authorised.revoked_at is None
    assert AuditEvent.objects.filter(actor=outsider_admin, action=Action.DENIED).count() == 2


def test_an_outsider_admin_does_not_see_this_institutions_authorisations(
    authorised, outsider_admin
):
    page = logged_in(outsider_admin).get(URL).content.decode()
    assert reverse("portal:authorisation_revoke", args=[authorised.pk]) not in page
    assert "01-01-2020" not in page


@pytest.mark.parametrize("persona", ["submitter", "clinician", "processor_user", "operator"])
def test_people_without_the_local_administrator_role_are_refused(request, authorised, persona):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    revoke = reverse("portal:authorisation_revoke", args=[authorised.pk])
    assert client.get(revoke).status_code == 403
    assert client.post(revoke).status_code == 403
    authorised.refresh_from_db()
    assert authorised.revoked_at is None


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, "kan niet in het verleden liggen"), (5 * 366 + 1, "te ver in de toekomst")],
)
def test_a_start_date_in_the_past_or_far_ahead_is_refused(
    registered, institution, local_admin, processor, days, message
):
    """A start in the past showed earlier deliveries as authorised while none went there."""
    start = timezone.localdate() + dt.timedelta(days=days)
    response = logged_in(local_admin).post(
        URL, {"registration": _registration(processor).pk, "valid_from": start.isoformat()}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Authorisation.objects.for_institution(institution).exists()
