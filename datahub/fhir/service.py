"""A FHIR submission delivered: checked, filtered, mapped, validated and submitted as a CSV.

Order, so that nothing the hub may not receive is stored and a refusal stores nothing:

1. the intake's checks of the fields (participation, the institution's method is FHIR, unit,
   version, period, sequence number), before the body is read; a registry whose dictionary
   does not provide for FHIR, then a wrong method, is refused alone;
2. the body read within bounds (``parsing``);
3. a field whose FHIRPath would take a BSN refuses the submission (also through
   ``resolve()``: a Procedure's ``subject.resolve().identifier``); then the privacy filter
   drops what the hub may not receive (``privacy``) from every resource, the ones a reference
   resolves to as well;
4. every resource checked with fhir.resources; the records mapped by FHIRPath;
5. the records validated at once with the engine (the answer lists the findings per record),
   written as a CSV and submitted through the intake, channel ``FHIR``: sequence number,
   encrypted storage, processing, report, Overzicht and forwarding are those of every file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import intake
from datahub.deliveries.models import Channel, Delivery
from datahub.deliveries.records import (
    holds,
    latest_delivery,
    next_sequence,
    records_csv,
    records_metadata,
)
from datahub.dictionaries.models import DictionaryVersion, Method, SubDelivery
from datahub.dictionaries.services import current_version
from datahub.fhir import mapping, parsing, privacy
from datahub.fhir.outcome import FhirRefused, Issue, error, issues_from
from datahub.fhir.references import References
from datahub.institutions.models import Institution
from datahub.timestamps import utc_text
from datahub.validation import Finding, Report, collector_paused, validate_records

CHANNEL = Channel.FHIR
#: The most findings listed in the answer; the report has all of them.
MAX_FINDING_ISSUES = 1000


@dataclass
class Fields:
    """The delivery's fields (the upload's, less the file name, which the hub makes)."""

    unit: int | None = None
    period: str = ""
    is_test: bool = False
    version: str | None = None
    creation_date: dt.date | None = None
    sequence_number: int | None = None


@dataclass
class Accepted:
    delivery: Delivery
    issues: list[Issue]
    repeated: bool = False  # the same as a delivery just made: that one is the answer


def submit(
    body: bytes,
    content_type: str,
    *,
    code: str,
    fields: Fields,
    institution: Institution,
    actor: Any,
    request: HttpRequest | None = None,
) -> Accepted:
    """Deliver a FHIR submission for sub-delivery ``code``; refused with issues
    (:class:`FhirRefused`), nothing stored."""
    started = timezone.now()  # a copy sent at the same moment makes its delivery after this
    metadata, version = _checked_metadata(institution, code.strip().upper(), fields)
    # the collector paused, as the validation engine pauses it: a Bundle of 8 MB is a million
    # objects, otherwise scanned again and again (0.6-1.0 s of a 10,000-entry one)
    with collector_paused():
        return _submit(
            body, content_type, metadata, version, fields, institution, actor, request, started
        )


def _submit(
    body: bytes,
    content_type: str,
    metadata: intake.Metadata,
    version: DictionaryVersion,
    fields: Fields,
    institution: Institution,
    actor: Any,
    request: HttpRequest | None,
    started: dt.datetime,
) -> Accepted:
    dictionary = version.dictionary
    root = parsing.read(body, content_type)
    resources = parsing.entries(root)
    bsns = privacy.bsn_values(root)
    kind = dictionary.general.fhir_resource
    # resolve() reaches the submission's own resources, never the network; they are the
    # objects the filter strips in place, so a field reads them filtered after step 3
    references = References(root)
    compiled = mapping.compile_fields(dictionary, references)
    before: dict[int, mapping.Evaluated] = {}  # per entry of the records: read before the filter
    if bsns:  # before the filter: a field that would take a BSN refuses the submission
        raw = [
            (index, path, res)
            for index, (path, res) in enumerate(resources)
            if res["resourceType"] == kind
        ]
        with _audited_bsn_refusal(metadata, institution, actor, request):
            before = _refuse_bsn_in_fields(dictionary, compiled, references, raw, bsns)
    dropped: list[str] = []
    changed: set[int] = set()  # the entries the filter changed
    for index, (at, resource) in enumerate(resources):
        stripped = privacy.stripped(resource, at)
        dropped.extend(stripped.dropped)
        if stripped.changed:
            changed.add(index)
    references.filtered()
    invalid = [issue for at, resource in resources for issue in mapping.model_issues(at, resource)]
    if invalid:
        raise FhirRefused(400, invalid)
    # a field read before the filter is read again only if the filter changed what it read
    records = [
        mapping.Extracted(
            path,
            mapping.values_of(dictionary, compiled, resource)
            if index not in before
            else mapping.values_after(
                dictionary, compiled, resource, index, before[index], changed
            ),
        )
        for index, (path, resource) in enumerate(resources)
        if resource["resourceType"] == kind
    ]
    if bsns:  # and after it: no field may hold a BSN that came in some other way
        with _audited_bsn_refusal(metadata, institution, actor, request):
            _refuse_bsn_in_records(records, bsns)
    if not records:
        message = _("The submission holds no %(type)s resource: there is no record to deliver.")
        raise FhirRefused(422, [error("invalid", message % {"type": kind})])
    period = None if metadata.period in ("", "TOTAAL") else metadata.period
    values = [r.values for r in records]
    report = validate_records(dictionary, values, period=period, lang=intake.engine_lang())
    data = records_csv(dictionary, values)
    earlier = (
        None if fields.sequence_number is not None else _same_as_latest(metadata, data, institution)
    )
    if earlier is None:
        delivery, repeated = _delivered(
            metadata, data, fields, institution, actor, request, started
        )
        if not repeated:
            issues = [_accepted(delivery, report), *_dropped(dropped), *_findings(report, records)]
            return Accepted(delivery, issues)
        earlier = delivery
    issues = [_repeated(earlier), *_dropped(dropped), *_findings(report, records)]
    return Accepted(earlier, issues, repeated=True)


#: A submission without a sequence number that gives exactly the file of the latest delivery
#: made within this time, with the same fields, is that delivery sent again (its answer was
#: lost): it is answered with that delivery instead of being delivered twice.
RETRY_MINUTES = 60


def _same_as_latest(
    metadata: intake.Metadata, data: bytes, institution: Institution
) -> Delivery | None:
    """The latest FHIR delivery of this sub-delivery and unit, if it was made in the last
    :data:`RETRY_MINUTES` from exactly these records with the same fields."""
    if metadata.unit is None:
        return None
    latest = latest_delivery(institution, CHANNEL, metadata.code, metadata.unit)
    if latest is None:
        return None
    same = _same_fields(latest, metadata) and holds(latest, data)
    recent = latest.submitted_at >= timezone.now() - dt.timedelta(minutes=RETRY_MINUTES)
    return latest if same and recent else None


def _same_fields(delivery: Delivery, metadata: intake.Metadata) -> bool:
    return (
        delivery.dictionary_version.version == metadata.version
        and delivery.is_test == metadata.is_test
        and delivery.period == metadata.period
        and delivery.creation_date == metadata.creation_date
    )


def _made_meanwhile(
    metadata: intake.Metadata, data: bytes, institution: Institution, since: dt.datetime
) -> Delivery | None:
    """A FHIR delivery of exactly these records with the same fields made since ``since`` (this
    submission's start: its row may have been made, not yet committed, before this one looked
    at the latest): the same submission sent twice at once, whose other copy took the number
    first. A delivery of these records from before is no twin (the records since changed back)."""
    if metadata.unit is None:
        return None
    made = latest_delivery(
        institution,
        CHANNEL,
        metadata.code,
        metadata.unit,
        submitted_at__gte=since,
        file__sha256=hashlib.sha256(data).hexdigest(),
    )
    return made if made is not None and _same_fields(made, metadata) else None


#: How often a submission without its own sequence number takes the next free one again when
#: other deliveries took it first (while this one was read and checked); after that it is
#: answered as a passing condition (503 transient: try again), not as a refusal.
_SEQUENCE_TRIES = 10


def _delivered(
    metadata: intake.Metadata,
    data: bytes,
    fields: Fields,
    institution: Institution,
    actor: Any,
    request: HttpRequest | None,
    started: dt.datetime,
) -> tuple[Delivery, bool]:
    """Submit the CSV through the intake: the new delivery, or (repeated: True) the delivery of
    the same submission sent at the same moment, made since this one ``started``; refused with the
    intake's problems."""
    for attempt in range(_SEQUENCE_TRIES):
        try:
            delivery = intake.submit(
                metadata,
                [data],
                size=len(data),
                institution=institution,
                channel=CHANNEL,
                actor=actor,
                request=request,
            )
            return delivery, False
        except intake.StorageUnavailable as exc:
            raise FhirRefused(503, issues_from(exc.problems, "transient")) from None
        except intake.DeliveryRefused as exc:
            taken = set(exc.problems) == {"sequence_number"}
            if fields.sequence_number is not None or not taken:
                raise FhirRefused(422, issues_from(exc.problems, "processing")) from None
        twin = _made_meanwhile(metadata, data, institution, started)
        if twin is not None:
            return twin, True
        if attempt + 1 < _SEQUENCE_TRIES:
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311  (jitter, no secret)
            metadata = _renumbered(metadata, institution)
    message = _(
        "Many submissions arrived at the same moment and none of the next sequence numbers "
        "was free; nothing was delivered. Send it again."
    )
    raise FhirRefused(503, [error("transient", message)])


