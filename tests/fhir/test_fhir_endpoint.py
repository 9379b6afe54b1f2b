"""POST /api/fhir/{code}: an institution's system submits FHIR resources with its API token."""

from __future__ import annotations

import json

import pytest

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import files
from datahub.deliveries.models import Delivery, StoredFile
from datahub.fhir import parsing
from datahub.validation import validate_records
from tests.fhir.conftest import bundle, issues, patient, post, procedure


def _nothing_stored() -> bool:
    return not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_an_accepted_bundle_is_a_fhir_delivery_processed_like_a_file(
    fhir_cataract, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(token, bundle(procedure(1), procedure(2), patient(), kind="batch"))
    assert response.status_code == 202, response.content
    found = issues(response)
    delivery = Delivery.objects.unscoped().get()
    assert delivery.channel == "FHIR"
    assert delivery.institution.agb_code == "11111111"
    assert delivery.file_name.startswith("11111111_0_CAT_1.4_1_")
    assert delivery.file_name.endswith("_PROD.csv")
    assert delivery.is_finished
    assert delivery.records_total == 2
    first = found[0]
    assert (first["severity"], first["code"]) == ("information", "informational")
    assert f"/api/aanleveringen/{delivery.pk}" in first["diagnostics"]
    with files.open_plaintext(delivery.file) as stream:
        stored = stream.read().decode()
    assert stored.splitlines()[0].startswith("OperatieID,PatientCode,Geboortejaar")
    assert stored.splitlines()[1].startswith("OP0001,PAT1,,,2026-05-01,OD,")


def test_the_delivery_report_equals_validate_records_on_the_extracted_records(
    fhir_cataract, token, django_capture_on_commit_callbacks
):
    sent = bundle(procedure(1), procedure(2, bodySite=[{"coding": [{"code": "XX"}]}]))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(token, sent)
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.unscoped().get()
    records = [
        {
            "OperatieID": f"OP000{n}",
            "PatientCode": f"PAT{n}",
            "Operatiedatum": f"2026-05-0{n}",
            "ODS": ods,
        }
        for n, ods in ((1, "OD"), (2, "XX"))
    ]
    expected = validate_records(fhir_cataract.dictionary, records)
    assert delivery.status == {
        "Afgekeurd": "afgekeurd",
        "Verwerkt met fouten": "verwerkt_met_fouten",
    }.get(expected.status, expected.status)
    assert (delivery.records_total, delivery.error_count, delivery.warning_count) == (
        expected.total,
        expected.errors,
        expected.warnings,
    )
    stored = sorted((f.record, f.code, f.field or "", f.message) for f in delivery.findings.all())
    assert stored == sorted((f.record, f.code, f.field or "", f.message) for f in expected.findings)
    # and the answer listed the same findings per record, where in the bundle
    listed = [i for i in issues(response) if i["code"] == "business-rule"]
    assert len(listed) == len(expected.findings)
    odd = next(i for i in listed if i["details"]["coding"][0]["code"] == "001_RefTab")
    assert odd["expression"] == ["Bundle.entry[1].resource"]
    assert odd["diagnostics"].startswith("Record 2: Veld ODS: ")


def test_the_upload_is_audited_with_the_token_as_actor(fhir_cataract, token):
    response = post(token, procedure(1))
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.unscoped().get()
    event = AuditEvent.objects.get(
        action=Action.CREATE, object_type="deliveries.Delivery", object_id=str(delivery.pk)
    )
    assert event.actor_label.startswith("API token dh_")
    assert event.institution.agb_code == "11111111"


def test_fields_are_query_parameters(fhir_cataract, token):
    response = post(token, procedure(1), is_test="true", sequence_number=7, unit=0)
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.unscoped().get()
    assert (delivery.is_test, delivery.sequence_number) == (True, 7)
    assert delivery.file_name.endswith("_7_" + delivery.file_name.split("_")[5] + "_TEST.csv")
    again = post(token, procedure(2), sequence_number=7)
    assert again.status_code == 422
    assert "volgnummer" in issues(again)[0]["diagnostics"]


def test_an_unreadable_query_parameter_is_an_operation_outcome(fhir_cataract, token):
    response = post(token, procedure(1), unit="nul")
    assert response.status_code == 422
    assert issues(response)[0]["diagnostics"].startswith("unit: ")
    assert _nothing_stored()


def test_an_institution_that_does_not_deliver_through_fhir_is_refused(fhir_cataract, other_token):
    response = post(other_token, procedure(1))
    assert response.status_code == 422
    found = issues(response)
    assert found[0]["severity"] == "error"
    assert "niet via FHIR" in found[0]["diagnostics"]
    assert _nothing_stored()


def test_a_token_delivers_for_its_own_institution_only(
    fhir_cataract, token, operator, other_institution, other_token
):
    from datahub.dictionaries import services

    services.set_method(
        actor=operator,
        institution=other_institution,
        registry=fhir_cataract.sub_delivery.registry,
        method="FHIR",
    )
    assert post(other_token, procedure(1)).status_code == 202
    assert post(token, procedure(2)).status_code == 202
    by_institution = sorted(
        Delivery.objects.unscoped().values_list("institution__agb_code", "sequence_number")
    )
    assert by_institution == [("11111111", 1), ("44444444", 1)]


def test_without_a_token_nothing_happens(fhir_cataract):
    from django.test import Client

    response = Client().post(
        "/api/fhir/CAT", json.dumps(procedure(1)), content_type="application/fhir+json"
    )
    assert response.status_code == 401
    assert _nothing_stored()


FHIR_JSON = "application/fhir+json"
XML = b"<Bundle xmlns='http://hl7.org/fhir'><type value='batch'/></Bundle>"
BAD_DATE = procedure(1, performedDateTime="gisteren")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", FHIR_JSON, 400),
        (XML, "application/xml", 415),
        (b"[" * 3_500_000 + b"]" * 3_500_000, FHIR_JSON, 400),
        (json.dumps(bundle()).encode(), FHIR_JSON, 422),
        (json.dumps(bundle(patient())).encode(), FHIR_JSON, 422),
        (json.dumps(BAD_DATE).encode(), FHIR_JSON, 400),
        (json.dumps({"resourceType": "Bundle", "type": "document"}).encode(), FHIR_JSON, 400),
    ],
    ids=["malformed", "xml", "7MB-nesting", "empty-bundle", "no-procedure", "bad-date", "doc"],
)
def test_what_cannot_be_delivered_gets_a_clear_outcome_and_stores_nothing(
    fhir_cataract, token, body, content_type, status
):
    response = post(token, body, content_type=content_type)
    assert response.status_code == status, response.content
    found = issues(response)
    assert found
    assert all(issue["severity"] == "error" for issue in found)
    assert all(issue["diagnostics"] for issue in found)
    assert _nothing_stored()


