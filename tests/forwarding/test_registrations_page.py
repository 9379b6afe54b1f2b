"""The hub operator registers processors per registry; institutions can only choose those."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localdate, now
from lxml import html

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding import authorisations
from datahub.forwarding.models import ProcessorRegistration
from tests.conftest import logged_in
from tests.forwarding.conftest import authorise, finished_deliveries, packages_of
from tests.html import text_of

URL = reverse("portal:processor_registrations")


def test_the_operator_registers_a_processor_for_a_registry(cataract, operator, processor):
    registry = cataract.sub_delivery.registry
    response = logged_in(operator).post(URL, {"processor": processor.pk, "registry": registry.pk})
    assert response.status_code == 302
    registration = ProcessorRegistration.objects.get()
    assert (registration.processor, registration.registry) == (processor, registry)
    assert AuditEvent.objects.filter(action=Action.CREATE, processor=processor).exists()


def test_registering_twice_is_refused_clearly(registered, operator, processor):
    response = logged_in(operator).post(URL, {"processor": processor.pk, "registry": registered.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert ProcessorRegistration.objects.filter(processor=processor).count() == 1


def _asks(response) -> bool:
    """Whether the page offers the button that withdraws."""
    return 'class="button button--danger">Intrekken</button>' in response.content.decode()


def test_the_operator_withdraws_a_registration(registered, operator, processor):
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert logged_in(operator).post(url).status_code == 302
    registration.refresh_from_db()
    assert registration.withdrawn_at is not None
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_id=str(registration.pk), actor=operator
    ).exists()


def test_withdrawing_asks_first_what_stops_and_how_many_packages_are_deleted_and_changes_nothing(
    authorised, institution, other_institution, cataract, operator, processor
):
    elsewhere = authorise(other_institution, processor, authorised.registry)
    ours = finished_deliveries(institution, cataract, 3)
    packages_of(ours[:2], authorised)  # waiting to be fetched
    packages_of(ours[2:], authorised, fetched_at=now())
    packages_of(finished_deliveries(other_institution, cataract, 1), elsewhere)
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    response = logged_in(operator).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Registratie intrekken" in page
    assert "IKNL ontvangt dan geen gegevens van Cataract meer" in page
    assert f"Geregistreerd {localdate(registration.registered_at):%d-%m-%Y}" in page
    assert "2 instellingen hebben IKNL gemachtigd voor Cataract" in page
    assert "3 pakketten die IKNL nog niet heeft opgehaald, worden verwijderd." in page
    assert _asks(response)
    registration.refresh_from_db()
    assert registration.withdrawn_at is None
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_the_list_links_to_the_question_instead_of_withdrawing_at_once(registered, operator):
    page = logged_in(operator).get(URL).content.decode()
    for registration in ProcessorRegistration.objects.all():
        url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
        assert f'<a href="{url}">Intrekken…' in page
        assert f'action="{url}"' not in page


def test_a_withdrawn_registration_is_not_offered_for_withdrawing_again(
    registered, operator, processor
):
    registration = ProcessorRegistration.objects.get(processor=processor)
    authorisations.withdraw_registration(actor=operator, registration=registration)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    response = logged_in(operator).get(url)
    assert "Deze registratie was al ingetrokken." in text_of(response)
    assert not _asks(response)


def test_an_unknown_registration_is_not_found(registered, operator):
    url = reverse("portal:processor_registration_withdraw", args=[9999])
    client = logged_in(operator)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not ProcessorRegistration.objects.filter(withdrawn_at__isnull=False).exists()


def test_withdrawing_needs_the_forms_csrf_token(registered, operator, processor):
    registration = ProcessorRegistration.objects.get(processor=processor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert client.post(url).status_code == 403
    registration.refresh_from_db()
    assert registration.withdrawn_at is None


def test_the_hub_home_links_to_the_page(operator):
    assert URL in logged_in(operator).get(reverse("portal:operator_home")).content.decode()


def test_the_page_lists_registrations(registered, operator):
    page = logged_in(operator).get(URL).content.decode()
    assert "IKNL" in page and "MRDM" in page


def _table_of(response) -> list[dict[str, str]]:
    """The rows of the page's table, each as its column headers → the cells' text."""
    table = html.fromstring(response.content).get_element_by_id("content").find(".//table")
    headers = [" ".join(th.text_content().split()) for th in table.iterfind(".//thead//th")]
    return [
        dict(zip(headers, (" ".join(td.text_content().split()) for td in tr), strict=True))
        for tr in table.iterfind(".//tbody/tr")
    ]


def test_a_processor_is_shown_by_its_name_and_its_code_is_labelled_as_the_secrets(
    registered, operator
):
    response = logged_in(operator).get(URL)
    rows = {row["Verwerker"]: row for row in _table_of(response)}
    assert set(rows) == {"IKNL", "MRDM"}
    assert rows["IKNL"]["Code voor het pseudonimiseringsgeheim"] == "iknl"
    assert rows["MRDM"]["Code voor het pseudonimiseringsgeheim"] == "mrdm"
    assert "DATAHUB_PSEUDONYM_SECRETS" in text_of(response)


def test_the_question_before_withdrawing_names_the_processor_without_its_code(
    registered, operator, processor
):
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    page = text_of(logged_in(operator).get(url))
    assert "Verwerker IKNL Kwaliteitsregistratie" in page
    assert "iknl" not in page


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user"])
def test_only_the_operator_may_register_or_withdraw(request, registered, persona, processor):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    registration.refresh_from_db()
    assert registration.withdrawn_at is None
