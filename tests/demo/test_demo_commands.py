"""`datahub demo` and `datahub demo-code`: a newcomer can log in; refused outside demo mode."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from datahub.accounts.totp import DEMO_TOTP_SECRET, code_for_secret
from datahub.institutions.models import Institution, Membership, Processor


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_demo_loads_every_role_and_prints_the_logins(db, settings):
    settings.DEMO = True
    output = _run("demo")
    assert "beheerder@noorderlicht.example" in output
    assert "datahub-demo-2026" in output
    assert Institution.objects.count() == 3
    assert Processor.objects.count() == 2
    roles = set(Membership.objects.unscoped().values_list("role", flat=True))
    assert roles == {"aanleveraar", "lokaal_beheerder", "arts"}
    assert get_user_model().objects.filter(is_hub_operator=True).count() == 1


def test_the_demo_is_idempotent(db, settings):
    settings.DEMO = True
    _run("demo")
    counts = (get_user_model().objects.count(), Membership.objects.unscoped().count())
    _run("demo")
    assert (get_user_model().objects.count(), Membership.objects.unscoped().count()) == counts


def test_demo_code_prints_the_current_totp_code(db, settings):
    settings.DEMO = True
    _run("demo")
    before = code_for_secret(DEMO_TOTP_SECRET, time.time())
    printed = _run("demo_code", "arts@noorderlicht.example").strip()
    after = code_for_secret(DEMO_TOTP_SECRET, time.time())
    assert printed in {before, after}


@pytest.mark.parametrize("command", [("demo",), ("demo_code", "arts@noorderlicht.example")])
def test_demo_commands_are_refused_outside_demo_and_debug_mode(db, settings, command):
    settings.DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo mode"):
        _run(*command)


def test_the_demos_past_deliveries_were_forwarded_to_the_authorised_processors(
    db, settings, django_capture_on_commit_callbacks
):
    """Authorisations and registrations lie years back, as the deliveries do: the
    Afnameoverzicht must not say that nobody was authorised next to authorisations from 2019."""
    from datahub.deliveries.models import Delivery
    from datahub.forwarding.models import Package

    settings.DEMO = True
    with django_capture_on_commit_callbacks(execute=True):
        _run("demo")
    institution = Institution.objects.get(agb_code="11111111")
    forwarded = Delivery.objects.for_institution(institution).filter(
        is_test=False,
        status__in=["verwerkt", "verwerkt_met_fouten", "verwerkt_met_waarschuwingen"],
        sub_delivery__registry__stream="MMY",
        submitted_at__year__lt=2025,
    )
    assert forwarded.exists()
    packages = Package.objects.for_institution(institution).filter(delivery__in=forwarded)
    assert packages.filter(processor__code="iknl").count() == forwarded.count()


def test_the_demos_packages_were_made_available_on_their_deliveries_days(db, settings):
    """Not all today: each a few minutes after its delivery was processed, numbered in that
    order per processor (the API's cursors); one that a later delivery replaced was replaced
    on that day and expires the retention period after."""
    import datetime as dt

    from django.utils import timezone

    from datahub.forwarding.models import Package
    from datahub.forwarding.packaging import retention_days

    settings.DEMO = True
    _run("demo")
    packages = Package.objects.unscoped().select_related("delivery").order_by("sequence")
    assert packages.count() > 20
    today = timezone.localdate()
    assert packages.exclude(created_at__date=today).count() > 20
    for package in packages:
        assert package.created_at - package.delivery.processed_at == dt.timedelta(minutes=3)
    for processor in Processor.objects.all():
        moments = [p.created_at for p in packages if p.processor_id == processor.pk]
        assert moments == sorted(moments)
    replaced = [p for p in packages if p.superseded_by_id is not None]
    assert replaced
    for package in replaced:
        assert package.superseded_at == package.superseded_by.created_at
        assert package.expires_at == package.superseded_at + dt.timedelta(days=retention_days())


def test_the_demos_sequence_numbers_rise_with_the_delivery_dates(db, settings):
    from datahub.deliveries.models import Delivery

    settings.DEMO = True
    _run("demo")
    for institution in Institution.objects.all():
        deliveries = Delivery.objects.for_institution(institution).order_by("submitted_at", "pk")
        by_sub_delivery: dict[int, list[int]] = {}
        for delivery in deliveries:
            by_sub_delivery.setdefault(delivery.sub_delivery_id, []).append(
                delivery.sequence_number
            )
        for numbers in by_sub_delivery.values():
            assert numbers == sorted(numbers), numbers


def test_the_demos_clinician_of_zuiderzee_enters_cataract_by_hand(db, settings):
    from django.utils import timezone

    from datahub.deliveries.entry import entry_sub_deliveries

    settings.DEMO = True
    _run("demo")
    zuiderzee = Institution.objects.get(agb_code="44444444")
    noorderlicht = Institution.objects.get(agb_code="11111111")
    today = timezone.localdate()
    assert [s.code for s in entry_sub_deliveries(zuiderzee, today)] == ["CAT"]
    assert entry_sub_deliveries(noorderlicht, today) == []
    clinician = Membership.objects.for_institution(zuiderzee).get(role="arts")
    assert clinician.user.email == "arts@zuiderzee.example"
    # the dataset delivered by hand is in the invoerportaal, so the next delivery keeps it
    from datahub.deliveries import entry
    from datahub.deliveries.models import Delivery, Status
    from datahub.dictionaries.models import SubDelivery

    cataract = SubDelivery.objects.get(code="CAT")
    latest = (
        Delivery.objects.for_institution(zuiderzee)
        .filter(sub_delivery=cataract, is_test=False)
        .exclude(status=Status.REJECTED)
        .latest("submitted_at")
    )
    kept = list(entry.drafts_of(zuiderzee, cataract))
    assert len(kept) == latest.records_total > 0
    assert {d.delivered_in_id for d in kept} == {latest.pk}
    assert latest.file.original_name == latest.file_name  # dated as the delivery is


def test_the_demos_eye_clinic_delivers_cataract_through_fhir(db, settings):
    """Its deliveries came through the FHIR channel with its token, from Bundles whose
    Procedures refer to Patient and Observation entries: the demo's mapping fills every
    required field, and the one Bundle that lacks a Patient has findings."""
    import collections

    from datahub.audit.models import Action, AuditEvent
    from datahub.deliveries import files
    from datahub.deliveries.models import Delivery, Status
    from datahub.dictionaries.services import method_of

    settings.DEMO = True
    _run("demo")
    clinic = Institution.objects.get(agb_code="33333333")
    deliveries = Delivery.objects.for_institution(clinic).select_related("dictionary_version")
    assert method_of(clinic, deliveries.first().sub_delivery.registry) == "FHIR"
    assert {d.channel for d in deliveries} == {"FHIR"}
    statuses = collections.Counter(d.status for d in deliveries)
    assert statuses[Status.PROCESSED] >= 2 and statuses[Status.ERRORS] == 1, statuses
    faulty = deliveries.get(status=Status.ERRORS)
    assert sorted(faulty.findings.values_list("code", "field")) == [
        ("002", "Geboortejaar"),
        ("002", "Geslacht"),
    ]
    clean = deliveries.filter(status=Status.PROCESSED).first()
    with files.open_plaintext(clean.file) as stream:
        header, *rows = stream.read().decode().splitlines()
    required = [f.name for f in clean.dictionary_version.dictionary.fields if f.required]
    for row in rows:
        record = dict(zip(header.split(","), row.split(","), strict=True))
        assert all(record[name] for name in required), record
    creators = AuditEvent.objects.filter(
        action=Action.CREATE,
        object_type="deliveries.Delivery",
        object_id__in=[str(d.pk) for d in deliveries],
    ).values_list("actor_label", flat=True)
    assert {label.split(" (")[0] for label in creators} == {"API token dh_demo3333"}
    beheerder = Membership.objects.for_institution(clinic).get()
    assert (beheerder.user.email, beheerder.role) == (
        "beheerder@oosterschelde.example",
        "lokaal_beheerder",
    )
