"""The details of a delivery: Voortgang, Verslag (paged, filtered), Exporteer."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from lxml import html

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import intake, reports
from tests.conftest import logged_in
from tests.deliveries.conftest import cat_csv, deliver, metadata
from tests.html import language_at


@pytest.fixture
def delivery(cataract, institution, submitter, django_capture_on_commit_callbacks):
    data = cat_csv(
        8,
        **{
            "1": {"Geslacht": "7"},
            "2": {"VaCCPO": '=HYPERLINK("x")'},
            "3": {"Operatiedatum": "2020-02-30"},
        },
    )
    return deliver(institution, submitter, data, capture=django_capture_on_commit_callbacks)


def test_voortgang_shows_status_and_counts(delivery, submitter):
    page = logged_in(submitter).get(reverse("portal:delivery", args=[delivery.pk])).content.decode()
    assert "Verwerkt met fouten" in page
    assert delivery.file_name in page
    assert f"<td>{delivery.error_count}</td>" in page


def test_the_progress_table_polls_only_while_processing(delivery, submitter):
    client = logged_in(submitter)
    url = reverse("portal:delivery_progress", args=[delivery.pk])
    assert "hx-trigger" not in client.get(url).content.decode()
    type(delivery).objects.unscoped().filter(pk=delivery.pk).update(status="in_verwerking")
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()


def test_the_end_of_processing_is_announced_in_a_region_that_stays_in_the_page(delivery, submitter):
    client = logged_in(submitter)
    page = client.get(reverse("portal:delivery", args=[delivery.pk])).content.decode()
    assert '<div id="progress-status" role="status" class="visually-hidden"></div>' in page
    polled = client.get(reverse("portal:delivery_progress", args=[delivery.pk])).content.decode()
    assert '<div id="progress-status" hx-swap-oob="innerHTML">' in polled
    assert "De verwerking is klaar: Verwerkt met fouten" in polled
    type(delivery).objects.unscoped().filter(pk=delivery.pk).update(status="in_verwerking")
    polled = client.get(reverse("portal:delivery_progress", args=[delivery.pk])).content.decode()
    assert "progress-status" not in polled  # nothing to announce while it runs


def test_verslag_lists_every_finding_with_the_report_fields_and_is_logged(delivery, submitter):
    page = (
        logged_in(submitter)
        .get(reverse("portal:delivery", args=[delivery.pk]), {"tab": "verslag"})
        .content.decode()
    )
    for text in ("OperatieID", "PatientCode", "001_RefTab", "004", "Record fout", "11000001"):
        assert text in page, text
    event = AuditEvent.objects.get(action=Action.VIEW, object_id=str(delivery.pk))
    # which findings were shown: their records, and how they were chosen
    assert event.detail == {"page": 1, "code": "", "level": "", "records": [1, 2, 3]}
    logged_in(submitter).get(
        reverse("portal:delivery", args=[delivery.pk]), {"tab": "verslag", "code": "004"}
    )
    latest = AuditEvent.objects.filter(action=Action.VIEW).order_by("-id").first()
    assert latest.detail == {"page": 1, "code": "004", "level": "", "records": [2, 3]}


def test_verslag_filters_by_code_and_level(delivery, submitter):
    client = logged_in(submitter)
    url = reverse("portal:delivery", args=[delivery.pk])
    page = client.get(url, {"tab": "verslag", "code": "004"}).content.decode()
    assert "2020-02-30" in page
    assert "001_RefTab</td>" not in page
    page = client.get(url, {"tab": "verslag", "niveau": "waarschuwing"}).content.decode()
    assert "001_RefTab</td>" not in page
    # the selection is empty, not the report
    assert "Geen bevindingen voor deze selectie." in page and "Geen fouten of" not in page


def test_the_level_filter_speaks_the_readers_language(delivery, submitter):
    client = logged_in(submitter)
    url = reverse("portal:delivery", args=[delivery.pk])
    assert (
        '<option value="fout">Record fout</option>'
        in client.get(url, {"tab": "verslag"}).content.decode()
    )
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url, {"tab": "verslag"}).content.decode()
    for key, label in (
        ("afkeur", "Rejection"),
        ("fout", "Record error"),
        ("waarschuwing", "Warning"),
    ):
        assert f'<option value="{key}">{label}</option>' in page


def test_export_is_csv_with_bom_and_neutralised_formulas_and_is_logged(delivery, submitter):
    response = logged_in(submitter).get(reverse("portal:delivery_export", args=[delivery.pk]))
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Recordnummer", "OperatieID"]
    assert rows[0][-5:] == ["Fout / waarschuwing", "Foutcode", "Veld", "Waarde", "Omschrijving"]
    assert len(rows) == 1 + delivery.findings.count()
    assert not any(cell.startswith(("=", "+", "@")) for row in rows[1:] for cell in row)
    # the level in the manual's words ("Record fout"), not the JSON's key ("fout")
    levels = {row[-5] for row in rows[1:]}
    assert levels and levels <= {"Record fout", "Waarschuwing", "Afkeur"}, levels
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(delivery.pk)).exists()


def test_export_of_a_selection_holds_the_findings_the_report_tab_shows(delivery, submitter):
    """The filtered report offered "Exporteer", which gave every finding (a walkthrough
    review): it exports the selection now, and says so."""
    client = logged_in(submitter)
    url = reverse("portal:delivery", args=[delivery.pk])
    page = html.fromstring(client.get(url, {"tab": "verslag", "code": "001_RefTab"}).content)
    [link] = page.xpath("//a[text()='Exporteer selectie']")
    assert not page.xpath("//a[text()='Exporteer']")
    response = client.get(link.get("href"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    selected = delivery.findings.filter(code="001_RefTab").count()
    assert 0 < selected < delivery.findings.count()
    assert len(rows) == 1 + selected and {row[-4] for row in rows[1:]} == {"001_RefTab"}
    both = client.get(link.get("href") + "&niveau=waarschuwing")
    assert len(list(csv.reader(io.StringIO(b"".join(both.streaming_content).decode())))) == 1
    event = AuditEvent.objects.filter(action=Action.EXPORT).latest("id")
    assert event.detail == {"code": "001_RefTab", "level": "waarschuwing"}
    unfiltered = html.fromstring(client.get(url, {"tab": "verslag"}).content)
    assert unfiltered.xpath("//a[text()='Exporteer']/@href") == [
        reverse("portal:delivery_export", args=[delivery.pk])
    ]


def test_another_institutions_delivery_is_not_found_and_logged(delivery, outsider):
    client = logged_in(outsider)
    for name in ("portal:delivery", "portal:delivery_progress", "portal:delivery_export"):
        assert client.get(reverse(name, args=[delivery.pk])).status_code == 404
    assert AuditEvent.objects.filter(action=Action.DENIED, actor=outsider).count() == 3


def test_the_report_pages_quickly_with_many_findings(
    delivery, submitter, django_assert_max_num_queries
):
    from datahub.deliveries.models import Finding

    Finding.objects.bulk_create(
        Finding(
            delivery=delivery,
            position=1000 + n,
            record=n,
            level="fout",
            code="002",
            field="ODS",
            message="ODS is verplicht maar niet gevuld",
            keys={},
        )
        for n in range(3000)
    )
    client = logged_in(submitter)
    with django_assert_max_num_queries(20):
        page = client.get(
            reverse("portal:delivery", args=[delivery.pk]), {"tab": "verslag", "page": 20}
        )
    assert page.status_code == 200
    assert page.context["codes"] == ["001_RefTab", "002", "004"]
    # the JSON report streams them in batches, in order, as one valid document
    chunks = list(reports.json_chunks(delivery))
    assert len(chunks) > 4
    report = json.loads(b"".join(chunks))
    assert len(report["findings"]) == delivery.findings.count() > 3000
    assert [f["record"] for f in report["findings"][-3000:]] == list(range(3000))
    assert report["findings"][-1]["field"] == "ODS" and report["findings"][-1]["keys"] == {}


def test_the_report_speaks_the_readers_language(delivery, submitter):
    client = logged_in(submitter)
    url = reverse("portal:delivery", args=[delivery.pk])
    dutch = client.get(url, {"tab": "verslag"}).content.decode()
    assert "Geslacht bevat waarde 7, deze komt niet voor in de referentielijst" in dutch
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(url, {"tab": "verslag"}).content.decode()
    assert "Geslacht contains value 7, which is not in the reference list" in english
    assert "Operatiedatum contains value 2020-02-30, which is not a valid date" in english
    assert "referentielijst" not in english and "geen geldige" not in english
    # the stored report (and so its CSV export and the API) stays as the hub wrote it
    assert delivery.findings.filter(message__contains="referentielijst").exists()


def test_a_registry_rules_message_is_marked_dutch_in_the_english_report(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    """A rule's message is the registry's own text, in Dutch only: a screen reader must read
    it as Dutch on an English page (WCAG 3.1.2); the hub's own messages are translated."""
    data = cat_csv(3, **{"1": {"Geslacht": "7"}, "2": {"Techniek": "1", "IOLType": ""}})
    delivery = deliver(institution, submitter, data, capture=django_capture_on_commit_callbacks)
    client = logged_in(submitter)
    url = reverse("portal:delivery", args=[delivery.pk])
    dutch = client.get(url, {"tab": "verslag"})
    assert language_at(dutch, "IOLType is verplicht") == "nl"  # the page's own
    assert 'lang="nl"' not in dutch.content.decode().split("<table", 1)[1]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(url, {"tab": "verslag"})
    assert language_at(english, "IOLType is verplicht") == "nl"
    assert language_at(english, "Geslacht contains value 7") == "en"


