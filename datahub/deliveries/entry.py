"""The invoerportaal (entry portal): a clinician enters one record at a time by hand.

Design: the records entered for a sub-delivery are the institution's *dataset* of it, encrypted
(:class:`EntryDraft` rows: shared by the institution's clinicians, seen by nobody else). Each
record is checked at once with the validation engine's :func:`validate_records`, so it gets
exactly the findings and messages a file would. "Aanleveren" writes the dataset as a
conventional CSV file (``records``, shared with the FHIR channel) and submits it through the
intake (:func:`intake.submit`, channel ``Invoerportaal``): sequence number, audit, processing,
report, Overzicht and forwarding are those of every file. A delivery holds every kept record of
the dataset (those delivered before for the same unit and period, and the new and changed ones):
the newest delivery is the complete dataset, as ``TOTAAL`` means and as forwarding treats it (a
newer package supersedes the older ones). A production delivery marks its records delivered;
they stay, editable and deletable (a deleted record is left out of the next delivery). A test
delivery changes nothing.

Who may deliver this way follows the intake's own rules (participation, the institution's one
delivery method for the registry): :func:`refusal` runs :func:`intake.check` for the channel.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files, intake
from datahub.deliveries.models import Channel, Delivery, EntryDraft, Status
from datahub.deliveries.records import holds, latest_delivery, records_csv, records_metadata
from datahub.dictionaries.labels import threshold_text
from datahub.dictionaries.models import DictionaryVersion, Method, RegistryMethod, SubDelivery
from datahub.dictionaries.services import current_version
from datahub.institutions.models import Institution
from datahub.validation import DataDictionary, Finding, Report, parse_period, validate_records

CHANNEL = Channel.ENTRY
#: The most records not yet delivered that one batch may hold (a clinician enters them one
#: by one); delivered records do not count.
MAX_DRAFTS = 1000


class EntryError(Exception):
    """A refused entry action; ``str()`` is the user's message, ``problems`` per field."""

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None) -> None:
        self.problems = problems or {"": [message]}
        super().__init__(message)


# --- which registries ------------------------------------------------------------------------


def refusal(institution: Institution, sub_delivery: SubDelivery, today: dt.date) -> list[str]:
    """Why the institution may not enter records for ``sub_delivery`` today (none: it may).

    The intake's own checks for the channel ``Invoerportaal``: the institution takes part,
    its delivery method for the registry is the entry portal, a version is in force.
    """
    return checked_version(institution, sub_delivery, today)[0]


def checked_version(
    institution: Institution, sub_delivery: SubDelivery, today: dt.date
) -> tuple[list[str], DictionaryVersion | None]:
    """:func:`refusal`, and the version in force to enter records with (one lookup)."""
    version = current_version(sub_delivery, today)
    metadata = intake.Metadata(
        file_name="entry.csv",
        institution_code=institution.agb_code,
        code=sub_delivery.code,
        version=version.version if version else "",
    )
    problems = intake.check(metadata, institution, CHANNEL, today=today).problems
    found = [*problems.get("code", []), *problems.get("version", [])]
    if not found and version is not None and not _allows_entry(version.dictionary):
        found.append(_("The data dictionary of this registry does not allow the entry portal."))
    return found, version


def _allows_entry(dictionary: DataDictionary) -> bool:
    methods = dictionary.general.methods
    return not methods or Method.ENTRY in methods


def entry_sub_deliveries(institution: Institution, today: dt.date) -> list[SubDelivery]:
    """The sub-deliveries the institution may enter records for today."""
    registries = RegistryMethod.objects.for_institution(institution).filter(method=Method.ENTRY)
    candidates = SubDelivery.objects.select_related("registry").filter(
        registry__in=registries.values("registry")
    )
    return [s for s in candidates if not refusal(institution, s, today)]


def has_entry(institution: Institution) -> bool:
    """Whether some registry of the institution is delivered through the entry portal (the menu
    shows "Invoeren" then)."""
    scoped = RegistryMethod.objects.for_institution(institution)
    return scoped.filter(method=Method.ENTRY).exists()


