"""The invoerportaal's service: the form from the dictionary, the check of one record (exactly
the engine's), the encrypted batch of drafts scoped to the institution, and Aanleveren."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import entry, files
from datahub.deliveries.entry import EntryError
from datahub.deliveries.models import Channel, Delivery, EntryDraft, Status
from datahub.validation import validate_records
from tests.validation.helpers import cat_row


def test_the_form_has_a_field_for_each_field_of_the_dictionary_with_its_rules(cataract_entry):
    fields = {f.name: f for f in entry.form_fields(cataract_entry.dictionary)}
    assert list(fields) == list(cataract_entry.dictionary.field_names)
    eye = fields["ODS"]
    assert eye.input_type == "select" and eye.required
    assert eye.choices == (
        ("OD", "Oculus dexter (rechteroog)"),
        ("OS", "Oculus sinister (linkeroog)"),
    )
    assert fields["Operatiedatum"].input_type == "date"
    assert (fields["Geboortejaar"].input_type, fields["Geboortejaar"].step) == ("number", "1")
    assert (fields["Geboortejaar"].minimum, fields["Geboortejaar"].maximum) == ("1900", "2100")
    target = fields["Streefrefractie"]
    assert (target.input_type, target.step) == ("number", "0.01")
    assert fields["OperatieID"].length == 20 and fields["OperatieID"].input_type == "text"
    assert not fields["IOLType"].required
    assert fields["PatientCode"].description.startswith("Patientnummer")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_check_of_a_record_gives_exactly_the_findings_of_validate_records(cataract_entry, lang):
    from django.utils import translation

    values = cat_row(1, Geboortejaar="2030", ODS="XX", IOLType="", Opmerking="a, b")
    with translation.override(lang):
        checked = entry.check_record(cataract_entry.dictionary, values)
    expected = validate_records(
        cataract_entry.dictionary,
        [{k: (v or None) for k, v in values.items()}],
        lang=lang,
    )
    assert checked.report.findings == expected.findings
    assert {f.code for f in expected.findings} >= {"003_Y_EQ", "010_COND"}
    assert set(checked.by_field) >= {"Geboortejaar", "ODS", "IOLType"}
    assert checked.errors == expected.errors


def test_a_saved_record_is_stored_encrypted_and_its_creation_audited(
    cataract_entry, institution, clinician
):
    draft, checked = entry.save_draft(
        institution, cataract_entry.sub_delivery, cat_row(7), actor=clinician
    )
    assert checked.errors == 0
    stored = bytes(EntryDraft.objects.for_institution(institution).get(pk=draft.pk).sealed)
    assert b"1100055508" not in stored and b"PatientCode" not in stored
    assert entry.draft_values(draft)["PatientCode"] == "1100055508"
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(draft.pk)).exists()


def test_a_sealed_record_moved_to_another_institution_does_not_open(
    cataract_entry, institution, other_institution, clinician
):
    draft, _checked = entry.save_draft(
        institution, cataract_entry.sub_delivery, cat_row(1), actor=clinician
    )
    draft.institution_id = other_institution.pk
    with pytest.raises(files.FileIntegrityError):
        entry.draft_values(draft)


def test_a_record_with_errors_is_kept_with_its_counts(cataract_entry, institution, clinician):
    draft, checked = entry.save_draft(
        institution, cataract_entry.sub_delivery, cat_row(1, ODS="XX"), actor=clinician
    )
    draft.refresh_from_db()
    assert checked.errors == draft.error_count == 1


def test_the_batch_is_of_one_institution(cataract_entry, institution, other_institution, clinician):
    draft, _checked = entry.save_draft(
        institution, cataract_entry.sub_delivery, cat_row(1), actor=clinician
    )
    sub_delivery = cataract_entry.sub_delivery
    assert entry.find_draft(other_institution, sub_delivery, draft.pk) is None
    assert list(entry.drafts_of(other_institution, sub_delivery)) == []
    assert entry.find_draft(institution, sub_delivery, draft.pk) == draft


def test_only_registries_delivered_through_the_entry_portal_may_be_entered(
    cataract_entry, institution, other_institution, clinician
):
    today = timezone.localdate()
    sub_delivery = cataract_entry.sub_delivery
    assert entry.entry_sub_deliveries(institution, today) == [sub_delivery]
    assert entry.entry_sub_deliveries(other_institution, today) == []
    [problem] = entry.refusal(other_institution, sub_delivery, today)
    assert "Webportaal" in problem or "Web portal" in problem or "webportaal" in problem
    with pytest.raises(EntryError):
        entry.save_draft(other_institution, sub_delivery, cat_row(1), actor=clinician)
    assert not EntryDraft.objects.unscoped().exists()


def test_aanleveren_makes_the_batch_one_delivery_processed_like_a_file(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    sub_delivery = cataract_entry.sub_delivery
    records = [cat_row(1), cat_row(2, ODS="XX"), cat_row(3, Opmerking='met "komma", ja')]
    for values in records:
        entry.save_draft(institution, sub_delivery, values, actor=clinician)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = entry.submit_batch(
            institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
        )
    delivery.refresh_from_db()
    assert delivery.channel == Channel.ENTRY
    assert delivery.file_name.startswith("11111111_0_CAT_1.4_1_")
    assert delivery.status == Status.ERRORS
    assert (delivery.records_total, delivery.records_processed) == (3, 2)
    expected = validate_records(
        cataract_entry.dictionary, [{k: (v or None) for k, v in r.items()} for r in records]
    )
    stored = [(f.record, f.code, f.field, f.value, f.message) for f in delivery.findings.all()]
    assert stored == [(f.record, f.code, f.field, f.value, f.message) for f in expected.findings]
    kept = EntryDraft.objects.for_institution(institution)
    assert kept.count() == 3 and {d.delivered_in_id for d in kept} == {delivery.pk}
    assert delivery.submitted_by == clinician


def test_aanleveren_of_an_empty_batch_is_refused(cataract_entry, institution, clinician):
    with pytest.raises(EntryError):
        entry.submit_batch(
            institution,
            cataract_entry.sub_delivery,
            unit=0,
            period="",
            is_test=False,
            actor=clinician,
        )
    assert not Delivery.objects.for_institution(institution).exists()


def test_a_refused_aanleveren_keeps_the_batch(cataract_entry, institution, clinician):
    entry.save_draft(institution, cataract_entry.sub_delivery, cat_row(1), actor=clinician)
    with pytest.raises(EntryError) as refused:
        entry.submit_batch(
            institution,
            cataract_entry.sub_delivery,
            unit=9,
            period="",
            is_test=False,
            actor=clinician,
        )
    assert "unit" in refused.value.problems
    assert EntryDraft.objects.for_institution(institution).count() == 1
    assert not Delivery.objects.for_institution(institution).exists()


def _deliver(institution, sub_delivery, clinician, capture, *, is_test=False, unit=0):
    with capture(execute=True):
        delivery = entry.submit_batch(
            institution, sub_delivery, unit=unit, period="", is_test=is_test, actor=clinician
        )
    delivery.refresh_from_db()
    return delivery


def _delivered_ids(delivery) -> list[str]:
    import csv
    import io

    with files.open_plaintext(delivery.file) as stream:
        rows = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8"))
        return [row["OperatieID"] for row in rows]


def test_each_delivery_is_the_whole_dataset_and_delivered_records_stay(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    """TOTAAL: the newest delivery replaces every earlier one, so it must hold every kept
    record (delivered before or not), and a deleted record is left out of it."""
    sub_delivery = cataract_entry.sub_delivery
    first, _c = entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    second, _c = entry.save_draft(institution, sub_delivery, cat_row(2), actor=clinician)
    one = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert one.period == "TOTAAL" and _delivered_ids(one) == ["11000001", "11000002"]
    first.refresh_from_db()
    assert first.delivered_in == one and first.delivered_at and not first.changed_since_delivery

    entry.save_draft(institution, sub_delivery, cat_row(3), actor=clinician)
    entry.save_draft(
        institution, sub_delivery, cat_row(2, Opmerking="nagekeken"), actor=clinician, draft=second
    )
    entry.delete_draft(first, actor=clinician)
    second.refresh_from_db()
    assert second.changed_since_delivery
    two = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert _delivered_ids(two) == ["11000002", "11000003"]
    assert (two.records_total, two.status) == (2, Status.PROCESSED)
    kept = EntryDraft.objects.for_institution(institution)
    assert {d.delivered_in_id for d in kept} == {two.pk}


def test_a_test_delivery_leaves_the_records_as_they_were(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    sub_delivery = cataract_entry.sub_delivery
    entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    test = _deliver(
        institution, sub_delivery, clinician, django_capture_on_commit_callbacks, is_test=True
    )
    assert test.is_test and _delivered_ids(test) == ["11000001"]
    [draft] = EntryDraft.objects.for_institution(institution)
    assert draft.delivered_in is None and draft.delivered_at is None and draft.is_new


def test_a_record_checked_against_an_older_version_must_be_checked_again_before_delivery(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    from tests.schedule.conftest import import_with_schedule

    sub_delivery = cataract_entry.sub_delivery
    draft, _c = entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    newer = import_with_schedule(
        "CAT_1.4.xlsx", version="1.5", schedule=[], valid_from=cataract_entry.valid_from
    )
    assert entry.needs_recheck(draft, newer)
    with pytest.raises(EntryError, match=r"1\.5"):
        entry.submit_batch(
            institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
        )
    assert not Delivery.objects.for_institution(institution).exists()
    entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician, draft=draft)
    delivery = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert delivery.dictionary_version == newer and "_CAT_1.5_" in delivery.file_name


def test_a_batch_the_rejection_threshold_would_reject_is_refused_naming_the_threshold(
    cataract_entry, institution, clinician
):
    sub_delivery = cataract_entry.sub_delivery
    assert entry.rejection_threshold(cataract_entry) == 50.0
    for values in (cat_row(1), cat_row(2, ODS="XX"), cat_row(3, ODS="XX")):
        entry.save_draft(institution, sub_delivery, values, actor=clinician)
    with translation.override("en"), pytest.raises(EntryError, match="more than 50 % of the"):
        entry.submit_batch(
            institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
        )
    assert not Delivery.objects.for_institution(institution).exists()
    assert all(d.is_new for d in EntryDraft.objects.for_institution(institution))


def test_a_dataset_whose_records_repeat_each_other_is_refused_naming_the_records(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    """Each record alone is correct; two the same make both ``005`` in the delivery, so two of
    three records with errors would reject it: refused before anything is delivered."""
    sub_delivery = cataract_entry.sub_delivery
    first, _c = entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    second, _c = entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    entry.save_draft(institution, sub_delivery, cat_row(2), actor=clinician)
    assert not any(d.error_count for d in EntryDraft.objects.for_institution(institution))
    assert not entry.over_threshold(
        cataract_entry, entry.batch_counts(institution, sub_delivery, cataract_entry)
    )
    with translation.override("en"), pytest.raises(EntryError) as refused:
        entry.submit_batch(
            institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
        )
    message = str(refused.value)
    assert "2 of the 3 records have errors" in message and "more than 50 % of the" in message
    assert f"record {first.pk}: " in message and f"record {second.pk}: " in message
    assert not Delivery.objects.for_institution(institution).exists()
    assert all(d.is_new for d in EntryDraft.objects.for_institution(institution))
    entry.delete_draft(second, actor=clinician)
    delivery = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert delivery.status == Status.PROCESSED


def test_a_repeated_record_under_the_threshold_is_delivered_and_reported(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    sub_delivery = cataract_entry.sub_delivery
    for values in (cat_row(1), cat_row(1), cat_row(2), cat_row(3), cat_row(4)):
        entry.save_draft(institution, sub_delivery, values, actor=clinician)
    delivery = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.error_count) == (Status.ERRORS, 2)


def test_saving_a_record_a_colleague_removed_meanwhile_is_refused_and_not_audited(
    cataract_entry, institution, clinician
):
    sub_delivery = cataract_entry.sub_delivery
    draft, _c = entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    entry.delete_draft(draft, actor=clinician)
    with translation.override("en"), pytest.raises(EntryError, match="already been removed"):
        entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician, draft=draft)
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()
    assert not EntryDraft.objects.for_institution(institution).exists()


def test_entered_records_are_purged_after_the_participation_ended_and_the_retention(
    cataract_entry, institution, clinician, operator, settings
):
    import datetime as dt

    from datahub.dictionaries import services
    from datahub.forwarding import retention

    sub_delivery = cataract_entry.sub_delivery
    entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    ended = timezone.localdate() - dt.timedelta(days=settings.RAW_FILE_RETENTION_DAYS)
    services.set_participation(
        actor=operator,
        institution=institution,
        sub_delivery=sub_delivery,
        since=dt.date(2020, 1, 1),
        until=ended,
    )
    assert retention.purge().entry_records == 0  # retention not yet over
    assert EntryDraft.objects.for_institution(institution).count() == 1
    later = timezone.now() + dt.timedelta(days=1)
    assert retention.purge(later).entry_records == 1
    assert not EntryDraft.objects.for_institution(institution).exists()
    assert AuditEvent.objects.filter(
        action=Action.DELETE, institution=institution, description__contains="after retention"
    ).exists()


def test_the_same_records_again_are_refused_unless_a_test_or_after_a_rejection(
    cataract_entry, institution, clinician, django_capture_on_commit_callbacks
):
    sub_delivery = cataract_entry.sub_delivery
    entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    first = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    with pytest.raises(EntryError, match=first.file_name):
        entry.submit_batch(
            institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
        )
    test = _deliver(
        institution, sub_delivery, clinician, django_capture_on_commit_callbacks, is_test=True
    )
    assert test.is_test
    Delivery.objects.for_institution(institution).filter(pk=first.pk).update(status=Status.REJECTED)
    again = _deliver(institution, sub_delivery, clinician, django_capture_on_commit_callbacks)
    assert again.pk != first.pk and not again.is_test
