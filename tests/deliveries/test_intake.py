"""The checks of "Controleren" and the submission of "Aanleveren", through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from datahub.deliveries import files, intake
from datahub.deliveries.models import Delivery, Status, StoredFile
from datahub.dictionaries.models import RegistryMethod
from datahub.validation import load_dictionary, validate_file
from tests.deliveries.conftest import FIXTURES, cat_csv, metadata, take_part


def _check(meta, institution, channel="Webportaal"):
    return intake.check(meta, institution, channel)


def test_a_conventional_name_fills_every_field():
    meta = intake.metadata_from_name("11111111_1_CAT_1.4_7_20201214_TEST.xml")
    assert (meta.institution_code, meta.unit, meta.code, meta.version) == (
        "11111111",
        1,
        "CAT",
        "1.4",
    )
    assert (meta.sequence_number, meta.creation_date, meta.is_test) == (
        7,
        dt.date(2020, 12, 14),
        True,
    )


def test_good_metadata_passes_every_check(cataract, institution):
    result = _check(metadata(), institution)
    assert result.ok, result.problems
    assert result.metadata.period == "TOTAAL"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        (
            {"institution_code": "44444444", "file_name": "x.csv"},
            "institution_code",
            "niet de code",
        ),
        ({"unit": 7, "file_name": "x.csv"}, "unit", "geen onderdeel 7"),
        ({"code": "XYZ", "file_name": "x.csv"}, "code", "geen registratie"),
        ({"version": "9.9", "file_name": "x.csv"}, "version", "bestaat niet"),
        ({"creation_date": dt.date(2099, 1, 1), "file_name": "x.csv"}, "creation_date", "toekomst"),
        ({"sequence_number": 0, "file_name": "x.csv"}, "sequence_number", "1 of hoger"),
        ({"unit": 1}, "unit", "bestandsnaam"),
        ({"file_name": "../../x.csv"}, "", "pad"),
        ({"file_name": "11111111_0_CAT_1.4_1_20261128_PROD.txt"}, "", ".xml-bestand"),
    ],
    ids=[
        "other-institution",
        "unknown-unit",
        "unknown-registry",
        "unknown-version",
        "future-date",
        "no-sequence",
        "name-contradicts-fields",
        "path-in-name",
        "wrong-extension",
    ],
)
def test_each_bad_field_gets_its_own_message(cataract, institution, changes, field, text):
    result = _check(metadata(**changes), institution)
    assert not result.ok
    assert any(text in message for message in result.problems.get(field, [])), result.problems


def test_a_registry_one_does_not_take_part_in_is_refused(cataract, institution):
    from datahub.dictionaries.models import Participation

    Participation.objects.for_institution(institution).delete()
    assert "neemt niet deel" in _check(metadata(), institution).problems["code"][0]


def test_a_registry_delivered_through_another_method_is_refused(cataract, institution):
    RegistryMethod.objects.for_institution(institution).update(method="API")
    assert "via API" in _check(metadata(), institution).problems["code"][0]
    assert _check(metadata(), institution, channel="API").ok


def test_a_version_not_valid_today_is_refused(cataract, institution):
    DictionaryVersion = type(cataract)
    DictionaryVersion.objects.filter(pk=cataract.pk).update(valid_to=dt.date(2021, 1, 1))
    assert "niet geldig" in _check(metadata(), institution).problems["version"][0]


def test_the_period_is_required_where_the_sub_delivery_is_not_totaal(operator, institution):
    take_part(operator, [institution], "MMYIKNL_2.1.xlsx")
    meta = metadata(
        code="MMYIKNL", version="2.1", file_name="11111111_0_MMYIKNL_2.1_1_20261128_PROD.csv"
    )
    assert _check(meta, institution).problems["period"] == [
        "Vul de periode in waarover deze aanlevering gaat, bijvoorbeeld 2020H1."
    ]  # MMYIKNL is half-yearly: the example was a quarter
    meta.period = "2020X9"
    assert "2020X9" in _check(meta, institution).problems["period"][0]
    meta.period = "2099K1"
    assert "nog niet begonnen" in _check(meta, institution).problems["period"][0]
    meta.period = "2020h1"
    result = _check(meta, institution)
    assert result.ok and result.metadata.period == "2020H1"


def _submit(meta, institution, user, data, channel="Webportaal"):
    return intake.submit(
        meta, [data], size=len(data), institution=institution, channel=channel, actor=user
    )


def test_a_submitted_file_is_stored_encrypted_and_processed_like_the_cli(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = cat_csv(4, **{"2": {"Geslacht": "7"}, "3": {"Operatiedatum": "2020-02-30"}})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _submit(metadata(), institution, submitter, data)
    delivery.refresh_from_db()
    expected = validate_file(
        load_dictionary(FIXTURES / "CAT_1.4.xlsx"), data, file_name=delivery.file_name
    )
    assert delivery.status == Status.ERRORS
    assert (delivery.records_total, delivery.records_processed) == (4, expected.processed)
    assert delivery.error_count == expected.errors
    assert [f.code for f in delivery.findings.order_by("position")] == [
        f.code for f in expected.findings
    ]
    stored = delivery.file
    raw = default_storage.open(stored.storage_name).read()
    assert data[:40] not in raw
    assert stored.size == len(data)
    with files.open_plaintext(stored) as plain:
        assert plain.read() == data


def test_a_reused_or_lower_sequence_number_is_refused_and_nothing_is_stored(
    cataract, institution, submitter
):
    _submit(metadata(5), institution, submitter, cat_csv(1))
    for number in (5, 4):
        with pytest.raises(intake.DeliveryRefused) as refused:
            _submit(metadata(number), institution, submitter, cat_csv(1))
        assert "hoger zijn dan 5" in refused.value.problems["sequence_number"][0]
    assert Delivery.objects.for_institution(institution).count() == 1
    assert StoredFile.objects.count() == 1


def test_the_counter_refuses_a_number_taken_between_check_and_store(cataract, institution):
    from datahub.deliveries.models import SequenceCounter

    unit = institution.units.get(number=0)
    SequenceCounter.objects.create(
        institution=institution, unit=unit, sub_delivery=cataract.sub_delivery, last=0
    )
    intake._take_sequence(institution, unit, cataract.sub_delivery, 3)
    with pytest.raises(intake.DeliveryRefused):
        intake._take_sequence(institution, unit, cataract.sub_delivery, 3)
    with pytest.raises(intake.DeliveryRefused):
        intake._take_sequence(institution, unit, cataract.sub_delivery, 2)


def test_an_empty_or_oversized_file_is_refused(cataract, institution, submitter, settings):
    with pytest.raises(intake.DeliveryRefused, match="leeg"):
        _submit(metadata(), institution, submitter, b"")
    settings.MAX_UPLOAD_BYTES = 10
    with pytest.raises(intake.DeliveryRefused, match="groter dan"):
        _submit(metadata(), institution, submitter, cat_csv(1))
    assert not StoredFile.objects.exists()


def test_a_test_delivery_is_marked_as_test(cataract, institution, submitter):
    meta = metadata(is_test=True, file_name="11111111_0_CAT_1.4_1_20261128_TEST.csv")
    assert _submit(meta, institution, submitter, cat_csv(1)).is_test


@pytest.mark.parametrize("name", ["export_2026_TEST.csv", "11111111_0_CAT_1.4_x_20261128_test.csv"])
def test_a_name_ending_in_test_is_a_test_delivery_even_outside_the_convention(
    cataract, institution, submitter, name
):
    # spec §3: a file whose name ends in _TEST is checked fully but never forwarded
    meta = intake.metadata_from_name(name)
    assert meta.is_test
    meta = metadata(file_name=name, is_test=True)
    delivery = _submit(meta, institution, submitter, cat_csv(1))
    assert delivery.is_test and delivery.file_name.endswith("_TEST.csv")
    result = _check(metadata(file_name=name, is_test=False), institution)
    assert result.problems["is_test"] == [
        "De bestandsnaam eindigt op _TEST: dit is een testaanlevering."
    ]


def test_a_conventional_name_that_contradicts_test_says_test(cataract, institution):
    name = "11111111_0_CAT_1.4_1_20261128_TEST.csv"
    result = _check(metadata(file_name=name, is_test=False), institution)
    assert result.problems["is_test"] == ["Volgens de bestandsnaam is dit TEST."]


def test_a_name_outside_the_convention_gets_the_built_name(cataract, institution, submitter):
    delivery = _submit(metadata(file_name="export.csv"), institution, submitter, cat_csv(1))
    assert delivery.file_name == "11111111_0_CAT_1.4_1_20261128_PROD.csv"


def test_the_refusal_for_another_method_names_method_and_channel_in_the_readers_language(
    cataract, institution
):
    from django.utils import translation

    from datahub.dictionaries.models import RegistryMethod

    RegistryMethod.objects.for_institution(institution).update(method="Invoerportaal")
    with translation.override("en"):
        [english] = intake.check(metadata(), institution, "Webportaal").problems["code"]
    assert (
        english
        == "Your institution delivers Cataract through Entry portal, not through Web portal."
    )