def version_for(institution: Institution, sub_delivery: SubDelivery) -> DictionaryVersion:
    """The version in force to enter records with; refused as the intake would."""
    problems, version = checked_version(institution, sub_delivery, timezone.localdate())
    if problems or version is None:
        raise EntryError(" ".join(problems) or _("No version of this registry is in force."))
    return version


# --- the form ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryField:
    """One input of the form, made from a field of the data dictionary."""

    name: str
    description: str
    datatype: str
    required: bool
    input_type: str  # select, date, number, text
    length: int | None = None
    minimum: str | None = None
    maximum: str | None = None
    step: str | None = None
    format: str | None = None
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def is_select(self) -> bool:
        return self.input_type == "select"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _label in self.choices)


def form_fields(dictionary: DataDictionary) -> list[EntryField]:
    """The form's inputs, in the dictionary's field order.

    Example: a ``code`` field with reference table ``ODS`` becomes a select of
    ``("OD", "Oculus dexter (rechteroog)")``, ``("OS", ...)``; a ``datum`` a date input.
    """
    return [_entry_field(dictionary, spec) for spec in dictionary.fields]


def _entry_field(dictionary: DataDictionary, spec: Any) -> EntryField:
    choices: tuple[tuple[str, str], ...] = ()
    if spec.reference_table:
        table = dictionary.table(spec.reference_table)
        choices = tuple((entry.code, entry.description) for entry in table.entries)
    input_type, step = _input_type(spec, bool(choices))
    numeric = spec.is_numeric or spec.datatype == "datum"
    return EntryField(
        name=spec.name,
        description=spec.description,
        datatype=spec.datatype,
        required=spec.required,
        input_type=input_type,
        length=spec.length,
        minimum=spec.minimum if numeric else None,
        maximum=spec.maximum if numeric else None,
        step=step,
        format=spec.format,
        choices=choices,
    )


def _input_type(spec: Any, has_choices: bool) -> tuple[str, str | None]:
    if has_choices:
        return "select", None
    if spec.datatype == "datum":
        return "date", None
    if spec.datatype == "geheel getal":
        return "number", "1"
    if spec.datatype == "decimaal":
        return "number", f"{10**-spec.decimals:.{spec.decimals}f}" if spec.decimals else "any"
    return "text", None


def values_from(dictionary: DataDictionary, data: Mapping[str, Any]) -> dict[str, str]:
    """The record's text per field from posted ``data`` (other keys ignored; one line each)."""
    values = {}
    for name in dictionary.field_names:
        raw = data.get(name, "")
        text = raw if isinstance(raw, str) else ""
        values[name] = " ".join(text.splitlines()).strip()
    return values


@dataclass
class Checked:
    """A record's findings per field ("" = the record as a whole)."""

    report: Report
    by_field: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.report.errors

    @property
    def warnings(self) -> int:
        return self.report.warnings


def check_record(dictionary: DataDictionary, values: Mapping[str, str]) -> Checked:
    """Validate one record as a file's record is validated (immediate validation)."""
    report = validate_records(dictionary, [_as_record(values)], lang=intake.engine_lang())
    checked = Checked(report)
    names = set(dictionary.field_names)
    for finding in report.findings:
        key = finding.field if finding.field in names else ""
        checked.by_field.setdefault(key or "", []).append(finding)
    return checked


def _as_record(values: Mapping[str, str]) -> dict[str, str | None]:
    return {name: (value if value != "" else None) for name, value in values.items()}


# --- drafts -----------------------------------------------------------------------------------


def _aad(institution_id: int, sub_delivery_id: int) -> bytes:
    # Bound to its institution and sub-delivery: a sealed record moved to another row of
    # another institution does not open.
    return f"entry-draft:{institution_id}:{sub_delivery_id}".encode()


def _seal(values: Mapping[str, str], institution_id: int, sub_delivery_id: int) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps(dict(values), ensure_ascii=False).encode()
    return nonce + AESGCM(files.file_key()).encrypt(
        nonce, plain, _aad(institution_id, sub_delivery_id)
    )


