"""Bestanden aanleveren, the server's part of being usable with a screen reader: a field is only
marked correct when it was checked, each input is described by its own help text and errors, the
live regions are in the page before their text arrives, and messages come in the user's language.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import html

from tests.conftest import logged_in
from tests.deliveries.conftest import cat_csv
from tests.deliveries.test_upload_page import FIELDS, NAME

UNCHECKABLE = dict(FIELDS, unit="abc", institution_code="99999999", code="ZZZ", version="x")


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _tree(response) -> html.HtmlElement:
    return html.fromstring(response.content.decode())


def _described_by(tree: html.HtmlElement) -> dict[str, list[str]]:
    """Each input's name → the ids its aria-describedby names."""
    return {
        el.get("name"): el.get("aria-describedby", "").split()
        for el in tree.xpath("//input|//select|//textarea")
        if el.get("type") != "hidden" and el.get("name") not in (None, "file")
    }


def test_controleren_marks_no_field_correct_when_the_checks_could_not_run(cataract, submitter):
    # A unit that is no number: the form is refused before the checks, which need every field.
    response = logged_in(submitter).post(reverse("portal:upload_check"), UNCHECKABLE)
    page = response.content.decode()
    assert "field-row--ok" not in page
    assert "check-ok" not in page
    assert "Juist" not in page
    assert "field-row--error" in page  # the unit's own error is shown


def test_a_refused_submission_marks_only_checked_fields_correct(cataract, submitter):
    client = logged_in(submitter)
    # In chunks, without an upload and with a unit that is no number: nothing was checked.
    chunked = client.post(reverse("portal:upload_submit"), dict(UNCHECKABLE, upload_id="x"))
    assert chunked.status_code == 400
    assert "Kies eerst een bestand" in chunked.content.decode()
    assert "check-ok" not in chunked.content.decode()
    # In one request, without a file: the same.
    single = client.post(reverse("portal:upload"), UNCHECKABLE)
    assert single.status_code == 400
    assert "check-ok" not in single.content.decode()
    # An empty file is refused before the checks ran; the fields are then checked all the same,
    # so what is marked correct was checked, and what is wrong is shown.
    empty = client.post(
        reverse("portal:upload"),
        dict(FIELDS, sequence_number="1", file_name="", file=SimpleUploadedFile(NAME, b"")),
    )
    rows = _tree(empty).xpath('//div[contains(@class, "field-row")]')
    assert "Het bestand is leeg." in empty.content.decode()
    wrong = [row for row in rows if "field-row--error" in row.get("class")]
    # The name says sequence number 3: the field (1) was checked and found wrong.
    assert [row.xpath("label")[0].get("for") for row in wrong] == ["id_sequence_number"]


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("portal:upload", None),
        ("portal:upload_check", UNCHECKABLE),
        ("portal:upload_check", dict(FIELDS, unit="9", file_name="export.csv")),
        ("portal:upload", dict(FIELDS, file=b"")),
    ],
    ids=["empty page", "form errors", "check problems", "refused delivery"],
)
def test_every_input_is_described_by_its_help_text_and_errors_that_exist(
    cataract, submitter, url, fields
):
    client = logged_in(submitter)
    if fields is None:
        response = client.get(reverse(url))
    else:
        data = dict(fields)
        if "file" in data:
            data["file"] = SimpleUploadedFile(NAME, data["file"])
        response = client.post(reverse(url), data)
    tree = _tree(response)
    ids = set(tree.xpath("//@id"))
    described = _described_by(tree)
    assert len(described) == 8
    for name, refs in described.items():
        assert f"id_{name}_helptext" in refs, name
        assert set(refs) <= ids, name
        row = tree.get_element_by_id(f"id_{name}").xpath(
            'ancestor::div[contains(@class, "field-row")]'
        )[0]
        errors = row.xpath('.//ul[contains(@class, "errorlist")]')
        if errors:
            # The error list is the one the input names, and the input says it is invalid.
            assert errors[0].get("id") == f"id_{name}_error"
            assert f"id_{name}_error" in refs
            assert tree.get_element_by_id(f"id_{name}").get("aria-invalid") == "true"
        else:
            assert f"id_{name}_error" not in refs
    if url == "portal:upload_check" and fields and fields.get("unit") == "9":
        assert "geen onderdeel 9" in tree.get_element_by_id("id_unit_error").text_content()
        assert "id_unit_error" in described["unit"]


