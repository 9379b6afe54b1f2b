"""The Cataract registry delivered through the API, tokens for both institutions, helpers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from datahub.api import tokens
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method
from tests.deliveries.conftest import cat_csv, cataract  # noqa: F401  (fixture)

NAME = "11111111_0_CAT_1.4_3_20261128_PROD.csv"
UPLOAD_URL = "/api/aanleveringen"


@pytest.fixture
def api_cataract(cataract, operator, institution, other_institution) -> DictionaryVersion:  # noqa: F811
    """CAT 1.4; both institutions deliver Cataract through the API."""
    for inst in (institution, other_institution):
        services.set_method(
            actor=operator,
            institution=inst,
            registry=cataract.sub_delivery.registry,
            method=Method.API,
        )
    return cataract


@pytest.fixture
def token(local_admin, institution) -> str:
    """The secret of an active token of institution A."""
    return tokens.issue(actor=local_admin, institution=institution, name="EPD")[1]


@pytest.fixture
def other_token(outsider_admin, other_institution) -> str:
    """The secret of an active token of institution B."""
    return tokens.issue(actor=outsider_admin, institution=other_institution, name="B")[1]


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def upload(secret: str, data: bytes | None = None, name: str = NAME, **fields: Any) -> Any:
    """POST a file (``data``, default three valid records) with ``fields`` to the API."""
    body: dict[str, Any] = {"file": SimpleUploadedFile(name, cat_csv(3) if data is None else data)}
    body.update({key: value for key, value in fields.items() if value is not None})
    return Client().post(UPLOAD_URL, body, **bearer(secret))


def get(secret: str | None, url: str) -> Any:
    return Client().get(url, **(bearer(secret) if secret else {}))