def draft_values(draft: EntryDraft) -> dict[str, str]:
    """The values of a draft record (decrypted)."""
    sealed = bytes(draft.sealed)
    try:
        plain = AESGCM(files.file_key()).decrypt(
            sealed[:12], sealed[12:], _aad(draft.institution_id, draft.sub_delivery_id)
        )
    except InvalidTag as exc:
        raise files.FileIntegrityError("the draft record does not decrypt") from exc
    loaded = json.loads(plain)
    return {str(k): str(v) for k, v in loaded.items()}


def drafts_of(institution: Institution, sub_delivery: SubDelivery) -> Any:
    """The institution's entered records of ``sub_delivery``, delivered or not (rows only,
    nothing decrypted)."""
    return EntryDraft.objects.for_institution(institution).filter(sub_delivery=sub_delivery)


def kept_counts(institution: Institution) -> dict[int, int]:
    """Per sub-delivery (id) the number of entered records the institution keeps (whether or
    not it may still enter them: records of a registry no longer entered by hand can be
    deleted); one query."""
    kept = EntryDraft.objects.for_institution(institution).values_list("sub_delivery")
    return dict(kept.annotate(n=Count("pk")).order_by())


def kept_elsewhere(kept: dict[int, int]) -> list[SubDelivery]:
    """The sub-deliveries of ``kept`` (:func:`kept_counts`)."""
    return list(SubDelivery.objects.select_related("registry").filter(pk__in=list(kept)))


def find_draft(
    institution: Institution, sub_delivery: SubDelivery, draft_id: int
) -> EntryDraft | None:
    """A draft of the institution's open batch, or None (another's id is simply not found)."""
    return drafts_of(institution, sub_delivery).filter(pk=draft_id).first()


#: Records per page of the batch list.
BATCH_PAGE_SIZE = 50


@dataclass(frozen=True)
class BatchCounts:
    """What the page says of the whole batch (the count, the warnings before Aanleveren), read
    with one aggregate of the rows' plain counts: nothing decrypted, no row loaded."""

    kept: int = 0
    with_errors: int = 0
    #: Checked against another version than the one in force (:func:`needs_recheck`).
    to_recheck: int = 0


def batch_counts(
    institution: Institution, sub_delivery: SubDelivery, version: DictionaryVersion | None = None
) -> BatchCounts:
    """The :class:`BatchCounts` of the kept records (``to_recheck`` against ``version``, the
    one in force; 0 without one): one query, whatever the number of records."""
    stale = Count("pk", filter=~Q(dictionary_version=version)) if version is not None else None
    counted = drafts_of(institution, sub_delivery).aggregate(
        kept=Count("pk"),
        with_errors=Count("pk", filter=Q(error_count__gt=0)),
        **({"to_recheck": stale} if stale is not None else {}),
    )
    return BatchCounts(**counted)


class _CountedPaginator(Paginator):
    """A paginator told the number of rows (from :func:`batch_counts`), so that it does not
    count them again."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


#: What the batch list shows of a record and of its delivery and version: the delivery's
#: reports and counts (``error_records``, ``filled_counts``) and the version's definition and
#: workbook are not read for a list row.
_LISTED = (
    "institution",
    "sub_delivery",
    "dictionary_version__version",
    "sealed",
    "error_count",
    "warning_count",
    "created_at",
    "changed_at",
    "delivered_in__file_name",
    "delivered_in__status",
    "delivered_at",
)


@dataclass
class Batch:
    """The kept records of a registry: their counts (:class:`BatchCounts`), the page the list
    shows (newest first, read from the database a page at a time) and that page's records
    with their values."""

    counts: BatchCounts
    page: Page
    rows: list[tuple[EntryDraft, dict[str, str]]]


def batch(
    institution: Institution,
    sub_delivery: SubDelivery,
    *,
    version: DictionaryVersion | None = None,
    page: str | int | None = 1,
    actor: Any,
    request: HttpRequest | None = None,
) -> Batch:
    """The kept records' counts (``to_recheck`` against ``version``, the one in force), with
    the values of one page of them opened for the batch list (audited as a view of those
    records only). A fixed number of queries, whatever the number of kept records: delivered
    records stay until deleted, so a batch may hold many more than :data:`MAX_DRAFTS`."""
    counts = batch_counts(institution, sub_delivery, version)
    listed = (
        drafts_of(institution, sub_delivery)
        .select_related("delivered_in", "dictionary_version")
        .only(*_LISTED)
        .order_by("-created_at", "-id")
    )
    shown = _CountedPaginator(listed, BATCH_PAGE_SIZE, counts.kept).get_page(page)
    rows = [(draft, draft_values(draft)) for draft in shown.object_list]
    if rows:
        record(
            Action.VIEW,
            actor=actor,
            institution=institution,
            request=request,
            description=gettext_noop("entered records of {code} ({count})"),
            values={"code": sub_delivery.code, "count": len(rows)},
            detail={"drafts": [draft.pk for draft, _values in rows]},
        )
    return Batch(counts, shown, rows)


def view_draft(draft: EntryDraft, *, actor: Any, request: HttpRequest | None = None) -> dict:
    """A draft's values to edit them (audited as a view)."""
    values = draft_values(draft)
    record(
        Action.VIEW,
        actor=actor,
        institution=draft.institution,
        obj=draft,
        request=request,
        description=gettext_noop("entered record {id} of {code}"),
        values={"id": draft.pk, "code": draft.sub_delivery.code},
    )
    return values


