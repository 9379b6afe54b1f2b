"""The hub operator registers processors per registry; institutions can only choose those."""

from __future__ import annotations

import pytest
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding.models import ProcessorRegistration
from tests.conftest import logged_in

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


def test_the_operator_withdraws_a_registration(registered, operator, processor):
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert logged_in(operator).post(url).status_code == 302
    registration.refresh_from_db()
    assert registration.withdrawn_at is not None


def test_the_hub_home_links_to_the_page(operator):
    assert URL in logged_in(operator).get(reverse("portal:operator_home")).content.decode()


def test_the_page_lists_registrations(registered, operator):
    page = logged_in(operator).get(URL).content.decode()
    assert "IKNL" in page and "MRDM" in page


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user"])
def test_only_the_operator_may_register(request, registered, persona, processor):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    registration = ProcessorRegistration.objects.get(processor=processor)
    url = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert client.post(url).status_code == 403
    registration.refresh_from_db()
    assert registration.withdrawn_at is None
