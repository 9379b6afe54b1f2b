"""The local administrator narrows his institution's log by action, person, object and dates.

The filters are in the address (a GET form), so a selection can be shared and survives paging; a
value that is not valid filters nothing, and no value shows what the unfiltered log would not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from datahub.audit.models import Action, AuditEvent
from datahub.audit.services import record
from datahub.institutions.models import Membership, Role
from tests.conftest import logged_in, make_member

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DELIVERY = "deliveries.Delivery"
MEMBERSHIP = "institutions.Membership"


def _event(actor: Any, institution: Any, description: str, **fields: Any) -> AuditEvent:
    """An event as ``record`` writes it, with an object of any kind and number."""
    fields.setdefault("action", Action.VIEW)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.email,
        institution=institution,
        description=description,
        **fields,
    )


def _shown(client: Client, **filters: Any) -> set[str]:
    """The descriptions of the test's events the page shows (the reader's logins and viewings
    of the log, which have none of their own, left out)."""
    response = client.get(reverse("portal:audit_log"), filters)
    assert response.status_code == 200
    return {e.description for e in response.context["page"]} - {"", "audit log"}


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> time_machine.travel:
    """Events recorded at this time in Amsterdam."""
    moment = dt.datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def log(local_admin, submitter, institution):
    """Bob and Alice at work: Alice views delivery 85 and downloads it, Bob views 86 and
    changes membership 85; Alice logs in."""
    _event(submitter, institution, "alice-views-85", object_type=DELIVERY, object_id="85")
    _event(
        submitter,
        institution,
        "alice-downloads-85",
        action=Action.DOWNLOAD,
        object_type=DELIVERY,
        object_id="85",
    )
    _event(local_admin, institution, "bob-views-86", object_type=DELIVERY, object_id="86")
    _event(
        local_admin,
        institution,
        "bob-changes-membership-85",
        action=Action.CHANGE,
        object_type=MEMBERSHIP,
        object_id="85",
    )
    record(Action.LOGIN, actor=submitter, institution=None, description="alice-login")


ALL = {
    "alice-views-85",
    "alice-downloads-85",
    "bob-views-86",
    "bob-changes-membership-85",
    "alice-login",
}


# --- each filter ---------------------------------------------------------------------------


def test_the_log_can_be_filtered_by_person(log, local_admin, submitter):
    client = logged_in(local_admin)
    assert _shown(client, persoon=submitter.pk) == {
        "alice-views-85",
        "alice-downloads-85",
        "alice-login",
    }
    assert _shown(client, persoon=local_admin.pk) == {"bob-views-86", "bob-changes-membership-85"}


def test_the_person_is_chosen_among_the_people_the_log_names(
    log, local_admin, submitter, clinician, institution, outsider, other_institution, operator
):
    """Its people (also one who has not done anything yet) and anyone its own events name,
    such as the hub's operator; nobody of another institution."""
    record(Action.CHANGE, actor=operator, institution=institution, description="participation")
    _event(outsider, other_institution, "theirs")
    response = logged_in(local_admin).get(reverse("portal:audit_log"))
    choices = dict(response.context["form"].fields["persoon"].choices)
    assert choices == {
        "": "Iedereen",
        submitter.pk: "alice@a.example (Alice)",
        local_admin.pk: "bob@a.example (Bob)",
        clinician.pk: "carla@a.example (Carla)",
        operator.pk: "hub@datahub.example",
    }
    assert outsider.email not in response.content.decode()


def test_the_log_can_be_filtered_by_part_of_the_e_mail_address(log, local_admin):
    client = logged_in(local_admin)
    assert _shown(client, email="ALICE@") == {"alice-views-85", "alice-downloads-85", "alice-login"}
    assert _shown(client, email="a.example") == ALL
    assert _shown(client, email="%") == set()  # a wildcard of SQL is a character like any other


def test_who_viewed_a_delivery(log, local_admin):
    shown = _shown(logged_in(local_admin), action="view", soort=DELIVERY, nummer="85")
    assert shown == {"alice-views-85"}


def test_the_log_can_be_filtered_by_kind_of_object_or_by_number(log, local_admin):
    client = logged_in(local_admin)
    assert _shown(client, soort=MEMBERSHIP) == {"bob-changes-membership-85"}
    assert _shown(client, nummer=" 85 ") == {
        "alice-views-85",
        "alice-downloads-85",
        "bob-changes-membership-85",
    }


