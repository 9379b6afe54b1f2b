"""Aangeleverd with dates at the ends of the calendar: the filter holds, the page does not break."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver

pytestmark = pytest.mark.usefixtures("registries")
URL = reverse("portal:delivered")


@pytest.fixture
def two_deliveries(institution):
    return [
        deliver(institution, "CAT", "TOTAAL", on=days(-3)).pk,
        deliver(institution, "MMYIKNL", "2026K1", on=days(-10)).pk,
    ]


@pytest.mark.parametrize(
    "query",
    ["?tot=9999-12-31", "?van=0001-01-01", "?van=0001-01-01&tot=9999-12-31", "?tot=31-12-9999"],
)
def test_the_first_and_last_days_of_the_calendar_filter_nothing_out(
    submitter, two_deliveries, query
):
    response = logged_in(submitter).get(URL + query)
    assert response.status_code == 200
    assert [d.pk for d, _deadline in response.context["rows"]] == two_deliveries


def test_the_ends_of_the_calendar_still_exclude_what_lies_outside(submitter, two_deliveries):
    for query in ("?van=9999-12-31", "?tot=0001-01-01"):
        response = logged_in(submitter).get(URL + query)
        assert response.status_code == 200
        assert list(response.context["rows"]) == []
