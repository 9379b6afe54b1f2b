"""Importing, exporting and publishing data dictionaries; participation of institutions.

The workbook is read and checked by the validation engine (``load_dictionary``): this module
stores what it accepts, and refuses the rest with every problem located by sheet, row, column.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.dictionaries.models import (
    DictionaryVersion,
    Method,
    Participation,
    Registry,
    RegistryMethod,
    SubDelivery,
)
from datahub.institutions.models import Institution
from datahub.schedule import services as schedule
from datahub.validation import (
    MAX_DEADLINE_DAYS,
    DataDictionary,
    DictionaryError,
    DictionaryProblem,
    generate_xsd,
    load_dictionary,
    write_workbook,
)

#: Larger workbooks are refused before they are opened (a data dictionary is a few hundred kB).
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024


class ImportRefused(Exception):
    """The workbook was not stored; ``problems`` says why, each located where possible."""

    def __init__(self, problems: list[DictionaryProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def messages(self, lang: str = "nl") -> list[str]:
        return [problem.message(lang) for problem in self.problems]


class DeadlinesWouldLapse(ImportRefused):
    """The version would take away deadlines still to come within the schedule's horizon: a
    dated period due in it that the new schedule no longer has (at any deadline: a moved one is
    no loss), or fewer ``TOTAAL`` deadlines in it. Every participating institution would stop
    expecting those deliveries. Refused unless the operator confirms it (``lapse_confirmed``);
    ``lapsed`` are the deadlines that would go."""

    def __init__(self, lapsed: list[Any]) -> None:
        self.lapsed = lapsed
        shown = [entry.deadline for entry in lapsed[:MAX_LAPSED_SHOWN]]
        more = len(lapsed) - len(shown)
        nl_days = ", ".join(f"{day:%d-%m-%Y}" for day in shown) + (
            f" en {more} meer" if more else ""
        )
        en_days = ", ".join(f"{day:%Y-%m-%d}" for day in shown) + (
            f" and {more} more" if more else ""
        )
        super().__init__(
            [
                DictionaryProblem(
                    "Aanleverschema",
                    None,
                    None,
                    f"deze versie neemt {len(lapsed)} deadline(s) weg die in de komende "
                    f"{schedule.HORIZON_DAYS} dagen vallen: {nl_days}. Geen deelnemende "
                    "instelling verwacht dan nog een aanlevering op die dagen. Is dat de "
                    "bedoeling, bevestig het dan met ‘Toch publiceren’",
                    f"this version takes away {len(lapsed)} deadline(s) of the next "
                    f"{schedule.HORIZON_DAYS} days: {en_days}. No participating institution "
                    "then expects a delivery on those days. If that is intended, confirm it "
                    "with ‘Publish anyway’",
                )
            ]
        )


#: The lapsing deadlines a refusal names; the rest are counted.
MAX_LAPSED_SHOWN = 6


class ParticipationError(Exception):
    """A refused change to participation; ``str()`` is the user's message."""


def _refused(nl: str, en: str) -> ImportRefused:
    return ImportRefused([DictionaryProblem(None, None, None, nl, en)])


def import_workbook(
    data: bytes,
    file_name: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    lapse_confirmed: bool = False,
) -> DictionaryVersion:
    """Check and store a workbook as a new dictionary version; refuse it whole otherwise.

    A version that would take away deadlines still to come is refused with
    :class:`DeadlinesWouldLapse` unless ``lapse_confirmed``."""
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _refused(
            f"Het bestand is groter dan {MAX_WORKBOOK_BYTES // 2**20} MB.",
            f"The file is larger than {MAX_WORKBOOK_BYTES // 2**20} MB.",
        )
    try:
        dictionary = load_dictionary(data)
    except DictionaryError as exc:
        raise ImportRefused(exc.problems) from None
    dictionary = replace(dictionary, warnings=dictionary.warnings + _hub_warnings(dictionary))
    try:
        with transaction.atomic():
            today = timezone.localdate()
            until = schedule.horizon(today)
            code = dictionary.general.code
            before = (
                []
                if lapse_confirmed
                else [e for e in _schedule_of(code, until) if e.deadline >= today]
            )
            version = _store(dictionary, data, file_name, actor)
            if before:
                # (far enough for a period due before ``until`` whose deadline the version moved)
                after = _schedule_of(code, until + dt.timedelta(days=MAX_DEADLINE_DAYS))
                _refuse_lapsing(before, after, today, until)
    except IntegrityError:
        raise _already_there(dictionary) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=None,
        obj=version,
        request=request,
        description=gettext_noop("data dictionary {version}"),
        values={"version": str(version)},
    )
    return version


