"""Datakwaliteit: the numbers shown, the charts, the institution boundary, the choices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html

from datahub.audit.models import Action, AuditEvent
from tests.conftest import logged_in
from tests.html import text_of
from tests.quality.conftest import with_counts

URL = reverse("portal:quality")


def _rows(response, heading: str) -> list[list[str]]:
    """The rows of the table of the section with ``heading``: each cell's text."""
    document = html.fromstring(response.content)
    section = next(
        s for s in document.iter("section") if s.find(".//h2").text_content().strip() == heading
    )
    return [
        [" ".join(cell.text_content().split()) for cell in row.iter("th", "td")]
        for row in section.iter("tr")
    ]


def test_the_page_shows_each_periods_deliveries_and_the_counts_of_the_one_that_counts(
    history, submitter
):
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    assert response.status_code == 200
    statuses = _rows(response, "Aanleveringen per periode")
    assert statuses[0][:3] == ["Periode", "Aanleveringen", "Verwerkt"]
    assert statuses[1] == ["2025K4", "2", "1", "0", "1", "0", "0", "0", "Verwerkt"]
    warned = "Verwerkt met waarschuwingen"
    assert statuses[2] == ["2026K1", "1", "0", "1", "0", "0", "0", "0", warned]
    rates = _rows(response, "Fouten en waarschuwingen per record")
    assert rates[2] == ["2026K1", "20", "20", "0", "0", "2", "0,00", "0,10", "0,0 %"]
    codes = _rows(response, "Meest voorkomende foutcodes")
    assert codes[1:] == [["W020", "0", "2", "2"]]
    fields = _rows(response, "Velden met de meeste bevindingen")
    assert fields[1:] == [["GEWICHT", "0", "2", "2"]]


def test_every_chart_is_an_image_with_a_title_and_a_description(history, submitter):
    with_counts(history["third"], Respons=0)
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    document = html.fromstring(response.content)
    charts = document.xpath("//*[local-name()='svg' and @role='img']")
    assert {c.get("id") for c in charts} == {
        "chart-statuses",
        "chart-rates",
        "chart-codes",
        "chart-fields",
        "chart-completeness",
    }
    for chart in charts:
        title = chart.xpath("./*[local-name()='title']")[0].text_content()
        desc = chart.xpath("./*[local-name()='desc']")[0].text_content()
        assert title and desc
        assert chart.get("aria-labelledby") == f"{chart.get('id')}-title {chart.get('id')}-desc"
    bars = document.xpath("//*[@id='chart-statuses']//*[local-name()='rect']/*")
    assert "2025K4: Verwerkt met fouten 1" in [b.text_content() for b in bars]


def test_completeness_shows_per_field_the_share_with_a_value_least_complete_first(
    history, submitter
):
    with_counts(history["first"], Respons=0)  # corrected: does not count
    with_counts(history["second"], Geslacht=9, Respons=5, Overlijdensdatum=1)
    with_counts(history["third"], Respons=20, Overlijdensdatum=0)
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    rows = _rows(response, "Volledigheid per veld")
    assert rows[0] == [
        "Veld",
        "Verplicht",
        "Records",
        "Records met een waarde",
        "Aandeel met een waarde",
    ]
    assert rows[1:5] == [
        ["Overlijdensdatum", "nee", "30", "1", "3,3 %"],
        ["Respons", "nee", "30", "25", "83,3 %"],
        ["Geslacht", "ja", "30", "29", "96,6 %"],  # rounded down: only complete is 100 %
        ["PatientCode", "ja", "30", "30", "100,0 %"],
    ]
    assert len(rows) == 1 + 11
    document = html.fromstring(response.content)
    chart = document.get_element_by_id("chart-completeness")
    assert chart.get("role") == "img"
    assert chart.xpath("./*[local-name()='title']")[0].text_content() == "Volledigheid per veld"
    bars = [b.text_content() for b in chart.xpath(".//*[local-name()='rect']/*")]
    assert bars[:3] == [
        "Overlijdensdatum: Optioneel veld 3,3 %",
        "Respons: Optioneel veld 83,3 %",
        "Geslacht *: Verplicht veld (*) 96,6 %",
    ]
    labels = [t.text_content() for t in chart.xpath(".//*[@class='chart__label']")]
    assert labels[:4] == ["Overlijdensdatum", "Respons", "Geslacht *", "PatientCode *"]
    assert "Verplicht veld (*)" in text_of(response)  # the legend
    assert "weggelaten" not in text_of(response)  # every delivery that counts has counts


