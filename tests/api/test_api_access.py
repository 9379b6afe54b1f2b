"""Who may call which endpoint: no token, an unknown or revoked token, another institution's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Delivery, StoredFile
from tests.api.conftest import UPLOAD_URL, bearer, get, upload
from tests.deliveries.conftest import cat_csv

READ_SUFFIXES = ["", "/verslag", "/verslag.csv"]


@pytest.fixture
def delivery_id(api_cataract, token, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return int(upload(token).json()["id"])


@pytest.fixture
def revoked(token, local_admin, institution) -> str:
    row = ApiToken.objects.for_institution(institution).get()
    tokens.revoke(actor=local_admin, token=row)
    return token


def _post(headers: dict[str, str]) -> int:
    body = {"file": SimpleUploadedFile("11111111_0_CAT_1.4_3_20261128_PROD.csv", cat_csv(1))}
    return Client().post(UPLOAD_URL, body, **headers).status_code


@pytest.mark.parametrize("suffix", READ_SUFFIXES)
@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer dh_unknownunknownunknown", "Token x", "Basic YTpi"],
)
def test_reading_without_a_valid_token_is_401(delivery_id, suffix, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/api/aanleveringen/{delivery_id}{suffix}", **headers)
    assert response.status_code == 401
    detail = (
        "The API token is unknown or has been revoked."
        if header and header.startswith("Bearer")
        else "This call needs an API token: send Authorization: Bearer <token>."
    )
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == 'Bearer realm="Datahub"'


def test_uploading_without_a_valid_token_is_401_and_stores_nothing(api_cataract, revoked):
    assert _post({}) == 401
    assert _post(bearer("dh_unknownunknownunknown")) == 401
    assert _post(bearer(revoked)) == 401
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize("suffix", READ_SUFFIXES)
def test_a_revoked_token_is_401_at_once_and_the_attempt_is_audited(
    delivery_id, revoked, suffix, institution
):
    assert get(revoked, f"/api/aanleveringen/{delivery_id}{suffix}").status_code == 401
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.institution == institution
    assert "revoked" in event.description
    assert revoked not in event.description  # only the prefix is logged


@pytest.mark.parametrize("suffix", READ_SUFFIXES)
def test_another_institutions_token_gets_404_for_a_forged_id_and_is_audited(
    delivery_id, other_token, other_institution, suffix
):
    response = get(other_token, f"/api/aanleveringen/{delivery_id}{suffix}")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.institution == other_institution
    assert str(delivery_id) in event.description
    assert not AuditEvent.objects.filter(action__in=[Action.VIEW, Action.EXPORT]).exists()


def test_an_unknown_delivery_id_is_404_too(api_cataract, token):
    assert get(token, "/api/aanleveringen/999999").status_code == 404


def test_another_institutions_token_cannot_deliver_for_us(api_cataract, other_token):
    """B's token with A's fields: refused on the institution code; nothing stored for A."""
    response = upload(other_token)
    assert response.status_code == 400
    assert response.json()["problems"]["institution_code"]
    assert not Delivery.objects.unscoped().exists()


def test_a_token_records_when_it_was_last_used(delivery_id, token, institution):
    row = ApiToken.objects.for_institution(institution).get()
    row.last_used_at = None
    row.save()
    get(token, f"/api/aanleveringen/{delivery_id}")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_the_api_works_with_a_session_cookie_absent_and_csrf_is_not_required(api_cataract, token):
    client = Client(enforce_csrf_checks=True)
    body = {"file": SimpleUploadedFile("11111111_0_CAT_1.4_3_20261128_PROD.csv", cat_csv(1))}
    assert client.post(UPLOAD_URL, body, **bearer(token)).status_code == 202


def test_a_revoked_token_is_logged_even_after_made_up_ones_from_the_same_address(
    delivery_id, revoked, institution
):
    """Behind a proxy every client has one address: the per-address limit on logging made-up
    tokens must not hide the use of a revoked one."""
    assert get("dh_typo12345", f"/api/aanleveringen/{delivery_id}").status_code == 401
    assert get(revoked, f"/api/aanleveringen/{delivery_id}").status_code == 401
    assert get(revoked, f"/api/aanleveringen/{delivery_id}").status_code == 401
    events = AuditEvent.objects.filter(action=Action.DENIED)
    assert [e.institution for e in events.order_by("id")] == [None, institution]
