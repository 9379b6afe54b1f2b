"""Pseudonyms: every identifying field becomes a keyed hash (HMAC-SHA256) per processor.

A processor can link the records of one patient over time (the same patient code at the same
institution always gives the same pseudonym for that processor) but cannot recover the code
without the secret, and two processors' pseudonyms of the same patient differ. The institution's
code is part of the hashed text, because patient codes are only unique within an institution.

The secrets come from ``settings.PSEUDONYM_SECRETS`` (processor code → secret), filled from the
environment or a secret file. A development or demo installation (``DEBUG`` or ``DEMO``) without
a configured secret derives one from ``SECRET_KEY``; anywhere else forwarding to a processor
without a secret is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from django.conf import settings


class MissingSecret(Exception):
    """No pseudonym secret is configured for a processor; nothing may be forwarded to it."""


def secret_for(processor_code: str) -> bytes:
    """The processor's secret (raises :class:`MissingSecret` when not configured)."""
    secrets: Mapping[str, str] = getattr(settings, "PSEUDONYM_SECRETS", {}) or {}
    secret = secrets.get(processor_code)
    if secret:
        return secret.encode("utf-8")
    if settings.DEBUG or getattr(settings, "DEMO", False):
        return hashlib.sha256(
            b"datahub-pseudonym:" + settings.SECRET_KEY.encode() + b":" + processor_code.encode()
        ).digest()
    raise MissingSecret(
        f"no pseudonym secret configured for processor {processor_code!r} (PSEUDONYM_SECRETS)"
    )


class Pseudonymiser:
    """Turns identifying values into pseudonyms for one processor and one institution.

    Example::

        >>> p = Pseudonymiser(b"secret", "11111111")
        >>> p("P1") == p("P1") != Pseudonymiser(b"other", "11111111")("P1")
        True
        >>> p(None) is None
        True
    """

    def __init__(self, secret: bytes, institution_code: str) -> None:
        self._secret = secret
        self._prefix = institution_code.encode("utf-8") + b":"

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        message = self._prefix + value.encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