def save_draft(
    institution: Institution,
    sub_delivery: SubDelivery,
    values: Mapping[str, str],
    *,
    actor: Any,
    draft: EntryDraft | None = None,
    request: HttpRequest | None = None,
) -> tuple[EntryDraft, Checked]:
    """Keep a record in the open batch (new, or ``draft`` changed), with the findings of its
    check. A record with errors is kept as well: the page shows its findings."""
    version = version_for(institution, sub_delivery)
    if draft is not None and (
        draft.institution_id != institution.pk or draft.sub_delivery_id != sub_delivery.pk
    ):
        raise EntryError(_("This record is not in your institution's batch."))
    undelivered = drafts_of(institution, sub_delivery).filter(delivered_at__isnull=True)
    if draft is None and undelivered.count() >= MAX_DRAFTS:
        raise EntryError(
            _("The batch holds %(max)s records, the most it may: deliver it first.")
            % {"max": MAX_DRAFTS}
        )
    clean = values_from(version.dictionary, values)
    checked = check_record(version.dictionary, clean)
    sealed = _seal(clean, institution.pk, sub_delivery.pk)
    counts = {"error_count": checked.errors, "warning_count": checked.warnings}
    with transaction.atomic():
        if draft is None:
            draft = EntryDraft.objects.create(
                institution=institution,
                sub_delivery=sub_delivery,
                dictionary_version=version,
                sealed=sealed,
                created_by=actor if getattr(actor, "pk", None) else None,
                **counts,
            )
            action = Action.CREATE
        else:
            updated = (
                drafts_of(institution, sub_delivery)
                .filter(pk=draft.pk)
                .update(
                    sealed=sealed, dictionary_version=version, changed_at=timezone.now(), **counts
                )
            )
            if not updated:  # a colleague deleted it meanwhile
                raise EntryError(_("This record has already been removed from the batch."))
            action = Action.CHANGE
        record(
            action,
            actor=actor,
            institution=institution,
            obj=draft,
            request=request,
            description=gettext_noop("entered record {id} of {code}"),
            values={"id": draft.pk, "code": sub_delivery.code},
            detail=counts,
        )
    return draft, checked


