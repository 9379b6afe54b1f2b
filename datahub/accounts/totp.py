"""TOTP helpers for the demo: a fixed secret so a newcomer can log in, and its current code."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

#: The demo users' TOTP secret (base32), as printed in the README. Never used outside demo mode.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


def enrol_totp(user: Any, secret: str) -> None:
    """Give ``user`` a TOTP authenticator with ``secret`` and recovery codes (idempotent)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    RecoveryCodes.activate(user)


def current_code(user: Any, at: float) -> str | None:
    """The TOTP code of ``user`` at unix time ``at`` (None when he has no TOTP)."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = decrypt(authenticator.data["secret"])
    return code_for_secret(secret, at)


def code_for_secret(secret: str, at: float, period: int = 30) -> str:
    return format_hotp_value(hotp_value(secret, int(at) // period))
