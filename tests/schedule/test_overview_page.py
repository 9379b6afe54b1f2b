"""Overzicht: missing, upcoming, rejected and erroneous — each rule on both sides of its edge."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datahub.deliveries.models import Status
from datahub.institutions.models import Unit
from tests.conftest import logged_in
from tests.schedule.conftest import days, deliver

pytestmark = pytest.mark.usefixtures("registries")


def tables(user) -> dict[str, dict]:
    response = logged_in(user).get(reverse("portal:overview"))
    assert response.status_code == 200
    return {t["name"]: t for t in response.context["tables"]}


def expected_rows(table: dict) -> list[tuple[str, str, dt.date]]:
    return [(e.sub_delivery.code, e.period, e.deadline) for e in table["rows"]]


def test_missing_shows_passed_deadlines_without_delivery_oldest_first(submitter):
    assert expected_rows(tables(submitter)["missend"]) == [
        ("CAT", "TOTAAL", dt.date(2026, 4, 10)),
        ("MMYIKNL", "2026K1", dt.date(2026, 5, 1)),
    ]


def test_a_deadline_today_is_upcoming_not_missing(submitter):
    """It was on neither table (the manual's "vanaf morgen"): on its most urgent day the start
    page said nothing of it (two reviews)."""
    shown = tables(submitter)
    assert "2025K4" not in [r[1] for r in expected_rows(shown["missend"])]
    assert expected_rows(shown["komend"])[0] == ("MMYIKNL", "2025K4", days(0))


def test_upcoming_runs_from_today_to_thirty_days_ahead(submitter):
    assert expected_rows(tables(submitter)["komend"]) == [
        ("MMYIKNL", "2025K4", days(0)),
        ("MMYIKNL", "2026K2", days(1)),
        ("CAT", "TOTAAL", days(30)),
    ]


@pytest.mark.parametrize(
    ("status", "is_test", "still_missing"),
    [
        (Status.PROCESSED, False, False),
        (Status.ERRORS, False, False),
        (Status.WARNINGS, False, False),
        (Status.RECEIVED, False, False),
        (Status.REJECTED, False, True),
        (Status.PROCESSED, True, True),
    ],
)
def test_only_an_accepted_production_delivery_fills_a_missing_period(
    submitter, institution, status, is_test, still_missing
):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-3), status=status, is_test=is_test)
    periods = [r[1] for r in expected_rows(tables(submitter)["missend"])]
    assert ("2026K1" in periods) is still_missing


def test_a_late_delivery_still_fills_its_period(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-1))
    assert "2026K1" not in [r[1] for r in expected_rows(tables(submitter)["missend"])]


def test_a_delivered_upcoming_period_is_no_longer_upcoming(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K2", on=days(-1))
    assert [r[1] for r in expected_rows(tables(submitter)["komend"])] == ["2025K4", "TOTAAL"]


def test_a_totaal_delivery_fills_the_deadlines_up_to_the_first_after_it(submitter, institution):
    deliver(institution, "CAT", "TOTAAL", on=days(-1))
    shown = tables(submitter)
    assert ("CAT", "TOTAAL", dt.date(2026, 4, 10)) not in expected_rows(shown["missend"])
    assert ("CAT", "TOTAAL", days(30)) not in expected_rows(shown["komend"])


def test_a_totaal_delivery_before_the_previous_deadline_does_not_count_for_the_next(
    submitter, institution
):
    deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 4, 10))
    shown = tables(submitter)
    assert ("CAT", "TOTAAL", dt.date(2026, 4, 10)) not in expected_rows(shown["missend"])
    assert ("CAT", "TOTAAL", days(30)) in expected_rows(shown["komend"])


def test_another_institutions_delivery_fills_nothing_here(submitter, other_institution):
    deliver(other_institution, "MMYIKNL", "2026K1", on=days(-3))
    assert "2026K1" in [r[1] for r in expected_rows(tables(submitter)["missend"])]


def finding_rows(user) -> list[tuple[str, str, str]]:
    return [(d.sub_delivery.code, d.period, d.status) for d in tables(user)["afgekeurd"]["rows"]]


def test_rejected_erroneous_and_warned_deliveries_are_listed_newest_first(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2025K4", on=days(-8), status=Status.ERRORS)
    deliver(institution, "CAT", "TOTAAL", on=days(-7), status=Status.WARNINGS)
    deliver(institution, "MMYIKNL", "2026K2", on=days(-6), status=Status.PROCESSED)
    assert finding_rows(submitter) == [
        ("CAT", "TOTAAL", Status.WARNINGS),
        ("MMYIKNL", "2025K4", Status.ERRORS),
        ("MMYIKNL", "2026K1", Status.REJECTED),
    ]


def test_a_newer_delivery_with_findings_replaces_the_older_one(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.ERRORS)
    assert finding_rows(submitter) == [("MMYIKNL", "2026K1", Status.ERRORS)]


def test_a_newer_delivery_without_findings_makes_the_row_go(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.PROCESSED)
    assert finding_rows(submitter) == []


def test_a_clean_delivery_of_another_unit_leaves_the_row(submitter, institution):
    """Each unit (location) delivers its own records: its clean delivery fixes no other's."""
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.PROCESSED, unit=1)
    assert finding_rows(submitter) == [("MMYIKNL", "2026K1", Status.REJECTED)]
    deliver(institution, "MMYIKNL", "2026K1", on=days(-1), status=Status.ERRORS, unit=1)
    assert finding_rows(submitter) == [
        ("MMYIKNL", "2026K1", Status.ERRORS),
        ("MMYIKNL", "2026K1", Status.REJECTED),
    ]
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert "(instellingsonderdeel 1)" in page  # the rows of both units can be told apart
    assert "periode=2026K1&amp;onderdeel=1" in page  # and Aanleveren opens for that unit
    assert "periode=2026K1&amp;onderdeel=0" in page
    deliver(institution, "MMYIKNL", "2026K1", on=days(0), status=Status.PROCESSED)
    assert finding_rows(submitter) == [("MMYIKNL", "2026K1", Status.ERRORS)]


