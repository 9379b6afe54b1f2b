"""Bestanden aanleveren: input the database cannot hold, and odd requests, get a message, not a
500, and a refused delivery leaves nothing behind, whatever went wrong after the file was stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from datahub.deliveries.models import Channel, Delivery, StoredFile
from tests.conftest import logged_in
from tests.deliveries.conftest import cat_csv
from tests.deliveries.test_upload_page import FIELDS, NAME

HUGE = "99999999999999999999"
TOO_HIGH = "Het volgnummer mag hoogstens 2147483647 zijn."


@pytest.fixture
def stored_names(monkeypatch) -> list[str]:
    """The storage names of every file the intake stores during the test."""
    from datahub.deliveries import files, uploads

    names: list[str] = []

    def noting(original: Any) -> Any:
        def store(*args: Any, **kwargs: Any) -> Any:
            stored = original(*args, **kwargs)
            names.append(stored.storage_name)
            return stored

        return store

    monkeypatch.setattr(files, "store", noting(files.store))
    monkeypatch.setattr(uploads, "finish", noting(uploads.finish))
    return names


def _left_behind(names: list[str]) -> list[str]:
    return [name for name in names if default_storage.exists(name)]


def _chunked(client, data: bytes) -> str:
    start = client.post(
        reverse("portal:upload_start"),
        json.dumps({"file_name": NAME, "size": len(data)}),
        content_type="application/json",
    ).json()
    url = reverse("portal:upload_chunk", args=[start["id"]])
    response = client.post(url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert response.json()["received"] == len(data)
    return start["id"]


@pytest.mark.parametrize("number", [HUGE, "2147483648"])
def test_a_sequence_number_too_large_to_store_is_a_form_error(
    cataract, submitter, stored_names, number
):
    client = logged_in(submitter)
    fields = dict(FIELDS, file_name="", sequence_number=number)
    response = client.post(
        reverse("portal:upload"), dict(fields, file=SimpleUploadedFile("x.csv", cat_csv(1)))
    )
    assert response.status_code == 400
    assert TOO_HIGH in response.content.decode()
    check = client.post(reverse("portal:upload_check"), fields)
    assert TOO_HIGH in check.content.decode()
    upload_id = _chunked(client, cat_csv(1))
    submitted = client.post(reverse("portal:upload_submit"), dict(fields, upload_id=upload_id))
    assert submitted.status_code == 400
    assert TOO_HIGH in submitted.content.decode()
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()
    assert stored_names == []


def test_the_highest_storable_sequence_number_is_accepted(cataract, submitter):
    fields = dict(FIELDS, file_name="", sequence_number="2147483647")
    response = logged_in(submitter).post(
        reverse("portal:upload"), dict(fields, file=SimpleUploadedFile("x.csv", cat_csv(1)))
    )
    assert response.status_code == 200, response.content.decode()
    assert Delivery.objects.unscoped().get().sequence_number == 2147483647


@pytest.mark.parametrize(
    ("broken_step", "chunked"),
    [("_take_sequence", False), ("_take_sequence", True), ("record", False)],
    ids=["sequence, one request", "sequence, in chunks", "audit record"],
)
def test_a_failure_after_the_file_was_stored_leaves_nothing_behind(
    cataract, submitter, monkeypatch, stored_names, broken_step, chunked
):
    from datahub.deliveries import intake

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"{broken_step} failed")

    monkeypatch.setattr(intake, broken_step, broken)
    client = logged_in(submitter)
    client.raise_request_exception = False
    if chunked:
        upload_id = _chunked(client, cat_csv(2))
        response = client.post(reverse("portal:upload_submit"), dict(FIELDS, upload_id=upload_id))
    else:
        response = client.post(
            reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(2)))
        )
    assert response.status_code == 500
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()
    assert len(stored_names) == 1
    assert _left_behind(stored_names) == []


@pytest.mark.parametrize("file_name", ["a" * 252 + ".csv", "bad\x00name.csv"], ids=["long", "NUL"])
def test_a_file_name_the_form_refuses_is_shown(cataract, submitter, file_name):
    client = logged_in(submitter)
    data = dict(FIELDS, file_name=file_name, file=SimpleUploadedFile("x.csv", cat_csv(1)))
    response = client.post(reverse("portal:upload"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "De bestandsnaam" in page
    assert not Delivery.objects.unscoped().exists()
    check = client.post(reverse("portal:upload_check"), dict(FIELDS, file_name=file_name))
    assert "De bestandsnaam" in check.content.decode()


@pytest.mark.parametrize(
    "body",
    ["[1,2]", '"x"', "3", "null", '{"size": 1e400}', "{", '{"file_name": {"a": 1}, "size": 5}'],
)
def test_starting_an_upload_with_a_body_that_is_no_object_is_a_bad_request(
    cataract, submitter, body
):
    client = logged_in(submitter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("portal:upload_start"), body, content_type="application/json")
    assert response.status_code == 400
    # A message for the person, in his language (it is shown on the page as it is).
    assert response.json() == {
        "error": "The upload could not be started. Reload the page and choose the file again."
    }


@pytest.mark.parametrize("offset", ["abc", "-1", "", "+0", "1e3", "\u0661", "9" * 5000])
def test_a_chunk_with_an_offset_that_is_no_number_is_a_bad_request(cataract, submitter, offset):
    client = logged_in(submitter)
    start = client.post(
        reverse("portal:upload_start"),
        json.dumps({"file_name": NAME, "size": 10}),
        content_type="application/json",
    ).json()
    url = reverse("portal:upload_chunk", args=[start["id"]])
    response = client.post(
        url, b"0123456789", content_type="application/octet-stream", HTTP_X_OFFSET=offset
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "De header X-Offset van het deel is geen aantal bytes."
    assert "int()" not in body["error"]
    assert body["received"] == 0


def test_the_intake_itself_refuses_a_sequence_number_too_large_to_store(cataract, institution):
    from datahub.deliveries import intake
    from tests.deliveries.conftest import TODAY, metadata

    meta = metadata(file_name="export.csv", sequence_number=intake.MAX_SEQUENCE + 1)
    with translation.override("nl"):  # outside a request: not whatever language a test left
        result = intake.check(meta, institution, Channel.PORTAL, today=TODAY)
    assert result.problems == {"sequence_number": [TOO_HIGH]}


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 40
NOT_CSV = "De extensie .csv past niet bij de inhoud (een PDF-bestand)"


@pytest.mark.parametrize("chunked", [False, True], ids=["one request", "in chunks"])
def test_a_file_whose_content_contradicts_its_extension_is_refused_before_taking_a_number(
    cataract, submitter, stored_names, chunked
):
    """A PDF named .csv was taken in, used up its sequence number and was then rejected
    (T05): the right file could not be delivered with that number (spec §4: the extension
    must match the content; a reliability and a product review)."""
    client = logged_in(submitter)
    if chunked:
        upload_id = _chunked(client, PDF)
        response = client.post(reverse("portal:upload_submit"), dict(FIELDS, upload_id=upload_id))
    else:
        response = client.post(
            reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, PDF))
        )
    assert response.status_code == 400
    assert NOT_CSV in response.content.decode()
    assert not Delivery.objects.unscoped().exists()
    assert stored_names == []
    response = client.post(
        reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(2)))
    )
    assert response.status_code == 200, response.content.decode()
    assert Delivery.objects.unscoped().get().sequence_number == 3


def test_a_refused_chunked_delivery_keeps_its_upload_for_corrected_fields(cataract, submitter):
    """The upload was forgotten before the delivery was registered: a refusal there (another
    tab took the sequence number) made the person send the whole file again."""
    from datahub.deliveries.models import UploadSession

    client = logged_in(submitter)
    client.post(reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(1))))
    upload_id = _chunked(client, cat_csv(2))
    by_hand = dict(FIELDS, file_name="cataract_export.csv", upload_id=upload_id)
    refused = client.post(reverse("portal:upload_submit"), by_hand)
    assert refused.status_code == 400
    assert "Het volgnummer moet hoger zijn dan 3" in refused.content.decode()
    accepted = client.post(reverse("portal:upload_submit"), dict(by_hand, sequence_number="4"))
    assert accepted.status_code == 200, accepted.content.decode()
    delivery = Delivery.objects.unscoped().get(sequence_number=4)
    assert delivery.file.size == len(cat_csv(2))
    assert not UploadSession.objects.unscoped().exists()  # taken in: the session is gone


def test_unfinished_uploads_cannot_fill_the_disk(cataract, submitter, local_admin, monkeypatch):
    """Thirty sessions of a declared 1 GB each were all accepted and each could grow to its
    size; nothing removed them for a day (a security review)."""
    from datahub.deliveries import uploads
    from datahub.deliveries.models import UploadSession

    def start(client, size: int = 1000):
        body = json.dumps({"file_name": NAME, "size": size})
        return client.post(reverse("portal:upload_start"), body, content_type="application/json")

    client = logged_in(submitter)
    first = start(client).json()["id"]
    client.post(
        reverse("portal:upload_chunk", args=[first]),
        b"x" * 10,
        content_type="application/octet-stream",
        HTTP_X_OFFSET="0",
    )
    for _ in range(uploads.SESSIONS_PER_PERSON):
        assert start(client).status_code == 200
    kept = UploadSession.objects.unscoped().filter(user=submitter)
    assert kept.count() == uploads.SESSIONS_PER_PERSON
    assert not kept.filter(pk=first).exists()  # the least recently used went, with its part
    assert not (settings.VAR_DIR / "uploads" / f"{first}.part").exists()

    monkeypatch.setattr(uploads, "INSTITUTION_FILES", 1)
    size = settings.MAX_UPLOAD_BYTES - uploads.SESSIONS_PER_PERSON * 1000
    assert start(logged_in(local_admin), size).status_code == 200
    refused = start(logged_in(local_admin), 1)
    assert refused.status_code == 400
    assert "te veel onvoltooide uploads" in refused.json()["error"]


def _start(client, size: int):
    return client.post(
        reverse("portal:upload_start"),
        json.dumps({"file_name": NAME, "size": size}),
        content_type="application/json",
    )


def _failing_disk(monkeypatch, what: str) -> None:
    """The uploads folder (``what`` = "start") or a part file (``what`` = "chunk") cannot be
    written, as on a full or read-only disk (root ignores file modes, so the write fails)."""
    from datahub.deliveries import uploads

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    if what == "start":
        monkeypatch.setattr(uploads.Path, "write_bytes", refuse)
    else:
        monkeypatch.setattr(uploads, "_write_chunk", refuse)


def test_a_disk_fault_when_an_upload_starts_says_so_and_keeps_no_session(
    cataract, submitter, monkeypatch
):
    from datahub.deliveries.models import UploadSession

    client = logged_in(submitter)
    parts = Path(settings.VAR_DIR) / "uploads"
    before = set(parts.glob("*.part"))
    _failing_disk(monkeypatch, "start")
    response = _start(client, 10)
    assert response.status_code == 503
    assert "kon het bestand nu niet opslaan" in response.json()["error"]
    assert not UploadSession.objects.unscoped().exists()
    assert set(parts.glob("*.part")) == before


def test_a_disk_fault_while_a_chunk_is_written_can_be_sent_again(cataract, submitter, monkeypatch):
    from datahub.deliveries import uploads

    data = cat_csv(2)
    client = logged_in(submitter)
    url = reverse("portal:upload_chunk", args=[_start(client, len(data)).json()["id"]])
    write = uploads._write_chunk
    _failing_disk(monkeypatch, "chunk")
    response = client.post(url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert response.status_code == 503
    assert response.json()["received"] == 0
    assert "kon het bestand nu niet opslaan" in response.json()["error"]
    monkeypatch.setattr(uploads, "_write_chunk", write)  # the disk is back
    response = client.post(url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert response.status_code == 200 and response.json()["received"] == len(data)


def test_an_upload_whose_part_file_is_gone_is_dropped_with_a_clear_message(cataract, submitter):
    from datahub.deliveries.models import UploadSession

    data = cat_csv(2)
    client = logged_in(submitter)
    session_id = _start(client, len(data)).json()["id"]
    (Path(settings.VAR_DIR) / "uploads" / f"{session_id}.part").unlink()
    url = reverse("portal:upload_chunk", args=[session_id])
    response = client.post(url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert response.status_code == 410
    assert "Kies het bestand nog eens" in response.json()["error"]
    assert not UploadSession.objects.unscoped().exists()


def test_an_uploads_folder_that_is_gone_is_a_storage_failure_not_a_lost_upload(cataract, submitter):
    """A volume that is not mounted: the session is kept for when it is back (it was dropped
    as if its part had been removed)."""
    from datahub.deliveries.models import UploadSession

    data = cat_csv(2)
    client = logged_in(submitter)
    session_id = _start(client, len(data)).json()["id"]
    folder = Path(settings.VAR_DIR) / "uploads"
    away = folder.with_name("uploads-unmounted")
    folder.rename(away)
    try:
        url = reverse("portal:upload_chunk", args=[session_id])
        response = client.post(
            url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0"
        )
    finally:
        away.rename(folder)
    assert response.status_code == 503
    assert UploadSession.objects.unscoped().filter(pk=session_id).exists()
    response = client.post(url, data, content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert response.status_code == 200 and response.json()["received"] == len(data)
