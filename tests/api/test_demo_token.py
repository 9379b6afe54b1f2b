"""The demo institution's fixed API token."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from datahub.api.demo import DEMO_TOKEN, load_demo_token
from datahub.api.models import ApiToken
from tests.api.conftest import get


def test_the_demo_token_is_loaded_once_and_works(institution):
    assert load_demo_token(institution) == DEMO_TOKEN
    ApiToken.objects.for_institution(institution).update(revoked_at="2026-01-01T00:00Z")
    assert load_demo_token(institution) == DEMO_TOKEN
    row = ApiToken.objects.for_institution(institution).get()
    assert row.is_active
    assert row.token_hash != DEMO_TOKEN
    assert get(DEMO_TOKEN, "/api/aanleveringen/1").status_code == 404


def test_loading_the_demo_again_renews_an_expired_demo_token(institution):
    load_demo_token(institution)
    ApiToken.objects.for_institution(institution).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert get(DEMO_TOKEN, "/api/aanleveringen/1").status_code == 401
    load_demo_token(institution)
    assert ApiToken.objects.for_institution(institution).get().is_active
    assert get(DEMO_TOKEN, "/api/aanleveringen/1").status_code == 404