#: The years a version's dates and deadlines may lie in (a typo such as 0202 is refused).
YEARS = (1900, 9998)
#: What the engine can do without, but the hub cannot: (kenmerk, what it is for in nl, en).
_HUB_NEEDS = (
    (
        "Aanleverstroom",
        "stream",
        "de aanleverstroom groepeert de deelaanleveringen",
        "the stream groups the sub-deliveries",
    ),
    ("Naam", "name", "de naam van de registratie", "the registry's name"),
    (
        "Deelaanlevering",
        "sub_delivery",
        "de naam van de deelaanlevering",
        "the sub-delivery's name",
    ),
    (
        "Aanleverfrequentie",
        "frequency",
        "zonder frequentie wordt nooit een aanlevering verwacht",
        "without a frequency no delivery is ever expected",
    ),
    (  # the engine can check files without it; the hub cannot
        "Geldig vanaf",
        "valid_from",
        "de hub moet weten vanaf wanneer deze versie mag worden aangeleverd",
        "the hub must know from when this version may be delivered",
    ),
)


def _hub_problems(dictionary: DataDictionary) -> list[DictionaryProblem]:
    """What the hub needs of a workbook beyond what the engine checks."""
    general = dictionary.general
    problems = [
        DictionaryProblem(
            None, None, None,
            f"Aanleverspecificaties algemeen: {kenmerk} ontbreekt; {nl}.",
            f"General specifications: {kenmerk} is missing; {en}.",
        )
        for kenmerk, attribute, nl, en in _HUB_NEEDS
        if not str(getattr(general, attribute) or "").strip()
    ]  # fmt: skip
    dates = [("Geldig vanaf", general.valid_from), ("Geldig tot", general.valid_to)]
    dates += [(f"Aanleverschema {e.period}", e.deadline) for e in dictionary.schedule]
    for label, day in dates:
        if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
            problems.append(
                DictionaryProblem(
                    None, None, None,
                    f"{label}: {day.isoformat()} ligt niet tussen {YEARS[0]} en {YEARS[1]}.",
                    f"{label}: {day.isoformat()} does not lie between {YEARS[0]} and {YEARS[1]}.",
                )
            )  # fmt: skip
    return problems


def _hub_warnings(dictionary: DataDictionary) -> tuple[DictionaryProblem, ...]:
    """What the hub publishes but the operator should look at: a dictionary without an
    identifying field (a misspelt column ``Identificerend`` is ignored with a warning, and every
    field is then taken as not identifying)."""
    if any(f.identifying for f in dictionary.fields):
        return ()
    return (
        DictionaryProblem(
            "Bestandsinhoud", None, "Identificerend",
            "geen enkel veld is identificerend: een veld dat een patiënt identificeert, wordt bij "
            "het doorsturen dan niet gepseudonimiseerd",
            "no field is identifying: a field that identifies a patient is then not "
            "pseudonymised when the data are forwarded",
        ),
    )  # fmt: skip