def test_the_kinds_of_object_are_those_the_log_names_in_the_readers_language(log, local_admin):
    client = logged_in(local_admin)
    choices = dict(client.get(reverse("portal:audit_log")).context["form"].fields["soort"].choices)
    assert choices == {"": "Alle", DELIVERY: "Aanlevering", MEMBERSHIP: "Lidmaatschap"}


def test_dates_are_days_in_the_hubs_time_zone_both_included(local_admin, institution):
    with _at(2020, 3, 1, 12):
        dirk = make_member("dirk@a.example", institution, Role.SUBMITTER)
    # In UTC (winter time: an hour behind) 0:30 on the 10th is still the 9th, and midnight on
    # the 12th still the 11th.
    for day, hour, minute in [(9, 23, 59), (10, 0, 0), (10, 0, 30), (11, 23, 59), (12, 0, 0)]:
        with _at(2020, 3, day, hour, minute):
            _event(local_admin, institution, f"{day} {hour}:{minute:02}")
    with _at(2020, 3, 10, 0, 15):
        record(Action.LOGIN, actor=dirk, institution=None, description="login 10 0:15")
    client = logged_in(local_admin)
    assert _shown(client, van="2020-03-10", tot="2020-03-11") == {
        "10 0:00",
        "10 0:30",
        "login 10 0:15",
        "11 23:59",
    }
    assert _shown(client, van="2020-03-12") == {"12 0:00"}
    assert _shown(client, tot="2020-03-09") == {"9 23:59"}


def test_a_day_in_summer_time_is_a_day_in_amsterdam(local_admin, institution):
    with _at(2020, 7, 1, 0, 30):  # 22:30 UTC on 30 June
        _event(local_admin, institution, "july-first")
    with _at(2020, 6, 30, 23, 30):
        _event(local_admin, institution, "june-last")
    client = logged_in(local_admin)
    assert _shown(client, van="2020-07-01", tot="2020-07-01") == {"july-first"}
    assert _shown(client, van="2020-06-30", tot="2020-06-30") == {"june-last"}


# --- together, and with values that are not valid ------------------------------------------


def test_filters_combine(log, local_admin, submitter, institution):
    with _at(2020, 1, 15, 12):
        _event(
            submitter, institution, "alice-views-85-long-ago", object_type=DELIVERY, object_id="85"
        )
    client = logged_in(local_admin)
    chosen = {"persoon": submitter.pk, "action": "view", "soort": DELIVERY, "nummer": "85"}
    assert _shown(client, **chosen) == {"alice-views-85", "alice-views-85-long-ago"}
    assert _shown(client, **chosen, van="2020-01-15", tot="2020-01-15") == {
        "alice-views-85-long-ago"
    }
    assert _shown(client, email="bob", nummer="85") == {"bob-changes-membership-85"}
    assert _shown(client, persoon=submitter.pk, email="bob") == set()


VALID = [
    ({"nummer": "86"}, {"bob-views-86"}),
    ({"soort": MEMBERSHIP}, {"bob-changes-membership-85"}),
]


@pytest.mark.parametrize(
    "bad",
    [
        {"persoon": "alice"},
        {"persoon": "999999"},
        {"action": "read"},
        {"soort": "accounts.User"},
        {"nummer": "8" * 65},
        {"email": "a" * 255},
        {"van": "2020-02-30"},
        {"tot": "tomorrow"},
    ],
)
def test_a_value_that_is_not_valid_filters_nothing(log, local_admin, bad):
    client = logged_in(local_admin)
    assert _shown(client, **bad) == ALL
    # and a valid filter of another field still applies
    valid, expected = next((v, e) for v, e in VALID if not v.keys() & bad.keys())
    assert _shown(client, **bad, **valid) == expected


# --- the institution boundary --------------------------------------------------------------


def test_no_filter_shows_another_institutions_events(log, local_admin, outsider, other_institution):
    _event(outsider, other_institution, "theirs-views-85", object_type=DELIVERY, object_id="85")
    _event(outsider, other_institution, "theirs-user", object_type="accounts.User", object_id="85")
    record(Action.LOGIN, actor=outsider, institution=None, description="theirs-login")
    client = logged_in(local_admin)
    for chosen in [
        {"persoon": outsider.pk},  # forged: not a choice here
        {"email": outsider.email},
        {"email": "b.example"},
        {"soort": DELIVERY, "nummer": "85"},
        {"soort": "accounts.User"},  # forged: not a kind this log names
        {"van": "2000-01-01", "tot": "2100-12-31"},
    ]:
        shown = _shown(client, **chosen)
        assert not any(text.startswith("theirs") for text in shown), chosen
    assert _shown(client, email=outsider.email) == set()


