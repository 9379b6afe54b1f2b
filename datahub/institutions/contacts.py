"""Who an e-mail about an institution goes to: some of its people and its contact address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from datahub.institutions.models import Institution


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def with_contact_address(institution: Institution, people: Iterable[Any]) -> list[Recipient]:
    """``people`` (each in his own language) and the contact address, each address once."""
    found = {p.email.lower(): Recipient(p.email, p.language) for p in people}
    contact = institution.contact_email
    if contact and contact.lower() not in found:
        found[contact.lower()] = Recipient(contact, settings.LANGUAGE_CODE)
    return list(found.values())
