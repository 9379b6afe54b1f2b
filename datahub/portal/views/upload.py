"""Bestanden aanleveren: choose a file, see its fields, Controleren, Aanleveren.

With JavaScript the file travels in resumable chunks (``upload_start``/``upload_chunk``) and the
fields are checked in place; without it the form posts the file in one request, and Controleren
posts the form for the whole page with the result of every check.
"""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from datahub.deliveries import choices, intake, uploads
from datahub.deliveries.forms import DeliveryForm
from datahub.deliveries.intake import Metadata
from datahub.deliveries.models import Channel, Delivery
from datahub.dictionaries.services import find_version
from datahub.portal.access import deny, member_required
from datahub.portal.http import InstitutionRequest

CHANNEL = Channel.PORTAL


def _context(
    request: InstitutionRequest, form: DeliveryForm, problems: dict[str, list[str]], checked: bool
) -> dict[str, object]:
    """Each field with its own problems, so the page shows the result per field, and the
    choices it suggests.

    ``checked``: every check of ``intake.check`` ran on these values, so a field without a problem
    may be marked correct. Each input is described by its help text and, when it has one, its
    error list (ids the template gives them).
    """
    _suggest_choices(form)
    rows = []
    for name in form.fields:
        if name == "file_name":
            continue
        field = form[name]
        field_problems = [*field.errors, *problems.get(name, [])]
        described_by = [f"{field.auto_id}_helptext"] if field.help_text else []
        attrs = form.fields[name].widget.attrs
        if field_problems:
            described_by.append(f"{field.auto_id}_error")
            attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = " ".join(described_by)
        rows.append((field, field_problems))
    # The file name is a hidden field: its own errors are shown with those of the file.
    general = [*problems.get("", []), *form["file_name"].errors]
    context = {"form": form, "rows": rows, "general": general, "checked": checked}
    has_problems = bool(general) or any(problems for _field, problems in rows)
    context |= _choices(request, str(form["code"].value() or ""))
    return context | {"totaal": _is_totaal(form), "has_problems": has_problems}


def _suggest_choices(form: DeliveryForm) -> None:
    """Each of the three fields suggests its list (a ``<datalist>``, still free text); a change
    of the code fetches the versions and periods of the new code (htmx), the latest answer
    winning."""
    for name in ("code", "version", "period"):
        form.fields[name].widget.attrs["list"] = f"{name}-choices"
    form.fields["code"].widget.attrs |= {
        "hx-get": reverse("portal:upload_choices"),
        "hx-trigger": "input changed delay:300ms",
        "hx-target": "#upload-choices",
        "hx-swap": "outerHTML",
        "hx-sync": "this:replace",
    }


def _choices(request: InstitutionRequest, code: str) -> dict[str, object]:
    """Every sub-delivery offered, and those whose versions and periods ``code`` shows."""
    offers = choices.offers(request.institution, CHANNEL, timezone.localdate())
    return {"offers": offers, "shown": choices.shown_for(offers, code)}


def _is_totaal(form: DeliveryForm) -> bool:
    """Whether the chosen sub-delivery and version is delivered as the complete dataset
    (``TOTAAL``): then the period is not asked."""
    code, version = (str(form[name].value() or "").strip() for name in ("code", "version"))
    found = find_version(code, version) if code and version else None
    return found is not None and found.frequency == "totaal"


def _prefill(request: InstitutionRequest, metadata: Metadata, *, date: bool = True) -> Metadata:
    """Fields the name does not give: the institution, a chosen sub-delivery, period and unit
    (``?code=&periode=&onderdeel=``, the Aanleveren buttons), its only unit, the version in
    force and (``date``) today as the creation date."""
    metadata.institution_code = metadata.institution_code or request.institution.agb_code
    metadata.code = metadata.code or request.GET.get("code", "") or request.POST.get("code", "")
    metadata.period = (
        metadata.period or request.GET.get("periode", "") or request.POST.get("period", "")
    )
    if date:
        metadata.creation_date = metadata.creation_date or timezone.localdate()
    unit = request.GET.get("onderdeel", "")
    if metadata.unit is None and unit.isascii() and unit.isdigit() and len(unit) < 10:
        metadata.unit = int(unit)  # a unit the institution lacks: Controleren says so
    return intake.with_defaults(metadata, request.institution, timezone.localdate())


