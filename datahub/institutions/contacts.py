"""Who an e-mail about an institution goes to (some of its people, its contact address and
its contact persons per registry), and the e-mail written in each one's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation

from datahub.dictionaries.models import RegistryContact
from datahub.institutions.models import Institution


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    #: The registries (ids) this address is told about; None: every registry.
    registries: frozenset[int] | None = None

    def covers(self, registry_id: int) -> bool:
        return self.registries is None or registry_id in self.registries


def with_contact_address(
    institution: Institution, people: Iterable[Any], registries: Iterable[int] | None = ()
) -> list[Recipient]:
    """``people`` (each in his own language) and the contact address, each about every
    registry; and the contact persons of ``registries`` (None: of every registry), each about
    his own. Each address once.

    Example: a local administrator who is also the contact person of one registry is told
    about every registry, once.
    """
    found = {p.email.lower(): Recipient(p.email, p.language) for p in people}
    contact = institution.contact_email
    if contact and contact.lower() not in found:
        found[contact.lower()] = Recipient(contact, settings.LANGUAGE_CODE)
    contacts = RegistryContact.objects.for_institution(institution)
    if registries is not None:
        contacts = contacts.filter(registry__in=list(registries))
    per_address: dict[str, set[int]] = {}
    for email, registry in contacts.values_list("email", "registry").order_by("email"):
        per_address.setdefault(email.lower(), set()).add(registry)
    for email, ids in per_address.items():
        if email not in found:  # (an address told about every registry stays so)
            found[email] = Recipient(email, settings.LANGUAGE_CODE, frozenset(ids))
    return list(found.values())


def written(template: str, context: dict[str, Any], language: str | None) -> tuple[str, str]:
    """The subject (``{template}_subject.txt``) and body (``{template}.txt``) of an e-mail,
    in ``language`` (the site's language when the person has none).

    Plain text, so nothing is escaped as for HTML: ``'s-Hertogenbosch & Co`` stays so (escaped
    it read ``&#x27;s-Hertogenbosch &amp; Co``, which makes a mail with a password link look
    like phishing)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _plain_text(f"{template}_subject.txt", context).strip()
        return subject, _plain_text(f"{template}.txt", context)


def _plain_text(name: str, context: dict[str, Any]) -> str:
    template = Engine.get_default().get_template(name)
    return template.render(Context(context, autoescape=False))
