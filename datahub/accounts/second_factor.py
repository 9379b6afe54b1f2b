"""Resetting a person's second factor, for a lost or new phone: his authenticator app and
recovery codes are removed, and at his next login, after his password, he sets up the app
again (``RequireSecondFactorMiddleware``). His password and his sessions stay as they are."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled


def has_second_factor(user: Any) -> bool:
    return bool(is_mfa_enabled(user))


def remove_second_factor(user: Any) -> bool:
    """Remove every authenticator of ``user`` (the app and the recovery codes); whether he had
    one."""
    removed, _per_model = Authenticator.objects.filter(user=user).delete()
    return removed > 0