def _store(
    dictionary: DataDictionary, data: bytes, file_name: str, actor: Any
) -> DictionaryVersion:
    general = dictionary.general
    problems = _hub_problems(dictionary)
    if problems:
        raise ImportRefused(problems)
    assert general.valid_from is not None  # one of the hub's needs
    registry, _created = Registry.objects.get_or_create(
        stream=general.stream, defaults={"name": general.name}
    )
    sub_delivery, _created = SubDelivery.objects.get_or_create(
        code=general.code, defaults={"registry": registry, "name": general.sub_delivery}
    )
    if sub_delivery.registry_id != registry.pk:
        raise _refused(
            f"Code {general.code} hoort al bij aanleverstroom {sub_delivery.registry.stream}.",
            f"Code {general.code} already belongs to stream {sub_delivery.registry.stream}.",
        )
    if DictionaryVersion.objects.filter(
        sub_delivery=sub_delivery, version=general.version
    ).exists():
        raise _already_there(dictionary)
    return DictionaryVersion.objects.create(
        sub_delivery=sub_delivery,
        version=general.version,
        valid_from=general.valid_from,
        valid_to=general.valid_to,
        frequency=general.frequency,
        definition=dictionary.to_dict(),
        workbook=data,
        workbook_name=file_name[:200],
        imported_by=actor if getattr(actor, "pk", None) else None,
    )


def _schedule_of(code: str, until: dt.date) -> list[Any]:
    """The sub-delivery's schedule up to ``until`` (none for a new sub-delivery)."""
    sub_delivery = SubDelivery.objects.filter(code=code).values_list("pk", flat=True).first()
    if sub_delivery is None:
        return []
    return schedule.schedules([sub_delivery], until).get(sub_delivery, [])


def _refuse_lapsing(before: list[Any], after: list[Any], today: dt.date, until: dt.date) -> None:
    """Refuse when a dated period due from ``today`` to ``until`` (``before``) is gone from the
    new schedule, or when fewer ``TOTAAL`` deadlines fall in that time."""
    periods = {entry.period for entry in after if entry.period != schedule.TOTAAL}
    lapsed = [e for e in before if e.period != schedule.TOTAAL and e.period not in periods]
    totaal = [e for e in before if e.period == schedule.TOTAAL]
    kept = {
        e.deadline for e in after if e.period == schedule.TOTAAL and today <= e.deadline <= until
    }
    if len(kept) < len(totaal):
        lapsed += [e for e in totaal if e.deadline not in kept]
    if lapsed:
        raise DeadlinesWouldLapse(sorted(lapsed, key=lambda e: e.deadline))


def _already_there(dictionary: DataDictionary) -> ImportRefused:
    general = dictionary.general
    return _refused(
        f"Versie {general.version} van {general.code} bestaat al; een gepubliceerde versie "
        "verandert niet. Geef de nieuwe versie een nieuw versienummer.",
        f"Version {general.version} of {general.code} already exists; a published version never "
        "changes. Give the new version a new version number.",
    )


def export_workbook(version: DictionaryVersion) -> bytes:
    """The stored version written back to a workbook in the exchange format."""
    buffer = io.BytesIO()
    write_workbook(version.dictionary, buffer)
    return buffer.getvalue()


def export_xsd(version: DictionaryVersion) -> bytes:
    return generate_xsd(version.dictionary)


def find_version(code: str, version: str) -> DictionaryVersion | None:
    """The version, without the workbook as imported (kept for the record: pages and exports
    are made from the definition), which is read only if asked for."""
    if "\x00" in code or "\x00" in version:  # no code holds one (PostgreSQL refuses it)
        return None
    return (
        DictionaryVersion.objects.select_related("sub_delivery__registry")
        .defer("workbook")
        .filter(sub_delivery__code=code, version=version)
        .first()
    )


#: Of the versions valid on a day, the one in force first: the latest to start, the later import
#: on a tie.
IN_FORCE_FIRST = ("-valid_from", "-pk")


def current_version(sub_delivery: SubDelivery, day: dt.date) -> DictionaryVersion | None:
    """The version in force on ``day``: of those valid on it, the latest to start (the later
    import on a tie) — the same choice as the schedule (``datahub.schedule.services``)."""
    return sub_delivery.versions.valid_on(day).order_by(*IN_FORCE_FIRST).first()


