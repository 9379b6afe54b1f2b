"""The demo institutions' API tokens: fixed, published values, so the demo's API can be tried.

Only the demo loader calls this (it runs in demo mode only); the value is public, so it must
never exist in a real installation.
"""

from __future__ import annotations

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.institutions.models import Institution
from datahub.token_expiry import DEFAULT_VALIDITY, expiry

DEMO_TOKEN = "dh_demo44444444-not-a-secret-only-for-the-demo"  # noqa: S105  (public)
#: The token of the demo's eye clinic, which delivers Cataract through FHIR.
FHIR_DEMO_TOKEN = "dh_demo33333333-not-a-secret-only-for-the-demo"  # noqa: S105  (public)
DEMO_TOKEN_NAME = "Demo"  # noqa: S105


def load_demo_token(institution: Institution, value: str = DEMO_TOKEN) -> str:
    """Give ``institution`` the demo token ``value`` (again active, for a year, if revoked or
    expired); returns its value."""
    expires_at = expiry(DEFAULT_VALIDITY)
    ApiToken.objects.for_institution(institution).update_or_create(
        token_hash=tokens.hash_token(value),
        defaults={
            "name": DEMO_TOKEN_NAME,
            "prefix": value[: tokens.PREFIX_LENGTH],
            "revoked_at": None,
            "revoked_by": None,
            "expires_at": expires_at,
        },
        create_defaults={
            "institution": institution,
            "name": DEMO_TOKEN_NAME,
            "prefix": value[: tokens.PREFIX_LENGTH],
            "expires_at": expires_at,
        },
    )
    return value
