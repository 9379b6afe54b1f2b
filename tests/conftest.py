"""Personas for every test: people of institution A, an outsider of B, a processor, an operator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from datahub.accounts.totp import enrol_totp
from datahub.institutions.models import (
    Institution,
    Membership,
    Processor,
    ProcessorMembership,
    Role,
    Unit,
)

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_user(email: str, *, enrolled: bool = True, **extra: object):
    user = get_user_model().objects.create_user(email=email, password=PASSWORD, **extra)
    if enrolled:
        enrol_totp(user, TOTP_SECRET)
    return user


def make_member(email: str, institution: Institution, role: str, **extra: object):
    user = make_user(email, **extra)
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


@pytest.fixture
def institution(db) -> Institution:
    inst = Institution.objects.create(agb_code="11111111", name="Ziekenhuis A")
    Unit.objects.create(institution=inst, number=0, name="Hoofdlocatie")
    Unit.objects.create(institution=inst, number=1, name="Locatie Zuid")
    return inst


@pytest.fixture
def other_institution(db) -> Institution:
    inst = Institution.objects.create(agb_code="44444444", name="Ziekenhuis B")
    Unit.objects.create(institution=inst, number=0, name="Hoofdlocatie")
    return inst


@pytest.fixture
def submitter(institution):
    """Alice: aanleveraar of institution A."""
    return make_member("alice@a.example", institution, Role.SUBMITTER, full_name="Alice")


@pytest.fixture
def local_admin(institution):
    """Bob: lokaal beheerder of institution A."""
    return make_member("bob@a.example", institution, Role.LOCAL_ADMIN, full_name="Bob")


@pytest.fixture
def clinician(institution):
    return make_member("carla@a.example", institution, Role.CLINICIAN, full_name="Carla")


@pytest.fixture
def outsider(other_institution):
    """Charlie: aanleveraar of institution B."""
    return make_member("charlie@b.example", other_institution, Role.SUBMITTER)


@pytest.fixture
def outsider_admin(other_institution):
    return make_member("dora@b.example", other_institution, Role.LOCAL_ADMIN)


@pytest.fixture
def processor(db) -> Processor:
    return Processor.objects.create(code="iknl", name="IKNL")


@pytest.fixture
def processor_user(processor):
    user = make_user("piet@iknl.example")
    ProcessorMembership.objects.create(user=user, processor=processor)
    return user


@pytest.fixture
def operator(db):
    return make_user("hub@datahub.example", is_hub_operator=True)


def logged_in(user) -> Client:
    """A client logged in as ``user`` (who has a second factor, so no enrolment redirect)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache: every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread (Django's locale middleware
    does not undo it): every test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
