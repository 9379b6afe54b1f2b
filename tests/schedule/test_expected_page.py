"""Verwacht: expected deliveries from today on, with filters on registry, sub-delivery, deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from datahub.dictionaries.models import SubDelivery
from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver

pytestmark = pytest.mark.usefixtures("registries")
URL = reverse("portal:expected")


def shown(user, query: str = "") -> list[tuple[str, str, dt.date]]:
    response = logged_in(user).get(URL + query)
    assert response.status_code == 200
    return [(e.sub_delivery.code, e.period, e.deadline) for e in response.context["page"]]


def test_every_expected_delivery_from_today_on_in_deadline_order(submitter):
    assert shown(submitter) == [
        ("MMYIKNL", "2025K4", days(0)),
        ("MMYIKNL", "2026K2", days(1)),
        ("CAT", "TOTAAL", days(30)),
        ("CAT", "TOTAAL", days(31)),
        ("CAT", "TOTAAL", dt.date(2026, 10, 10)),
        ("MMYIKNL", "2026K3", dt.date(2026, 10, 31)),
        ("MMYIKNL", "2026K4", dt.date(2027, 1, 31)),
        ("MMYIKNL", "2027K1", dt.date(2027, 5, 1)),
    ]


def test_a_delivered_expected_delivery_shows_its_delivery_date(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K2", on=days(-2))
    response = logged_in(submitter).get(URL)
    delivered = {e.period: e.delivered_on for e in response.context["page"]}
    assert delivered["2026K2"] == days(-2)
    assert delivered["2026K3"] is None


def test_filters_on_registry_sub_delivery_and_deadline(submitter):
    cat = SubDelivery.objects.get(code="CAT")
    assert {r[0] for r in shown(submitter, f"?registratie={cat.registry_id}")} == {"CAT"}
    assert {r[0] for r in shown(submitter, "?deelaanlevering=MMYIKNL")} == {"MMYIKNL"}
    assert shown(submitter, f"?van={days(30)}&tot={days(31)}") == [
        ("CAT", "TOTAAL", days(30)),
        ("CAT", "TOTAAL", days(31)),
    ]


def test_an_institution_that_stopped_is_no_longer_expected(operator, submitter, institution):
    from datahub.dictionaries import services

    services.set_participation(
        actor=operator,
        institution=institution,
        sub_delivery=SubDelivery.objects.get(code="MMYIKNL"),
        since=dt.date(2025, 10, 1),
        until=dt.date(2026, 6, 30),
    )
    assert {r[1] for r in shown(submitter, "?deelaanlevering=MMYIKNL")} == {"2025K4", "2026K2"}


def test_the_upload_link_is_pre_filled(submitter):
    page = logged_in(submitter).get(URL).content.decode()
    assert "/aanleveren/?code=MMYIKNL&amp;periode=2026K3" in page