def test_a_newer_delivery_still_being_processed_leaves_the_row(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.PROCESSING)
    assert finding_rows(submitter) == [("MMYIKNL", "2026K1", Status.REJECTED)]


def test_test_deliveries_neither_show_nor_replace(submitter, institution):
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.PROCESSED, is_test=True)
    deliver(institution, "MMYIKNL", "2025K4", on=days(-2), status=Status.ERRORS, is_test=True)
    assert finding_rows(submitter) == [("MMYIKNL", "2026K1", Status.REJECTED)]


def test_each_table_shows_five_rows_and_the_count_of_all(submitter, institution):
    for n in range(7):
        deliver(institution, "MMYIKNL", f"2020M{n + 1:02d}", on=days(-n), status=Status.ERRORS)
    response = logged_in(submitter).get(reverse("portal:overview"))
    table = {t["name"]: t for t in response.context["tables"]}["afgekeurd"]
    assert len(table["rows"]) == 5 and table["total"] == 7
    assert ">5/7<" in response.content.decode()


def test_full_overview_shows_every_row(submitter, institution):
    for n in range(7):
        deliver(institution, "MMYIKNL", f"2020M{n + 1:02d}", on=days(-n), status=Status.ERRORS)
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert reverse("portal:overview_table", args=["afgekeurd"]) in page
    full = logged_in(submitter).get(reverse("portal:overview_table", args=["afgekeurd"]))
    assert len(full.context["page"].object_list) == 7


@pytest.mark.parametrize(("table", "rows"), [("missend", 2), ("komend", 3)])
def test_full_overview_of_the_expected_tables(submitter, table, rows):
    full = logged_in(submitter).get(reverse("portal:overview_table", args=[table]))
    assert full.status_code == 200
    assert len(full.context["page"].object_list) == rows


def test_an_unknown_table_is_not_found(submitter):
    response = logged_in(submitter).get(reverse("portal:overview_table", args=["alles"]))
    assert response.status_code == 404