def _renumbered(metadata: intake.Metadata, institution: Institution) -> intake.Metadata:
    """``metadata`` with the next free sequence number now (and the file name that gives)."""
    sub_delivery = SubDelivery.objects.get(code=metadata.code)
    number = next_sequence(institution, metadata.unit, sub_delivery)
    renumbered = replace(metadata, sequence_number=number)
    renumbered.file_name = renumbered.built_name()
    return renumbered


def _checked_metadata(
    institution: Institution, code: str, fields: Fields
) -> tuple[intake.Metadata, DictionaryVersion]:
    """The delivery's fields, checked by the intake as for a file; refused with its problems.

    A registry whose dictionary does not provide for FHIR, and then an institution that may not
    deliver the registry through FHIR, is refused with that alone: the other fields' problems
    (no unit, no period) would only hide it."""
    today = timezone.localdate()
    sub_delivery = SubDelivery.objects.filter(code=code).first() if "\x00" not in code else None
    version = None
    if sub_delivery is not None:
        version = (
            sub_delivery.versions.filter(version=fields.version).first()
            if fields.version
            else current_version(sub_delivery, today)
        )
    if version is not None:
        _refuse_unless_fhir(version)
    unit = fields.unit
    if unit is None:  # an institution with one unit need not say it
        unit = intake.only_unit(institution)
    if sub_delivery is not None and version is not None:
        metadata = records_metadata(
            institution,
            sub_delivery,
            version,
            unit=unit,
            period=fields.period,
            is_test=fields.is_test,
            sequence_number=fields.sequence_number,
            creation_date=fields.creation_date,
        )
    else:  # the intake names what is wrong; the fields the hub fills in are filled in
        metadata = intake.Metadata(
            "fhir.csv",
            institution.agb_code,
            unit,
            code,
            fields.version or "",
            fields.is_test,
            creation_date=fields.creation_date or today,
            sequence_number=(
                fields.sequence_number
                if fields.sequence_number is not None
                else next_sequence(institution, unit, sub_delivery)
                if sub_delivery is not None
                else 1
            ),
            period=fields.period,
        )
    for check in (intake.check_channel, intake.check):
        result = check(metadata, institution, CHANNEL, today=today)
        if not result.ok:
            raise FhirRefused(422, issues_from(result.problems, "processing"))
    assert version is not None
    return result.metadata, result.version or version


