"""POST /api/aanleveringen with a multipart body that is not whole, or holds two files."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from datahub.deliveries.models import Delivery, StoredFile
from tests.api.conftest import NAME, UPLOAD_URL, bearer
from tests.api.test_upload_endpoint import FIELDS
from tests.deliveries.conftest import cat_csv

BOUNDARY = "grens"


def _multipart(fields: dict[str, str], data: bytes) -> bytes:
    """The body of the fields and then the file, with its closing boundary."""
    body = b""
    for name, value in fields.items():
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    body += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{NAME}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return body + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post(token: str, body: bytes) -> Any:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return Client().post(UPLOAD_URL, body, content_type=content_type, **bearer(token))


def _nothing_stored() -> bool:
    return not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_a_body_that_ends_inside_its_file_is_an_incomplete_request(api_cataract, token):
    """It was "Er is geen bestand meegestuurd" (422): the file was sent, but not all of it (a
    review)."""
    whole = _multipart(FIELDS, cat_csv(3000))
    response = _post(token, whole[: len(whole) // 2])
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Het verzoek was onvolledig: de inhoud hield op in het")
    assert body["problems"] == {"file": [body["detail"]]}
    assert _nothing_stored()
    assert _post(token, whole).status_code == 202  # the same body whole is delivered


def test_a_body_cut_off_before_its_file_says_it_may_have_been(api_cataract, token):
    whole = _multipart(FIELDS, cat_csv(3))
    response = _post(token, whole[: whole.index(b'name="file"') - 60])
    assert response.status_code == 422
    (message,) = response.json()["problems"]["file"]
    assert message.startswith("Er is geen bestand meegestuurd")
    assert "afgebroken" in message


def test_two_file_parts_are_refused_not_the_last_one_taken(api_cataract, token):
    """ninja took the last of them without a word (a review)."""
    files = [SimpleUploadedFile(NAME, cat_csv(3)), SimpleUploadedFile(NAME, cat_csv(2))]
    response = Client().post(UPLOAD_URL, {**FIELDS, "file": files}, **bearer(token))
    assert response.status_code == 400
    assert response.json()["problems"] == {
        "file": ["Stuur één bestand per aanlevering; dit verzoek bevat 2 delen “file”."]
    }
    assert _nothing_stored()
