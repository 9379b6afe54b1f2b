"""A delivery's processing report: paging and filtering its findings, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import orjson
from django.db.models import QuerySet

from datahub.deliveries.models import ENGINE_STATUS_LABEL, Delivery, Finding, Status
from datahub.dictionaries.labels import threshold_text
from datahub.validation import csv_header, csv_row, translate_message

#: The message of ``T00`` (the hub could not process a delivery), stored in Dutch, and in English.
FAILURE_MESSAGE = (
    "De aanlevering kon door een storing niet worden verwerkt; neem contact op met de servicedesk.",
    "The delivery could not be processed because of a fault; please contact the service desk.",
)


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


def message_in(finding: Finding, lang: str) -> str:
    """A finding's stored (Dutch) message as the reader of ``lang`` should see it."""
    if finding.code == "T00" and finding.message == FAILURE_MESSAGE[0]:
        return FAILURE_MESSAGE[1] if lang == "en" else finding.message
    return translate_message(finding.code, finding.message, lang)


def shown_message(finding: Finding, lang: str) -> tuple[str, str]:
    """The message as the reader of ``lang`` sees it, and ``"nl"`` when it stays Dutch on a
    page in another language (a dictionary rule's own message, which the registry wrote in
    Dutch only), to be marked so (WCAG 3.1.2); else ``""``."""
    message = message_in(finding, lang)
    return message, "nl" if lang != "nl" and message == finding.message else ""


def rejected_for_share(delivery: Delivery) -> str | None:
    """The rejection percentage (``"50 %"``) when the delivery was rejected because more than
    that share of its records had a record error, not for a file-level finding; else None."""
    if delivery.status != Status.REJECTED or not delivery.is_finished:
        return None
    percentage = delivery.dictionary_version.dictionary.general.rejection_percentage
    if percentage is None or findings_of(delivery).filter(level="afkeur").exists():
        return None
    return threshold_text(percentage)


def codes_of(delivery: Delivery) -> list[str]:
    """The codes in the report (without the ordering, DISTINCT would return every row)."""
    codes = findings_of(delivery).order_by().values_list("code", flat=True).distinct()
    return sorted(codes)


def report_fields(delivery: Delivery) -> tuple[str, ...]:
    return tuple(delivery.dictionary_version.dictionary.general.report_fields)


def csv_rows(delivery: Delivery, *, code: str = "", level: str = "") -> Iterator[bytes]:
    """The report as CSV: UTF-8 with BOM, formula injection neutralised, streamed; only the
    findings of ``code`` and ``level`` when given (the selection on the report tab)."""
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
    values = findings_of(delivery, code=code, level=level).values_list(
        "record", "keys", "level", "code", "field", "value", "message"
    )
    for position, finding in enumerate(values.iterator(chunk_size=5000), start=1):
        writer.writerow(csv_row(finding, fields))
        if position % 1000 == 0:
            yield flush()
    yield flush()


def json_chunks(delivery: Delivery) -> Iterator[bytes]:
    """The report in the engine's JSON format (the same fields as ``datahub validate``),
    streamed: the counts, then the findings a thousand at a time, never all in memory."""
    head = {
        "file": delivery.file_name,
        "dictionary": {
            "code": delivery.sub_delivery.code,
            "version": delivery.dictionary_version.version,
        },
        "status": ENGINE_STATUS_LABEL.get(Status(delivery.status), delivery.status),
        "records": {
            "total": delivery.records_total,
            "processed": delivery.records_processed,
            "not_processed": delivery.records_not_processed,
        },
        "errors": delivery.error_count,
        "warnings": delivery.warning_count,
    }
    yield orjson.dumps(head)[:-1] + b',"findings":['
    names = ("record", "line", "level", "code", "field", "value", "message", "keys")
    rows = findings_of(delivery).values_list(*names)
    fields = report_fields(delivery)
    batch: list[bytes] = []
    separator = b""
    for row in rows.iterator(chunk_size=2000):
        finding = dict(zip(names, row, strict=True))
        finding["field"] = finding["field"] or None
        finding["keys"] = _in_order(finding["keys"] or {}, fields)
        batch.append(orjson.dumps(finding))
        if len(batch) == 1000:
            yield separator + b",".join(batch)
            separator, batch = b",", []
    if batch:
        yield separator + b",".join(batch)
    yield b"]}"


def _in_order(keys: dict[str, str | None], fields: tuple[str, ...]) -> dict[str, str | None]:
    """The keys in the order of the report fields, as the engine writes them (PostgreSQL's
    jsonb keeps its own order)."""
    ordered = {name: keys[name] for name in fields if name in keys}
    return ordered | {name: value for name, value in keys.items() if name not in ordered}
