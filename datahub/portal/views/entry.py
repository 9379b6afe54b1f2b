"""Invoeren: a clinician enters records by hand, checks them at once, keeps them in the open
batch and delivers the batch ("Aanleveren"). Business logic in ``deliveries.entry``.

Without JavaScript every button posts the form (``action`` says which); with htmx
"Controleren" replaces only the fields (and fills the status region outside them, out of band,
so that screen readers announce it). No page is cached (shared ward workstations).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries import entry
from datahub.deliveries.entry import Checked, EntryError
from datahub.deliveries.models import Delivery, EntryDraft
from datahub.dictionaries.labels import threshold_text
from datahub.dictionaries.models import DictionaryVersion, SubDelivery
from datahub.institutions.models import Unit
from datahub.portal.access import clinician_required, deny
from datahub.portal.http import InstitutionRequest


@never_cache
@clinician_required
def entry_home(request: InstitutionRequest) -> HttpResponse:
    """Choose the registry (straight to its form when there is only one). A registry no longer
    entered by hand is listed too while records of it are kept: they can be seen and deleted."""
    choices = entry.entry_sub_deliveries(request.institution, timezone.localdate())
    kept = entry.kept_counts(request.institution)
    closed = [s for s in entry.kept_elsewhere(kept) if s not in choices]
    if len(choices) == 1 and not closed:
        return redirect("portal:entry_form", code=choices[0].code)
    rows = [(s, kept.get(s.pk, 0)) for s in choices]
    closed_rows = [(s, kept.get(s.pk, 0)) for s in closed]
    context = {"rows": rows, "closed_rows": closed_rows}
    return render(request, "deliveries/entry_home.html", context)


def _sub_delivery(request: InstitutionRequest, code: str) -> SubDelivery:
    found = SubDelivery.objects.select_related("registry").filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _refused(
    request: InstitutionRequest, sub_delivery: SubDelivery, *, listing: bool = False
) -> HttpResponse | DictionaryVersion:
    """The page that says why this institution cannot enter records here, or (it can) the
    version in force to enter them with.

    With ``listing`` (the form's page, GET) and records kept of the registry, the page lists
    them with a delete button each: they are not stranded when the registry is no longer
    entered by hand (the method changed, the participation ended, no version in force)."""
    institution = request.institution
    problems, version = entry.checked_version(institution, sub_delivery, timezone.localdate())
    if not problems and version is not None:
        return version
    kept = (
        entry.batch(
            institution,
            sub_delivery,
            page=request.GET.get("page"),
            actor=request.user,
            request=request,
        )
        if listing
        else None
    )
    if kept is not None and kept.counts.kept:
        context = {
            "sub_delivery": sub_delivery,
            "problems": problems,
            "batch": _summaries(kept.rows),
            "page": kept.page,
        }
        return render(request, "deliveries/entry_closed.html", context)
    deny(request, gettext_noop("entry portal refused for {code}"), code=sub_delivery.code)
    context = {"sub_delivery": sub_delivery, "problems": problems}
    return render(request, "deliveries/entry_refused.html", context, status=403)


class _Gone(Exception):
    """A record of the institution that a colleague removed meanwhile."""


def _own_draft(request: InstitutionRequest, sub_delivery: SubDelivery, draft_id: int) -> EntryDraft:
    draft = entry.find_draft(request.institution, sub_delivery, draft_id)
    if draft is not None:
        return draft
    if _was_own(request, draft_id):
        raise _Gone
    deny(request, gettext_noop("entered record {id} is not of this institution"), id=draft_id)
    raise Http404


def _was_own(request: InstitutionRequest, draft_id: int) -> bool:
    """Whether the id was a record of this institution, removed since (its creation is in the
    institution's audit log, and the row is gone)."""
    if EntryDraft.objects.unscoped().filter(pk=draft_id).exists():
        return False
    return AuditEvent.objects.filter(
        institution=request.institution,
        action=Action.CREATE,
        object_type=EntryDraft._meta.label,
        object_id=str(draft_id),
    ).exists()


def _gone(request: InstitutionRequest, code: str) -> HttpResponse:
    messages.warning(request, _("This record has already been removed from the batch."))
    return redirect("portal:entry_form", code=code)


@never_cache
@clinician_required
def entry_form(request: InstitutionRequest, code: str, draft_id: int | None = None) -> HttpResponse:
    """The form of one record (new, or a draft of the batch), and the batch."""
    sub_delivery = _sub_delivery(request, code)
    listing = request.method != "POST" and draft_id is None
    version = _refused(request, sub_delivery, listing=listing)
    if isinstance(version, HttpResponse):
        return version
    try:
        draft = _own_draft(request, sub_delivery, draft_id) if draft_id is not None else None
    except _Gone:
        return _gone(request, code)
    if request.method != "POST":
        values = entry.view_draft(draft, actor=request.user, request=request) if draft else {}
        checked = entry.check_record(version.dictionary, values) if draft else None
        return _page(request, sub_delivery, version, values, checked, draft)
    values = entry.values_from(version.dictionary, request.POST)
    if request.POST.get("action") != "save":  # Controleren without JavaScript
        checked = entry.check_record(version.dictionary, values)
        return _page(request, sub_delivery, version, values, checked, draft)
    try:
        saved, checked = entry.save_draft(
            request.institution,
            sub_delivery,
            values,
            actor=request.user,
            draft=draft,
            request=request,
        )
    except EntryError as exc:
        if (
            draft is not None
            and entry.find_draft(request.institution, sub_delivery, draft.pk) is None
        ):
            return _gone(request, code)
        messages.error(request, str(exc))
        return _page(request, sub_delivery, version, values, None, draft, status=400)
    if checked.errors:
        messages.warning(
            request,
            _("The record was saved in the batch with errors: correct them before delivering."),
        )
        return redirect("portal:entry_draft", code=code, draft_id=saved.pk)
    messages.success(request, _("The record was saved in the batch."))
    return redirect("portal:entry_form", code=code)


@never_cache
@clinician_required
@require_POST
def entry_check(request: InstitutionRequest, code: str) -> HttpResponse:
    """Controleren (htmx): the fields again, each with its findings."""
    sub_delivery = _sub_delivery(request, code)
    version = _refused(request, sub_delivery)
    if isinstance(version, HttpResponse):
        return version
    values = entry.values_from(version.dictionary, request.POST)
    checked = entry.check_record(version.dictionary, values)
    context = _fields_context(version, values, checked) | {"status_oob": True}
    return render(request, "deliveries/_entry_fields.html", context)


@never_cache
@clinician_required
@require_POST
def entry_delete(request: InstitutionRequest, code: str, draft_id: int) -> HttpResponse:
    """Delete a record; also of a registry no longer entered by hand (not to strand it)."""
    sub_delivery = _sub_delivery(request, code)
    try:
        draft = _own_draft(request, sub_delivery, draft_id)
    except _Gone:
        return _gone(request, code)
    entry.delete_draft(draft, actor=request.user, request=request)
    messages.success(request, _("The record was removed from the batch."))
    closed = entry.refusal(request.institution, sub_delivery, timezone.localdate())
    if closed and not entry.drafts_of(request.institution, sub_delivery).exists():
        return redirect("portal:entry")
    return redirect("portal:entry_form", code=code)


@never_cache
@clinician_required
@require_POST
def entry_submit(request: InstitutionRequest, code: str) -> HttpResponse:
    """Aanleveren: the batch becomes one delivery of channel Invoerportaal."""
    sub_delivery = _sub_delivery(request, code)
    version = _refused(request, sub_delivery)
    if isinstance(version, HttpResponse):
        return version
    unit = _int_or_none(request.POST.get("unit", ""))
    try:
        delivery = entry.submit_batch(
            request.institution,
            sub_delivery,
            unit=unit,
            period=request.POST.get("period", "")[:10],
            is_test=request.POST.get("is_test") == "ja",
            actor=request.user,
            request=request,
        )
    except EntryError as exc:
        return _page(
            request, sub_delivery, version, {}, None, None, submit_problems=exc.problems, status=400
        )
    # to a page of its own, so that reloading the answer does not deliver the records again
    return redirect("portal:entry_submitted", code=code, delivery_id=delivery.pk)


@never_cache
@clinician_required
def entry_submitted(request: InstitutionRequest, code: str, delivery_id: int) -> HttpResponse:
    """The answer to Aanleveren: the name of the delivery the records became."""
    delivery = (
        Delivery.objects.for_institution(request.institution)
        .filter(pk=delivery_id, channel=entry.CHANNEL, sub_delivery__code=code)
        .select_related("sub_delivery")
        .first()
    )
    if delivery is None:
        deny(request, gettext_noop("delivery {id} is not of this institution"), id=delivery_id)
        raise Http404
    return render(request, "deliveries/entry_submitted.html", {"delivery": delivery})


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _fields_context(version: Any, values: dict[str, str], checked: Checked | None) -> dict:
    """Each input with its value and findings, and the record's own findings. A finding of a
    dictionary rule keeps the registry's Dutch message on an English page: it is marked so."""
    by_field = checked.by_field if checked else {}
    english = not (translation.get_language() or "nl").startswith("nl")
    rule_codes = {rule.code for rule in version.dictionary.rules}

    def shown(findings: list[Any]) -> list[tuple[Any, str]]:
        return [(f, "nl" if english and f.code in rule_codes else "") for f in findings]

    rows = [
        (spec, values.get(spec.name, ""), shown(by_field.get(spec.name, [])))
        for spec in entry.form_fields(version.dictionary)
    ]
    return {"rows": rows, "general": shown(by_field.get("", [])), "checked": checked}


def _page(
    request: InstitutionRequest,
    sub_delivery: SubDelivery,
    version: Any,
    values: dict[str, str],
    checked: Checked | None,
    draft: EntryDraft | None,
    *,
    submit_problems: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    institution = request.institution
    kept = entry.batch(
        institution,
        sub_delivery,
        version=version,
        page=request.GET.get("page"),
        actor=request.user,
        request=request,
    )
    units = list(Unit.objects.for_institution(institution).order_by("number"))
    problems = submit_problems or {}
    shown = {"unit", "period", "is_test"}
    key_fields = _summary_fields(version)
    threshold = entry.rejection_threshold(version)
    counts = kept.counts
    context = _fields_context(version, values, checked) | {
        "sub_delivery": sub_delivery,
        "version": version,
        "draft": draft,
        "draft_recheck": draft is not None and entry.needs_recheck(draft, version),
        "dropped": _dropped_values(draft, version),
        "batch": [
            (d, [v.get(n, "") for n in key_fields], entry.needs_recheck(d, version))
            for d, v in kept.rows
        ],
        "page": kept.page,
        "kept": counts.kept,
        "key_fields": key_fields,
        "units": units,
        "needs_period": version.frequency != "totaal",
        "submit_problems": problems,
        "submit_general": [m for k, ms in problems.items() if k not in shown for m in ms],
        "posted": request.POST if submit_problems else {},
        "with_errors": counts.with_errors,
        "to_recheck": counts.to_recheck,
        "threshold": threshold_text(threshold) if threshold is not None else None,
        "over_threshold": entry.over_threshold(version, counts),
    }
    return render(request, "deliveries/entry_form.html", context, status=status)


def _dropped_values(draft: EntryDraft | None, version: Any) -> list[tuple[str, str]]:
    """The values of a record checked against an older version whose fields the version in
    force no longer has (renamed or removed): shown, so that they are not lost unseen."""
    if draft is None or not entry.needs_recheck(draft, version):
        return []
    names = set(version.dictionary.field_names)
    stored = entry.draft_values(draft)
    return [(name, value) for name, value in stored.items() if name not in names and value]


def _summary_fields(version: Any) -> list[str]:
    """The fields that name a record in the batch list: the report fields of the dictionary."""
    general = version.dictionary.general
    names = list(general.report_fields or general.key_fields or version.dictionary.field_names[:3])
    return names[:4]


def _summaries(rows: list[tuple[EntryDraft, dict[str, str]]]) -> list[tuple[EntryDraft, list]]:
    """Each record with (field, value) of the fields that name it, by the version it was
    checked with (each version read once)."""
    versions = {
        v.pk: v
        for v in DictionaryVersion.objects.filter(
            pk__in={d.dictionary_version_id for d, _v in rows}
        ).defer("workbook")
    }
    fields = {pk: _summary_fields(v) for pk, v in versions.items()}
    return [
        (d, [(name, values.get(name, "")) for name in fields[d.dictionary_version_id]])
        for d, values in rows
    ]
