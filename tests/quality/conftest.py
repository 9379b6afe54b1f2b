"""Deliveries with counts and findings made in the database, on the schedule package's registries.

``today`` is 15 June 2026 (the schedule package's clock). QRT is quarterly from 2025K4; CAT
asks for ``TOTAAL`` with deadlines on 10 April, 15 and 16 July and 10 October 2026.
"""

from __future__ import annotations

import itertools

import pytest

from datahub.deliveries.models import Delivery, Finding, Status
from tests.schedule.conftest import _today, deliver, registries  # noqa: F401  (fixtures, reused)

_positions = itertools.count(1)


def with_results(
    delivery: Delivery,
    *,
    records: int,
    not_processed: int = 0,
    findings: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> Delivery:
    """Give a delivery processing's counts and findings: ``(level, code, field)`` each."""
    rejected = delivery.status == Status.REJECTED
    Finding.objects.bulk_create(
        Finding(
            delivery=delivery,
            position=next(_positions),
            record=1,
            level=level,
            code=code,
            field=field_name,
            value="geheim",
            message="m",
        )
        for level, code, field_name in findings
    )
    errors = sum(1 for level, _c, _f in findings if level in ("fout", "afkeur"))
    warnings = sum(1 for level, _c, _f in findings if level == "waarschuwing")
    Delivery.objects.for_institution(delivery.institution).filter(pk=delivery.pk).update(
        records_total=records,
        records_processed=0 if rejected else records - not_processed,
        records_not_processed=records if rejected else not_processed,
        error_count=errors,
        warning_count=warnings,
    )
    delivery.refresh_from_db()
    return delivery


#: The fields of MMYIKNL 2.1 (``Respons`` and ``Overlijdensdatum`` are optional).
IKNL_FIELDS = (
    "PatientCode", "Geboortejaar", "Geslacht", "Diagnosedatum", "ISS", "MProteine",
    "Behandellijn", "StartBehandeling", "Respons", "Stamceltransplantatie", "Overlijdensdatum",
)  # fmt: skip


def with_counts(delivery: Delivery, **filled: int) -> Delivery:
    """Give a delivery processing's counts of filled values: every MMYIKNL field complete
    (``records_total``) but for those named."""
    counts = dict.fromkeys(IKNL_FIELDS, delivery.records_total) | filled
    Delivery.objects.for_institution(delivery.institution).filter(pk=delivery.pk).update(
        filled_counts=counts
    )
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def history(registries, institution, other_institution):  # noqa: F811
    """QRT of institution A: 2025K4 with errors, then corrected; 2026K1 with warnings; a test
    delivery of 2026K1 with many errors; B's 2026K1 with a rejecting error."""
    import datetime as dt

    d = dt.date
    first = deliver(institution, "MMYIKNL", "2025K4", on=d(2026, 1, 20), status=Status.ERRORS)
    with_results(
        first,
        records=10,
        not_processed=2,
        findings=[("fout", "W012", "GEBDAT"), ("fout", "W012", "GEBDAT"), ("fout", "C3", "PID")],
    )
    second = deliver(institution, "MMYIKNL", "2025K4", on=d(2026, 1, 25))
    with_results(second, records=10)
    third = deliver(institution, "MMYIKNL", "2026K1", on=d(2026, 4, 20), status=Status.WARNINGS)
    with_results(
        third,
        records=20,
        findings=[("waarschuwing", "W020", "GEWICHT"), ("waarschuwing", "W020", "GEWICHT")],
    )
    test = deliver(
        institution, "MMYIKNL", "2026K1", on=d(2026, 4, 21), status=Status.ERRORS, is_test=True
    )
    with_results(test, records=5, not_processed=5, findings=[("fout", "TESTONLY", "X")] * 5)
    theirs = deliver(
        other_institution, "MMYIKNL", "2026K1", on=d(2026, 4, 22), status=Status.REJECTED
    )
    with_results(theirs, records=4, findings=[("afkeur", "OUTSIDER", "BUITEN")])
    return {"first": first, "second": second, "third": third, "test": test, "theirs": theirs}