def test_a_person_who_works_at_two_hospitals_shows_only_what_this_log_shows(
    clock, local_admin, institution, outsider, other_institution
):
    with clock(1):
        _event(outsider, other_institution, "theirs-before")
        record(Action.LOGIN, actor=outsider, institution=None, description="login-before")
    with clock(2):
        Membership.objects.create(user=outsider, institution=institution, role=Role.SUBMITTER)
    with clock(3):
        _event(outsider, other_institution, "theirs-after")
        _event(outsider, institution, "ours-after")
        _event(local_admin, institution, "bob-after")
        record(Action.LOGIN, actor=outsider, institution=None, description="login-after")
    with clock(4):
        shown = _shown(logged_in(local_admin), persoon=outsider.pk)
    assert shown == {"ours-after", "login-after"}


# --- the form and the address --------------------------------------------------------------


def test_the_form_is_a_get_form_whose_fields_are_labelled(log, local_admin, submitter):
    filters = {"persoon": submitter.pk, "soort": DELIVERY, "nummer": "85", "van": "2020-03-10"}
    response = logged_in(local_admin).get(reverse("portal:audit_log"), filters)
    form = html.fromstring(response.content).xpath("//form[@class='filters']")[0]
    assert form.get("method") == "get"
    assert form.get("aria-label") == "Filters"
    fields = form.xpath(".//select | .//input")
    assert {f.get("name") for f in fields} == {
        "action",
        "persoon",
        "email",
        "soort",
        "nummer",
        "van",
        "tot",
    }
    for field in fields:
        assert form.xpath(f".//label[@for='{field.get('id')}']"), field.get("name")
    # the chosen values are shown again: the address is the selection
    assert form.xpath(".//select[@name='persoon']/option[@selected]")[0].get("value") == str(
        submitter.pk
    )
    assert form.xpath(".//input[@name='nummer']")[0].get("value") == "85"
    assert form.xpath(".//input[@name='van']")[0].get("value") == "2020-03-10"
    assert form.xpath(".//a[text()='Selectie wissen']")[0].get("href") == reverse(
        "portal:audit_log"
    )


def test_the_pages_keep_the_filters(local_admin, submitter, institution):
    for n in range(60):
        _event(submitter, institution, f"alice-{n}", action=Action.EXPORT)
        _event(local_admin, institution, f"bob-{n}", action=Action.EXPORT)
    client = logged_in(local_admin)
    url = reverse("portal:audit_log")
    first = client.get(url, {"persoon": submitter.pk, "action": "export"})
    assert first.context["page"].paginator.count == 60
    nav = html.fromstring(first.content).xpath("//a[@rel='next']")[0].get("href")
    assert nav == f"?persoon={submitter.pk}&action=export&page=2"
    second = client.get(url + nav)
    assert {e.description for e in second.context["page"]} == {f"alice-{n}" for n in range(10)}


# --- what it costs -------------------------------------------------------------------------


def test_the_number_of_queries_does_not_follow_the_number_of_events(local_admin, institution):
    """Nor that of the people and kinds of object the filters offer."""
    client = logged_in(local_admin)
    url = reverse("portal:audit_log")
    chosen = {"email": "a.example", "soort": DELIVERY, "van": "2000-01-01", "tot": "2100-01-01"}
    counts = []
    for people in (2, 12):
        for k in range(people):
            person = make_member(f"p{people}-{k}@a.example", institution, Role.SUBMITTER)
            record(Action.LOGIN, actor=person, institution=None)
            for kind in (DELIVERY, MEMBERSHIP, "api.ApiToken"):
                _event(person, institution, "x", object_type=kind, object_id=str(k))
        for filters in ({}, chosen):
            client.get(url, filters)  # the caches filled
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, filters)
            counts.append(len(queries))
    assert len(response.context["form"].fields["persoon"].choices) == 1 + 1 + 14
    assert len(response.context["page"]) == 14
    assert counts[:2] == counts[2:], counts