def test_the_help_buttons_name_their_question_quoted_in_both_languages(cataract, submitter):
    """The summary of each field's help names the field's label in quotes, so that it reads as
    a sentence ("Uitleg bij Is dit een testaanlevering?" did not)."""
    names = {}
    for language, client in [("nl", logged_in(submitter)), ("en", _english(logged_in(submitter)))]:
        tree = _tree(client.get(reverse("portal:upload")))
        names[language] = [
            s.text_content() for s in tree.xpath("//summary/span[@class='visually-hidden']")
        ]
    assert "Uitleg bij ‘Is dit een testaanlevering?’" in names["nl"]
    assert "Help: ‘Is this a test delivery?’" in names["en"]
    assert all("‘" in name for name in names["nl"] + names["en"])


def test_the_page_has_its_live_regions_before_any_message(cataract, submitter):
    tree = _tree(logged_in(submitter).get(reverse("portal:upload")))
    status = tree.get_element_by_id("upload-status")
    alert = tree.get_element_by_id("upload-message")
    assert status.get("role") == "status" and not status.text_content().strip()
    assert alert.get("role") == "alert" and not alert.text_content().strip()


def test_the_success_message_can_take_the_focus(
    cataract, submitter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(submitter).post(
            reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(2)))
        )
    message = _tree(response).get_element_by_id("upload-success")
    assert message.get("tabindex") == "-1"
    assert "succesvol aangeleverd" in message.text_content()


def test_the_scripts_messages_come_translated_from_the_page(cataract, submitter):
    form = _tree(_english(logged_in(submitter)).get(reverse("portal:upload"))).get_element_by_id(
        "upload-form"
    )
    assert form.get("data-message-network") == (
        "The connection was lost and the file could not be uploaded. "
        "Check your connection and deliver the file again."
    )
    assert form.get("data-message-failed") == (
        "Something went wrong while delivering the file. "
        "Try again; if it keeps going wrong, contact the DHD Servicedesk."
    )
    assert form.get("data-message-correct") == "Every field is correct."


def test_an_upload_that_is_not_found_says_so_in_the_users_language(cataract, submitter):
    client = _english(logged_in(submitter))
    url = reverse("portal:upload_chunk", args=["00000000-0000-0000-0000-000000000000"])
    for response in (
        client.get(url),
        client.post(url, b"x", content_type="application/octet-stream", HTTP_X_OFFSET="0"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "error": "This upload was not found (it may have expired). Choose the file again."
        }
    start = client.post(
        reverse("portal:upload_start"), json.dumps([1]), content_type="application/json"
    )
    assert start.json()["error"] != "bad request"


def test_the_version_field_is_called_versienummer_as_in_the_manual(
    cataract, submitter, monkeypatch
):
    """The field has its own msgid (context "delivery field"), so that it can be "Versienummer"
    while a dictionary's "Version" stays "Versie". The Dutch catalogue is stood in for here."""
    from django.utils.translation import trans_real

    dutch = trans_real.translation("nl")
    original = dutch.gettext

    def gettext(message: str) -> str:
        if message == f"delivery field{trans_real.CONTEXT_SEPARATOR}Version":
            return "Versienummer"
        return original(message)

    monkeypatch.setattr(dutch, "gettext", gettext)
    tree = _tree(logged_in(submitter).get(reverse("portal:upload")))
    label = tree.xpath('//label[@for="id_version"]')[0]
    assert label.text_content() == "Versienummer"
    english = _tree(_english(logged_in(submitter)).get(reverse("portal:upload")))
    assert english.xpath('//label[@for="id_version"]')[0].text_content() == "Version"