def test_the_empty_report_row_spans_every_column(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    valid = deliver(institution, submitter, cat_csv(3), capture=django_capture_on_commit_callbacks)
    page = logged_in(submitter).get(reverse("portal:delivery", args=[valid.pk]), {"tab": "verslag"})
    table = html.fromstring(page.content).xpath("//table[.//td[@colspan]]")[0]
    columns = len(table.xpath("thead/tr/th"))
    assert columns == 1 + len(reports.report_fields(valid)) + 5
    assert table.xpath(".//td[@colspan]")[0].get("colspan") == str(columns)


def test_a_delivery_rejected_for_its_share_of_errors_says_so(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = cat_csv(4, **{str(i): {"Geslacht": "7"} for i in range(1, 5)})
    with django_capture_on_commit_callbacks(execute=True):
        rejected = intake.submit(
            metadata(), [data], size=len(data), institution=institution,
            channel="Webportaal", actor=submitter,
        )  # fmt: skip
    client = logged_in(submitter)
    page = client.get(reverse("portal:delivery", args=[rejected.pk])).content.decode()
    assert "Afgekeurd" in page
    assert "Meer dan 50 % van de records bevat een recordfout; daarom is de hele" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("portal:delivery", args=[rejected.pk]), {"tab": "verslag"})
    assert "More than 50 % of the records have a record error" in page.content.decode()


def test_no_share_notice_for_a_file_level_rejection_or_a_processed_delivery(
    delivery, cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = cat_csv(2).replace(b"OperatieID", b"OperatieIDX", 1)
    with django_capture_on_commit_callbacks(execute=True):
        broken = intake.submit(
            metadata(2), [data], size=len(data), institution=institution,
            channel="Webportaal", actor=submitter,
        )  # fmt: skip
    client = logged_in(submitter)
    for shown in (broken, delivery):
        shown.refresh_from_db()
        page = client.get(reverse("portal:delivery", args=[shown.pk])).content.decode()
        assert "recordfout; daarom" not in page
    assert broken.status == "afgekeurd"


@pytest.mark.parametrize("reader", ["submitter", "local_admin"])
def test_a_file_stored_under_a_built_name_shows_its_original_name_escaped(
    cataract, institution, submitter, reader, request, django_capture_on_commit_callbacks
):
    own = "cataract <b>nov<b> & dec.csv"  # markup, but no "/": a name may not hold a path
    delivered = deliver(
        institution,
        submitter,
        cat_csv(2),
        capture=django_capture_on_commit_callbacks,
        file_name=own,
    )
    assert delivered.file_name == "11111111_0_CAT_1.4_1_20261128_PROD.csv"  # built from fields
    url = reverse("portal:delivery", args=[delivered.pk])
    shown = logged_in(request.getfixturevalue(reader)).get(url).content.decode()
    assert "<dt>Oorspronkelijke bestandsnaam</dt>" in shown
    assert '<dd class="mono">cataract &lt;b&gt;nov&lt;b&gt; &amp; dec.csv</dd>' in shown
    assert "<b>nov" not in shown


def test_a_file_delivered_under_its_conventional_name_shows_no_original_name(delivery, submitter):
    page = logged_in(submitter).get(reverse("portal:delivery", args=[delivery.pk]))
    assert delivery.file.original_name == delivery.file_name
    assert "Oorspronkelijke bestandsnaam" not in page.content.decode()
