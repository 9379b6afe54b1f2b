"""Invoeren, through the pages: a clinician enters, checks, saves, edits, deletes and delivers;
nobody else gets near the batch, and a registry not delivered by hand is refused plainly."""

from __future__ import annotations

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
    assert not _drafts(institution).exists()


def test_opslaan_keeps_a_correct_record_in_the_batch(arts, institution):
    response = _post(arts, FORM, cat_row(1), action="save")
    assert response.status_code == 302 and response.url == FORM
    [draft] = _drafts(institution)
    assert entry.draft_values(draft)["OperatieID"] == "11000001"
    page = arts.get(FORM).content.decode()
    assert "11000001" in page
    assert reverse("portal:entry_draft", args=["CAT", draft.pk]) in page


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
            reverse("portal:entry_submit", args=["CAT"]), {"unit": "1", "is_test": "nee"}
        )
    assert response.status_code == 200
    delivery = Delivery.objects.for_institution(institution).get()
    assert delivery.file_name in response.content.decode()
    assert delivery.channel == Channel.ENTRY and delivery.unit.number == 1
    assert delivery.status == Status.ERRORS and delivery.submitted_by == clinician
    expected = validate_records(cataract_entry.dictionary, records)
    assert [(f.record, f.code, f.message) for f in delivery.findings.all()] == [
        (f.record, f.code, f.message) for f in expected.findings
    ]
    assert not _drafts(institution).exists()


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
