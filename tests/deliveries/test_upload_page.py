"""Bestanden aanleveren through the page: fields from the name, Controleren, Aanleveren."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Delivery, Status, StoredFile, UploadSession
from tests.conftest import logged_in
from tests.deliveries.conftest import cat_csv

NAME = "11111111_0_CAT_1.4_3_20261128_PROD.csv"
FIELDS = {
    "file_name": NAME,
    "institution_code": "11111111",
    "unit": "0",
    "code": "CAT",
    "version": "1.4",
    "is_test": "nee",
    "creation_date": "2026-11-28",
    "sequence_number": "3",
    "period": "",
}

SUCCESS = "Het bestand is succesvol aangeleverd."


def test_the_page_opens_prefilled_from_an_aanleveren_button(cataract, submitter):
    page = logged_in(submitter).get(
        reverse("portal:upload"), {"code": "MMYIKNL", "periode": "2019H2"}
    )
    text = page.content.decode()
    assert 'value="MMYIKNL"' in text
    assert 'value="2019H2"' in text
    assert 'value="11111111"' in text
    unit = logged_in(submitter).get(reverse("portal:upload"), {"code": "CAT", "onderdeel": "1"})
    assert unit.context["form"]["unit"].value() == 1
    odd = logged_in(submitter).get(reverse("portal:upload"), {"onderdeel": "x1"})
    assert odd.status_code == 200 and odd.context["form"]["unit"].value() in (None, "")


def test_choosing_a_file_fills_the_fields_from_its_name(cataract, submitter):
    response = logged_in(submitter).post(reverse("portal:upload_fields"), {"file_name": NAME})
    text = response.content.decode()
    for value in ('value="CAT"', 'value="1.4"', 'value="3"', 'value="2026-11-28"'):
        assert value in text


def test_a_name_off_the_convention_says_why_the_fields_stay_empty(cataract, submitter):
    client = logged_in(submitter)
    off = client.post(reverse("portal:upload_fields"), {"file_name": "cataract_export.csv"})
    assert "volgt de afspraak hierboven niet" in off.content.decode()
    named = client.post(reverse("portal:upload_fields"), {"file_name": NAME})
    assert "volgt de afspraak hierboven niet" not in named.content.decode()


@pytest.mark.parametrize(
    ("name", "reason", "kept"),
    [
        ("11111111_0_CAT_1.4_22_20261131_PROD.csv", "aanmaakdatum is geen geldige datum", "22"),
        ("11111111_0_CAT_1.4_22_20261128_PROD.txt", "extensie moet .csv of .xml zijn", "22"),
    ],
)
def test_a_name_nearly_on_the_convention_keeps_its_right_parts_and_says_what_is_wrong(
    cataract, submitter, name, reason, kept
):
    """An impossible date or a wrong extension emptied every field without saying why (a
    product review)."""
    text = logged_in(submitter).post(reverse("portal:upload_fields"), {"file_name": name})
    page = text.content.decode()
    assert "volgt de afspraak hierboven niet" in page and reason in page
    for value in ('value="CAT"', 'value="1.4"', f'value="{kept}"', 'value="0"'):
        assert value in page


def test_a_name_with_an_impossible_date_leaves_the_creation_date_empty(cataract, submitter):
    """It showed today's date, and Controleren marked every field correct: the file's date
    replaced without a word (an acceptance review). Now the person fills it in."""
    from lxml import html

    client = logged_in(submitter)
    page = client.post(
        reverse("portal:upload_fields"), {"file_name": "11111111_0_CAT_1.4_22_20261131_PROD.csv"}
    )
    [field] = html.fromstring(page.content).xpath('//input[@name="creation_date"]')
    assert not field.get("value")
    fine = client.post(reverse("portal:upload_fields"), {"file_name": "export.csv"})
    [field] = html.fromstring(fine.content).xpath('//input[@name="creation_date"]')
    assert field.get("value")  # a name without a date still starts at today


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (f"11111111_{'9' * 5000}_CAT_1.4_1_20261128_PROD.csv", "onderdeel is geen getal"),
        (f"11111111_0_CAT_1.4_{'9' * 5000}_20261131_PROD.csv", "volgnummer is geen getal"),
        (f"11111111_0_CAT_1.4_{'9' * 19}_20261128_PROD.csv", "volgnummer is geen getal"),
    ],
)
def test_a_name_with_a_number_of_thousands_of_digits_says_so(cataract, submitter, name, reason):
    """A number part too long to be a number was converted anyway: a 500 (a security review)."""
    page = logged_in(submitter).post(reverse("portal:upload_fields"), {"file_name": name})
    assert page.status_code == 200
    assert reason in page.content.decode()


def test_controleren_shows_the_result_per_field(cataract, submitter):
    client = logged_in(submitter)
    ok = client.post(reverse("portal:upload_check"), FIELDS).content.decode()
    assert ok.count("Juist") == 8
    bad = client.post(
        reverse("portal:upload_check"), dict(FIELDS, unit="9", file_name="export.csv")
    ).content.decode()
    assert "geen onderdeel 9" in bad
    assert bad.count("Juist") == 7


def test_without_javascript_controleren_shows_the_whole_page_and_stores_nothing(
    cataract, submitter
):
    client = logged_in(submitter)
    form = client.get(reverse("portal:upload")).content.decode()
    assert 'type="submit" name="action" value="check"' in form  # a button that posts the form
    upload = SimpleUploadedFile(NAME, cat_csv(2))
    bad = client.post(reverse("portal:upload"), dict(FIELDS, unit="9", action="check", file=upload))
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "<h1>Bestanden aanleveren</h1>" in page and "geen onderdeel 9" in page
    assert page.count("Juist") == 7
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()
    upload = SimpleUploadedFile(NAME, cat_csv(2))
    ok = client.post(reverse("portal:upload"), dict(FIELDS, action="check", file=upload))
    assert ok.content.decode().count("Juist") == 8
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_an_institution_that_delivers_nothing_through_the_portal_is_told_so(
    cataract, submitter, institution, operator
):
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Method

    client = logged_in(submitter)
    assert 'id="no-portal-registry"' not in client.get(reverse("portal:upload")).content.decode()
    services.set_method(
        actor=operator,
        institution=institution,
        registry=cataract.sub_delivery.registry,
        method=Method.API,
    )
    page = client.get(reverse("portal:upload")).content.decode()
    assert 'id="no-portal-registry"' in page
    assert "levert geen registratie via het webportaal aan" in page


def test_a_failing_storage_refuses_the_delivery_with_a_clear_message(
    cataract, submitter, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    upload = SimpleUploadedFile(NAME, cat_csv(2))
    response = logged_in(submitter).post(reverse("portal:upload"), dict(FIELDS, file=upload))
    assert "De hub kon het bestand nu niet opslaan; er is niets aangeleverd." in (
        response.content.decode()
    )
    assert not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_aanleveren_in_one_request_stores_and_processes_the_file(
    cataract, submitter, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(NAME, cat_csv(2))
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(submitter).post(reverse("portal:upload"), dict(FIELDS, file=upload))
    assert SUCCESS in response.content.decode()
    delivery = Delivery.objects.unscoped().get()
    assert delivery.status == Status.PROCESSED
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(delivery.pk)).exists()


def test_the_form_sent_twice_without_javascript_shows_the_delivery_that_landed(cataract, submitter):
    """A double click sends the form twice: the second answer said the sequence number was
    just taken, inviting a second delivery of the same file (a review)."""
    client = logged_in(submitter)
    data = cat_csv(2)
    first = client.post(reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, data)))
    second = client.post(
        reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, data))
    )
    assert first.status_code == second.status_code == 200
    assert SUCCESS in second.content.decode()
    delivery = Delivery.objects.unscoped().get()
    assert f"/aanleveringen/{delivery.pk}/" in second.content.decode()
    # another file under the same number is refused for its number
    other = client.post(
        reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(3)))
    )
    assert other.status_code == 400 and SUCCESS not in other.content.decode()
    assert Delivery.objects.unscoped().count() == 1


def test_aanleveren_in_chunks_resumes_and_gives_the_same_result(
    cataract, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    from datahub.deliveries import files, uploads

    monkeypatch.setattr(files, "CHUNK", 64)
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 128)
    data = cat_csv(5)
    client = logged_in(submitter)
    start = client.post(
        reverse("portal:upload_start"),
        json.dumps({"file_name": NAME, "size": len(data)}),
        content_type="application/json",
    ).json()
    url = reverse("portal:upload_chunk", args=[start["id"]])
    first = client.post(url, data[:128], content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert first.json()["received"] == 128
    # A chunk sent again after a broken connection is refused with where to go on.
    again = client.post(url, data[:128], content_type="application/octet-stream", HTTP_X_OFFSET="0")
    assert again.status_code == 409
    assert again.json()["received"] == 128
    assert client.get(url).json() == {"received": 128, "size": len(data)}
    offset = 128
    while offset < len(data):
        chunk = data[offset : offset + 128]
        client.post(url, chunk, content_type="application/octet-stream", HTTP_X_OFFSET=str(offset))
        offset += len(chunk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:upload_submit"), dict(FIELDS, upload_id=start["id"]))
    assert SUCCESS in response.content.decode()
    delivery = Delivery.objects.unscoped().get()
    assert delivery.status == Status.PROCESSED
    assert delivery.records_total == 5
    assert delivery.file.size == len(data)
    assert not UploadSession.objects.unscoped().exists()
    with files.open_plaintext(delivery.file) as plain:
        assert plain.read() == data


def test_someone_elses_upload_session_is_not_found(cataract, submitter, outsider):
    start = (
        logged_in(submitter)
        .post(
            reverse("portal:upload_start"),
            json.dumps({"file_name": NAME, "size": 10}),
            content_type="application/json",
        )
        .json()
    )
    url = reverse("portal:upload_chunk", args=[start["id"]])
    response = logged_in(outsider).post(
        url, b"0123456789", content_type="application/octet-stream", HTTP_X_OFFSET="0"
    )
    assert response.status_code == 404
    response = logged_in(outsider).post(
        reverse("portal:upload_submit"), dict(FIELDS, upload_id=start["id"])
    )
    assert response.status_code == 400
    assert UploadSession.objects.unscoped().get().received == 0
    denied = AuditEvent.objects.filter(action=Action.DENIED, actor=outsider)
    assert denied.count() == 2  # as any other id that is not one's own
    assert all(start["id"] in e.text for e in denied)


def test_bad_input_gets_a_message_and_stores_nothing(cataract, submitter, settings):
    client = logged_in(submitter)
    cases = [
        (dict(FIELDS, file_name="../../" + NAME, file=SimpleUploadedFile(NAME, cat_csv(1))), "pad"),
        (
            dict(
                FIELDS,
                file_name=NAME.replace(".csv", ".exe"),
                file=SimpleUploadedFile(NAME.replace(".csv", ".exe"), b"MZ"),
            ),
            ".csv",
        ),
        (dict(FIELDS, file=SimpleUploadedFile(NAME, b"")), "leeg"),
        (
            dict(
                FIELDS,
                institution_code="44444444",
                file_name="x.csv",
                file=SimpleUploadedFile("x.csv", cat_csv(1)),
            ),
            "niet de code",
        ),
        (dict(FIELDS), "Kies eerst een bestand"),
    ]
    for data, message in cases:
        response = client.post(reverse("portal:upload"), data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    settings.MAX_UPLOAD_BYTES = 100
    response = client.post(
        reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, cat_csv(3)))
    )
    assert "groter dan" in response.content.decode()
    assert not Delivery.objects.unscoped().exists()
    assert not StoredFile.objects.exists()


def test_a_clinician_cannot_deliver_files(cataract, clinician):
    assert logged_in(clinician).get(reverse("portal:upload")).status_code == 403


def test_a_chunk_sent_twice_is_neither_counted_twice_nor_corrupts_the_file(
    cataract, submitter, institution, monkeypatch
):
    from datahub.deliveries import files, uploads

    monkeypatch.setattr(files, "CHUNK", 64)
    data = cat_csv(5)
    session = uploads.start(institution=institution, user=submitter, file_name=NAME, size=len(data))
    uploads.append(session, 0, data[:128])
    stale = UploadSession.objects.unscoped().get(pk=session.pk)
    stale.received = 0  # a second request that read the session before the first one wrote
    with pytest.raises(uploads.UploadError):
        uploads.append(stale, 0, data[:128])
    offset = 128
    while offset < len(data):
        offset = uploads.append(session, offset, data[offset : offset + 128])
    stored = uploads.finish(session)
    with files.open_plaintext(stored) as plain:
        assert plain.read() == data


def test_without_javascript_the_form_posts_the_file_and_its_name_in_one_request(
    cataract, submitter, django_capture_on_commit_callbacks
):
    fields = dict(FIELDS, file_name="")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(submitter).post(
            reverse("portal:upload"), dict(fields, file=SimpleUploadedFile(NAME, cat_csv(2)))
        )
    assert SUCCESS in response.content.decode()
    assert Delivery.objects.unscoped().get().file_name == NAME


def test_a_totaal_sub_delivery_asks_no_period(cataract, submitter):
    client = logged_in(submitter)
    text = client.post(reverse("portal:upload_fields"), {"file_name": NAME}).content.decode()
    assert 'name="period" id="id_period" value="TOTAAL" readonly' in text
    assert "altijd de volledige dataset (TOTAAL)" in text
    for period in ("TOTAAL", "totaal", ""):
        checked = client.post(reverse("portal:upload_check"), dict(FIELDS, period=period))
        assert 'value="TOTAAL" readonly' in checked.content.decode()
        assert "field-row--error" not in checked.content.decode(), period


def test_a_period_sent_for_a_totaal_sub_delivery_is_refused_not_ignored(cataract, submitter):
    """Typed before the code was changed to a TOTAAL one (or posted without JavaScript): it was
    stored as TOTAAL without a word (a review). The page now shows TOTAAL, with why."""
    client = logged_in(submitter)
    checked = client.post(reverse("portal:upload_check"), dict(FIELDS, period="2026K1"))
    text = checked.content.decode()
    assert 'value="TOTAAL" readonly aria-describedby="id_period_helptext id_period_error"' in text
    assert "CAT wordt altijd als volledige dataset (TOTAAL) aangeleverd" in text
    response = client.post(
        reverse("portal:upload"),
        dict(FIELDS, period="2026K1", file_name="", file=SimpleUploadedFile(NAME, cat_csv(2))),
    )
    assert (
        "CAT wordt altijd als volledige dataset (TOTAAL) aangeleverd" in response.content.decode()
    )
    assert not Delivery.objects.unscoped().exists()


def test_totaal_chosen_for_a_sub_delivery_delivered_per_period_is_named_as_the_problem(
    operator, institution, submitter
):
    """It was asked to "fill in the period", which the user had done (a walkthrough review)."""
    from tests.deliveries.conftest import take_part

    take_part(operator, [institution], "MMYIKNL_2.1.xlsx")
    fields = dict(
        FIELDS,
        code="MMYIKNL",
        version="2.1",
        period="TOTAAL",
        file_name="11111111_0_MMYIKNL_2.1_1_20261128_PROD.csv",
    )
    checked = logged_in(submitter).post(reverse("portal:upload_check"), fields)
    assert (
        "MMYIKNL wordt niet als volledige dataset (TOTAAL) aangeleverd maar per periode: vul de"
        " periode in waarover deze aanlevering gaat, bijvoorbeeld 2020H1."
    ) in checked.content.decode()


def test_an_upload_is_discarded_a_day_after_its_last_chunk_not_after_its_start(
    institution, submitter
):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from datahub.deliveries import files, uploads
    from datahub.deliveries.tasks import discard_stale_uploads

    data = b"x" * (3 * files.CHUNK)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        active = uploads.start(
            institution=institution, user=submitter, file_name="a.csv", size=len(data)
        )
        uploads.append(active, 0, data[: files.CHUNK])
        abandoned = uploads.start(
            institution=institution, user=submitter, file_name="b.csv", size=len(data)
        )
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=50), tick=False):
        uploads.append(active, files.CHUNK, data[files.CHUNK : 2 * files.CHUNK])
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=10), tick=False):
        discard_stale_uploads.call()
        assert uploads.find(institution, submitter, str(abandoned.pk)) is None
        assert not uploads._part_path(abandoned).exists()
        found = uploads.find(institution, submitter, str(active.pk))
        assert found is not None  # still receiving: not abandoned
        uploads.append(found, 2 * files.CHUNK, data[2 * files.CHUNK :])
        assert found.complete
        assert uploads.finish(found).size == len(data)