def accepted_versions(
    sub_delivery_ids: Iterable[int], day: dt.date
) -> dict[int, list[DictionaryVersion]]:
    """Per sub-delivery, the versions a delivery may follow on ``day``, in one query: every
    version valid on it (the intake accepts those), the one in force (``current_version``)
    first. Only the dates, frequency and number are read, not the definition."""
    rows = (
        DictionaryVersion.objects.filter(sub_delivery_id__in=list(sub_delivery_ids))
        .valid_on(day)
        .order_by(*IN_FORCE_FIRST)
        .only("sub_delivery_id", "version", "valid_from", "valid_to", "frequency")
    )
    found: dict[int, list[DictionaryVersion]] = {}
    for version in rows:
        found.setdefault(version.sub_delivery_id, []).append(version)
    return found


# --- participation -------------------------------------------------------------------------


def _require_operator(actor: Any) -> None:
    if not getattr(actor, "is_hub_operator", False):
        raise ParticipationError(_("Only the hub operator may change participation."))


@transaction.atomic
def set_participation(
    *,
    actor: Any,
    institution: Institution,
    sub_delivery: SubDelivery,
    since: dt.date,
    until: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Participation:
    _require_operator(actor)
    if until is not None and until < since:
        raise ParticipationError(_("The end date lies before the start date."))
    participation, created = Participation.objects.for_institution(institution).get_or_create(
        institution=institution,
        sub_delivery=sub_delivery,
        defaults={"since": since, "until": until},
    )
    if not created:
        Participation.objects.for_institution(institution).filter(pk=participation.pk).update(
            since=since, until=until
        )
        participation.refresh_from_db()
    record(
        Action.CREATE if created else Action.CHANGE,
        actor=actor,
        institution=institution,
        obj=participation,
        request=request,
        description=gettext_noop("participation {code} {since}–{until}"),
        values={"code": sub_delivery.code, "since": since, "until": until or ""},
        detail={"sub_delivery": sub_delivery.code, "since": str(since), "until": str(until or "")},
    )
    return participation


@transaction.atomic
def set_method(
    *,
    actor: Any,
    institution: Institution,
    registry: Registry,
    method: str,
    request: HttpRequest | None = None,
) -> RegistryMethod:
    """Set the one delivery method of an institution for a registry (audited)."""
    _require_operator(actor)
    if method not in Method.values:
        raise ParticipationError(_("Unknown delivery method."))
    allowed = _methods_allowed(registry)
    if allowed and method not in allowed:
        raise ParticipationError(
            _("The data dictionary of this registry does not allow %(method)s.")
            % {"method": method}
        )
    scoped = RegistryMethod.objects.for_institution(institution)
    current = scoped.filter(registry=registry).first()
    old = current.method if current else None
    if current is None:
        current = RegistryMethod.objects.create(
            institution=institution, registry=registry, method=method
        )
    else:
        scoped.filter(pk=current.pk).update(method=method)
        current.method = method
    record(
        Action.CHANGE if old else Action.CREATE,
        actor=actor,
        institution=institution,
        obj=current,
        request=request,
        description=gettext_noop("delivery method {stream}: {old} → {method}"),
        values={
            "stream": registry.stream,
            "old": Method(old).label if old else "-",
            "method": Method(method).label,
        },
        detail={"registry": registry.stream, "from": old, "to": method},
    )
    return current


def _methods_allowed(registry: Registry) -> set[str]:
    """Every method some version of one of the registry's sub-deliveries allows."""
    allowed: set[str] = set()
    versions = DictionaryVersion.objects.filter(sub_delivery__registry=registry).only("definition")
    for version in versions:
        allowed.update(version.definition.get("general", {}).get("methods", []))
    return allowed


def method_of(institution: Institution, registry: Registry) -> str | None:
    row = RegistryMethod.objects.for_institution(institution).filter(registry=registry).first()
    return row.method if row else None


def methods_of(institution: Institution) -> dict[int, str]:
    """The institution's delivery method per registry (id), in one query."""
    rows = RegistryMethod.objects.for_institution(institution).values_list("registry_id", "method")
    return dict(rows)


def participations_of(institution: Institution) -> Any:
    return Participation.objects.for_institution(institution).select_related(
        "sub_delivery__registry"
    )
