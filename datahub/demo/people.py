"""Demo institutions, processors and one person per role, all with the same known second factor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from datahub.accounts.totp import DEMO_TOTP_SECRET, enrol_totp
from datahub.institutions.models import (
    Institution,
    Membership,
    Processor,
    ProcessorMembership,
    Role,
    Unit,
)

DEMO_PASSWORD = "datahub-demo-2026"  # noqa: S105  (printed in the README; demo mode only)

INSTITUTIONS = [
    ("11111111", "Ziekenhuis Noorderlicht", [(0, "Hoofdlocatie"), (1, "Locatie Zuid")]),
    ("44444444", "Medisch Centrum Zuiderzee", [(0, "Hoofdlocatie"), (1, "Buitenpoli")]),
    # An eye clinic whose own system delivers Cataract through FHIR (an institution delivers a
    # registry one way; the other two deliver Cataract otherwise, and MMY provides for no FHIR).
    ("33333333", "Oogkliniek Oosterschelde", [(0, "Hoofdlocatie")]),
]
PROCESSORS = [("iknl", "IKNL"), ("mrdm", "MRDM")]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    description: str


def _people() -> list[tuple[str, str, str, str | None, str | None]]:
    """(email, name, description, institution code, role) — role None: see processor/operator."""
    return [
        (
            "aanleveraar@noorderlicht.example",
            "Anna Aanleveraar",
            "aanleveraar, 11111111",
            "11111111",
            Role.SUBMITTER,
        ),
        (
            "beheerder@noorderlicht.example",
            "Bart Beheerder",
            "lokaal beheerder, 11111111",
            "11111111",
            Role.LOCAL_ADMIN,
        ),
        ("arts@noorderlicht.example", "Carla Arts", "arts, 11111111", "11111111", Role.CLINICIAN),
        (
            "aanleveraar@zuiderzee.example",
            "Dirk Aanleveraar",
            "aanleveraar, 44444444",
            "44444444",
            Role.SUBMITTER,
        ),
        (
            "beheerder@zuiderzee.example",
            "Eva Beheerder",
            "lokaal beheerder, 44444444",
            "44444444",
            Role.LOCAL_ADMIN,
        ),
        ("arts@zuiderzee.example", "Femke Arts", "arts, 44444444", "44444444", Role.CLINICIAN),
        (
            "beheerder@oosterschelde.example",
            "Gijs Beheerder",
            "lokaal beheerder, 33333333 (levert Cataract via FHIR)",
            "33333333",
            Role.LOCAL_ADMIN,
        ),
    ]


def load_people() -> list[DemoLogin]:
    """Create (or leave as they are) the demo institutions, processors and people."""
    institutions = {code: _institution(code, name, units) for code, name, units in INSTITUTIONS}
    logins = []
    for email, name, description, code, role in _people():
        user = _user(email, name)
        Membership.objects.unscoped().get_or_create(
            user=user, institution=institutions[str(code)], defaults={"role": role}
        )
        logins.append(DemoLogin(email, description))
    for code, name in PROCESSORS:
        processor, _ = Processor.objects.get_or_create(code=code, defaults={"name": name})
        email = f"verwerker@{code}.example"
        ProcessorMembership.objects.get_or_create(
            user=_user(email, f"Verwerker {name}"), processor=processor
        )
        logins.append(DemoLogin(email, f"verwerker, {name}"))
    logins.append(DemoLogin(load_operator().email, "beheerder hub"))
    return logins


def load_operator() -> Any:
    operator = _user("beheer@datahub.example", "Hub Beheer")
    if not operator.is_hub_operator:
        operator.is_hub_operator = True
        operator.save(update_fields=["is_hub_operator"])
    return operator


def _institution(code: str, name: str, units: list[tuple[int, str]]) -> Institution:
    institution, _ = Institution.objects.get_or_create(
        agb_code=code, defaults={"name": name, "contact_email": f"registraties@{code}.example"}
    )
    for number, unit_name in units:
        Unit.objects.unscoped().get_or_create(
            institution=institution, number=number, defaults={"name": unit_name}
        )
    return institution


def _user(email: str, name: str) -> Any:
    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
    enrol_totp(user, DEMO_TOTP_SECRET)
    return user