@member_required()
def upload(request: InstitutionRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "check":
            return _check_in_page(request)
        return _submit_in_one_request(request)
    initial = DeliveryForm.initial_from(_prefill(request, Metadata(file_name="")))
    context = _context(request, DeliveryForm(initial=initial), {}, False)
    return render(request, "deliveries/upload.html", context)


@member_required()
@require_GET
def upload_choices(request: InstitutionRequest) -> HttpResponse:
    """The versions and periods suggested for the code filled in (htmx); for a code the
    institution does not deliver here, none."""
    context = _choices(request, request.GET.get("code", ""))
    return render(request, "deliveries/_choices.html", context)


@member_required()
@require_POST
def upload_fields(request: InstitutionRequest) -> HttpResponse:
    """The fields, filled from the chosen file's name (htmx)."""
    file_name = request.POST.get("file_name", "")
    # a name whose creation date is no date (20261131) leaves the field empty, not today's
    dated = not intake.names_impossible_date(file_name)
    metadata = _prefill(request, intake.metadata_from_name(file_name), date=dated)
    form = DeliveryForm(initial=DeliveryForm.initial_from(metadata))
    context = _context(request, form, {}, False)
    # A name off the convention fills nothing: say so, rather than leave empty fields unexplained.
    context["unnamed"] = bool(file_name) and not intake.follows_convention(file_name)
    context["name_problems"] = intake.name_problems(file_name) if context["unnamed"] else []
    return render(request, "deliveries/_fields.html", context)


@member_required()
@require_POST
def upload_check(request: InstitutionRequest) -> HttpResponse:
    """Controleren: every check, shown per field (htmx)."""
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        # The checks need every field: nothing was checked, so nothing is marked correct.
        return render(request, "deliveries/_fields.html", _context(request, form, {}, False))
    problems = intake.check(form.metadata(), request.institution, CHANNEL).problems
    return render(request, "deliveries/_fields.html", _context(request, form, problems, True))


@member_required()
@require_POST
def upload_start(request: InstitutionRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise TypeError("the body is not a JSON object")
        file_name = body.get("file_name", "")
        if not isinstance(file_name, str):
            raise TypeError("the file name is not a text")
        session = uploads.start(
            institution=request.institution,
            user=request.user,
            file_name=file_name,
            size=int(body.get("size", 0)),
        )
    except (ValueError, TypeError, OverflowError):
        return JsonResponse({"error": _not_started()}, status=400)
    except uploads.UploadStorageFailed as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    except uploads.UploadError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"id": str(session.pk), "chunk_bytes": uploads.CHUNK_BYTES, "received": 0})


@member_required()
def upload_chunk(request: InstitutionRequest, session_id: str) -> HttpResponse:
    """GET: how much arrived (to resume). POST: the chunk at ``X-Offset``."""
    session = uploads.find(request.institution, request.user, session_id)
    if session is None:  # another's, or none at all: not found, and the attempt is logged
        deny(request, gettext_noop("upload {id} is not of this person here"), id=session_id[:64])
        return JsonResponse({"error": _not_found()}, status=404)
    if request.method == "POST":
        offset_text = request.headers.get("X-Offset", "")
        if not offset_text.isascii() or not offset_text.isdigit() or len(offset_text) > 18:
            return JsonResponse({"error": _bad_offset(), "received": session.received}, status=400)
        offset = int(offset_text)
        try:
            uploads.append(session, offset, request.body)
        except uploads.UploadStorageFailed as exc:  # the same chunk may be sent again
            return JsonResponse({"error": str(exc), "received": session.received}, status=503)
        except uploads.UploadLost as exc:
            return JsonResponse({"error": str(exc)}, status=410)
        except uploads.UploadError as exc:
            return JsonResponse({"error": str(exc), "received": session.received}, status=409)
    return JsonResponse({"received": session.received, "size": session.size})