def test_a_malformed_element_is_named_in_the_outcome(fhir_cataract, token):
    response = post(token, bundle(patient(), procedure(1, performedDateTime="2026-13-45")))
    assert response.status_code == 400
    assert issues(response)[0]["expression"] == ["Bundle.entry[1].resource.performedDateTime"]


@pytest.mark.parametrize(
    ("moment", "date"),
    [
        ("9999-12-31T23:59:59-14:00", "9999-12-31"),
        ("9999-12-31T23:00:00-05:00", "9999-12-31"),
        ("0001-01-01T00:00:00+14:00", "0001-01-01"),
    ],
)
def test_a_moment_past_the_calendars_ends_on_the_hubs_clock_is_delivered_as_written(
    fhir_cataract, token, moment, date
):
    """It cannot be read on Dutch time (year 10000, year 0): it was a 500 (a security review);
    the records take the date as written and the engine judges it."""
    response = post(token, bundle(patient(), procedure(1, performedDateTime=moment)))
    assert response.status_code == 202, response.content
    with files.open_plaintext(Delivery.objects.unscoped().get().file) as stream:
        assert f",{date}," in stream.read().decode().splitlines()[1]


def test_a_length_that_is_no_number_is_refused_as_such_not_a_500(fhir_cataract, token):
    from django.test import Client

    from tests.fhir.conftest import URL, bearer

    body = json.dumps(bundle(patient(), procedure(1)))
    response = Client().post(
        URL + "?unit=0",
        body,
        content_type="application/fhir+json",
        CONTENT_LENGTH="veel",
        **bearer(token),
    )
    assert response.status_code == 400, response.content
    assert "Content-Length van het verzoek is geen getal" in issues(response)[0]["diagnostics"]
    assert _nothing_stored()


