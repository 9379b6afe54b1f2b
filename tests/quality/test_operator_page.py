"""The hub operator's data quality: one row per institution, for the operator only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import logged_in
from tests.html import text_of
from tests.quality.conftest import with_counts
from tests.quality.test_dashboard_page import _rows
from tests.work import page_work, sqlite_only

URL = reverse("portal:operator_quality")
QUERIES = 15


def test_the_operator_sees_each_institutions_numbers(history, operator):
    response = logged_in(operator).get(URL, {"deelaanlevering": "MMYIKNL"})
    assert response.status_code == 200
    statuses = _rows(response, "Aanleveringen per zorginstelling")
    assert statuses[1] == ["Ziekenhuis A (11111111)", "3", "1", "1", "1", "0", "0", "0"]
    assert statuses[2] == ["Ziekenhuis B (44444444)", "1", "0", "0", "0", "1", "0", "0"]
    rates = _rows(response, "Fouten per record per zorginstelling")
    a, b = "Ziekenhuis A (11111111)", "Ziekenhuis B (44444444)"
    assert rates[1] == [a, "2", "30", "0", "0", "2", "0,00", "0,07", "0,0 %"]
    assert rates[2] == [b, "1", "4", "4", "1", "0", "0,25", "0,00", "100,0 %"]
    codes = _rows(response, "Meest voorkomende foutcodes")
    assert [row[0] for row in codes[1:]] == ["W020", "OUTSIDER"]
    assert "TESTONLY" not in text_of(response)


def test_the_operator_sees_completeness_across_institutions(history, operator):
    with_counts(history["second"], Geslacht=9, Respons=5, Overlijdensdatum=1)
    with_counts(history["theirs"], Respons=0, Overlijdensdatum=4)
    response = logged_in(operator).get(URL, {"deelaanlevering": "MMYIKNL"})
    rows = _rows(response, "Volledigheid per veld")
    assert rows[1:4] == [
        ["Respons", "nee", "14", "5", "35,7 %"],
        ["Overlijdensdatum", "nee", "14", "5", "35,7 %"],
        ["Geslacht", "ja", "14", "13", "92,8 %"],
    ]
    assert "chart-completeness" in response.content.decode()
    assert "1 aanlevering die telt is weggelaten" in text_of(response)  # A's 2026K1


@pytest.mark.parametrize("extra", [0, 12])
def test_the_page_needs_the_same_queries_whatever_the_deliveries(
    registries, institution, other_institution, operator, django_assert_max_num_queries, extra
):
    import datetime as dt

    from tests.quality.conftest import with_results
    from tests.schedule.conftest import deliver

    for n in range(1 + extra):
        inst = (institution, other_institution)[n % 2]
        delivery = deliver(
            inst, "MMYIKNL", ["2025K4", "2026K1"][n % 3 % 2], on=dt.date(2026, 5, 1 + n)
        )
        with_counts(with_results(delivery, records=3, findings=[("fout", f"E{n}", f"F{n}")]))
    client = logged_in(operator)
    client.get(URL)
    with django_assert_max_num_queries(QUERIES):
        response = client.get(URL, {"deelaanlevering": "MMYIKNL"})
    assert b'id="chart-completeness"' in response.content


def test_the_operators_start_page_links_to_it(operator):
    assert URL in logged_in(operator).get(reverse("portal:operator_home")).content.decode()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user", "clinician"])
def test_other_roles_are_refused(request, history, persona):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL, {"deelaanlevering": "MMYIKNL"}).status_code == 403


def test_an_unknown_sub_delivery_is_not_found(history, operator):
    assert logged_in(operator).get(URL, {"deelaanlevering": "NOPE"}).status_code == 404


def test_a_sub_delivery_without_deliveries_says_so(registries, operator):
    response = logged_in(operator).get(URL, {"deelaanlevering": "CAT"})
    assert "Er zijn in deze dagen geen productieaanleveringen" in text_of(response)


def _redeliveries(sub_delivery, institutions, numbers: range) -> None:
    """Processed production deliveries of 2026K1 made in bulk on days of May 2026 (within the
    page's range): many redeliveries of one period, of which the latest counts."""
    import datetime as dt

    from datahub.deliveries.models import Channel, Delivery, Status

    version = sub_delivery.versions.get()
    units = [inst.units.get(number=0) for inst in institutions]
    rows = Delivery.objects.bulk_create(
        Delivery(
            institution=institutions[n % 2],
            unit=units[n % 2],
            sub_delivery=sub_delivery,
            dictionary_version=version,
            channel=Channel.PORTAL,
            status=Status.PROCESSED,
            period="2026K1",
            sequence_number=100_000 + n,
            creation_date=dt.date(2026, 5, 1),
            file_name=f"{n}.csv",
        )
        for n in numbers
    )
    moment = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    Delivery.objects.unscoped().filter(pk__in=[d.pk for d in rows]).update(submitted_at=moment)


@sqlite_only
def test_the_latest_delivery_of_each_period_is_found_without_comparing_every_pair(
    registries, institution, other_institution, operator
):
    """Each delivery was compared with every delivery of its institution's sub-delivery (a
    ``NOT EXISTS`` newer one): ten times the redeliveries took a hundred times the work."""
    from datahub.dictionaries.models import SubDelivery

    sub_delivery = SubDelivery.objects.get(code="MMYIKNL")
    client, query, work, made = logged_in(operator), URL + "?deelaanlevering=MMYIKNL", [], 0
    for n in (200, 2_000):
        _redeliveries(sub_delivery, [institution, other_institution], range(made, n))
        made = n
        work.append(page_work(client, query))
    # before: [425,740, 36,652,550] steps; numbered in one sort: [55,380, 544,980]
    assert work[1] < 15 * work[0], work
    rates = _rows(client.get(query), "Fouten per record per zorginstelling")
    assert [row[1] for row in rates[1:]] == ["1", "1"]  # one delivery counts per institution
