"""Data dictionary pages: every registry's versions, one version in full, a comparison."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from datahub.dictionaries import services
from datahub.dictionaries.compare import compare
from datahub.dictionaries.models import DictionaryVersion, Registry
from datahub.portal.access import any_role_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: What lists of versions show: not their definitions and workbooks, which a dictionary with
#: large reference tables makes megabytes each.
LISTED = ("sub_delivery", "version", "valid_from", "valid_to", "frequency")


@any_role_required
def dictionary_list(request: HttpRequest) -> HttpResponse:
    versions = DictionaryVersion.objects.only(*LISTED).order_by("-valid_from")
    registries = Registry.objects.prefetch_related(
        Prefetch("sub_deliveries__versions", queryset=versions)
    ).order_by("stream")
    return render(request, "dictionaries/list.html", {"registries": registries})


def _version(code: str, version: str) -> DictionaryVersion:
    found = services.find_version(code, version)
    if found is None:
        raise Http404
    return found


@any_role_required
def dictionary_detail(request: HttpRequest, code: str, version: str) -> HttpResponse:
    stored = _version(code, version)
    dictionary = stored.dictionary
    tables = {table.name: table for table in dictionary.reference_tables}
    others = stored.sub_delivery.versions.exclude(pk=stored.pk).order_by("-valid_from")
    context = {
        "stored": stored,
        "dictionary": dictionary,
        "general": dictionary.general,
        "fields": dictionary.fields,
        "rules": dictionary.rules,
        "tables": tables.values(),
        "examples": dictionary.examples,
        "schedule": dictionary.schedule,
        "compare_with": others.values_list("version", flat=True).first(),
    }
    return render(request, "dictionaries/detail.html", context)


@any_role_required
def dictionary_workbook(request: HttpRequest, code: str, version: str) -> HttpResponse:
    stored = _version(code, version)
    response = HttpResponse(services.export_workbook(stored), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{code}_{version}.xlsx"'
    return response


@any_role_required
def dictionary_xsd(request: HttpRequest, code: str, version: str) -> HttpResponse:
    stored = _version(code, version)
    response = HttpResponse(services.export_xsd(stored), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{code}_{version}.xsd"'
    return response


@any_role_required
def dictionary_compare(request: HttpRequest, code: str) -> HttpResponse:
    versions = list(
        DictionaryVersion.objects.filter(sub_delivery__code=code)
        .select_related("sub_delivery")
        .only(*LISTED, "sub_delivery__code")
        .order_by("valid_from")
    )
    if not versions:
        raise Http404
    by_name = {v.version: v for v in versions}
    old = by_name.get(request.GET.get("van", ""), versions[0])
    new = by_name.get(request.GET.get("naar", ""), versions[-1])
    context = {
        "sub_delivery": versions[0].sub_delivery,
        "versions": versions,
        "old": old,
        "new": new,
        # the two compared read their definition here, one query each
        "comparison": compare(old.dictionary, new.dictionary),
    }
    return render(request, "dictionaries/compare.html", context)