@member_required()
@require_POST
def upload_submit(request: InstitutionRequest) -> HttpResponse:
    """Aanleveren after a chunked upload (htmx/fetch): the result, or the problems per field."""
    form = DeliveryForm(request.POST)
    upload_id = request.POST.get("upload_id", "")
    session = uploads.find(request.institution, request.user, upload_id)
    if session is None and upload_id:
        deny(request, gettext_noop("upload {id} is not of this person here"), id=upload_id[:64])
    if not form.is_valid() or session is None:
        return _fields_with_problems(
            request, form, {"": [_missing_file()]} if session is None else {}
        )
    try:
        delivery = intake.submit_upload(
            form.metadata(),
            session,
            institution=request.institution,
            channel=CHANNEL,
            actor=request.user,
            request=request,
        )
    except intake.DeliveryRefused as refused:
        return _fields_with_problems(request, form, refused.problems)
    return render(request, "deliveries/_submitted.html", {"delivery": delivery})


def _check_in_page(request: InstitutionRequest) -> HttpResponse:
    """Controleren without JavaScript: the whole page with every check's result per field; the
    file that came with the form is not stored."""
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        return render(request, "deliveries/upload.html", _context(request, form, {}, False))
    metadata = form.metadata()
    upload_file = request.FILES.get("file")
    metadata.file_name = metadata.file_name or (upload_file.name if upload_file else "") or ""
    problems = intake.check(metadata, request.institution, CHANNEL).problems
    return render(request, "deliveries/upload.html", _context(request, form, problems, True))


def _submit_in_one_request(request: InstitutionRequest) -> HttpResponse:
    form = DeliveryForm(request.POST)
    upload_file = request.FILES.get("file")
    problems: dict[str, list[str]] = {}
    delivery: Delivery | None = None
    if upload_file is None:
        problems = _without_file(request, form)
    elif form.is_valid():
        metadata = form.metadata()
        # The name as the person gave it (Django strips paths from the upload's own name, and a
        # path must be refused, not silently changed).
        metadata.file_name = metadata.file_name or upload_file.name or ""
        try:
            delivery = intake.submit(
                metadata,
                upload_file.chunks(),
                size=upload_file.size or 0,
                institution=request.institution,
                channel=CHANNEL,
                actor=request.user,
                request=request,
            )
        except intake.DeliveryRefused as refused:
            # sent twice (a double click): the first landed, and that is the answer
            delivery = intake.landed_before(
                request.institution, metadata, upload_file.chunks(), refused.problems
            )
            problems = {} if delivery is not None else refused.problems
    status = 400 if problems or form.errors else 200
    # A refusal names the problems of every check (intake.submit), so what has none is correct.
    checked = bool(problems) and form.is_valid()
    context = _context(request, form, problems, checked) | {"delivery": delivery}
    return render(request, "deliveries/upload.html", context, status=status)


def _fields_with_problems(
    request: InstitutionRequest, form: DeliveryForm, problems: dict[str, list[str]]
) -> HttpResponse:
    # A refusal names the problems of every check (intake.submit_upload checks first).
    context = _context(request, form, problems, form.is_valid())
    return render(request, "deliveries/_fields.html", context, status=400)


def _without_file(request: InstitutionRequest, form: DeliveryForm) -> dict[str, list[str]]:
    """No file was sent: that problem, and those of every check of the fields (if readable)."""
    problems = {"": [_missing_file()]}
    if form.is_valid():
        found = intake.check(form.metadata(), request.institution, CHANNEL).problems
        for name, messages in found.items():
            problems.setdefault(name, []).extend(m for m in messages if m not in problems[name])
    return problems


def _missing_file() -> str:
    from django.utils.translation import gettext

    return gettext("Choose a file first.")


def _not_started() -> str:
    from django.utils.translation import gettext

    return gettext("The upload could not be started. Reload the page and choose the file again.")


def _not_found() -> str:
    from django.utils.translation import gettext

    return gettext("This upload was not found (it may have expired). Choose the file again.")


def _bad_offset() -> str:
    from django.utils.translation import gettext

    return gettext("The chunk's X-Offset header is not a number of bytes.")
