"""Pseudonyms: keyed, stable, per processor; no secret, no forwarding outside development."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from datahub.forwarding.pseudonyms import MissingSecret, Pseudonymiser, secret_for


def test_a_pseudonym_is_the_hmac_of_institution_and_code():
    expected = hmac.new(b"s", b"11111111:P1", hashlib.sha256).hexdigest()
    assert Pseudonymiser(b"s", "11111111")("P1") == expected


def test_the_same_code_at_another_institution_gets_another_pseudonym():
    assert Pseudonymiser(b"s", "11111111")("P1") != Pseudonymiser(b"s", "44444444")("P1")


def test_the_configured_secret_is_used(settings):
    settings.PSEUDONYM_SECRETS = {"iknl": "abc"}
    assert secret_for("iknl") == b"abc"


def test_without_a_secret_production_refuses(settings):
    settings.PSEUDONYM_SECRETS = {}
    settings.DEBUG = False
    settings.DEMO = False
    with pytest.raises(MissingSecret):
        secret_for("iknl")


@pytest.mark.parametrize("mode", ["DEBUG", "DEMO"])
def test_development_and_demo_derive_a_distinct_secret_per_processor(settings, mode):
    settings.PSEUDONYM_SECRETS = {}
    setattr(settings, mode, True)
    assert secret_for("iknl") == secret_for("iknl") != secret_for("mrdm")


def test_a_processor_without_a_secret_gets_no_package(
    settings, authorised, institution, submitter, django_capture_on_commit_callbacks, caplog
):
    from datahub.forwarding.models import Package
    from tests.forwarding.conftest import deliver, patient_rows

    settings.PSEUDONYM_SECRETS = {}
    settings.DEBUG = settings.DEMO = False
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()
    assert "no pseudonym secret" in caplog.text
