"""Registries with a schedule, and deliveries made directly in the database at chosen dates.

``today`` is 15 June 2026 in every test of this package (``time_machine``), so the deadlines
below sit on known sides of each boundary.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import replace
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from datahub.deliveries.models import Channel, Delivery, Status
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method, SubDelivery
from datahub.institutions.models import Institution
from datahub.validation import ScheduleEntry, load_dictionary, write_workbook

FIXTURES = Path(__file__).resolve().parents[2] / "datahub" / "fixtures" / "dictionaries"
TODAY = dt.date(2026, 6, 15)
_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(
        dt.datetime(2026, 6, 15, 10, 0, tzinfo=timezone.get_default_timezone())
    ):
        yield


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def import_with_schedule(
    name: str, *, version: str, schedule: list[tuple[str, dt.date]], **general: object
) -> DictionaryVersion:
    """A fixture dictionary as a new version with its own ``Aanleverschema``."""
    dictionary = load_dictionary(FIXTURES / name).with_general(version=version, **general)
    dictionary = replace(dictionary, schedule=tuple(ScheduleEntry(p, d) for p, d in schedule))
    buffer = io.BytesIO()
    write_workbook(dictionary, buffer)
    # (the tests' schedules move and drop deadlines on purpose: confirmed, as the operator would)
    return services.import_workbook(
        buffer.getvalue(), f"{name}-{version}.xlsx", lapse_confirmed=True
    )


def take_part(operator, institution: Institution, version: DictionaryVersion, since: dt.date):
    services.set_participation(
        actor=operator, institution=institution, sub_delivery=version.sub_delivery, since=since
    )
    services.set_method(
        actor=operator,
        institution=institution,
        registry=version.sub_delivery.registry,
        method=Method.PORTAL,
    )


@pytest.fixture
def registries(operator, institution, other_institution) -> dict[str, DictionaryVersion]:
    """A quarterly registry (rule: 31 days after the quarter) and a TOTAAL one.

    QRT: 2026K1 deadline 1 May (passed); explicit 2025K4 deadline 15 June (today) and 2026K2
    deadline 16 June (tomorrow); 2026K3 rule deadline 31 October.
    CAT (TOTAAL): deadlines 10 April, 15 July (in 30 days), 16 July (in 31 days), 10 October.
    """
    quarterly = import_with_schedule(
        "MMYIKNL_2.1.xlsx",
        version="9.1",
        schedule=[("2025K4", TODAY), ("2026K2", days(1))],
        frequency="kwartaal",
        deadline_days=31,
        valid_from=dt.date(2025, 10, 1),
    )
    totaal = import_with_schedule(
        "CAT_1.4.xlsx",
        version="9.1",
        schedule=[
            ("TOTAAL", dt.date(2026, 4, 10)),
            ("TOTAAL", days(30)),
            ("TOTAAL", days(31)),
            ("TOTAAL", dt.date(2026, 10, 10)),
        ],
        valid_from=dt.date(2026, 1, 1),
    )
    for inst in (institution, other_institution):
        take_part(operator, inst, quarterly, dt.date(2025, 10, 1))
        take_part(operator, inst, totaal, dt.date(2026, 1, 1))
    return {"QRT": quarterly, "CAT": totaal}


def deliver(
    institution: Institution,
    code: str,
    period: str,
    *,
    on: dt.date = TODAY,
    status: str = Status.PROCESSED,
    is_test: bool = False,
    channel: str = Channel.PORTAL,
    unit: int = 0,
) -> Delivery:
    """A delivery row as processing leaves it, delivered on ``on`` (no stored file)."""
    sub_delivery = SubDelivery.objects.get(code=code)
    version = sub_delivery.versions.order_by("-valid_from").first()
    number = next(_sequence)
    delivery = Delivery.objects.create(
        institution=institution,
        unit=institution.units.get(number=unit),
        sub_delivery=sub_delivery,
        dictionary_version=version,
        channel=channel,
        is_test=is_test,
        period=period,
        sequence_number=number,
        creation_date=on,
        file_name=f"{institution.agb_code}_{unit}_{code}_{version.version}_{number}_{on:%Y%m%d}_PROD.csv",
        status=status,
    )
    moment = timezone.make_aware(dt.datetime.combine(on, dt.time(9, 0)))
    Delivery.objects.for_institution(institution).filter(pk=delivery.pk).update(
        submitted_at=moment, processed_at=moment
    )
    delivery.submitted_at = moment
    return delivery
