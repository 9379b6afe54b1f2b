"""Who may call which endpoint: no token, an unknown, revoked or expired token, another
institution's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
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


EXPIRED_NL = (
    "Het API-token is verlopen: een lokaal beheerder moet een nieuw token maken op de pagina "
    "API-tokens van het portaal."
)


@pytest.fixture
def short_lived(api_cataract, local_admin, institution) -> tuple[ApiToken, str]:
    """A token of institution A made for 90 days, and its secret."""
    return tokens.issue(actor=local_admin, institution=institution, name="EPD", valid_days=90)


def test_a_token_works_until_its_expiry_and_is_refused_from_then_on(
    short_lived, delivery_id, institution
):
    row, secret = short_lived
    url = f"/api/aanleveringen/{delivery_id}"
    with time_machine.travel(row.expires_at - dt.timedelta(seconds=1), tick=False):
        assert get(secret, url).status_code == 200
    with time_machine.travel(row.expires_at, tick=False):
        response = get(secret, url)
    assert response.status_code == 401
    assert response.json() == {"detail": EXPIRED_NL}
    assert response["WWW-Authenticate"] == 'Bearer realm="Datahub"'


def test_an_expired_token_is_audited_like_a_revoked_one(short_lived, delivery_id, institution):
    row, secret = short_lived
    with time_machine.travel(row.expires_at + dt.timedelta(days=1), tick=False):
        assert get(secret, f"/api/aanleveringen/{delivery_id}/verslag").status_code == 401
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.institution == institution
    assert event.description == f"expired API token {row.prefix!r}"
    assert event.actor_label == f"API token {row.prefix} (EPD)"
    assert secret not in event.description + str(event.detail)


def test_an_expired_tokens_refusals_are_logged_once_a_minute(short_lived, delivery_id):
    row, secret = short_lived
    later = row.expires_at + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        for _ in range(3):
            assert get(secret, f"/api/aanleveringen/{delivery_id}").status_code == 401
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 1
    with time_machine.travel(later + dt.timedelta(seconds=61), tick=False):
        assert get(secret, f"/api/aanleveringen/{delivery_id}").status_code == 401
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 2


def test_an_expired_token_says_so_in_english_on_request(short_lived, delivery_id):
    row, secret = short_lived
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(row.expires_at, tick=False):
        response = client.get(f"/api/aanleveringen/{delivery_id}", **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "The API token has expired: a local administrator must make a new token on the page "
        "API tokens of the portal."
    )


def test_uploading_with_an_expired_token_is_401_and_stores_nothing(short_lived):
    row, secret = short_lived
    with time_machine.travel(row.expires_at, tick=False):
        assert _post(bearer(secret)) == 401
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def test_a_revoked_token_past_its_expiry_is_refused_as_revoked(short_lived, local_admin):
    row, secret = short_lived
    tokens.revoke(actor=local_admin, token=row)
    with time_machine.travel(row.expires_at, tick=False):
        response = get(secret, "/api/aanleveringen/1")
    assert response.json() == {"detail": "Het API-token is onbekend of ingetrokken."}
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.description == f"revoked API token {row.prefix!r}"
