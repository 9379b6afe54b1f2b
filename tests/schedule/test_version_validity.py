"""A version governs only its own validity: no past deadlines rewritten, no two schedules at once.

The rule (docs/schedule.md): a dated period belongs to the version in force on its first day
(the latest ``Geldig vanaf`` whose validity contains that day; before the first version or in a
gap: the next to come into force); a later version may still move its deadline when that
deadline falls due while the later version is in force. A ``TOTAAL`` deadline belongs to the
version in force on that day.

MMYIKNL 2.1 (the fixture: half-yearly, 32 days, from 2019, open-ended) with later versions; the
institution takes part since 2025, so its periods are 2025H1 (deadline 1 August 2025), 2025H2
(1 February 2026) and on.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from datahub.dictionaries import services as dictionaries
from datahub.dictionaries.models import DictionaryVersion
from datahub.institutions.models import Institution
from datahub.schedule.models import ReminderKind, SentReminder
from datahub.schedule.reminders import send_reminders
from datahub.schedule.services import Deadline, VersionSpec, schedule_from
from tests.conftest import logged_in
from tests.schedule.conftest import deliver, import_with_schedule, take_part

D = dt.date


@pytest.fixture
def halfyearly(operator, institution) -> DictionaryVersion:
    version = import_with_schedule("MMYIKNL_2.1.xlsx", version="2.1", schedule=[])
    take_part(operator, institution, version, D(2025, 1, 1))
    return version


def import_23() -> DictionaryVersion:
    """2.3, valid from June 2027, gives every period up to 2026H2 the deadline 1 August 2027."""
    periods = [f"{year}H{half}" for year in range(2019, 2027) for half in (1, 2)]
    return import_with_schedule(
        "MMYIKNL_2.1.xlsx",
        version="2.3",
        schedule=[(period, D(2027, 8, 1)) for period in periods],
        valid_from=D(2027, 6, 1),
    )


def import_22() -> DictionaryVersion:
    """2.2, quarterly (31 days after the quarter), from 1 July 2026; 2.1 stays open-ended."""
    return import_with_schedule(
        "MMYIKNL_2.1.xlsx",
        version="2.2",
        schedule=[],
        frequency="kwartaal",
        deadline_days=31,
        valid_from=D(2026, 7, 1),
    )


def rows(user, name: str) -> list[tuple[str, dt.date]]:
    response = logged_in(user).get(reverse("portal:overview_table", args=[name]))
    return [(e.period, e.deadline) for e in response.context["page"]]


def expected(user) -> list[tuple[str, dt.date]]:
    response = logged_in(user).get(reverse("portal:expected") + "?deelaanlevering=MMYIKNL")
    return [(e.period, e.deadline) for e in response.context["page"]]


# --- 1. a version does not rewrite deadlines of periods before its validity ---------------------


@pytest.mark.usefixtures("halfyearly")
def test_a_version_not_yet_valid_leaves_the_missing_deliveries_alone(submitter):
    before = rows(submitter, "missend")
    assert before == [("2025H1", D(2025, 8, 1)), ("2025H2", D(2026, 2, 1))]
    import_23()
    assert rows(submitter, "missend") == before


@pytest.mark.usefixtures("halfyearly")
def test_a_delivery_under_the_earlier_version_keeps_its_deadline(submitter, institution):
    delivery = deliver(institution, "MMYIKNL", "2025H2", on=D(2026, 1, 20))
    import_23()
    response = logged_in(submitter).get(reverse("portal:delivered"))
    deadlines = {d.pk: deadline for d, deadline in response.context["rows"]}
    assert deadlines[delivery.pk] == D(2026, 2, 1)  # not 2.3's 1 August 2027


def test_explicit_entries_apply_only_to_periods_in_the_versions_validity():
    old = VersionSpec(D(2019, 1, 1), None, "halfjaar", 32, ())
    new = VersionSpec(
        D(2027, 6, 1), None, "halfjaar", 32, (("2026H2", D(2027, 8, 1)), ("2019", D(2027, 8, 1)))
    )
    plan = {d.period: d.deadline for d in schedule_from([old, new], D(2027, 12, 31))}
    assert plan["2026H2"] == D(2027, 2, 1)  # 2.1's deadline passed before 2.3 was valid
    assert "2019" not in plan  # a period before its validity: not added either
    assert plan["2027H1"] == D(2027, 8, 1)  # falls due under the new version


def test_a_later_version_moves_a_deadline_that_falls_due_in_its_validity():
    old = VersionSpec(D(2020, 1, 1), None, "jaar", 31, ())
    new = VersionSpec(D(2021, 1, 1), None, "jaar", 60, (("2020", D(2021, 3, 15)),))
    assert schedule_from([old, new], D(2022, 3, 31)) == [
        Deadline("2020", D(2021, 3, 15)),  # 2020's deadline (31 January 2021) falls under new
        Deadline("2021", D(2022, 3, 1)),
    ]


def test_totaal_deadlines_belong_to_the_version_in_force_on_that_day():
    old = VersionSpec(
        D(2020, 1, 1),
        None,
        "totaal",
        None,
        (("TOTAAL", D(2020, 4, 10)), ("TOTAAL", D(2021, 4, 10))),
    )
    new = VersionSpec(
        D(2021, 1, 1),
        None,
        "totaal",
        None,
        (("TOTAAL", D(2020, 7, 10)), ("TOTAAL", D(2021, 2, 10))),
    )
    assert schedule_from([old, new], D(2022, 1, 1)) == [
        Deadline("TOTAAL", D(2020, 4, 10), None),
        Deadline("TOTAAL", D(2021, 2, 10), D(2020, 4, 10)),
    ]


def test_the_first_version_governs_the_periods_before_it():
    first = VersionSpec(D(2020, 5, 1), None, "halfjaar", 32, (("2019", D(2020, 9, 1)),))
    assert [d.period for d in schedule_from([first], D(2021, 2, 1))] == [
        "2020H1",
        "2019",
        "2020H2",
    ]


# --- 2. overlapping versions: one schedule at a time -----------------------------------------


@pytest.mark.usefixtures("halfyearly")
def test_the_next_version_takes_over_from_an_open_ended_one(submitter):
    import_22()
    assert expected(submitter) == [
        ("2026H1", D(2026, 8, 1)),  # starts under 2.1
        ("2026K3", D(2026, 10, 31)),
        ("2026K4", D(2027, 1, 31)),  # not also 2026H2 (1 February 2027)
        ("2027K1", D(2027, 5, 1)),
    ]


@pytest.mark.usefixtures("halfyearly")
def test_one_reminder_per_deadline_after_the_takeover(settings, institution):
    Institution.objects.filter(pk=institution.pk).update(contact_email="registraties@a.example")
    import_22()
    settings.REMINDER_DAYS = 14
    send_reminders(D(2027, 1, 25))
    sent = {
        (r.kind, r.period)
        for r in SentReminder.objects.unscoped().filter(sub_delivery__code="MMYIKNL")
    }
    assert sent == {(ReminderKind.DUE, "2026K4")}


@pytest.mark.usefixtures("halfyearly")
def test_the_schedule_follows_the_version_current_version_gives():
    new = import_22()
    assert dictionaries.current_version(new.sub_delivery, D(2026, 12, 1)) == new


def test_an_earlier_open_ended_version_resumes_when_a_later_one_ends():
    old = VersionSpec(D(2020, 1, 1), None, "halfjaar", 32, ())
    new = VersionSpec(D(2020, 7, 1), D(2020, 12, 31), "kwartaal", 31, ())
    assert [d.period for d in schedule_from([old, new], D(2021, 9, 30))] == [
        "2020H1",
        "2020K3",
        "2020K4",
        "2021H1",
    ]
