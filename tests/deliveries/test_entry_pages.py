"""Invoeren, through the pages: a clinician enters, checks, saves, edits, deletes and delivers;
nobody else gets near the batch, and a registry not delivered by hand is refused plainly."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import entry
from datahub.deliveries.models import Channel, Delivery, EntryDraft, Status
from datahub.validation import validate_records
from tests.conftest import logged_in
from tests.html import language_at, text_of
from tests.validation.helpers import cat_row

FORM = reverse("portal:entry_form", args=["CAT"])


def _post(client, url, values, **extra):
    return client.post(url, {**values, **extra})


@pytest.fixture
def arts(clinician, cataract_entry, institution):
    client = logged_in(clinician)
    return client


def _menu_link(url: str) -> str:
    return f'<li><a href="{url}"'


def _drafts(institution):
    return EntryDraft.objects.for_institution(institution)


def test_the_menu_offers_invoeren_only_where_a_registry_is_entered_by_hand(
    clinician, institution, operator, cataract
):
    page = logged_in(clinician).get(reverse("portal:entry"))
    assert page.status_code == 200
    assert _menu_link(reverse("portal:entry")) not in page.content.decode()
    assert "levert geen registratie via het invoerportaal aan" in text_of(page)


def test_the_entry_page_leads_a_clinician_to_the_form_of_the_registry(arts):
    response = arts.get(reverse("portal:entry"))
    assert response.status_code == 302 and response.url == FORM
    page = arts.get(FORM).content.decode()
    assert _menu_link(reverse("portal:entry")) + ' aria-current="page">Invoeren<' in page
    assert '<select name="ODS" id="f-ODS"' in page
    assert '<option value="OD">OD – Oculus dexter (rechteroog)</option>' in page
    assert 'type="date" name="Operatiedatum"' in page
    assert 'type="number" name="Geboortejaar"' in page
    assert 'aria-describedby="f-PatientCode-help"' in page
    assert "Patientnummer zoals de instelling het gebruikt" in page


def test_controleren_shows_the_engines_findings_next_to_their_fields(arts, cataract_entry):
    values = cat_row(1, ODS="XX", Geboortejaar="2030")
    response = arts.post(
        reverse("portal:entry_check", args=["CAT"]), values, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    expected = validate_records(cataract_entry.dictionary, [values])
    for finding in expected.findings:
        assert finding.message.replace('"', "&quot;").replace("'", "&#x27;") in page
    assert 'aria-describedby="f-ODS-help f-ODS-error"' in page
    assert 'id="f-ODS-error"' in page and 'aria-invalid="true"' in page
    assert not EntryDraft.objects.unscoped().exists()


def test_controleren_without_javascript_draws_the_page_with_the_findings(arts, institution):
    response = _post(arts, FORM, cat_row(1, ODS="XX"), action="check")
    assert response.status_code == 200
    assert 'id="f-ODS-error"' in response.content.decode()
    assert "Bevindingen van de controle: 1 fout, 0 waarschuwingen." in text_of(response)
    assert not _drafts(institution).exists()


def test_opslaan_keeps_a_correct_record_in_the_batch(arts, institution):
    response = _post(arts, FORM, cat_row(1), action="save")
    assert response.status_code == 302 and response.url == FORM
    [draft] = _drafts(institution)
    assert entry.draft_values(draft)["OperatieID"] == "11000001"
    page = arts.get(FORM).content.decode()
    assert "11000001" in page
    assert reverse("portal:entry_draft", args=["CAT", draft.pk]) in page


def test_after_opslaan_the_message_that_says_so_takes_the_focus(arts):
    """The page reloads after Opslaan: its message is marked to take the focus (portal/focus.js),
    so a screen reader reads it; other pages leave the focus alone."""
    _post(arts, FORM, cat_row(1), action="save")
    page = arts.get(FORM).content.decode()
    assert re.search(r'<div class="messages" role="status" tabindex="-1" data-focus-on-load>', page)
    assert "Het record is in de batch opgeslagen." in page
    assert '<script src="/static/portal/focus.js" defer></script>' in page


def test_a_record_with_errors_is_saved_and_opened_with_its_findings(arts, institution):
    response = _post(arts, FORM, cat_row(1, ODS="XX"), action="save")
    [draft] = _drafts(institution)
    assert response.url == reverse("portal:entry_draft", args=["CAT", draft.pk])
    page = arts.get(response.url).content.decode()
    assert 'id="f-ODS-error"' in page and 'value="XX" selected' in page


def test_a_draft_is_edited_and_deleted(arts, institution):
    _post(arts, FORM, cat_row(1, ODS="XX"), action="save")
    [draft] = _drafts(institution)
    url = reverse("portal:entry_draft", args=["CAT", draft.pk])
    assert _post(arts, url, cat_row(1), action="save").url == FORM
    draft.refresh_from_db()
    assert draft.error_count == 0 and entry.draft_values(draft)["ODS"] == "OD"
    assert _drafts(institution).count() == 1
    arts.post(reverse("portal:entry_delete", args=["CAT", draft.pk]))
    assert not _drafts(institution).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE, object_id=str(draft.pk)).exists()


def test_aanleveren_makes_a_delivery_of_the_entry_portal_with_the_report_of_its_records(
    arts, institution, clinician, cataract_entry, django_capture_on_commit_callbacks
):
    records = [cat_row(1), cat_row(2, ODS="XX")]
    for values in records:
        _post(arts, FORM, values, action="save")
    with django_capture_on_commit_callbacks(execute=True):
        response = arts.post(
            reverse("portal:entry_submit", args=["CAT"]),
            {"unit": "1", "is_test": "nee"},
            follow=True,
        )
    assert response.status_code == 200
    delivery = Delivery.objects.for_institution(institution).get()
    assert response.redirect_chain == [
        (reverse("portal:entry_submitted", args=["CAT", delivery.pk]), 302)
    ]
    assert delivery.file_name in response.content.decode()
    assert delivery.channel == Channel.ENTRY and delivery.unit.number == 1
    assert delivery.status == Status.ERRORS and delivery.submitted_by == clinician
    expected = validate_records(cataract_entry.dictionary, records)
    assert [(f.record, f.code, f.message) for f in delivery.findings.all()] == [
        (f.record, f.code, f.message) for f in expected.findings
    ]
    assert {d.delivered_in_id for d in _drafts(institution)} == {delivery.pk}


def test_the_submitters_see_the_delivery_in_aangeleverd(
    arts, institution, submitter, django_capture_on_commit_callbacks
):
    _post(arts, FORM, cat_row(1), action="save")
    with django_capture_on_commit_callbacks(execute=True):
        arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0", "is_test": "nee"})
    delivery = Delivery.objects.for_institution(institution).get()
    page = logged_in(submitter).get(reverse("portal:delivered")).content.decode()
    assert reverse("portal:delivery", args=[delivery.pk]) in page


def test_the_processed_email_goes_to_those_who_may_open_its_link_not_the_clinician(
    arts, institution, clinician, django_capture_on_commit_callbacks
):
    """The e-mail links to the delivery's page, which a clinician may not open: it goes to
    the institution's contact address instead (and the registry's contact persons)."""
    from django.core import mail

    institution.contact_email = "registraties@a.example"
    institution.save()
    _post(arts, FORM, cat_row(1), action="save")
    with django_capture_on_commit_callbacks(execute=True):
        arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0", "is_test": "nee"})
    assert [m.to for m in mail.outbox] == [["registraties@a.example"]]
    delivery = Delivery.objects.for_institution(institution).get()
    assert f"/aanleveringen/{delivery.pk}/" in mail.outbox[0].body
    assert arts.get(reverse("portal:delivery", args=[delivery.pk])).status_code == 403


def test_a_refused_aanleveren_shows_why_and_keeps_the_batch(arts, institution):
    _post(arts, FORM, cat_row(1), action="save")
    response = arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "7"})
    assert response.status_code == 400
    assert 'id="id_unit_error"' in response.content.decode()
    assert _drafts(institution).count() == 1
    assert not Delivery.objects.for_institution(institution).exists()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user", "operator"])
def test_people_without_the_arts_role_cannot_enter_records(request, persona, arts, institution):
    _post(arts, FORM, cat_row(1), action="save")
    [draft] = _drafts(institution)
    client = logged_in(request.getfixturevalue(persona))
    urls = [
        reverse("portal:entry"),
        FORM,
        reverse("portal:entry_draft", args=["CAT", draft.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
    posts = [
        (FORM, cat_row(2)),
        (reverse("portal:entry_delete", args=["CAT", draft.pk]), {}),
        (reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"}),
        (reverse("portal:entry_check", args=["CAT"]), cat_row(2)),
    ]
    for url, data in posts:
        assert client.post(url, {**data, "action": "save"}).status_code == 403
    assert _drafts(institution).count() == 1
    assert not Delivery.objects.unscoped().exists()


def test_a_clinician_of_another_institution_cannot_reach_the_batch_by_its_id(
    arts, institution, other_institution, cataract_entry, operator
):
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Method
    from tests.conftest import make_member

    services.set_method(
        actor=operator,
        institution=other_institution,
        registry=cataract_entry.sub_delivery.registry,
        method=Method.ENTRY,
    )
    _post(arts, FORM, cat_row(1), action="save")
    [draft] = _drafts(institution)
    outsider = logged_in(make_member("olga@b.example", other_institution, "arts"))
    url = reverse("portal:entry_draft", args=["CAT", draft.pk])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {**cat_row(9), "action": "save"}).status_code == 404
    delete = reverse("portal:entry_delete", args=["CAT", draft.pk])
    assert outsider.post(delete).status_code == 404
    assert entry.draft_values(_drafts(institution).get())["OperatieID"] == "11000001"
    assert not EntryDraft.objects.for_institution(other_institution).exists()
    assert AuditEvent.objects.filter(action=Action.DENIED).count() >= 3


def test_a_forged_draft_id_is_not_found(arts, institution):
    assert arts.get(reverse("portal:entry_draft", args=["CAT", 999])).status_code == 404
    assert arts.post(reverse("portal:entry_delete", args=["CAT", 999])).status_code == 404


def test_a_registry_not_delivered_by_hand_is_refused_with_a_clear_message(
    clinician, institution, cataract
):
    client = logged_in(clinician)
    response = client.get(FORM)
    assert response.status_code == 403
    page = response.content.decode()
    assert "niet via Invoerportaal" in page or "not through Entry portal" in page
    assert _post(client, FORM, cat_row(1), action="save").status_code == 403
    submit = client.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"})
    assert submit.status_code == 403
    assert not EntryDraft.objects.unscoped().exists()
    assert not Delivery.objects.unscoped().exists()


def test_an_unknown_registry_is_not_found(arts):
    assert arts.get(reverse("portal:entry_form", args=["NOPE"])).status_code == 404


def test_on_an_english_page_the_registrys_dutch_words_are_marked_dutch(arts):
    arts.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = _post(arts, FORM, cat_row(1, Geboortejaar="2030", Geslacht="7"), action="check")
    assert "Enter records" in text_of(response)
    assert language_at(response, "Patientnummer zoals de instelling") == "nl"
    assert language_at(response, "deze waarde is te hoog") == "nl"  # a rule's own message
    assert language_at(response, "Geslacht contains value 7") == "en"


def _deliver_page(client, capture, **data):
    with capture(execute=True):
        return client.post(
            reverse("portal:entry_submit", args=["CAT"]), {"unit": "0", "is_test": "nee", **data}
        )


def test_the_batch_shows_which_records_are_delivered_and_which_are_new_or_changed(
    arts, institution, django_capture_on_commit_callbacks
):
    _post(arts, FORM, cat_row(1), action="save")
    _post(arts, FORM, cat_row(2), action="save")
    _deliver_page(arts, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.for_institution(institution).get()
    _first, second = _drafts(institution)
    _post(arts, reverse("portal:entry_draft", args=["CAT", second.pk]), cat_row(2), action="save")
    _post(arts, FORM, cat_row(3), action="save")
    page = text_of(arts.get(FORM))
    assert page.count(f"aangeleverd {delivery.submitted_at.astimezone():%d-%m-%Y}") == 2
    assert delivery.file_name in page
    assert page.count("gewijzigd sinds") == 1 and page.count("nieuw, nog niet aangeleverd") == 1
    assert "3 records aanleveren" in page
    # how that delivery was processed (the clinician cannot open it): rejected stands out
    delivery.refresh_from_db()
    assert page.count(f"{delivery.file_name}) {delivery.get_status_display()}") == 2
    type(delivery).objects.for_institution(institution).update(status="afgekeurd")
    assert text_of(arts.get(FORM)).count(f"{delivery.file_name}) Afgekeurd") == 2


def test_a_test_delivery_through_the_page_leaves_the_records_new(
    arts, institution, django_capture_on_commit_callbacks
):
    _post(arts, FORM, cat_row(1), action="save")
    response = _deliver_page(arts, django_capture_on_commit_callbacks, is_test="ja")
    assert response.status_code == 302
    assert Delivery.objects.for_institution(institution).get().is_test
    assert all(d.is_new for d in _drafts(institution))
    assert "nieuw, nog niet aangeleverd" in text_of(arts.get(FORM))


def test_aanleveren_is_refused_while_a_record_was_checked_against_an_older_version(
    arts, institution, cataract_entry
):
    from tests.schedule.conftest import import_with_schedule

    _post(arts, FORM, cat_row(1), action="save")
    import_with_schedule(
        "CAT_1.4.xlsx", version="1.5", schedule=[], valid_from=cataract_entry.valid_from
    )
    page = arts.get(FORM)
    assert 'id="recheck-warning"' in page.content.decode()
    assert "opnieuw controleren (versie 1.4)" in text_of(page)
    response = arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"})
    assert response.status_code == 400
    assert "versie 1.5" in text_of(response) and 'id="submit-problems"' in response.text
    assert not Delivery.objects.for_institution(institution).exists()
    [draft] = _drafts(institution)
    opened = arts.get(reverse("portal:entry_draft", args=["CAT", draft.pk]))
    assert 'id="draft-recheck"' in opened.content.decode()


def test_aanleveren_is_refused_when_the_rejection_threshold_would_reject_the_batch(
    arts, institution
):
    for values in (cat_row(1), cat_row(2, ODS="XX"), cat_row(3, ODS="XX")):
        _post(arts, FORM, values, action="save")
    page = text_of(arts.get(FORM))
    assert "meer dan 50 % van de records" in page
    response = arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"})
    assert response.status_code == 400
    assert "meer dan 50 % van de records, de afkeurgrens van deze registratie" in text_of(response)
    assert not Delivery.objects.for_institution(institution).exists()


def test_aanleveren_is_refused_when_records_repeating_each_other_would_reject_the_dataset(
    arts, institution
):
    for values in (cat_row(1), cat_row(1), cat_row(2)):
        _post(arts, FORM, values, action="save")
    assert "meer dan 50 % van de records" not in text_of(arts.get(FORM))  # each alone is correct
    response = arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"})
    assert response.status_code == 400
    text = text_of(response)
    assert "2 van de 3 records bevatten fouten" in text and "Gevonden tussen records" in text
    assert "Rij komt meerdere malen voor" in text
    assert not Delivery.objects.for_institution(institution).exists()


def test_records_of_a_registry_no_longer_entered_by_hand_can_be_seen_and_deleted(
    arts, institution, cataract_entry, operator
):
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Method

    _post(arts, FORM, cat_row(1), action="save")
    _post(arts, FORM, cat_row(2), action="save")
    services.set_method(
        actor=operator,
        institution=institution,
        registry=cataract_entry.sub_delivery.registry,
        method=Method.PORTAL,
    )
    home = arts.get(reverse("portal:entry"))
    assert home.status_code == 200 and FORM in home.content.decode()
    page = arts.get(FORM)
    assert page.status_code == 200
    assert "niet via Invoerportaal" in text_of(page)
    assert "11000001" in text_of(page) and 'id="deliver-button"' not in page.content.decode()
    submit = arts.post(reverse("portal:entry_submit", args=["CAT"]), {"unit": "0"})
    assert submit.status_code == 403
    first, second = _drafts(institution)
    assert arts.post(reverse("portal:entry_delete", args=["CAT", first.pk])).url == FORM
    assert arts.post(reverse("portal:entry_delete", args=["CAT", second.pk])).url == reverse(
        "portal:entry"
    )
    assert not _drafts(institution).exists()
    assert not Delivery.objects.unscoped().exists()


def test_a_record_a_colleague_removed_meanwhile_is_said_to_be_removed_not_denied(arts, institution):
    from tests.conftest import make_member

    _post(arts, FORM, cat_row(1, ODS="XX"), action="save")
    [draft] = _drafts(institution)
    colleague = logged_in(make_member("cor@a.example", institution, "arts"))
    colleague.post(reverse("portal:entry_delete", args=["CAT", draft.pk]))
    url = reverse("portal:entry_draft", args=["CAT", draft.pk])
    response = _post(arts, url, cat_row(1), action="save")
    assert response.status_code == 302 and response.url == FORM
    assert "al uit de batch verwijderd" in text_of(arts.get(FORM))
    assert arts.get(url).status_code == 302
    assert arts.post(reverse("portal:entry_delete", args=["CAT", draft.pk])).status_code == 302
    assert not AuditEvent.objects.filter(action=Action.DENIED).exists()
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_the_check_fills_a_status_region_outside_the_fields_it_replaces(arts):
    from lxml import html

    page = html.fromstring(arts.get(FORM).content)
    [region] = page.xpath('//*[@id="entry-check-status"]')
    assert region.get("role") == "status" and not region.xpath('ancestor::*[@id="entry-fields"]')
    response = arts.post(
        reverse("portal:entry_check", args=["CAT"]), cat_row(1), HTTP_HX_REQUEST="true"
    )
    fragment = html.fragments_fromstring(response.content.decode())
    [fields] = [f for f in fragment if f.get("id") == "entry-fields"]
    assert not fields.xpath('.//*[@role="status"]')
    [oob] = [f for f in fragment if f.get("id") == "entry-check-status"]
    assert oob.get("hx-swap-oob") == "innerHTML"
    assert "geen fouten of waarschuwingen" in oob.text_content()


def test_entry_pages_are_never_cached_and_the_form_is_not_autofilled(
    arts, institution, submitter, django_capture_on_commit_callbacks
):
    _post(arts, FORM, cat_row(1), action="save")
    [draft] = _drafts(institution)
    page = arts.get(FORM)
    assert 'id="entry-form"' in page.text and 'autocomplete="off"' in page.text
    for response in (
        page,
        arts.get(reverse("portal:entry_draft", args=["CAT", draft.pk])),
        arts.post(reverse("portal:entry_check", args=["CAT"]), cat_row(1)),
    ):
        assert "no-store" in response["Cache-Control"]
    _deliver_page(arts, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.for_institution(institution).get()
    report = logged_in(submitter).get(reverse("portal:delivery", args=[delivery.pk]))
    assert report.status_code == 200 and "no-store" in report["Cache-Control"]


def test_the_batch_list_shows_a_page_of_records_newest_first_and_opens_only_those(
    arts, institution, monkeypatch
):
    monkeypatch.setattr(entry, "BATCH_PAGE_SIZE", 2)
    for n in (1, 2, 3):
        _post(arts, FORM, cat_row(n), action="save")
    first, second, third = _drafts(institution).order_by("id")
    page = arts.get(FORM)
    links = re.findall(r'href="/invoerportaal/CAT/(\d+)/"', page.content.decode())
    assert links == [str(third.pk), str(second.pk)]
    assert "3 records aanleveren" in text_of(page)  # Aanleveren delivers every kept record
    assert 'rel="next"' in page.content.decode()
    viewed = AuditEvent.objects.filter(action=Action.VIEW).latest("id")
    assert viewed.detail["drafts"] == [third.pk, second.pk]
    older = arts.get(FORM + "?page=2")
    assert re.findall(r'href="/invoerportaal/CAT/(\d+)/"', older.content.decode()) == [
        str(first.pk)
    ]
    assert AuditEvent.objects.filter(action=Action.VIEW).latest("id").detail["drafts"] == [first.pk]
    assert arts.get(FORM + "?page=x").status_code == 200  # a bad page number shows the first


def test_sending_aanleveren_again_delivers_nothing_twice(
    arts, institution, other_institution, django_capture_on_commit_callbacks
):
    """A reload of the answer, the back button or a second click posts Aanleveren again: the
    answer is a page of its own, and the same records a second time are refused."""
    _post(arts, FORM, cat_row(1), action="save")
    first = _deliver_page(arts, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.for_institution(institution).get()
    assert first.status_code == 302
    answer = arts.get(first["Location"])
    assert delivery.file_name in text_of(answer)
    assert arts.get(first["Location"]).status_code == 200  # a reload shows it again
    again = _deliver_page(arts, django_capture_on_commit_callbacks)
    assert again.status_code == 400
    assert "Er is niets veranderd sinds aanlevering " + delivery.file_name in text_of(again)
    assert Delivery.objects.for_institution(institution).count() == 1
    _post(arts, FORM, cat_row(2), action="save")  # a new record: a new delivery
    assert _deliver_page(arts, django_capture_on_commit_callbacks).status_code == 302
    assert Delivery.objects.for_institution(institution).count() == 2
    from tests.conftest import make_member

    their_clinician = make_member("arts@b.example", other_institution, "arts")
    assert logged_in(their_clinician).get(first["Location"]).status_code == 404
    assert AuditEvent.objects.filter(action=Action.DENIED, institution=other_institution).exists()


#: Columns of a delivery and a dictionary version that a row of the batch list never needs.
LARGE_COLUMNS = ("error_records", "filled_counts", "notified_to", '"workbook"', '"definition"')


def _keep_copies(institution, count: int) -> None:
    """``count`` more kept records, copies of the first (its sealed values, its delivery)."""
    original = _drafts(institution).earliest("id")
    EntryDraft.objects.bulk_create(
        EntryDraft(
            institution=institution,
            sub_delivery_id=original.sub_delivery_id,
            dictionary_version_id=original.dictionary_version_id,
            sealed=original.sealed,
            error_count=n % 2,
            delivered_in_id=original.delivered_in_id,
            delivered_at=original.delivered_at,
        )
        for n in range(count)
    )


def _batch_queries(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def _read_drafts(queries: list[str]) -> list[str]:
    return [sql for sql in queries if 'FROM "deliveries_entrydraft"' in sql]


def test_the_batch_page_reads_a_page_of_records_and_their_counts_whatever_is_kept(
    arts, institution, django_capture_on_commit_callbacks
):
    """Delivered records stay until deleted: the page reads one page of them (without the
    delivery's report or the version's workbook) and one aggregate of their counts, so its
    queries stay the same from 5 to 60 kept records."""
    _post(arts, FORM, cat_row(1), action="save")
    _deliver_page(arts, django_capture_on_commit_callbacks)
    _keep_copies(institution, 4)
    draft_url = reverse("portal:entry_draft", args=["CAT", _drafts(institution).earliest("id").pk])
    few = {url: _batch_queries(arts, url) for url in (FORM, draft_url)}
    _keep_copies(institution, 55)
    many = {url: _batch_queries(arts, url) for url in (FORM, draft_url)}
    for url in (FORM, draft_url):
        assert len(many[url]) == len(few[url])
        for sql in _read_drafts(many[url]):
            assert not [column for column in LARGE_COLUMNS if column in sql], sql
        assert any(f"LIMIT {entry.BATCH_PAGE_SIZE}" in sql for sql in _read_drafts(many[url]))
    page = arts.get(FORM)
    assert "60 records aanleveren" in text_of(page)
    assert len(re.findall(r'href="/invoerportaal/CAT/(\d+)/"', page.text)) == entry.BATCH_PAGE_SIZE
    assert "29 records bevatten fouten" in text_of(page)  # copies 1, 3, ... of 4 and of 55
    assert 'href="?page=2"' in page.text


def test_the_list_of_records_no_longer_entered_by_hand_reads_a_page_of_them(
    arts, institution, cataract_entry, operator
):
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Method

    _post(arts, FORM, cat_row(1), action="save")
    services.set_method(
        actor=operator,
        institution=institution,
        registry=cataract_entry.sub_delivery.registry,
        method=Method.PORTAL,
    )
    _keep_copies(institution, 4)
    few = _batch_queries(arts, FORM)
    _keep_copies(institution, 55)
    many = _batch_queries(arts, FORM)
    assert len(many) == len(few)
    assert 'id="entry-closed"' in arts.get(FORM).text
    for sql in _read_drafts(many):
        assert not [column for column in LARGE_COLUMNS if column in sql], sql
    assert any(f"LIMIT {entry.BATCH_PAGE_SIZE}" in sql for sql in _read_drafts(many))
