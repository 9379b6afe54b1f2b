"""The processor API refuses bad query parameters with a 422 that names them, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.forwarding.conftest import API, bearer

REFUSED_DELIVERY = "De aanlevering is geweigerd"


@pytest.fixture
def api(processor, token_of) -> Client:
    return Client(**bearer(token_of(processor)))


@pytest.mark.parametrize(
    "since",
    ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_a_since_at_the_end_of_the_calendar_is_refused_with_a_message(api, since):
    response = api.get(f"{API}/packages", {"since": since})
    assert response.status_code == 422
    body = response.json()
    assert "since" in body["detail"]
    assert REFUSED_DELIVERY not in body["detail"]
    assert body["problems"]["since"] == [
        "Deze datum en tijd liggen buiten het bereik dat de Datahub aankan."
    ]


def test_a_since_well_inside_the_calendar_is_accepted(api):
    for since in ("2001-01-01", "9999-12-31T23:59:59", "0001-01-02T00:00:00+14:00"):
        response = api.get(f"{API}/packages", {"since": since})
        assert response.status_code == 200, since
        assert response.json() == []


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        ("/packages", {"since": "notadate"}, "since"),
        ("/packages", {"after": "laatste"}, "after"),
        ("/packages", {"after": "-1"}, "after"),
        ("/packages", {"after": str(2**63)}, "after"),
        ("/packages/1/download", {"format": "xml"}, "format"),
        ("/packages/abc", {}, "package_id"),
        ("/packages", {"offset": "1000"}, "offset"),  # a way of paging the call does not have
    ],
)
def test_a_bad_parameter_is_named_and_not_called_a_refused_delivery(api, url, params, name):
    response = api.get(API + url, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == f"De parameters van het verzoek zijn ongeldig: {name}."
    assert REFUSED_DELIVERY not in response.content.decode()
    assert list(body["problems"]) == [name]


def test_an_unknown_parameter_is_refused_naming_those_the_call_takes(api):
    response = api.get(f"{API}/packages", {"after": "0", "page": "2", "limit": "10"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "De parameters van het verzoek zijn ongeldig: limit, page."
    expected = ["Deze aanroep kent deze parameter niet; hij kent: registry, after, since."]
    assert body["problems"] == {"limit": expected, "page": expected}
