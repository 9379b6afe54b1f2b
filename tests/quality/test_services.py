"""The dashboard's numbers: what counts per period, scoping, TOTAAL deadlines, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datahub.deliveries.models import Status
from datahub.dictionaries.models import SubDelivery
from datahub.quality import services
from tests.quality.conftest import with_counts, with_results
from tests.schedule.conftest import deliver


def _qrt() -> SubDelivery:
    return SubDelivery.objects.get(code="MMYIKNL")


def _cat() -> SubDelivery:
    return SubDelivery.objects.get(code="CAT")


def test_each_period_counts_its_production_deliveries_by_status(history, institution):
    board = services.dashboard(institution, _qrt())
    assert [p.period.key for p in board.periods] == ["2025K4", "2026K1"]
    k4, k1 = (p.row for p in board.periods)
    assert k4.statuses == {Status.ERRORS: 1, Status.PROCESSED: 1}
    assert k4.deliveries == 2
    assert k1.statuses == {Status.WARNINGS: 1}  # the test delivery is left out


def test_the_records_and_findings_of_a_period_are_those_of_its_latest_delivery(
    history, institution
):
    board = services.dashboard(institution, _qrt())
    k4, k1 = (p.row for p in board.periods)
    assert (k4.counted, k4.latest_status) == (1, Status.PROCESSED)
    assert (k4.counts.records, k4.counts.errors, k4.counts.not_processed) == (10, 0, 0)
    assert (k1.counts.records, k1.counts.warnings) == (20, 2)
    assert k1.counts.warnings_per_record == pytest.approx(0.1)
    assert k1.counts.errors_per_record == 0


def test_the_codes_and_fields_are_counted_over_the_deliveries_that_count(history, institution):
    board = services.dashboard(institution, _qrt())
    # the corrected 2025K4 delivery's W012 and C3 no longer count; the test's TESTONLY never
    assert board.codes == [services.Ranked("W020", 0, 2)]
    assert board.fields == [services.Ranked("GEWICHT", 0, 2)]


def test_a_period_whose_latest_delivery_has_errors_shows_its_rates(registries, institution):
    delivery = deliver(institution, "MMYIKNL", "2026K1", status=Status.ERRORS)
    with_results(
        delivery,
        records=4,
        not_processed=1,
        findings=[("fout", "W012", "GEBDAT"), ("fout", "W012", "GEBDAT"), ("fout", "C3", "")],
    )
    board = services.dashboard(institution, _qrt())
    (row,) = (p.row for p in board.periods)
    assert row.counts.errors_per_record == pytest.approx(0.75)
    assert row.counts.not_processed_share == pytest.approx(0.25)
    assert board.codes == [services.Ranked("W012", 2, 0), services.Ranked("C3", 1, 0)]
    assert board.fields == [services.Ranked("GEBDAT", 2, 0)]  # a finding without a field: none


def test_each_unit_s_latest_delivery_counts_for_the_period(registries, institution):
    """Two locations deliver the same period: both their latest deliveries count."""
    unit_0 = deliver(institution, "MMYIKNL", "2026K1", on=dt.date(2026, 5, 1), status=Status.ERRORS)
    with_results(unit_0, records=4, not_processed=1, findings=[("fout", "W012", "GEBDAT")])
    unit_1 = deliver(institution, "MMYIKNL", "2026K1", on=dt.date(2026, 5, 2), unit=1)
    with_results(unit_1, records=6)
    board = services.dashboard(institution, _qrt())
    (row,) = (p.row for p in board.periods)
    assert row.counted == 2
    assert (row.counts.records, row.counts.errors, row.counts.not_processed) == (10, 1, 1)
    assert board.codes == [services.Ranked("W012", 1, 0)]


def test_another_institutions_deliveries_never_count(history, institution, other_institution):
    ours = services.dashboard(institution, _qrt())
    assert "OUTSIDER" not in {c.name for c in ours.codes}
    theirs = services.dashboard(other_institution, _qrt())
    assert [p.row.statuses for p in theirs.periods] == [{Status.REJECTED: 1}]
    assert theirs.codes == [services.Ranked("OUTSIDER", 1, 0)]


def test_a_totaal_delivery_is_for_the_next_totaal_deadline(registries, institution):
    # deadlines 10 April, 15 July 2026: two deliveries before 10 April, one after
    early = deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 3, 1), status=Status.ERRORS)
    with_results(early, records=3, not_processed=3, findings=[("fout", "E1", "F")] * 3)
    on_time = deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 4, 10))
    with_results(on_time, records=3)
    later = deliver(institution, "CAT", "TOTAAL", on=dt.date(2026, 5, 1), status=Status.WARNINGS)
    with_results(later, records=6, findings=[("waarschuwing", "W1", "G")])
    board = services.dashboard(institution, _cat())
    assert [(p.period.period, p.period.deadline) for p in board.periods] == [
        ("TOTAAL", dt.date(2026, 4, 10)),
        ("TOTAAL", dt.date(2026, 7, 15)),
    ]
    april, july = (p.row for p in board.periods)
    assert (april.deliveries, april.counts.errors, april.counts.records) == (2, 0, 3)
    assert (july.deliveries, july.counts.warnings) == (1, 1)
    assert board.codes == [services.Ranked("W1", 0, 1)]


def test_the_range_chooses_by_delivery_date(history, institution):
    board = services.dashboard(
        institution, _qrt(), since=dt.date(2026, 4, 1), until=dt.date(2026, 6, 15)
    )
    assert [p.period.key for p in board.periods] == ["2026K1"]
    assert services.dashboard(institution, _qrt(), until=dt.date(2025, 12, 31)).is_empty


def test_the_default_range_is_the_last_two_years():
    assert services.default_range(dt.date(2026, 6, 15)) == (
        dt.date(2024, 6, 15),
        dt.date(2026, 6, 15),
    )
    assert services.default_range(dt.date(2028, 2, 29))[0] == dt.date(2026, 2, 28)


def test_the_hub_sees_one_row_per_institution(history, institution, other_institution):
    overview = services.across_institutions(_qrt())
    rows = {r.institution: r.row for r in overview.institutions}
    assert rows[institution].statuses == {
        Status.ERRORS: 1,
        Status.PROCESSED: 1,
        Status.WARNINGS: 1,
    }
    assert (rows[institution].counted, rows[institution].counts.records) == (2, 30)
    assert rows[other_institution].statuses == {Status.REJECTED: 1}
    assert rows[other_institution].counts.not_processed_share == 1
    assert [c.name for c in overview.codes] == ["W020", "OUTSIDER"]


def _shares(completeness: services.Completeness) -> list[tuple[str, bool, int, int]]:
    return [(f.name, f.required, f.filled, f.records) for f in completeness.fields]


def test_completeness_sums_the_counts_of_the_deliveries_that_count_least_complete_first(
    history, institution
):
    with_counts(history["first"], Respons=0)  # corrected by the second: does not count
    with_counts(history["second"], Geslacht=9, Respons=5, Overlijdensdatum=1)
    with_counts(history["third"], Respons=20, Overlijdensdatum=0)
    with_counts(history["test"], Overlijdensdatum=0)  # a test delivery never counts
    completeness = services.dashboard(institution, _qrt()).completeness
    assert (completeness.counted, completeness.without_counts) == (2, 0)
    shares = _shares(completeness)
    assert shares[:4] == [
        ("Overlijdensdatum", False, 1, 30),
        ("Respons", False, 25, 30),
        ("Geslacht", True, 29, 30),
        ("PatientCode", True, 30, 30),  # then the complete ones, in the dictionary's order
    ]
    assert [name for name, *_ in shares[3:]] == [
        "PatientCode", "Geboortejaar", "Diagnosedatum", "ISS", "MProteine", "Behandellijn",
        "StartBehandeling", "Stamceltransplantatie",
    ]  # fmt: skip
    assert completeness.fields[0].share == pytest.approx(1 / 30)


def test_deliveries_without_counts_are_left_out_of_completeness_and_counted(history, institution):
    with_counts(history["second"], Respons=5)  # the third, processed before: no counts
    completeness = services.dashboard(institution, _qrt()).completeness
    assert (completeness.counted, completeness.without_counts) == (1, 1)
    assert _shares(completeness)[0] == ("Respons", False, 5, 10)
    assert {f.records for f in completeness.fields} == {10}  # not the third's 20


def test_without_any_counts_completeness_has_no_fields(history, institution):
    completeness = services.dashboard(institution, _qrt()).completeness
    assert completeness.fields == []
    assert (completeness.counted, completeness.without_counts) == (0, 2)


def test_the_hub_sees_completeness_across_institutions(history, institution):
    with_counts(history["second"], Geslacht=9, Respons=5, Overlijdensdatum=1)
    with_counts(history["third"], Respons=20, Overlijdensdatum=0)
    with_counts(history["theirs"], Respons=0, Overlijdensdatum=4)  # rejected, yet counted
    completeness = services.across_institutions(_qrt()).completeness
    assert (completeness.counted, completeness.without_counts) == (3, 0)
    assert _shares(completeness)[:3] == [
        ("Overlijdensdatum", False, 5, 34),
        ("Respons", False, 25, 34),
        ("Geslacht", True, 33, 34),
    ]
    mine = services.dashboard(institution, _qrt()).completeness
    assert _shares(mine)[0] == ("Overlijdensdatum", False, 1, 30)  # B's are not A's


def test_a_field_is_counted_over_the_versions_that_have_it(registries, institution):
    """A newer version adds a field: its share is of the records of the deliveries whose
    version had it, and it is required as the newest version says."""
    from dataclasses import replace

    from tests.schedule.conftest import import_with_schedule

    older = deliver(institution, "MMYIKNL", "2025K4", on=dt.date(2026, 1, 20))
    with_counts(with_results(older, records=10), Respons=4)
    newer_version = import_with_schedule(
        "MMYIKNL_2.1.xlsx", version="9.2", schedule=[], valid_from=dt.date(2026, 1, 1)
    )
    dictionary = newer_version.dictionary
    extra = replace(dictionary.field("Respons"), order=99, name="Ziekenhuis", required=True)
    type(newer_version).objects.filter(pk=newer_version.pk).update(
        definition=replace(dictionary, fields=(*dictionary.fields, extra)).to_dict()
    )
    newer = deliver(institution, "MMYIKNL", "2026K1", on=dt.date(2026, 4, 20))
    assert newer.dictionary_version_id == newer_version.pk
    with_results(newer, records=20)
    Delivery = type(newer)
    counts = dict.fromkeys([*newer_version.dictionary.field_names, "Ziekenhuis"], 20)
    Delivery.objects.for_institution(institution).filter(pk=newer.pk).update(
        filled_counts=counts | {"Ziekenhuis": 5, "Respons": 6}
    )
    shares = _shares(services.dashboard(institution, _qrt()).completeness)
    assert shares[:2] == [("Ziekenhuis", True, 5, 20), ("Respons", False, 10, 30)]


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_deliveries(registries, institution):
    qrt = _qrt()

    def board() -> object:
        return services.dashboard(institution, qrt)

    def hub() -> object:
        return services.across_institutions(qrt)

    deliver(institution, "MMYIKNL", "2025K4", on=dt.date(2026, 1, 20))
    few = (_queries(board), _queries(hub))
    for n, period in enumerate(["2025K4", "2026K1", "2026K2"] * 4):
        delivery = deliver(institution, "MMYIKNL", period, on=dt.date(2026, 6, 1 + n))
        with_results(delivery, records=3, findings=[("fout", f"E{n}", f"F{n}")])
        if n % 2:
            with_counts(delivery, Respons=n % 3)
    assert (_queries(board), _queries(hub)) == few == (8, 8)
    assert services.dashboard(institution, qrt).completeness.counted == 2
    assert len(services.dashboard(institution, _qrt()).periods) == 3


def test_shares_and_rates_are_rounded_not_cut():
    """1 of 6 records is 16,7 %, not 16,6 % (Django's number_format cuts a float)."""
    from django.utils import translation

    from datahub.quality import figures
    from datahub.quality.templatetags.quality import percentage

    with translation.override("nl"):
        assert percentage(1 / 6) == "16,7 %"
        assert percentage(6 / 79) == "7,6 %"
        assert percentage(1 / 16) == "6,3 %"  # half up, not half to even
        assert figures.rate(1 / 6) == "0,17"
        assert figures.whole(2 / 3 * 10) == "6,7"
        assert figures.percent(999_999 / 1_000_000) == "99,9 %"  # completeness: rounded down