def test_deliveries_without_counts_are_left_out_of_completeness_with_a_note(history, submitter):
    with_counts(history["second"], Respons=5)  # the third was processed before: no counts
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    assert _rows(response, "Volledigheid per veld")[1] == ["Respons", "nee", "10", "5", "50,0 %"]
    note = html.fromstring(response.content).get_element_by_id("completeness-note")
    assert " ".join(note.text_content().split()) == (
        "1 aanlevering die telt is weggelaten: er zijn geen aantallen per veld van, omdat ze "
        "verwerkt is voordat de hub die bijhield of als bestand is afgekeurd."
    )


def test_without_any_counts_the_page_says_so_instead_of_a_chart(history, submitter):
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    text = text_of(response)
    assert "Nog geen van de aanleveringen die tellen heeft aantallen per veld." in text
    assert "2 aanleveringen die tellen zijn weggelaten" in text
    assert b'id="chart-completeness"' not in response.content


def test_completeness_is_shown_in_english_too(history, submitter):
    with_counts(history["second"], Respons=5)
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(URL, {"deelaanlevering": "MMYIKNL"})
    assert _rows(response, "Completeness per field")[1] == ["Respons", "no", "10", "5", "50.0 %"]
    assert "1 delivery that counts is left out" in text_of(response)


def test_another_institutions_deliveries_and_findings_never_show(history, outsider, submitter):
    ours = text_of(logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"}))
    assert "OUTSIDER" not in ours and "BUITEN" not in ours
    theirs = text_of(logged_in(outsider).get(URL, {"deelaanlevering": "MMYIKNL"}))
    assert "OUTSIDER" in theirs
    assert "W020" not in theirs and "GEWICHT" not in theirs and "2025K4" not in theirs


def test_no_value_of_a_finding_is_shown(history, submitter):
    response = logged_in(submitter).get(URL, {"deelaanlevering": "MMYIKNL"})
    assert "geheim" not in response.content.decode()


def test_a_sub_delivery_the_institution_does_not_take_part_in_is_not_found_and_logged(
    history, submitter
):
    response = logged_in(submitter).get(URL, {"deelaanlevering": "NOPE"})
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.actor == submitter and "NOPE" in event.description


def test_the_first_sub_delivery_and_the_last_two_years_are_chosen_by_default(history, submitter):
    response = logged_in(submitter).get(URL)
    form = response.context["form"]
    assert form.cleaned_data["van"] == dt.date(2024, 6, 15)
    assert form.cleaned_data["tot"] == dt.date(2026, 6, 15)
    assert response.context["board"] is not None


def test_days_without_deliveries_say_so(history, submitter):
    response = logged_in(submitter).get(
        URL, {"deelaanlevering": "MMYIKNL", "van": "2020-01-01", "tot": "2020-12-31"}
    )
    assert "Er zijn in deze dagen geen productieaanleveringen" in text_of(response)
    assert b"<svg" not in response.content


def test_an_end_before_the_start_is_refused_with_a_message(history, submitter):
    response = logged_in(submitter).get(
        URL, {"deelaanlevering": "MMYIKNL", "van": "2026-06-01", "tot": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "De einddatum ligt voor de begindatum." in text_of(response)
    assert response.context["board"] is None


def test_an_institution_without_registries_is_told_so(submitter):
    response = logged_in(submitter).get(URL)
    assert response.status_code == 200
    assert "neemt nog aan geen enkele registratie deel" in text_of(response)


def test_the_menu_shows_data_quality_to_the_delivery_roles(submitter, clinician):
    assert URL in logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert logged_in(clinician).get(URL).status_code == 403


@pytest.mark.parametrize("extra", [0, 12])
def test_the_page_needs_the_same_queries_whatever_the_deliveries(
    registries, institution, submitter, django_assert_max_num_queries, extra
):
    from tests.quality.conftest import with_results
    from tests.schedule.conftest import deliver

    for n in range(extra):
        delivery = deliver(
            institution, "MMYIKNL", ["2025K4", "2026K1"][n % 2], on=dt.date(2026, 5, 1 + n)
        )
        with_counts(with_results(delivery, records=3, findings=[("fout", f"E{n}", f"F{n}")]))
    client = logged_in(submitter)
    client.get(URL)
    with django_assert_max_num_queries(15):
        assert client.get(URL, {"deelaanlevering": "MMYIKNL"}).status_code == 200


@pytest.mark.parametrize(
    "dates",
    [{"tot": "9999-12-31"}, {"van": "0001-01-01"}, {"van": "0001-01-01", "tot": "9999-12-31"}],
)
def test_dates_at_the_ends_of_the_calendar_show_the_page(history, submitter, operator, dates):
    """A date far ahead or far back means "everything": the page, not a server error."""
    for user, url in ((submitter, URL), (operator, reverse("portal:operator_quality"))):
        response = logged_in(user).get(url, {"deelaanlevering": "MMYIKNL", **dates})
        assert response.status_code == 200, (url, dates)