def test_a_body_over_the_maximum_is_refused_before_it_is_read(fhir_cataract, token):
    body = b" " * (parsing.MAX_BYTES + 1)
    response = post(token, body)
    assert response.status_code == 413
    assert issues(response)[0]["code"] == "too-costly"
    assert _nothing_stored()


def test_the_endpoint_is_in_the_openapi_description(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/fhir/{code}"]["post"]
    assert "application/fhir+json" in operation["requestBody"]["content"]
    assert {"202", "400", "413", "415", "422"} <= set(operation["responses"])


def test_sequence_number_zero_is_refused_as_the_upload_refuses_it(fhir_cataract, token):
    response = post(token, bundle(procedure(1)), sequence_number=0)
    assert response.status_code == 422
    assert any("sequence_number" in i["diagnostics"] for i in issues(response))
    assert _nothing_stored()


@pytest.mark.parametrize("version", ["9.9", "../../x"])
def test_an_unknown_version_is_the_only_problem_named(fhir_cataract, token, version):
    """Also after earlier deliveries: the number the hub fills in is the next one, not 1,
    which the intake would refuse as not higher than the last (a security review)."""
    assert post(token, bundle(patient(), procedure(1))).status_code == 202
    response = post(token, bundle(procedure(2)), version=version)
    assert response.status_code == 422
    found = [i["diagnostics"] for i in issues(response)]
    assert len(found) == 1 and found[0].startswith("version:"), found


def test_a_submission_without_a_number_takes_the_next_one_when_another_took_it_first(
    fhir_cataract, token, monkeypatch, institution
):
    """Another delivery took the next free number (1) while this one was read and checked:
    it takes the one after, instead of being refused for a number it never chose."""
    from datahub.deliveries.models import SequenceCounter
    from datahub.fhir import service
    from datahub.institutions.models import Unit

    real = service.validate_records

    def meanwhile(*args, **kwargs):
        SequenceCounter.objects.unscoped().update_or_create(
            institution=institution,
            unit=Unit.objects.for_institution(institution).get(number=0),
            sub_delivery=fhir_cataract.sub_delivery,
            defaults={"last": 1},
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "validate_records", meanwhile)
    response = post(token, bundle(procedure(1)))
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.unscoped().get()
    assert delivery.sequence_number == 2
    assert delivery.file_name.startswith("11111111_0_CAT_1.4_2_")
    # a number the system chose itself is refused as sent, not replaced
    again = post(token, bundle(procedure(2)), sequence_number=2)
    assert again.status_code == 422


def test_a_retry_without_a_sequence_number_is_answered_with_the_delivery_it_repeats(
    fhir_cataract, token
):
    """The answer of the first attempt was lost; the system sends the same Bundle again. It
    is not delivered twice: the answer names the delivery it repeats (200)."""
    sent = bundle(procedure(1), procedure(2))
    first = post(token, sent)
    assert first.status_code == 202, first.content
    again = post(token, sent)
    assert again.status_code == 200, again.content
    delivery = Delivery.objects.unscoped().get()
    assert f"/api/aanleveringen/{delivery.pk}" in issues(again)[0]["diagnostics"]
    # other records, or the same ones with a sequence number of its own: delivered
    assert post(token, bundle(procedure(1))).status_code == 202
    assert post(token, sent, sequence_number=9).status_code == 202
    assert Delivery.objects.unscoped().count() == 3


def test_the_same_records_an_hour_later_are_delivered_again(fhir_cataract, token):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    sent = bundle(procedure(1))
    assert post(token, sent).status_code == 202
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert post(token, sent).status_code == 202
    assert Delivery.objects.unscoped().count() == 2


def test_a_failing_storage_answers_503_transient_and_stores_nothing(
    fhir_cataract, token, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    response = post(token, bundle(procedure(1), patient()))
    assert response.status_code == 503
    [issue] = issues(response)
    assert issue["code"] == "transient" and "niets aangeleverd" in issue["diagnostics"]
    assert not Delivery.objects.unscoped().exists()


def test_the_garbage_collector_runs_again_after_a_submission_accepted_or_refused(
    fhir_cataract, token, monkeypatch
):
    """It is paused while a submission is read (a Bundle is a million objects), never left so."""
    import gc

    from datahub.fhir import mapping

    states = []
    model_issues = mapping.model_issues
    monkeypatch.setattr(
        mapping,
        "model_issues",
        lambda *args: states.append(gc.isenabled()) or model_issues(*args),
    )
    assert post(token, bundle(procedure(1))).status_code == 202
    assert post(token, bundle(procedure(2, onbekend=1))).status_code == 400
    assert states == [False, False] and gc.isenabled()
    gc.disable()  # paused by someone else: left so
    try:
        assert post(token, bundle(procedure(3))).status_code == 202
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_registry_without_fhir_is_refused_as_not_supported_alone(
    fhir_cataract, operator, institution, token
):
    """MMYIKNL's dictionary has no FHIR resource: the answer was the method's, the unit's and
    the period's problems, never the documented not-supported (a review)."""
    from tests.deliveries.conftest import take_part

    take_part(operator, (institution,), "MMYIKNL_2.1.xlsx", method="API")
    response = post(token, procedure(1), url="/api/fhir/MMYIKNL", unit=None)
    assert response.status_code == 422
    assert [(i["code"], i["diagnostics"]) for i in issues(response)] == [
        ("not-supported", "De data dictionary van deze registratie voorziet niet in FHIR.")
    ]
    assert _nothing_stored()


def test_an_institution_that_delivers_otherwise_is_told_that_alone(fhir_cataract, other_token):
    """Not also that its unit does not exist or its period is no period: what would it fix?"""
    response = post(other_token, procedure(1), unit=7, period="2026Q9", creation_date="2099-01-01")
    assert response.status_code == 422
    found = [(i["code"], i["diagnostics"]) for i in issues(response)]
    assert len(found) == 1, found
    assert found[0][0] == "processing" and "niet via FHIR" in found[0][1]


def test_the_delivery_is_in_the_location_header_of_the_answer_and_of_a_retry(
    fhir_cataract, token, settings
):
    """The delivery's id was only in the Dutch prose of the outcome (a review)."""
    settings.BASE_URL = "https://datahub.example"
    sent = bundle(procedure(1))
    first = post(token, sent)
    assert first.status_code == 202, first.content
    delivery = Delivery.objects.unscoped().get()
    url = f"https://datahub.example/api/aanleveringen/{delivery.pk}"
    assert first["Location"] == url
    again = post(token, sent)
    assert again.status_code == 200
    assert again["Location"] == url
    assert "Location" not in post(token, sent, sequence_number=0)


def test_the_location_header_is_in_the_openapi_description(client):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/fhir/{code}"]["post"]
    for status in ("200", "202"):
        assert "Location" in operation["responses"][status]["headers"], status


def test_a_period_for_a_totaal_sub_delivery_is_refused_not_ignored(fhir_cataract, token):
    """``POST /api/fhir/CAT?period=garbage`` was stored as TOTAAL (a review)."""
    response = post(token, procedure(1), period="garbage")
    assert response.status_code == 422
    (issue,) = issues(response)
    assert issue["code"] == "processing"
    assert issue["diagnostics"].startswith("period: CAT wordt altijd als volledige dataset")
    assert _nothing_stored()
    assert post(token, procedure(1), period="totaal").status_code == 202
    assert Delivery.objects.unscoped().get().period == "TOTAAL"


def test_a_retry_names_the_moment_of_the_delivery_it_repeats_in_utc(fhir_cataract, token):
    """It gave a local time without a zone (``made at 14:03``; a review)."""
    import datetime as dt

    sent = bundle(procedure(1))
    assert post(token, sent).status_code == 202
    delivery = Delivery.objects.unscoped().get()
    moment = delivery.submitted_at.replace(microsecond=532000) - dt.timedelta(minutes=5)
    Delivery.objects.unscoped().update(submitted_at=moment)
    again = post(token, sent)
    assert again.status_code == 200
    written = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.532000Z")
    assert f"van {written}:" in issues(again)[0]["diagnostics"]


def test_the_same_bundle_sent_twice_at_the_same_moment_is_delivered_once(
    fhir_cataract, token, monkeypatch
):
    """Both copies were checked before either landed: the second was delivered again under
    the next number (a review: two deliveries with one SHA-256). It is the first one's repeat."""
    from datahub.fhir import service

    real = service._same_as_latest
    sent = bundle(procedure(1), procedure(2))
    other: list = []

    def the_other_copy_lands_meanwhile(*args, **kwargs):
        found = real(*args, **kwargs)  # none yet: this copy goes on to be delivered
        if not other:
            other.append(None)
            other[0] = post(token, sent)  # and the other copy lands first
        return found

    monkeypatch.setattr(service, "_same_as_latest", the_other_copy_lands_meanwhile)
    response = post(token, sent)
    assert other[0].status_code == 202, other[0].content
    assert response.status_code == 200, response.content
    delivery = Delivery.objects.unscoped().get()
    assert response["Location"].endswith(f"/api/aanleveringen/{delivery.pk}")


def test_a_copy_whose_delivery_was_made_before_this_one_looked_is_still_its_twin(
    fhir_cataract, token, monkeypatch
):
    """The other copy made its delivery (not yet committed, so not seen) after this one started
    but before it looked for a repeat: it was missed, and this copy delivered again (a review)."""
    from datahub.fhir import service

    sent = bundle(procedure(1), procedure(2))
    real_validate = service.validate_records
    other: list = []

    def the_other_copy_lands_while_this_one_is_checked(*args, **kwargs):
        if not other:
            other.append(None)
            other[0] = post(token, sent)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(service, "validate_records", the_other_copy_lands_while_this_one_is_checked)
    monkeypatch.setattr(service, "_same_as_latest", lambda *args: None)  # (not committed yet)
    response = post(token, sent)
    assert other[0].status_code == 202, other[0].content
    assert response.status_code == 200, response.content
    assert Delivery.objects.unscoped().count() == 1


def test_a_submission_outrun_by_many_others_at_once_is_still_delivered(
    fhir_cataract, token, monkeypatch
):
    """Five other submissions took the next numbers one after another while this one was
    checked and renumbered: it was refused (422) for a number it never chose after 3 tries."""
    from datahub.fhir import service

    real_validate, real_renumbered = service.validate_records, service._renumbered
    others = iter(range(10, 15))

    def another_lands(metadata, institution):
        number = next(others, None)
        if number is not None:  # a different submission takes the number this one will try
            with monkeypatch.context() as inner:
                inner.setattr(service, "_renumbered", real_renumbered)
                inner.setattr(service, "validate_records", real_validate)
                assert post(token, bundle(procedure(number))).status_code == 202
            return metadata  # (the number it tried, now taken again)
        return real_renumbered(metadata, institution)

    def first_lands(*args, **kwargs):
        monkeypatch.setattr(service, "validate_records", real_validate)
        assert post(token, bundle(procedure(9))).status_code == 202
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(service, "validate_records", first_lands)
    monkeypatch.setattr(service, "_renumbered", another_lands)
    monkeypatch.setattr(service.time, "sleep", lambda seconds: None)
    response = post(token, bundle(procedure(1)))
    assert response.status_code == 202, response.content
    assert Delivery.objects.unscoped().count() == 7


def test_a_submission_that_never_finds_a_free_number_is_told_to_send_again(
    fhir_cataract, token, monkeypatch
):
    from datahub.fhir import service

    monkeypatch.setattr(service, "_renumbered", lambda metadata, institution: metadata)
    monkeypatch.setattr(service.time, "sleep", lambda seconds: None)
    real = service.validate_records

    def taken_meanwhile(*args, **kwargs):
        monkeypatch.setattr(service, "validate_records", real)
        assert post(token, bundle(procedure(9))).status_code == 202
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "validate_records", taken_meanwhile)
    response = post(token, bundle(procedure(1)))
    assert response.status_code == 503, response.content
    assert issues(response)[0]["code"] == "transient"
    assert Delivery.objects.unscoped().count() == 1
