"""A delivery's processing report: paging and filtering its findings, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

from datahub.deliveries.models import Delivery, Finding
from datahub.validation import csv_header, safe_cell


def findings_of(delivery: Delivery, *, code: str = "", level: str = "") -> QuerySet[Finding]:
    """The report's findings, in order; none until the delivery is finished (while it is
    processed, its findings are being written)."""
    if not delivery.is_finished:
        return delivery.findings.none()
    findings = delivery.findings.all()
    if code:
        findings = findings.filter(code=code)
    if level:
        findings = findings.filter(level=level)
    return findings.order_by("position")


def codes_of(delivery: Delivery) -> list[str]:
    return sorted(set(findings_of(delivery).values_list("code", flat=True).distinct()))


def report_fields(delivery: Delivery) -> tuple[str, ...]:
    return tuple(delivery.dictionary_version.dictionary.general.report_fields)


def csv_rows(delivery: Delivery) -> Iterator[bytes]:
    """The report as CSV: UTF-8 with BOM, formula injection neutralised, streamed."""
    fields = report_fields(delivery)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    buffer.write("\ufeff")
    writer.writerow(csv_header(fields))
    yield flush()
    values = findings_of(delivery).values_list(
        "record", "keys", "level", "code", "field", "value", "message"
    )
    for position, (record, keys, *rest) in enumerate(values.iterator(chunk_size=5000), start=1):
        row = [record, *(keys.get(name) for name in fields), *rest]
        writer.writerow([safe_cell(cell) for cell in row])
        if position % 1000 == 0:
            yield flush()
    yield flush()
