"""Every refusal speaks the hub's language: invalid input per field (not pydantic's English),
a call without a usable token (401), another institution's delivery id (404).

The hub answers in Dutch unless the language cookie chooses English (the API, like the portal,
ignores Accept-Language); the English answers are the message ids, so these tests hold before
and after the Dutch is added.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.conftest import NAME, UPLOAD_URL, bearer, get, upload
from tests.api.test_upload_endpoint import FIELDS
from tests.deliveries.conftest import cat_csv

NOT_A_WHOLE_NUMBER = "This is not a whole number."
NOT_A_DATE = "This is not a date; give it as yyyy-mm-dd, e.g. 2026-11-28."
NOT_TRUE_OR_FALSE = "Fill in true or false."
NO_FILE = (
    "No file was sent: send it in the multipart part “file” (if it was sent, the request's "
    "body was cut off before it: send it again)."
)
NOT_OURS = "There is no delivery with this id for your institution."
NO_TOKEN = "This call needs an API token: send Authorization: Bearer <token>."
REFUSED_TOKEN_NL = "Het API-token is onbekend of ingetrokken."


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _post(client: Client, secret: str, fields: dict[str, str], file: bool = True) -> Any:
    body: dict[str, Any] = dict(fields)
    if file:
        body["file"] = SimpleUploadedFile(NAME, cat_csv(1))
    return client.post(UPLOAD_URL, body, **bearer(secret))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit", "nul", NOT_A_WHOLE_NUMBER),
        ("sequence_number", "drie", NOT_A_WHOLE_NUMBER),
        ("creation_date", "gisteren", NOT_A_DATE),
        ("creation_date", "2026-02-30", NOT_A_DATE),
        ("creation_date", "2026-11-28T10:00", NOT_A_DATE),
        ("is_test", "misschien", NOT_TRUE_OR_FALSE),
    ],
)
def test_an_unreadable_field_gets_the_hubs_message(api_cataract, token, field, value, message):
    response = _post(english(), token, FIELDS | {field: value})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The delivery was refused; nothing was stored.",
        "problems": {field: [message]},
    }


def test_a_missing_file_part_gets_the_hubs_message(api_cataract, token):
    response = _post(english(), token, FIELDS, file=False)
    assert response.status_code == 422
    assert response.json()["problems"] == {"file": [NO_FILE]}


def test_an_unreadable_id_gets_the_hubs_message(api_cataract, token):
    response = english().get("/api/aanleveringen/abc", **bearer(token))
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The request's parameters are invalid: delivery_id.",
        "problems": {"delivery_id": [NOT_A_WHOLE_NUMBER]},
    }


def test_no_message_in_dutch_is_pydantics_english(api_cataract, token):
    response = _post(Client(), token, FIELDS | {"unit": "nul", "is_test": "misschien"}, False)
    problems = response.json()["problems"]
    assert set(problems) == {"unit", "is_test", "file"}
    messages = [m for ms in problems.values() for m in ms]
    messages += get(token, "/api/aanleveringen/abc").json()["problems"]["delivery_id"]
    for message in messages:
        assert "Input should" not in message
        assert "Field required" not in message


def test_our_own_validation_messages_are_kept(api_cataract, token):
    response = upload(token, **(FIELDS | {"sequence_number": "2147483648"}))
    assert response.json()["problems"] == {
        "sequence_number": ["Het volgnummer mag hoogstens 2147483647 zijn."]
    }


@pytest.fixture
def delivery_id(api_cataract, token) -> int:
    return int(upload(token).json()["id"])


@pytest.mark.parametrize("suffix", ["", "/verslag", "/verslag.csv"])
def test_another_institutions_id_is_a_404_in_the_hubs_words(delivery_id, other_token, suffix):
    response = english().get(f"/api/aanleveringen/{delivery_id}{suffix}", **bearer(other_token))
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_OURS}
    response = get(other_token, f"/api/aanleveringen/{delivery_id}{suffix}")
    assert response.status_code == 404
    assert "Not Found" not in response.json()["detail"]


@pytest.mark.parametrize("suffix", ["", "/verslag", "/verslag.csv"])
def test_an_unknown_token_is_a_401_in_the_hubs_words(delivery_id, suffix):
    url = f"/api/aanleveringen/{delivery_id}{suffix}"
    response = Client().get(url, **bearer("dh_unknownunknownunknown"))
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSED_TOKEN_NL}
    assert response["WWW-Authenticate"].startswith("Bearer")
    response = english().get(url)
    assert response.status_code == 401
    assert response.json() == {"detail": NO_TOKEN}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_upload_with_an_unknown_token_is_a_401_in_the_hubs_words(api_cataract):
    response = _post(Client(), "dh_unknownunknownunknown", FIELDS)
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSED_TOKEN_NL}


def test_what_django_refuses_before_the_api_is_reached_is_json_in_dutch_too(token):
    response = get(token, "/api/bestaat-niet/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Deze API-aanroep bestaat niet; zie /api/docs."}
    response = Client().delete(UPLOAD_URL, **bearer(token))  # the deliveries: GET and POST
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "POST" in response.json()["detail"]
    response = Client().post(
        UPLOAD_URL, b"--x\r\n", content_type="multipart/form-data", **bearer(token)
    )  # no boundary: the body cannot be read
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert Client().get("/api/docs").status_code == 200  # the docs page stays HTML