def delete_draft(draft: EntryDraft, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        EntryDraft.objects.for_institution(draft.institution_id).filter(pk=draft.pk).delete()
        record(
            Action.DELETE,
            actor=actor,
            institution=draft.institution,
            obj=draft,
            request=request,
            description=gettext_noop("entered record {id} of {code}"),
            values={"id": draft.pk, "code": draft.sub_delivery.code},
        )


# --- Aanleveren -------------------------------------------------------------------------------


def dataset_of(
    institution: Institution, sub_delivery: SubDelivery, unit: int | None, period: str
) -> Any:
    """The records a delivery for ``unit`` and ``period`` holds: those never delivered and
    those delivered before for the same unit and period (rows only, nothing decrypted)."""
    delivered_here = Q(delivered_in__unit__number=unit, delivered_in__period=period)
    return drafts_of(institution, sub_delivery).filter(
        Q(delivered_in__isnull=True) | delivered_here
    )


def period_key(version: DictionaryVersion, period: str) -> str:
    """The period a delivery will have: ``TOTAAL`` for a TOTAAL registry (the invoerportaal
    sends no other; the intake refuses any other), else the period as typed, in capitals."""
    return "TOTAAL" if version.frequency == "totaal" else period.strip().upper()


def needs_recheck(draft: EntryDraft, version: DictionaryVersion) -> bool:
    """Whether the record was last checked against another version than ``version`` (the
    one in force): it must be checked again before it can be delivered."""
    return draft.dictionary_version_id != version.pk


def rejection_threshold(version: DictionaryVersion) -> float | None:
    """The dictionary's ``Afkeurpercentage``: a delivery with a larger share of records with
    errors is rejected as a whole."""
    return version.dictionary.general.rejection_percentage


def over_threshold(version: DictionaryVersion, counts: BatchCounts) -> bool:
    """Whether the records' own errors (each record checked alone, as saved) already reject
    them as a whole (the engine's rule: more than the threshold, computed exactly): the page's
    warning before Aanleveren, which checks the dataset as a whole (``_refuse_rejected``)."""
    threshold = rejection_threshold(version)
    if threshold is None or not counts.kept:
        return False
    return counts.with_errors * 100 > Fraction(str(threshold)) * counts.kept


def _refuse_stale(version: DictionaryVersion, drafts: list[EntryDraft]) -> None:
    stale = [d for d in drafts if needs_recheck(d, version)]
    if stale:
        raise EntryError(
            _(
                "%(count)s records were checked against an older version of the data "
                "dictionary. Open each record marked 'check again', check it against version "
                "%(version)s and save it; then deliver."
            )
            % {"count": len(stale), "version": version.version}
        )


#: Findings named in a refusal; the rest are counted.
NAMED_FINDINGS = 5
#: The checks that compare records with each other (spec: duplicates and key conflicts).
CROSS_RECORD_CODES = frozenset({"005", "008"})


def _refuse_rejected(
    version: DictionaryVersion, period: str, drafts: list[EntryDraft], values: list[dict[str, str]]
) -> None:
    """Refuse the dataset when processing would reject it as a whole.

    Each record was checked alone when it was saved; the dataset as a whole is checked here as
    processing will check the delivery (with its period), so the findings across records
    (``005`` the same record twice, ``008`` a key with other values) and a rejecting finding
    count too. Refused with the threshold when the share of records with errors is too large,
    else with the findings that reject it. Records are named by their number in the list."""
    if period != "TOTAAL":
        try:
            parse_period(period)
        except ValueError:
            return  # not a period: the intake refuses it in its own words
    report = validate_records(
        version.dictionary,
        [_as_record(v) for v in values],
        period=None if period == "TOTAAL" else period,
        lang=intake.engine_lang(),
    )
    if not report.rejected:
        return
    rejecting = [f for f in report.findings if f.level == "afkeur" or f.technical]
    threshold = rejection_threshold(version)
    if not rejecting and threshold is not None:
        message = _(
            "%(errors)s of the %(total)s records have errors: more than %(threshold)s of "
            "the records, the rejection threshold of this registry. The delivery would "
            "be rejected as a whole. Correct or delete records with errors first."
        ) % {
            "errors": len(report.error_records),
            "total": report.total,
            "threshold": threshold_text(threshold),
        }
        across = [f for f in report.findings if f.code in CROSS_RECORD_CODES]
        if across:
            message += " " + _("Found across records: %(findings)s.") % {
                "findings": _named(across, drafts)
            }
        raise EntryError(message)
    raise EntryError(
        _("The delivery would be rejected as a whole: %(findings)s.")
        % {"findings": _named(rejecting, drafts)}
    )


def _named(findings: list[Finding], drafts: list[EntryDraft]) -> str:
    """``record 31: message; record 35: message`` for the first few (the number the list
    shows: the delivery's ``n``-th record is ``drafts[n - 1]``), and how many more."""
    shown = "; ".join(
        _("record %(record)s: %(message)s")
        % {"record": drafts[f.record - 1].pk, "message": f.message}
        if f.record is not None
        else f.message
        for f in findings[:NAMED_FINDINGS]
    )
    rest = len(findings) - NAMED_FINDINGS
    if rest > 0:
        shown += " " + _("(and %(count)s more)") % {"count": rest}
    return shown


def _refuse_unchanged(
    institution: Institution,
    sub_delivery: SubDelivery,
    version: DictionaryVersion,
    unit: int | None,
    period: str,
    data: bytes,
) -> None:
    """Refuse a production delivery of exactly the records (the same file, byte for byte) of
    the latest one for the unit and period: it would be a second copy at the processors (a
    button pressed twice). A rejected delivery may be delivered again. Without a unit there is
    nothing to compare: the intake refuses the delivery (it asks for the unit)."""
    if unit is None:
        return
    latest = latest_delivery(
        institution, CHANNEL, sub_delivery.code, unit, period=period, is_test=False
    )
    if (
        latest is None
        or latest.status == Status.REJECTED
        or latest.dictionary_version_id != version.pk
        or not holds(latest, data)
    ):
        return
    raise EntryError(
        _(
            "Nothing changed since delivery %(file)s of %(date)s: these records have been "
            "delivered exactly like this already."
        )
        % {
            "file": latest.file_name,
            "date": date_format(timezone.localtime(latest.submitted_at), "SHORT_DATETIME_FORMAT"),
        }
    )


def submit_batch(
    institution: Institution,
    sub_delivery: SubDelivery,
    *,
    unit: int | None,
    period: str,
    is_test: bool,
    actor: Any,
    request: HttpRequest | None = None,
) -> Delivery:
    """Deliver the dataset as one delivery of channel ``Invoerportaal``: every kept record for
    the unit and period (delivered before, new or changed) as a CSV file through the intake
    (checks, encrypted storage, sequence number, processing). A production delivery marks the
    records delivered; a test delivery leaves them as they were. Refused (nothing changed) with
    the intake's problems per field, or when a record must be checked again against the version
    in force, or when processing would reject the dataset as a whole (the share of records with
    errors, findings across records included, or a rejecting finding).
    """
    version = version_for(institution, sub_delivery)
    key = period_key(version, period)
    with transaction.atomic():
        dataset = dataset_of(institution, sub_delivery, unit, key).select_for_update(of=("self",))
        drafts = list(dataset.order_by("created_at", "id"))
        if not drafts:
            # A colleague's Aanleveren may have marked the rows while this one waited for
            # their lock; PostgreSQL then re-checks a locked row without its joined delivery
            # and drops it. Read again: now the rows are seen as delivered (and are refused
            # below as unchanged, with that delivery's name).
            drafts = list(dataset.all().order_by("created_at", "id"))
        if not drafts:
            raise EntryError(_("There are no entered records to deliver."))
        _refuse_stale(version, drafts)
        values = [draft_values(d) for d in drafts]
        _refuse_rejected(version, key, drafts, values)
        data = records_csv(version.dictionary, values)
        if not is_test:
            _refuse_unchanged(institution, sub_delivery, version, unit, key, data)
        metadata = records_metadata(
            institution, sub_delivery, version, unit=unit, period=period, is_test=is_test
        )
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
        except intake.DeliveryRefused as refused:
            raise EntryError(str(refused), refused.problems) from None
        if not is_test:
            drafts_of(institution, sub_delivery).filter(pk__in=[d.pk for d in drafts]).update(
                delivered_in=delivery, delivered_at=timezone.now()
            )
        record(
            Action.VIEW if is_test else Action.CHANGE,
            actor=actor,
            institution=institution,
            obj=delivery,
            request=request,
            description=(
                gettext_noop("{count} entered records of {code}: in test delivery {file}")
                if is_test
                else gettext_noop("{count} entered records of {code}: delivered as {file}")
            ),
            values={"count": len(drafts), "code": sub_delivery.code, "file": delivery.file_name},
            detail={"drafts": [d.pk for d in drafts]},
        )
    return delivery
