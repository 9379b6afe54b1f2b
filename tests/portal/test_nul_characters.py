"""A NUL character in an address, a query or a field is refused with a clear message (on
PostgreSQL it would otherwise end the request in an error: no text column takes one)."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from datahub.deliveries.models import UploadSession
from tests.conftest import logged_in
from tests.deliveries.conftest import cataract  # noqa: F401
from tests.deliveries.test_details_page import delivery  # noqa: F401

MESSAGE = "een teken dat niet is toegestaan (NUL)"


def _answer(client: Client, url: str) -> tuple[int, str]:
    client.raise_request_exception = False
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_pages_with_a_nul_in_the_address_or_the_query_say_so(delivery, submitter, local_admin):  # noqa: F811
    client = logged_in(submitter)
    details = reverse("portal:delivery", args=[delivery.pk])
    for url in (
        details + "?tab=verslag&code=%00",
        details + "?tab=verslag&niveau=fout&niveau=%00",
        "/data-dictionaries/CAT%00/1.4/",
        "/data-dictionaries/CAT/1.4%00/werkboek/",
    ):
        status, page = _answer(client, url)
        assert status == 400, url
        assert MESSAGE in page, url
    status, page = _answer(logged_in(local_admin), reverse("portal:audit_log") + "?page=%00")
    assert status == 400 and MESSAGE in page


def test_an_upload_with_a_nul_in_its_name_is_not_started(submitter):
    client = logged_in(submitter)
    response = client.post(
        reverse("portal:upload_start"),
        json.dumps({"file_name": "a\x00.csv", "size": 10}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert not UploadSession.objects.unscoped().exists()


def test_checking_fields_with_a_nul_answers_with_the_fields(submitter, cataract):  # noqa: F811
    client = logged_in(submitter)
    response = client.post(reverse("portal:upload_check"), {"code": "CAT\x00", "version": "1.4"})
    assert response.status_code == 200
