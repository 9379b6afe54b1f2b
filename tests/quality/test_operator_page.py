"""The hub operator's data quality: one row per institution, for the operator only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import logged_in
from tests.html import text_of
from tests.quality.test_dashboard_page import _rows

URL = reverse("portal:operator_quality")


def test_the_operator_sees_each_institutions_numbers(history, operator):
    response = logged_in(operator).get(URL, {"deelaanlevering": "MMYIKNL"})
    assert response.status_code == 200
    statuses = _rows(response, "Aanleveringen per zorginstelling")
    assert statuses[1] == ["Ziekenhuis A (11111111)", "3", "1", "1", "1", "0", "0", "0"]
    assert statuses[2] == ["Ziekenhuis B (44444444)", "1", "0", "0", "0", "1", "0", "0"]
    rates = _rows(response, "Fouten per record per zorginstelling")
    a, b = "Ziekenhuis A (11111111)", "Ziekenhuis B (44444444)"
    assert rates[1] == [a, "2", "30", "0", "0", "2", "0,00", "0,07", "0,0 %"]
    assert rates[2] == [b, "1", "4", "4", "1", "0", "0,25", "0,00", "100,0 %"]
    codes = _rows(response, "Meest voorkomende foutcodes")
    assert [row[0] for row in codes[1:]] == ["W020", "OUTSIDER"]
    assert "TESTONLY" not in text_of(response)


def test_the_operators_start_page_links_to_it(operator):
    assert URL in logged_in(operator).get(reverse("portal:operator_home")).content.decode()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user", "clinician"])
def test_other_roles_are_refused(request, history, persona):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL, {"deelaanlevering": "MMYIKNL"}).status_code == 403


def test_an_unknown_sub_delivery_is_not_found(history, operator):
    assert logged_in(operator).get(URL, {"deelaanlevering": "NOPE"}).status_code == 404


def test_a_sub_delivery_without_deliveries_says_so(registries, operator):
    response = logged_in(operator).get(URL, {"deelaanlevering": "CAT"})
    assert "Er zijn in deze dagen geen productieaanleveringen" in text_of(response)
