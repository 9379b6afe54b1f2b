"""Who an e-mail about an institution goes to (some of its people and its contact address),
and the e-mail written in each one's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

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


def written(template: str, context: dict[str, Any], language: str | None) -> tuple[str, str]:
    """The subject (``{template}_subject.txt``) and body (``{template}.txt``) of an e-mail,
    in ``language`` (the site's language when the person has none)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        return subject, render_to_string(f"{template}.txt", context)
