"""POST /api/aanleveringen: a sequence number the database cannot hold is a 422 naming the field;
a failure after the file was stored leaves nothing behind; other calls' bad input is no refusal.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from datahub.deliveries.models import Delivery, StoredFile
from tests.api.conftest import NAME, UPLOAD_URL, bearer, upload
from tests.api.test_upload_endpoint import FIELDS
from tests.deliveries.conftest import cat_csv

REFUSED = "De aanlevering is geweigerd; er is niets opgeslagen."


@pytest.mark.parametrize("number", ["99999999999999999999", "2147483648"])
def test_a_sequence_number_too_large_to_store_is_a_422_on_that_field(api_cataract, token, number):
    response = upload(token, **(FIELDS | {"sequence_number": number}))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == REFUSED
    assert body["problems"] == {
        "sequence_number": ["Het volgnummer mag hoogstens 2147483647 zijn."]
    }
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def test_the_highest_storable_sequence_number_is_accepted(api_cataract, token):
    response = upload(token, name="export.csv", **(FIELDS | {"sequence_number": "2147483647"}))
    assert response.status_code == 202, response.content
    assert response.json()["sequence_number"] == 2147483647


def test_a_failure_after_the_file_was_stored_leaves_nothing_behind(
    api_cataract, token, monkeypatch
):
    from datahub.deliveries import files, intake

    names: list[str] = []
    original = files.store

    def noting(*args: Any, **kwargs: Any) -> Any:
        stored = original(*args, **kwargs)
        names.append(stored.storage_name)
        return stored

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(files, "store", noting)
    monkeypatch.setattr(intake.Delivery.objects, "create", broken)
    body = {"file": SimpleUploadedFile(NAME, cat_csv(3)), **FIELDS}
    response = Client(raise_request_exception=False).post(UPLOAD_URL, body, **bearer(token))
    assert response.status_code == 500
    assert len(names) == 1
    assert not default_storage.exists(names[0])
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def test_a_bad_parameter_of_another_call_is_named_and_not_called_a_refused_delivery(
    api_cataract, token
):
    response = Client().get("/api/aanleveringen/abc", **bearer(token))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "De parameters van het verzoek zijn ongeldig: delivery_id."
    assert list(body["problems"]) == ["delivery_id"]


def test_a_full_disk_leaves_no_bytes_behind_and_the_answer_is_json(
    api_cataract, token, monkeypatch
):
    """The answer was the portal's HTML error page (docs/api.md promises JSON), and the part of
    the encrypted file written before the disk was full stayed for a day (a reliability
    review)."""
    from django.core.files.storage import FileSystemStorage

    written: list[str] = []
    original = FileSystemStorage._save

    def disk_full(self, name, content):
        saved = original(self, name, type(content)(iter_part(content)))
        written.append(saved)
        raise OSError(28, "No space left on device")

    def iter_part(content):
        import io

        return io.BytesIO(content.read(100))

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    body = {"file": SimpleUploadedFile(NAME, cat_csv(3)), **FIELDS}
    response = Client(raise_request_exception=False).post(UPLOAD_URL, body, **bearer(token))
    assert response.status_code == 503  # the hub's failure, worth a retry later
    assert response.json()["problems"] == {
        "file": [
            "De hub kon het bestand nu niet opslaan; er is niets aangeleverd. Probeer het over "
            "enkele minuten opnieuw; blijft het misgaan, neem dan contact op met de Servicedesk "
            "van DHD."
        ]
    }
    assert len(written) == 1 and not default_storage.exists(written[0])
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def _multipart(parts: list[tuple[str, str, bytes]], boundary: str = "b0undary") -> bytes:
    body = b""
    for headers, _name, content in parts:
        body += f"--{boundary}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(
            "multipart/form-data; boundary=b0undary",
            _multipart(
                [
                    (
                        'Content-Disposition: form-data; name="file"; filename="'
                        + "A" * 1000
                        + '.csv"\r\nContent-Type: text/csv',
                        "file",
                        b"x",
                    )
                ]
            ),
            id="a file part's name of 1,000 characters",
        ),
        pytest.param(
            "multipart/form-data; boundary=b0undary",
            _multipart(
                [('Content-Disposition: form-data; name="unit"\r\nX-Long: ' + "y" * 2000, "", b"0")]
            ),
            id="a part's header of 2,000 bytes",
        ),
        pytest.param("multipart/form-data", b"garbage", id="multipart without a boundary"),
        pytest.param(
            "application/x-www-form-urlencoded",
            "&".join(f"f{i}=1" for i in range(1200)).encode(),
            id="1,200 fields",
        ),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_a_body_that_cannot_be_read_is_a_400_and_stores_nothing(
    api_cataract, token, content_type, body, debug, settings
):
    """Not a 500 that tells the sender's system to try again later: the request is wrong."""
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    response = client.post(UPLOAD_URL, body, content_type=content_type, **bearer(token))
    assert response.status_code == 400, response.content
    assert "kon niet worden gelezen" in response.json()["detail"]
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        f"11111111_{'9' * 5000}_CAT_1.4_1_20261128_PROD.csv",
        f"11111111_0_CAT_1.4_{'9' * 5000}_20261128_PROD.csv",
        f"11111111_0_CAT_1.4_{'9' * 5000}_20261131_PROD.csv",
        "A" * 20000 + ".csv",
    ],
)
def test_a_file_name_far_too_long_is_refused_as_too_long(api_cataract, token, name):
    """Its numbers were converted before its length was checked: a 500 (a security review)."""
    response = upload(token, **(FIELDS | {"file_name": name}))
    assert response.status_code == 400, response.content
    assert response.json()["problems"]["file"] == [
        "De bestandsnaam mag hoogstens 255 tekens lang zijn."
    ]
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def test_a_maximum_below_a_megabyte_is_named_in_kilobytes(api_cataract, token, settings):
    """It was "groter dan het maximum van 0 MB" (a review)."""
    settings.MAX_UPLOAD_BYTES = 512 * 1024
    response = upload(token, data=cat_csv(1) + b"\n" * (600 * 1024), **FIELDS)
    assert response.status_code == 413
    assert response.json()["problems"] == {
        "file": ["Het bestand is groter dan het maximum van 512 KB."]
    }
