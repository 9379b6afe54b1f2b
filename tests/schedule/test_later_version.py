"""A newer dictionary version moves deadlines: every page and the reminders follow the new one.

The later version replaces the earlier one's deadline for the same period even when the new
deadline lies beyond what a page looks at (Overzicht: 30 days, reminders: the reminder days,
Verwacht: the horizon); the old deadline must not survive there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from datahub.institutions.models import Institution
from datahub.schedule.models import ReminderKind, SentReminder
from datahub.schedule.reminders import send_reminders
from tests.conftest import logged_in
from tests.schedule.conftest import TODAY, import_with_schedule

pytestmark = pytest.mark.usefixtures("registries")


@pytest.fixture
def extended(registries):
    """MMYIKNL 9.2, valid from 2026: every quarter's deadline is 300 days after the quarter.

    2026K1: 1 May → 25 January 2027 (beyond Overzicht and reminders); 2026K2: 16 June (explicit
    in 9.1) → 26 April 2027; 2026K3: 31 October 2026 → 27 July 2027 (beyond the horizon).
    """
    return import_with_schedule(
        "MMYIKNL_2.1.xlsx",
        version="9.2",
        schedule=[],
        frequency="kwartaal",
        deadline_days=300,
        valid_from=dt.date(2026, 1, 1),
    )


def mmy_rows(rows) -> list[tuple[str, dt.date]]:
    return [(e.period, e.deadline) for e in rows if e.sub_delivery.code == "MMYIKNL"]


@pytest.mark.usefixtures("extended")
def test_overview_no_longer_lists_a_deadline_the_new_version_moved_out_of_reach(submitter):
    response = logged_in(submitter).get(reverse("portal:overview"))
    tables = {t["name"]: t for t in response.context["tables"]}
    assert mmy_rows(tables["missend"]["rows"]) == []  # 2026K1 is now due in January 2027
    # 2026K2 is now due in April 2027; 2025K4 (before the new version) keeps today's deadline
    assert mmy_rows(tables["komend"]["rows"]) == [("2025K4", TODAY)]
    full = logged_in(submitter).get(reverse("portal:overview_table", args=["missend"]))
    assert mmy_rows(full.context["page"]) == []


@pytest.mark.usefixtures("extended")
def test_expected_shows_each_period_once_with_its_new_deadline(submitter):
    response = logged_in(submitter).get(reverse("portal:expected") + "?deelaanlevering=MMYIKNL")
    assert mmy_rows(response.context["page"]) == [
        ("2025K4", TODAY),  # before 9.2: 9.1's explicit deadline stays
        ("2026K1", dt.date(2027, 1, 25)),
        ("2026K2", dt.date(2027, 4, 26)),
    ]  # 2026K3 moved beyond the horizon: not its old deadline of 31 October


@pytest.mark.usefixtures("extended")
def test_no_reminder_for_a_deadline_the_new_version_moved(settings, institution):
    Institution.objects.filter(pk=institution.pk).update(contact_email="registraties@a.example")
    settings.REMINDER_DAYS = 50
    send_reminders(TODAY)
    sent = {
        (r.kind, r.sub_delivery.code, r.period)
        for r in SentReminder.objects.unscoped().filter(sub_delivery__code="MMYIKNL")
    }
    assert sent == {(ReminderKind.DUE, "MMYIKNL", "2025K4")}  # not 2026K1 missed, 2026K2 due
