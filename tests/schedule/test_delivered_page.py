"""Aangeleverd: filters in the URL, the most-recent toggle, pagination, deadlines, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datahub.deliveries.models import Channel, Status
from datahub.dictionaries.models import SubDelivery
from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver

pytestmark = pytest.mark.usefixtures("registries")
URL = reverse("portal:delivered")


def shown(user, query: str = "") -> list[int]:
    response = logged_in(user).get(URL + query)
    assert response.status_code == 200
    return [d.pk for d, _deadline in response.context["rows"]]


@pytest.fixture
def history(institution, other_institution):
    return {
        "old_rejected": deliver(institution, "MMYIKNL", "2026K1", on=days(-20), status="afgekeurd"),
        "new_ok": deliver(institution, "MMYIKNL", "2026K1", on=days(-10)),
        "test": deliver(institution, "MMYIKNL", "2026K1", on=days(-5), is_test=True),
        "cat_errors": deliver(
            institution, "CAT", "TOTAAL", on=days(-3), status=Status.ERRORS, channel=Channel.API
        ),
        "theirs": deliver(other_institution, "CAT", "TOTAAL", on=days(-1)),
    }


def test_every_delivery_of_the_institution_newest_first(submitter, history):
    h = history
    assert shown(submitter) == [
        h["cat_errors"].pk,
        h["test"].pk,
        h["new_ok"].pk,
        h["old_rejected"].pk,
    ]


def test_the_filters_combine_and_stay_in_the_url(submitter, history):
    cat = SubDelivery.objects.get(code="CAT")
    assert shown(submitter, f"?registratie={cat.registry_id}") == [history["cat_errors"].pk]
    assert shown(submitter, "?deelaanlevering=MMYIKNL&status=afgekeurd") == [
        history["old_rejected"].pk
    ]
    assert shown(submitter, "?kanaal=API") == [history["cat_errors"].pk]
    assert shown(submitter, f"?van={days(-10)}&tot={days(-5)}") == [
        history["test"].pk,
        history["new_ok"].pk,
    ]
    response = logged_in(submitter).get(URL + "?kanaal=API")
    assert response.context["form"]["kanaal"].value() == "API"  # the form shows the choice


def test_only_the_most_recent_keeps_the_latest_production_and_test_delivery_per_period(
    submitter, history
):
    h = history
    assert shown(submitter, "?recent=on") == [h["cat_errors"].pk, h["test"].pk, h["new_ok"].pk]
    assert shown(submitter, "?recent=on&status=afgekeurd") == []


def test_a_bad_filter_value_filters_nothing(submitter, history):
    assert len(shown(submitter, "?van=morgen&status=onzin")) == 4


def test_clear_selection_links_to_the_page_without_filters(submitter, history):
    page = logged_in(submitter).get(URL + "?kanaal=API").content.decode()
    assert f'href="{URL}"' in page


def test_each_row_shows_its_deadline_and_links_to_details_and_upload(submitter, history):
    response = logged_in(submitter).get(URL)
    rows = dict(response.context["rows"])
    assert rows[history["new_ok"]] == dt.date(2026, 5, 1)
    assert rows[history["cat_errors"]] == days(30)  # TOTAAL: the next deadline
    page = response.content.decode()
    upload = reverse("portal:upload") + "?code=MMYIKNL&amp;periode=2026K1&amp;onderdeel=0"
    assert f'href="{upload}"' in page
    assert reverse("portal:delivery", args=[history["new_ok"].pk]) in page
    assert "01-05-2026" in page


def test_pagination_keeps_the_filters(submitter, institution):
    for n in range(30):
        deliver(institution, "MMYIKNL", f"2020M{n % 12 + 1:02d}", on=days(-n))
    client = logged_in(submitter)
    first = client.get(URL + "?deelaanlevering=MMYIKNL")
    assert len(first.context["rows"]) == 25
    assert "deelaanlevering=MMYIKNL&amp;page=2" in first.content.decode()
    second = client.get(URL + "?deelaanlevering=MMYIKNL&page=2")
    assert len(second.context["rows"]) == 5


def test_the_number_of_queries_does_not_grow_with_the_deliveries(
    submitter, institution, django_assert_max_num_queries
):
    client = logged_in(submitter)
    client.get(URL)
    deliver(institution, "CAT", "TOTAAL", on=days(-1))
    with CaptureQueriesContext(connection) as few:
        client.get(URL + "?recent=on")
    for n in range(60):
        deliver(institution, "MMYIKNL", f"2020M{n % 12 + 1:02d}", on=days(-n), status="afgekeurd")
        deliver(institution, "CAT", "TOTAAL", on=days(-n), is_test=bool(n % 2))
    with CaptureQueriesContext(connection) as many:
        client.get(URL + "?recent=on")
    assert len(many) == len(few)
    with django_assert_max_num_queries(12):
        client.get(URL + "?page=2")


def test_most_recent_hides_a_test_delivery_older_than_the_latest_production_delivery(
    submitter, institution
):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-40), is_test=True)
    old_test = deliver(
        institution, "MMYIKNL", "2026K1", on=days(-30), is_test=True, status=Status.REJECTED
    )
    production = deliver(institution, "MMYIKNL", "2026K1", on=days(-20))
    assert old_test.pk not in shown(submitter, "?recent=on")
    assert shown(submitter, "?recent=on") == [production.pk]
    newer_test = deliver(institution, "MMYIKNL", "2026K1", on=days(-10), is_test=True)
    assert shown(submitter, "?recent=on") == [newer_test.pk, production.pk]
    only_tests = deliver(institution, "CAT", "TOTAAL", on=days(-2), is_test=True)
    deliver(institution, "CAT", "TOTAAL", on=days(-3), is_test=True)
    assert shown(submitter, "?recent=on") == [only_tests.pk, newer_test.pk, production.pk]
    assert shown(submitter, "?recent=on&status=afgekeurd") == []  # the old test is superseded


def test_most_recent_keeps_the_latest_delivery_of_each_unit(submitter, institution):
    """Each unit delivers on its own: unit 1's newer delivery does not hide unit 0's."""
    unit_0 = deliver(institution, "MMYIKNL", "2026K1", on=days(-20), status=Status.REJECTED)
    unit_1 = deliver(institution, "MMYIKNL", "2026K1", on=days(-10), unit=1)
    assert shown(submitter, "?recent=on") == [unit_1.pk, unit_0.pk]
    assert shown(submitter, "?recent=on&status=afgekeurd") == [unit_0.pk]
    page = logged_in(submitter).get(URL + "?recent=on").content.decode()
    assert page.count("(instellingsonderdeel 1)</td>") == 1  # the rows can be told apart
    again = deliver(institution, "MMYIKNL", "2026K1", on=days(-5))
    assert shown(submitter, "?recent=on") == [again.pk, unit_1.pk]


@pytest.mark.parametrize("page", ["portal:delivered", "portal:expected"])
def test_a_filter_value_that_is_no_date_says_so_at_its_field(submitter, page):
    response = logged_in(submitter).get(reverse(page), {"van": "2026-13-01"})
    assert response.status_code == 200
    assert "Voer een geldige datum in." in response.content.decode()


@pytest.mark.parametrize("page", ["portal:delivered", "portal:expected"])
def test_a_range_ending_before_it_starts_says_so_at_its_field(submitter, history, page):
    """It showed "no deliveries for this selection" without a word why (a walkthrough review)."""
    response = logged_in(submitter).get(reverse(page), {"van": days(-1), "tot": days(-10)})
    form = response.context["form"]
    assert form.errors == {"tot": ["De einddatum ligt voor de begindatum."]}
    assert "De einddatum ligt voor de begindatum." in response.content.decode()
    if page == "portal:delivered":  # "tot" filters nothing; "van" still does
        assert shown(submitter, f"?van={days(-1)}&tot={days(-10)}") == []
        assert shown(submitter, f"?van={days(-4)}&tot={days(-10)}") == [history["cat_errors"].pk]


def test_a_sub_delivery_of_another_registry_than_the_one_chosen_says_so(submitter, history):
    cat = SubDelivery.objects.get(code="CAT")
    query = f"?registratie={cat.registry_id}&deelaanlevering=MMYIKNL"
    response = logged_in(submitter).get(URL + query)
    assert response.context["form"].errors == {
        "deelaanlevering": ["Deze deelaanlevering hoort niet bij de gekozen kwaliteitsregistratie."]
    }
    assert shown(submitter, query) == [history["cat_errors"].pk]  # the registry still filters
