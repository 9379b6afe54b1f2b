"""What every portal page needs: the menu for the person's role and his institutions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

import datahub
from datahub.institutions.models import DELIVERY_ROLES, ProcessorMembership, Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    current: bool


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"portal": SimpleLazyObject(lambda: _portal(request))}


def _portal(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"menu": [], "memberships": [], "processor": None, "version": datahub.__version__}
    memberships = list(user.memberships.filter(is_active=True).select_related("institution"))
    processor_membership = (
        ProcessorMembership.objects.filter(user=user, is_active=True)
        .select_related("processor")
        .first()
    )
    processor = processor_membership.processor if processor_membership else None
    return {
        "menu": _menu(request, processor is not None),
        "memberships": memberships,
        "processor": processor,
        "version": datahub.__version__,
    }


def _menu(request: HttpRequest, is_processor: bool) -> list[MenuItem]:
    current = request.resolver_match.url_name if request.resolver_match else None
    membership = getattr(request, "membership", None)
    entries: list[tuple[str, str]] = []
    if membership is not None and membership.role in DELIVERY_ROLES:
        entries += [
            ("overview", _("Overview")),
            ("delivered", _("Delivered")),
            ("expected", _("Expected")),
            ("upload", _("Deliver files")),
            ("forwarding", _("Data recipients")),
            # after the manual's five (product spec, section 6)
            ("quality", _("Data quality")),
            ("dictionaries", _("Data dictionaries")),
        ]
    if membership is not None and membership.role == Role.CLINICIAN:
        # Only where a registry of the institution is delivered through the entry portal
        from datahub.deliveries.entry import has_entry

        if has_entry(membership.institution):
            entries.append(("entry", _("Enter records")))
    if membership is not None and membership.role == Role.LOCAL_ADMIN:
        entries += [("people", _("Users")), ("audit_log", _("Audit log"))]
        entries.append(("api_tokens", _("API tokens")))
    if getattr(request.user, "is_hub_operator", False):
        entries += [
            ("operator_home", _("Hub management")),
            ("dictionaries", _("Data dictionaries")),
        ]
    if is_processor:
        entries.append(("processor_home", _("Processor")))
    unique = dict(entries)  # a person with several roles sees each page once
    return [
        MenuItem(label, reverse(f"portal:{name}"), current == name or _is_sub(current, name))
        for name, label in unique.items()
    ]


# Pages that belong under a menu item with another name.
_UNDER = {
    "people": ("person_",),
    "api_tokens": ("api_token_",),
    "dictionaries": ("dictionary",),
    "operator_home": (
        "participation",
        "processor_registration",
        "processors",
        "processor_add",
        "processor_edit",
        "delivery_status",
        "institution",
        "operator_quality",
    ),
    "forwarding": ("authorisation",),
    "overview": ("overview_",),
    "upload": ("upload_",),
    "delivered": ("delivery",),
    "entry": ("entry_",),
}


def _is_sub(current: str | None, name: str) -> bool:
    return current is not None and current.startswith(_UNDER.get(name, ()))