def upload_links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(/aanleveren/\?[^"]*)"', page)]


def test_aanleveren_opens_the_upload_page_pre_filled(submitter, institution):
    client = logged_in(submitter)
    links = upload_links(client.get(reverse("portal:overview")).content.decode())
    assert reverse("portal:upload") + "?code=MMYIKNL&periode=2026K1" in links
    form = client.get(reverse("portal:upload") + "?code=MMYIKNL&periode=2026K1").context["form"]
    assert form.initial["code"] == "MMYIKNL"
    assert form.initial["period"] == "2026K1"
    # the version in force, and the unit where the institution has only one (they were left
    # empty; a product review)
    assert (form.initial["unit"], form.initial["version"]) == (None, "9.1")  # two units
    Unit.objects.for_institution(institution).filter(number=1).delete()
    form = client.get(reverse("portal:upload") + "?code=MMYIKNL&periode=2026K1").context["form"]
    assert (form.initial["unit"], form.initial["version"]) == (0, "9.1")


def test_the_rejected_rows_link_to_details_and_upload(submitter, institution):
    delivery = deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.REJECTED)
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert reverse("portal:delivery", args=[delivery.pk]) in page
    assert reverse("portal:upload") + "?code=MMYIKNL&periode=2026K1" in upload_links(page)


def count_queries(client, url: str) -> int:
    client.get(url)  # the first request of a session does more
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_deliveries(
    submitter, institution, django_assert_max_num_queries
):
    client, url = logged_in(submitter), reverse("portal:overview")
    deliver(institution, "MMYIKNL", "2026K1", on=days(-9), status=Status.REJECTED)
    few = count_queries(client, url)
    for n in range(40):
        status = (Status.ERRORS, Status.PROCESSED, Status.REJECTED)[n % 3]
        deliver(institution, "MMYIKNL", f"2020M{n % 12 + 1:02d}", on=days(-n), status=status)
        deliver(institution, "CAT", "TOTAAL", on=days(-n), status=status)
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(12):
        client.get(url)


def test_a_registry_delivered_through_the_api_offers_no_upload_but_says_how(
    submitter, institution, operator
):
    from datahub.dictionaries import services as dictionaries
    from datahub.dictionaries.models import Method, Registry

    deliver(institution, "MMYIKNL", "2026K1", on=days(-2), status=Status.REJECTED)
    registry = Registry.objects.get(sub_deliveries__code="MMYIKNL")
    dictionaries.set_method(
        actor=operator, institution=institution, registry=registry, method=Method.API
    )
    client = logged_in(submitter)
    pages = ("portal:overview", "portal:delivered", "portal:expected")
    for url in map(reverse, pages):
        page = client.get(url).content.decode()
        assert not [link for link in upload_links(page) if "MMYIKNL" in link], url
        assert "via API" in page, url
    page = client.get(reverse("portal:overview")).content.decode()
    assert any("code=CAT" in link for link in upload_links(page))  # still through the portal
    assert '<th scope="col">Details</th>' in page and '<th scope="col">Upload</th>' in page


def test_an_ended_participation_still_delivers_the_periods_it_covered(
    submitter, institution, operator
):
    """The schedule expects 2026K1 of a participation that ended in March; the upload must
    then accept it (it refused every delivery once the participation had ended)."""
    import datetime as dt

    from datahub.deliveries import intake
    from datahub.dictionaries import services as dictionaries
    from datahub.dictionaries.models import SubDelivery

    sub_delivery = SubDelivery.objects.get(code="MMYIKNL")
    dictionaries.set_participation(
        actor=operator, institution=institution, sub_delivery=sub_delivery,
        since=dt.date(2025, 10, 1), until=dt.date(2026, 3, 31),
    )  # fmt: skip
    missing = [(row.sub_delivery.code, row.period) for row in tables(submitter)["missend"]["rows"]]
    assert ("MMYIKNL", "2026K1") in missing
    metadata = intake.metadata_from_name("11111111_0_MMYIKNL_9.1_1_20260610_PROD.csv")
    for period, takes_part in (("2026K1", True), ("2025K4", True), ("2026K2", False)):
        metadata.period = period
        problems = intake.check(metadata, institution, "Webportaal").problems
        refused = "Uw zorginstelling neemt niet deel aan MMYIKNL." in problems.get("code", [])
        assert refused is not takes_part, (period, problems)


EXPECTED_LINK = f'<a href="{reverse("portal:expected")}">'
EMPTY_TEXTS = {
    "missend": "Niets is te laat: elke aanlevering waarvan de deadline is verstreken, is "
    "aangeleverd.",
    "komend": "Er zijn geen aanleveringen met een deadline van vandaag tot en met 30 dagen in de "
    f"toekomst. Alle verwachte aanleveringen staan op de pagina {EXPECTED_LINK}Verwacht</a>.",
    "afgekeurd": "Er zijn geen afgekeurde of foutieve aanleveringen die opnieuw moeten worden "
    "aangeleverd.",
}


def deliver_everything_due(institution) -> None:
    """Every deadline up to 30 days ahead delivered, accepted (2025K4's is today)."""
    deliver(institution, "CAT", "TOTAAL", on=days(-1))
    for period in ("2025K4", "2026K1", "2026K2"):
        deliver(institution, "MMYIKNL", period, on=days(-1))


def test_each_empty_table_of_overzicht_says_what_its_emptiness_means(submitter, institution):
    deliver_everything_due(institution)
    response = logged_in(submitter).get(reverse("portal:overview"))
    assert all(t["total"] == 0 for t in response.context["tables"])
    page = " ".join(response.content.decode().split())
    for text in EMPTY_TEXTS.values():
        assert text in page, text
    assert "Niets te tonen" not in page


@pytest.mark.parametrize("table", EMPTY_TEXTS)
def test_an_empty_full_overview_says_what_its_emptiness_means(submitter, institution, table):
    deliver_everything_due(institution)
    response = logged_in(submitter).get(reverse("portal:overview_table", args=[table]))
    page = " ".join(response.content.decode().split())
    assert EMPTY_TEXTS[table] in page
    assert [text for name, text in EMPTY_TEXTS.items() if name != table and text in page] == []


def test_the_empty_upcoming_table_speaks_english_too(submitter, institution):
    deliver_everything_due(institution)
    client = logged_in(submitter)
    client.cookies["django_language"] = "en"
    page = " ".join(client.get(reverse("portal:overview")).content.decode().split())
    assert (
        "No delivery is due from today up to and including 30 days ahead. All expected "
        f"deliveries are on the page {EXPECTED_LINK}Expected</a>."
    ) in page
