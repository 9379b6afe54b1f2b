"""The hub operator's delivery status: per sub-delivery and deadline, who delivered, who is late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Channel, Delivery, Status
from datahub.dictionaries.models import SubDelivery
from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver
from tests.work import page_work, sqlite_only

pytestmark = pytest.mark.usefixtures("registries")
URL = reverse("portal:delivery_status")


def states(response) -> dict[str, str]:
    return {row.institution.agb_code: row.state.value for row in response.context["rows"]}


def test_the_operator_sees_who_delivered_and_who_is_late(operator, institution, other_institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-50))  # before the deadline of 1 May
    deliver(other_institution, "MMYIKNL", "2026K1", on=days(-3), status=Status.REJECTED)
    response = logged_in(operator).get(URL + "?deelaanlevering=MMYIKNL&deadline=2026K1|2026-05-01")
    assert response.status_code == 200
    assert states(response) == {"44444444": "late", "11111111": "delivered"}
    assert 'aria-invalid="true"' not in response.content.decode()  # a valid choice
    assert response.context["rows"][0].institution.agb_code == "44444444"  # late first
    page = response.content.decode()
    assert "Ziekenhuis A" in page and "Ziekenhuis B" in page


def test_a_late_delivery_and_an_open_period_are_told_apart(operator, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-3))
    late = logged_in(operator).get(URL + "?deelaanlevering=MMYIKNL&deadline=2026K1|2026-05-01")
    assert states(late)["11111111"] == "delivered_late"
    open_ = logged_in(operator).get(URL + f"?deelaanlevering=MMYIKNL&deadline=2026K2|{days(1)}")
    assert set(states(open_).values()) == {"open"}


def test_without_a_chosen_deadline_the_last_passed_one_is_shown(operator):
    response = logged_in(operator).get(URL + "?deelaanlevering=MMYIKNL")
    assert response.context["entry"].period == "2026K1"
    # and the list of deadlines says so, instead of "—"
    key = response.context["entry"].key
    assert f'<option value="{key}" selected>' in response.content.decode()


def test_a_totaal_deadline_counts_deliveries_after_the_previous_deadline(operator, institution):
    deliver(institution, "CAT", "TOTAAL", on=days(-1))
    response = logged_in(operator).get(URL + f"?deelaanlevering=CAT&deadline=TOTAAL|{days(30)}")
    assert states(response)["11111111"] == "delivered"


def test_the_page_is_linked_from_hub_management(operator):
    assert URL in logged_in(operator).get(reverse("portal:operator_home")).content.decode()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "outsider", "processor_user"])
def test_nobody_else_may_open_it_and_the_attempt_is_logged(request, persona):
    user = request.getfixturevalue(persona)
    assert logged_in(user).get(URL).status_code == 403
    assert AuditEvent.objects.filter(actor=user, action=Action.DENIED).exists()


def rows_of(response) -> dict[str, tuple[str, object]]:
    return {
        r.institution.agb_code: (r.state.value, r.delivered_on) for r in response.context["rows"]
    }


def test_a_redelivery_after_the_deadline_keeps_an_on_time_delivery_on_time(
    operator, institution, other_institution
):
    deliver(institution, "MMYIKNL", "2026K1", on=dt.date(2026, 4, 20))  # deadline 1 May
    deliver(institution, "MMYIKNL", "2026K1", on=dt.date(2026, 5, 10))  # a correction
    deliver(other_institution, "MMYIKNL", "2026K1", on=dt.date(2026, 4, 20), status="afgekeurd")
    deliver(other_institution, "MMYIKNL", "2026K1", on=dt.date(2026, 5, 10))
    response = logged_in(operator).get(URL + "?deelaanlevering=MMYIKNL&deadline=2026K1|2026-05-01")
    assert rows_of(response) == {
        "11111111": ("delivered", dt.date(2026, 4, 20)),
        "44444444": ("delivered_late", dt.date(2026, 5, 10)),  # the rejected one does not count
    }
    page = response.content.decode()
    assert "20-04-2026" in page and "10-05-2026" in page  # accepted, and the latest delivery


def test_a_totaal_deadline_is_met_by_the_first_delivery_after_the_previous_deadline(
    operator, institution, other_institution
):
    deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 4, 1))  # for 10 April: on time
    deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 6, 1))  # for 15 July: on time
    deliver(other_institution, "CAT", "TOTAAL", on=dt.date(2026, 4, 1))  # only for 10 April
    april = logged_in(operator).get(URL + "?deelaanlevering=CAT&deadline=TOTAAL|2026-04-10")
    assert rows_of(april) == {
        "11111111": ("delivered", dt.date(2026, 4, 1)),
        "44444444": ("delivered", dt.date(2026, 4, 1)),
    }
    july = logged_in(operator).get(URL + f"?deelaanlevering=CAT&deadline=TOTAAL|{days(30)}")
    assert rows_of(july) == {
        "11111111": ("delivered", dt.date(2026, 6, 1)),
        "44444444": ("open", None),
    }


def test_the_status_needs_the_same_queries_whatever_the_history(
    operator, institution, other_institution
):
    client = logged_in(operator)
    query = URL + "?deelaanlevering=MMYIKNL&deadline=2026K1|2026-05-01"
    client.get(query)
    with CaptureQueriesContext(connection) as few:
        client.get(query)
    for n in range(20):
        for inst in (institution, other_institution):
            deliver(inst, "MMYIKNL", "2026K1", on=days(-n * 5), is_test=bool(n % 3 == 0))
    with CaptureQueriesContext(connection) as many:
        response = client.get(query)
    assert len(many) == len(few)
    assert set(states(response).values()) == {"delivered"}


def other_periods(sub_delivery, institutions, numbers: range) -> list[Delivery]:
    """Processed deliveries of quarters from 2000 to 2025, made in bulk."""
    quarters = [f"{year}K{quarter}" for year in range(2000, 2026) for quarter in range(1, 5)]
    version = sub_delivery.versions.get()
    units = [inst.units.get(number=0) for inst in institutions]
    rows = []
    for n in numbers:
        i = n % len(institutions)
        rows.append(
            Delivery(
                institution=institutions[i],
                unit=units[i],
                sub_delivery=sub_delivery,
                dictionary_version=version,
                channel=Channel.PORTAL,
                status=Status.PROCESSED,
                period=quarters[n % len(quarters)],
                sequence_number=n + 1,
                creation_date=dt.date(2020, 1, 1),
                file_name=f"{n}.csv",
            )
        )
    return rows


@sqlite_only
def test_the_status_of_one_period_does_not_read_the_deliveries_of_every_other_period(
    operator, institution, other_institution
):
    sub_delivery = SubDelivery.objects.get(code="MMYIKNL")
    client, query, work, made = logged_in(operator), URL + "?deelaanlevering=MMYIKNL", [], 0
    client.get(query)
    for n in (1_000, 10_000):  # years of deliveries of other quarters, never shown here
        rows = other_periods(sub_delivery, [institution, other_institution], range(made, n))
        Delivery.objects.bulk_create(rows)
        made = n
        work.append(page_work(client, query))
    # without an index on (sub-delivery, period) every period was read: [10,300, 100,300]
    # steps; with it, 9,000 more deliveries cost a few hundred at most (SQLite's plan may
    # differ by that much after other tests in the same process)
    assert work[1] < work[0] + 1_000, work


def totaal_history(sub_delivery, institutions, numbers: range) -> None:
    """Production deliveries of ``TOTAAL`` made in bulk in 2020 (years before the deadlines
    shown), some of them tests."""
    version = sub_delivery.versions.get()
    units = [inst.units.get(number=0) for inst in institutions]
    rows = Delivery.objects.bulk_create(
        Delivery(
            institution=institutions[n % len(institutions)],
            unit=units[n % len(institutions)],
            sub_delivery=sub_delivery,
            dictionary_version=version,
            channel=Channel.PORTAL,
            status=Status.PROCESSED,
            is_test=n % 10 == 0,
            period="TOTAAL",
            sequence_number=100_000 + n,  # after those of deliver()
            creation_date=dt.date(2020, 1, 1),
            file_name=f"{n}.csv",
        )
        for n in numbers
    )
    moment = dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC)
    Delivery.objects.unscoped().filter(pk__in=[d.pk for d in rows]).update(submitted_at=moment)


@sqlite_only
def test_the_status_of_a_totaal_deadline_reads_each_institutions_latest_not_the_history(
    operator, institution, other_institution
):
    """Every delivery of a ``TOTAAL`` sub-delivery is of the one period ``TOTAAL``: the latest
    delivery of each institution is read through an index, not found among all of them."""
    sub_delivery = SubDelivery.objects.get(code="CAT")
    deliver(institution, "CAT", "TOTAAL", on=days(-1))
    client, query, work, made = logged_in(operator), URL + "?deelaanlevering=CAT", [], 0
    for n in (1_000, 10_000):
        totaal_history(sub_delivery, [institution, other_institution], range(made, n))
        made = n
        work.append(page_work(client, query + f"&deadline=TOTAAL|{days(30)}"))
    # before: every delivery of the period was read ([1,939,130, 188,136,100] steps); now [520, 520]
    assert work[1] < work[0] + 1_000, work
    response = client.get(query + f"&deadline=TOTAAL|{days(30)}")
    latest = {
        r.institution.agb_code: r.latest.submitted_at.date() for r in response.context["rows"]
    }
    assert latest == {"11111111": days(-1), "44444444": dt.date(2020, 1, 1)}