def _refuse_unless_fhir(version: DictionaryVersion) -> None:
    general = version.dictionary.general
    if not general.fhir_resource or (general.methods and Method.FHIR not in general.methods):
        message = _("The data dictionary of this registry does not provide for FHIR.")
        raise FhirRefused(422, [error("not-supported", message)])


def _refuse_bsn_in_fields(
    dictionary: Any,
    compiled: dict[str, mapping.Evaluate],
    references: References,
    raw: list[tuple[int, str, dict[str, Any]]],
    bsns: set[str],
) -> dict[int, mapping.Evaluated]:
    """Refuse when a field would take a BSN as it was sent (before the filter drops it); else
    each record as read, by the index of its entry."""
    found = []
    evaluated = {}
    for index, path, resource in raw:
        evaluated[index] = record = mapping.evaluated(dictionary, compiled, resource, references)
        for spec in dictionary.fields:
            if _holds_bsn(record.values.get(spec.name), bsns):
                found.append((spec.name, f"{path}.{spec.fhirpath}"))
    if found:
        raise _BsnRefused(found)
    return evaluated


def _refuse_bsn_in_records(extracted: list[mapping.Extracted], bsns: set[str]) -> None:
    """Refuse when a record's field holds one of the submission's BSNs after the filter (sent
    a second time under another system, or as a plain value, in any format)."""
    found = [
        (name, item.path)
        for item in extracted
        for name, value in item.values.items()
        if _holds_bsn(value, bsns)
    ]
    if found:
        raise _BsnRefused(found)


