"""POST /api/aanleveringen: a system delivers a file with the upload page's fields and checks."""

from __future__ import annotations

import pytest

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Delivery, StoredFile
from datahub.dictionaries import services
from datahub.dictionaries.models import Method, Participation
from datahub.validation import validate_file
from tests.api.conftest import NAME, upload
from tests.deliveries.conftest import cat_csv, take_part

FIELDS = {
    "institution_code": "11111111",
    "unit": "0",
    "code": "CAT",
    "version": "1.4",
    "is_test": "false",
    "creation_date": "2026-11-28",
    "sequence_number": "3",
}


def _nothing_stored() -> bool:
    return not Delivery.objects.unscoped().exists() and not StoredFile.objects.exists()


def test_a_delivery_is_accepted_processed_and_counted_like_datahub_validate(
    api_cataract, token, django_capture_on_commit_callbacks
):
    data = cat_csv(6, **{"2": {"Geslacht": "7"}, "4": {"Operatiedatum": "2020-02-30"}})
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(token, data, **FIELDS)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "aangeleverd"
    assert body["channel"] == "API"
    assert body["links"]["status"].endswith(f"/api/aanleveringen/{body['id']}")

    delivery = Delivery.objects.unscoped().get(pk=body["id"])
    expected = validate_file(api_cataract.dictionary, data, file_name=NAME)
    assert delivery.status == "verwerkt_met_fouten"
    assert (delivery.records_total, delivery.error_count, delivery.warning_count) == (
        expected.total,
        expected.errors,
        expected.warnings,
    )
    assert delivery.submitted_by is None


def test_the_upload_is_audited_with_the_token_as_actor(api_cataract, token):
    response = upload(token, **FIELDS)
    event = AuditEvent.objects.get(
        action=Action.CREATE,
        object_type="deliveries.Delivery",
        object_id=str(response.json()["id"]),
    )
    assert event.actor is None
    assert event.actor_label.startswith("API token dh_")
    assert event.institution.agb_code == "11111111"


def test_fields_left_out_are_taken_from_the_file_name(api_cataract, token):
    response = upload(token)
    assert response.status_code == 202, response.content
    assert response.json()["sequence_number"] == 3
    assert response.json()["file_name"] == NAME


def test_a_name_outside_the_convention_needs_the_fields_and_gets_the_built_name(
    api_cataract, token
):
    assert upload(token, name="export.csv").status_code == 400
    # digits that are not 0-9 (a superscript three) make the name unconventional, not a 500
    assert upload(token, name="11111111_0_CAT_1.4_\u00b3_20261128_PROD.csv").status_code == 400
    response = upload(token, name="export.csv", **FIELDS)
    assert response.status_code == 202, response.content
    assert response.json()["file_name"] == NAME


BAD = [
    ("wrong extension", {"file_name": "11111111_0_CAT_1.4_3_20261128_PROD.txt"}, "file"),
    ("name contradicts fields", {"sequence_number": "4"}, "sequence_number"),
    ("another institution", {"institution_code": "44444444"}, "institution_code"),
    ("a unit that is not ours", {"unit": "7"}, "unit"),
    ("a version that does not exist", {"version": "9.9"}, "version"),
    ("a creation date in the future", {"creation_date": "2099-01-01"}, "creation_date"),
    ("a path in the file name", {"file_name": "../../x.csv"}, "file"),
    ("a path in a conventional name", {"file_name": f"a/{NAME}"}, "file"),
    ("a DEL in the name", {"file_name": "exp\x7fort.csv"}, "file"),
    ("a next-line character", {"file_name": "exp\x85ort.csv"}, "file"),
    ("a right-to-left override", {"file_name": "exp\u202eort.csv"}, "file"),
]


@pytest.mark.parametrize(("case", "changes", "field"), BAD, ids=[case for case, *_ in BAD])
def test_each_bad_input_is_a_400_with_the_problem_per_field_and_nothing_stored(
    api_cataract, token, case, changes, field
):
    response = upload(token, **(FIELDS | changes))
    assert response.status_code == 400, (case, response.content)
    body = response.json()
    assert body["problems"][field], body
    assert body["detail"]
    assert _nothing_stored()


def test_a_reused_or_lower_sequence_number_is_refused(api_cataract, token):
    assert upload(token, **FIELDS).status_code == 202
    other_file = cat_csv(4)
    for number in ("3", "2"):
        name = f"11111111_0_CAT_1.4_{number}_20261128_PROD.csv"
        response = upload(token, other_file, name=name, **(FIELDS | {"sequence_number": number}))
        assert response.status_code == 400
        assert "3" in response.json()["problems"]["sequence_number"][0]
    assert Delivery.objects.unscoped().count() == 1


def test_a_retry_of_an_upload_that_landed_answers_with_that_delivery(api_cataract, token):
    """The answer of the first attempt was lost (a timeout): sending the same file with the
    same fields again tells where it is instead of refusing its sequence number."""
    first = upload(token, **FIELDS)
    assert first.status_code == 202
    again = upload(token, **FIELDS)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Delivery.objects.unscoped().count() == 1
    changed = upload(token, cat_csv(4), **FIELDS)  # another file with that number: refused
    assert changed.status_code == 400


def test_a_retry_after_the_version_expired_still_answers_with_the_delivery(api_cataract, token):
    """The first attempt landed just before midnight on the version's last day; the retry
    comes after it: the version's check now refuses, but the delivery is there all the same."""
    import datetime as dt

    from django.utils import timezone

    first = upload(token, **FIELDS)
    assert first.status_code == 202
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    type(api_cataract).objects.filter(pk=api_cataract.pk).update(
        valid_from=yesterday - dt.timedelta(days=30), valid_to=yesterday
    )
    again = upload(token, **FIELDS)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    other = upload(token, cat_csv(4), **FIELDS)  # another file: refused, for both reasons
    assert other.status_code == 400
    assert set(other.json()["problems"]) == {"version", "sequence_number"}
    assert Delivery.objects.unscoped().count() == 1