def _holds_bsn(value: str | None, bsns: set[str]) -> bool:
    """Whether ``value``'s digits are one of ``bsns`` (``privacy.bsn_key``: ``999 990 019``
    and ``999-99-0019`` are the BSN ``999990019``)."""
    return value is not None and privacy.bsn_key(value) in bsns


class _BsnRefused(FhirRefused):
    """A field would hold a BSN: ``fields`` (name, where) for the answer and the audit log."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = sorted({name for name, _where in fields})
        text = _(
            "Field %(field)s would hold a BSN: the hub may not receive it. "
            "Send the registry's own patient code instead; nothing was stored."
        )
        super().__init__(
            422, [error("security", text % {"field": name}, where) for name, where in fields]
        )


@contextmanager
def _audited_bsn_refusal(
    metadata: intake.Metadata, institution: Institution, actor: Any, request: HttpRequest | None
) -> Iterator[None]:
    """A submission refused because a field would hold a BSN is in the institution's audit
    log (which fields; never the number): its system sends what the hub may not receive."""
    try:
        yield
    except _BsnRefused as refused:
        record(
            Action.DENIED,
            actor=actor,
            institution=institution,
            request=request,
            description=gettext_noop("FHIR submission for {code} refused: {fields} held a BSN"),
            values={"code": metadata.code, "fields": ", ".join(refused.fields)},
            detail={"code": metadata.code, "fields": refused.fields},
        )
        raise


def status_url(delivery: Delivery) -> str:
    """The delivery's status in the API (``/api/aanleveringen/{id}``), on the hub's one
    configured origin (``DATAHUB_BASE_URL``), as every link of the API."""
    return f"{settings.BASE_URL}/api/aanleveringen/{delivery.pk}"


def _accepted(delivery: Delivery, report: Report) -> Issue:
    url = status_url(delivery)
    message = _(
        "Delivery %(id)s (%(file)s) has been accepted with %(records)s records and is being "
        "processed; its status: %(url)s. The check found %(errors)s errors and %(warnings)s "
        "warnings (expected status: %(status)s)."
    ) % {
        "id": delivery.pk,
        "file": delivery.file_name,
        "records": report.total,
        "url": url,
        "errors": report.errors,
        "warnings": report.warnings,
        "status": report.status,
    }
    return Issue("information", "informational", message)


def _repeated(delivery: Delivery) -> Issue:
    url = status_url(delivery)
    message = _(
        "This submission gives exactly the records of delivery %(id)s (%(file)s), made at "
        "%(time)s: it is that delivery sent again and was not delivered twice; its status: "
        "%(url)s. Send a sequence number to deliver the same records once more."
    ) % {
        "id": delivery.pk,
        "file": delivery.file_name,
        "time": utc_text(delivery.submitted_at),
        "url": url,
    }
    return Issue("information", "informational", message)


def _dropped(paths: list[str]) -> list[Issue]:
    """A warning per dropped element, as many as findings at most (a body of 8 MB can hold
    hundreds of thousands), and one that counts the rest."""
    message = _("This element may not be sent to the hub: it was dropped and not stored.")
    issues = [Issue("warning", "security", message, path) for path in paths[:MAX_FINDING_ISSUES]]
    more = len(paths) - MAX_FINDING_ISSUES
    if more > 0:
        rest = _("%(count)s more elements were dropped and not stored.") % {"count": more}
        issues.append(Issue("warning", "security", rest))
    return issues


def _findings(report: Report, records: list[mapping.Extracted]) -> list[Issue]:
    issues = [_finding(f, records) for f in report.findings[:MAX_FINDING_ISSUES]]
    more = len(report.findings) - MAX_FINDING_ISSUES
    if more > 0:
        message = _("%(count)s more findings are in the processing report.") % {"count": more}
        issues.append(Issue("information", "informational", message))
    return issues


def _finding(finding: Finding, records: list[mapping.Extracted]) -> Issue:
    severity = "warning" if finding.level == "waarschuwing" else "error"
    message = finding.message
    if finding.field:
        message = _("Field %(field)s: %(message)s") % {"field": finding.field, "message": message}
    if finding.record:
        message = _("Record %(record)s: %(message)s") % {
            "record": finding.record,
            "message": message,
        }
    expression = None
    if finding.record and finding.record <= len(records):
        expression = records[finding.record - 1].path
    return Issue(severity, "business-rule", message, expression, finding.code)