def test_a_retry_of_a_file_named_off_the_convention_answers_with_that_delivery(api_cataract, token):
    first = upload(token, name="export.csv", **FIELDS)
    assert first.status_code == 202
    again = upload(token, name="export.csv", **FIELDS)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


@pytest.fixture
def api_myeloma(operator, institution):
    """MMY IKNL 2.1, a registry delivered per period, through the API."""
    return take_part(operator, [institution], "MMYIKNL_2.1.xlsx", Method.API)


def test_the_same_file_for_another_period_is_no_retry(api_myeloma, token):
    """The period is not in the file name: the same file sent again for another quarter must
    not be answered with the delivery of the first quarter, as if it had been accepted."""
    name = "11111111_0_MMYIKNL_2.1_1_20261128_PROD.csv"
    first = upload(token, b"a;b\r\n1;2\r\n", name=name, period="2026K2")
    assert first.status_code == 202
    assert first.json()["period"] == "2026K2"
    again = upload(token, b"a;b\r\n1;2\r\n", name=name, period="2026k2")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = upload(token, b"a;b\r\n1;2\r\n", name=name, period="2026K3")
    assert other.status_code == 400
    assert other.json()["problems"]["sequence_number"]
    assert Delivery.objects.unscoped().count() == 1


def test_a_version_not_valid_on_the_day_is_refused(api_cataract, token):
    type(api_cataract).objects.filter(pk=api_cataract.pk).update(valid_from="2030-01-01")
    response = upload(token, **FIELDS)
    assert response.status_code == 400
    assert response.json()["problems"]["version"]
    assert _nothing_stored()


def test_a_registry_the_institution_does_not_take_part_in_is_refused(
    api_cataract, token, institution
):
    Participation.objects.for_institution(institution).delete()
    response = upload(token, **FIELDS)
    assert response.status_code == 400
    assert response.json()["problems"]["code"]
    assert _nothing_stored()


def test_a_registry_delivered_through_the_web_portal_is_refused(
    api_cataract, token, institution, operator
):
    services.set_method(
        actor=operator,
        institution=institution,
        registry=api_cataract.sub_delivery.registry,
        method=Method.PORTAL,
    )
    response = upload(token, **FIELDS)
    assert response.status_code == 400
    assert "Webportaal" in response.json()["problems"]["code"][0]
    assert _nothing_stored()


def test_an_empty_file_is_refused(api_cataract, token):
    response = upload(token, b"", **FIELDS)
    assert response.status_code == 400
    assert response.json()["problems"]["file"]
    assert _nothing_stored()


def test_a_file_over_the_maximum_is_a_413(api_cataract, token, settings):
    settings.MAX_UPLOAD_BYTES = 100
    response = upload(token, cat_csv(3), **FIELDS)
    assert response.status_code == 413
    assert response.json()["problems"]["file"]
    assert _nothing_stored()


def test_a_missing_file_or_an_unreadable_field_is_a_422_per_field(api_cataract, token):
    from django.test import Client

    from tests.api.conftest import UPLOAD_URL, bearer

    response = Client().post(UPLOAD_URL, FIELDS, **bearer(token))
    assert response.status_code == 422
    assert response.json()["problems"]["file"]
    response = upload(token, **(FIELDS | {"unit": "nul", "creation_date": "gisteren"}))
    assert response.status_code == 422
    assert set(response.json()["problems"]) == {"unit", "creation_date"}
    assert _nothing_stored()


def test_a_file_over_the_memory_limit_streams_through_a_temporary_file_into_storage(
    api_cataract, token, settings
):
    import hashlib

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # this file goes to a temporary file
    data = cat_csv(40)
    assert len(data) > 1024
    response = upload(token, data, **FIELDS)
    assert response.status_code == 202, response.content
    stored = StoredFile.objects.get()
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_file_named_test_is_a_test_delivery_when_the_fields_leave_it_out(api_cataract, token):
    fields = {k: v for k, v in FIELDS.items() if k != "is_test"}
    response = upload(token, name="export_2026_TEST.csv", **fields)
    assert response.status_code == 202, response.content
    assert response.json()["is_test"] is True
    assert Delivery.objects.unscoped().get().is_test
    refused = upload(token, name="export_2026_TEST.csv", **dict(fields, is_test="false"))
    assert refused.status_code == 400
    assert "is_test" in refused.json()["problems"]


@pytest.mark.parametrize("field", ["code", "version", "period", "file_name"])
def test_a_nul_character_in_a_field_is_refused_for_that_field(api_cataract, token, field):
    response = upload(token, **(FIELDS | {field: "CAT\x00"}))
    assert response.status_code == 422  # as every field that cannot be read
    assert "NUL" in response.json()["problems"][field][0]
    assert _nothing_stored()


@pytest.mark.parametrize("period", ["garbage", "2026K3"])
def test_a_period_for_a_totaal_sub_delivery_is_refused_not_ignored(api_cataract, token, period):
    """It was stored as TOTAAL without a word (a review)."""
    response = upload(token, **FIELDS, period=period)
    assert response.status_code == 400
    assert response.json()["problems"] == {
        "period": [
            "CAT wordt altijd als volledige dataset (TOTAAL) aangeleverd, zonder periode: laat "
            "de periode leeg of vul TOTAAL in."
        ]
    }
    assert _nothing_stored()
