"""The delivery schedule: periods and deadlines per sub-delivery, and the expected deliveries.

A sub-delivery's schedule follows from its dictionary versions: the frequency rule (every
period of the frequency within the version's validity, deadline = last day of the period +
``Deadline dagen na periode``) and the explicit ``Aanleverschema``, whose entries replace the
rule's deadline for the same period and add periods the rule does not make. A version governs
only its own validity, one version at a time (the one ``current_version`` gives for the day): a
dated period belongs to the version in force on its first day, and a later version may still move
its deadline when that deadline falls due while the later version is in force; a ``TOTAAL``
deadline belongs to the version in force on that day (see ``schedule_from``). ``TOTAAL`` entries
are one per deadline.

What counts as *the* delivery of an expected delivery (an "accepted" delivery):

* a production delivery (never a test delivery) of that institution and sub-delivery,
* that is not ``Afgekeurd`` — a delivery still being received or processed counts until it is
  rejected, so a file delivered a minute ago does not show as missing,
* for a dated period: of that period, delivered at any time (a late delivery still fills it);
* for ``TOTAAL`` (every delivery replaces the whole dataset): delivered after the previous
  ``TOTAAL`` deadline, so the latest complete dataset fills every deadline since the one before
  its own.

Expected deliveries are computed (participations times schedule up to a horizon), not stored: the
schedule is a handful of rows per sub-delivery and the accepted deliveries are one grouped
query, so every page needs a fixed number of queries whatever the history.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Exists, Max, Model, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from datahub.deliveries.models import FINISHED, WITH_FINDINGS, Delivery, Status
from datahub.dictionaries.models import DictionaryVersion, Participation, SubDelivery
from datahub.institutions.models import Institution
from datahub.schedule.periods import MONTHS, bounds, periods_between

TOTAAL = "TOTAAL"
#: Komende aanleveringen: deadline from today up to this many days ahead.
UPCOMING_DAYS = 30
#: Verwacht and reminders look this far ahead.
HORIZON_DAYS = 366


@dataclass(frozen=True, slots=True)
class Deadline:
    """One entry of a sub-delivery's schedule."""

    period: str
    deadline: dt.date
    #: For ``TOTAAL``: the previous deadline; only a delivery after it counts for this one.
    opens_after: dt.date | None = None

    @property
    def key(self) -> str:
        """A stable text for forms and URLs: ``2020H1|2020-09-01``."""
        return f"{self.period}|{self.deadline.isoformat()}"


@dataclass(frozen=True, slots=True)
class VersionSpec:
    """What the schedule needs of one dictionary version."""

    valid_from: dt.date
    valid_to: dt.date | None
    frequency: str
    deadline_days: int | None
    explicit: tuple[tuple[str, dt.date], ...]


@dataclass(frozen=True)
class Expected:
    """An expected delivery of one institution, and the date it was delivered (if it was)."""

    sub_delivery: SubDelivery
    period: str
    deadline: dt.date
    delivered_on: dt.date | None

    @property
    def upload_url(self) -> str:
        return upload_url(self.sub_delivery.code, self.period)


def upload_url(code: str, period: str) -> str:
    """The upload page, pre-filled for a sub-delivery and period ("Aanleveren")."""
    return reverse("portal:upload") + "?" + urlencode({"code": code, "periode": period})


# --- the schedule ---------------------------------------------------------------------------


def schedule_from(versions: Iterable[VersionSpec], until: dt.date) -> list[Deadline]:
    """The schedule that versions (oldest first) make, with deadlines up to ``until``.

    Each day has at most one version *in force*: of the versions whose validity (``Geldig
    vanaf`` up to ``Geldig tot``, or open-ended) contains the day, the one with the latest
    ``Geldig vanaf`` (the later one on a tie) — so an open-ended version stops where the next one
    takes over, and resumes if that one ends. A version's entries (rule and ``Aanleverschema``)
    apply only where it governs:

    * a dated period belongs to the version in force on its first day (before the first version
      or in a gap between versions: the next one to come into force); only that version makes or
      drops the period;
    * a later version may move the deadline of a period it does not own when that deadline falls
      due while the later version is in force (the period is delivered under it);
    * a ``TOTAAL`` deadline belongs to the version in force on that day (same fall-back).

    Example::

        >>> spec = VersionSpec(dt.date(2020, 1, 1), None, "kwartaal", 31, ())
        >>> [d.period for d in schedule_from([spec], dt.date(2020, 12, 31))]
        ['2020K1', '2020K2', '2020K3']
    """
    specs = list(versions)
    entries: dict[object, Deadline] = {}
    for index, spec in enumerate(specs):
        for entry in _version_entries(spec, until):
            span = bounds(entry.period) if entry.period != TOTAAL else None
            if span is None:  # TOTAAL: one entry per deadline, of the version in force then
                if _governing(specs, entry.deadline) == index:
                    entries[(entry.period, entry.deadline)] = entry
                continue
            current = entries.get(entry.period)
            if _governing(specs, span[0]) == index or (
                current is not None and _governing(specs, current.deadline) == index
            ):
                entries[entry.period] = entry
    # Cut at ``until`` only after the later versions replaced the earlier ones: a deadline moved
    # beyond ``until`` must not leave the earlier deadline standing.
    kept = [entry for entry in entries.values() if entry.deadline <= until]
    return _link_totaal(sorted(kept, key=lambda d: (d.deadline, d.period)))


def _governing(specs: Sequence[VersionSpec], day: dt.date) -> int | None:
    """The index of the version in force on ``day``, else of the next to come into force."""
    in_force = [
        index
        for index, spec in enumerate(specs)
        if spec.valid_from <= day and (spec.valid_to is None or day <= spec.valid_to)
    ]
    if in_force:
        return max(in_force, key=lambda index: (specs[index].valid_from, index))
    later = [spec.valid_from for spec in specs if spec.valid_from > day]
    return _governing(specs, min(later)) if later else None


def _version_entries(spec: VersionSpec, until: dt.date) -> list[Deadline]:
    """A version's entries for every period that starts by ``until``, whatever their deadline.

    Deadlines after ``until`` are kept here so that they still replace an earlier version's
    deadline for the same period; ``schedule_from`` drops them afterwards, and the entries for
    periods or deadlines the version does not govern.
    """
    explicit = [Deadline(period, deadline) for period, deadline in spec.explicit]
    named = {entry.period for entry in explicit}
    rule: list[Deadline] = []
    if spec.frequency in MONTHS and spec.deadline_days is not None:
        end = min(spec.valid_to or until, until)
        for period in periods_between(spec.frequency, spec.valid_from, end):
            span = bounds(period)
            assert span is not None
            deadline = span[1] + dt.timedelta(days=spec.deadline_days)
            if period not in named:
                rule.append(Deadline(period, deadline))
    return rule + explicit


def _link_totaal(entries: list[Deadline]) -> list[Deadline]:
    """Give each ``TOTAAL`` deadline the previous one, after which its delivery must come."""
    linked, previous = [], None
    for entry in entries:
        if entry.period == TOTAAL:
            entry = Deadline(TOTAAL, entry.deadline, previous)
            previous = entry.deadline
        linked.append(entry)
    return linked


def schedules(sub_delivery_ids: Iterable[int], until: dt.date) -> dict[int, list[Deadline]]:
    """The schedule of each sub-delivery, in one query."""
    specs: dict[int, list[VersionSpec]] = {}
    rows = (
        DictionaryVersion.objects.filter(sub_delivery_id__in=list(sub_delivery_ids))
        .order_by("valid_from", "pk")
        .values(
            "sub_delivery_id",
            "valid_from",
            "valid_to",
            "frequency",
            "definition__general__deadline_days",
            "definition__schedule",
        )
    )
    for row in rows:
        specs.setdefault(row["sub_delivery_id"], []).append(_spec(row))
    return {sub_id: schedule_from(versions, until) for sub_id, versions in specs.items()}


def _spec(row: Mapping[str, Any]) -> VersionSpec:
    explicit = tuple(
        (str(period).upper(), dt.date.fromisoformat(day))
        for period, day in row["definition__schedule"] or ()
    )
    days = row["definition__general__deadline_days"]
    return VersionSpec(
        row["valid_from"], row["valid_to"], row["frequency"], int(days) if days else days, explicit
    )


def horizon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=HORIZON_DAYS)


# --- accepted deliveries ------------------------------------------------------------------------


def accepted_deliveries(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """The deliveries that count as the delivery of their period (see the module docstring)."""
    return deliveries.filter(is_test=False).exclude(status=Status.REJECTED)


def _latest_accepted(institution: Institution) -> dict[tuple[int, str], dt.date]:
    """(sub-delivery, period) → local date of the latest accepted delivery, in one query."""
    rows = (
        accepted_deliveries(Delivery.objects.for_institution(institution))
        .order_by()
        .values("sub_delivery_id", "period")
        .annotate(last=Max("submitted_at"))
    )
    return {(r["sub_delivery_id"], r["period"]): timezone.localdate(r["last"]) for r in rows}


def latest_for(
    latest: Mapping[tuple[int, str], dt.date], sub_delivery_id: int, period: str
) -> dt.date | None:
    """The latest accepted delivery of a period, or of shorter periods that together cover it.

    The frequency is a minimum (spec §9): four accepted quarters count as the year's delivery,
    on the day the last of them came in.
    """
    exact = latest.get((sub_delivery_id, period))
    span = bounds(period)
    if exact is not None or span is None:
        return exact
    pieces = sorted(
        (piece, day)
        for (sub, other), day in latest.items()
        if sub == sub_delivery_id and (piece := bounds(other)) is not None
        and span[0] <= piece[0] and piece[1] <= span[1] and piece != span
    )  # fmt: skip
    reached = span[0]
    for (first, last), _day in pieces:
        if first > reached:
            return None  # a gap: part of the period was not delivered
        reached = max(reached, last + dt.timedelta(days=1))
    return max(day for _piece, day in pieces) if pieces and reached > span[1] else None


def delivered_on(entry: Deadline, latest: dt.date | None) -> dt.date | None:
    """The date the expected delivery was delivered, given the latest accepted delivery."""
    if latest is None:
        return None
    if entry.period == TOTAAL and entry.opens_after is not None and latest <= entry.opens_after:
        return None
    return latest


def covers(participation: Participation, entry: Deadline) -> bool:
    """Whether the institution was taking part when this entry applies.

    A dated period is expected when the participation overlaps it; a ``TOTAAL`` deadline when
    the institution takes part on that day.
    """
    span = bounds(entry.period)
    first, last = span if span else (entry.deadline, entry.deadline)
    return participation.overlaps(first, last)


# --- expected deliveries of one institution -------------------------------------------------


def expected_deliveries(institution: Institution, until: dt.date) -> list[Expected]:
    """Every expected delivery of the institution with a deadline up to ``until``.

    Three queries, whatever the number of deliveries: participations, versions, accepted.
    """
    participations = list(
        Participation.objects.for_institution(institution).select_related("sub_delivery__registry")
    )
    plans = schedules((p.sub_delivery_id for p in participations), until)
    latest = _latest_accepted(institution)
    expected = [
        Expected(
            p.sub_delivery,
            entry.period,
            entry.deadline,
            delivered_on(entry, latest_for(latest, p.sub_delivery_id, entry.period)),
        )
        for p in participations
        for entry in plans.get(p.sub_delivery_id, [])
        if covers(p, entry)
    ]
    return sorted(expected, key=_display_order)


def _display_order(e: Expected) -> tuple[Any, ...]:
    return (e.deadline, e.sub_delivery.registry.stream, e.sub_delivery.name, e.period)


def missing(expected: Sequence[Expected], today: dt.date) -> list[Expected]:
    """Missende aanleveringen: the deadline has passed without an accepted delivery."""
    return [e for e in expected if e.deadline < today and e.delivered_on is None]


def upcoming(expected: Sequence[Expected], today: dt.date) -> list[Expected]:
    """Komende aanleveringen: not yet delivered, deadline from today up to 30 days ahead.

    The manual says "vanaf morgen"; but a deadline today has not passed (it is not missing),
    and on its most urgent day it would then be on neither table of the start page."""
    last = today + dt.timedelta(days=UPCOMING_DAYS)
    return [e for e in expected if today <= e.deadline <= last and e.delivered_on is None]


def future(expected: Sequence[Expected], today: dt.date) -> list[Expected]:
    """Verwacht: every expected delivery whose deadline is today or later."""
    return [e for e in expected if e.deadline >= today]


def start_of_day(day: dt.date) -> dt.datetime | None:
    """Midnight at the start of ``day`` in the hub's time zone (dates are local dates), in UTC.

    None when that moment has no UTC date (the first day of the calendar, east of Greenwich): no
    delivery lies before it, so such a bound filters nothing out.
    """
    try:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)).astimezone(dt.UTC)
    except OverflowError:
        return None


def start_of_day_after(day: dt.date) -> dt.datetime | None:
    """The start of the day after ``day``; None after the last day of the calendar."""
    return None if day >= dt.date.max else start_of_day(day + dt.timedelta(days=1))


M = TypeVar("M", bound=Model)


def within_days(
    rows: QuerySet[M], field: str, since: dt.date | None, until: dt.date | None
) -> QuerySet[M]:
    """``rows`` whose moment ``field`` lies on a local day from ``since`` to ``until``, both
    included (either may be None: no bound)."""
    start = start_of_day(since) if since else None
    if start is not None:
        rows = rows.filter(**{f"{field}__gte": start})
    after = start_of_day_after(until) if until else None
    if after is not None:
        rows = rows.filter(**{f"{field}__lt": after})
    return rows


# --- deliveries with findings ---------------------------------------------------------------


def newer_than_outer(
    deliveries: QuerySet[Delivery], period: str = "period", *, per_unit: bool = True
) -> Q:
    """A newer row of ``deliveries`` for the outer row's period exists (ties broken by id).

    ``period``: the field (or an annotation of both ``deliveries`` and the outer query) that
    says which period a row is for; the data-quality dashboard gives each ``TOTAAL`` delivery
    the deadline it was for (``datahub.quality``). ``per_unit``: each unit of the institution
    (a location that delivers on its own, with its own sequence numbers) has its own latest
    delivery, so a clean delivery of one unit does not hide another unit's rejection."""
    same_unit = {"unit_id": OuterRef("unit_id")} if per_unit else {}
    newer = deliveries.filter(
        institution_id=OuterRef("institution_id"),
        sub_delivery_id=OuterRef("sub_delivery_id"),
        **{period: OuterRef(period)},
        **same_unit,
    )
    newer = newer.filter(
        Q(submitted_at__gt=OuterRef("submitted_at"))
        | Q(submitted_at=OuterRef("submitted_at"), pk__gt=OuterRef("pk"))
    )
    return Q(Exists(newer))


def with_findings(institution: Institution) -> QuerySet[Delivery]:
    """Afgekeurde en foutieve aanleveringen.

    Per unit, sub-delivery and period the most recent processed production delivery, when it
    is rejected or has errors or warnings; a newer one of the same unit processed without
    findings makes it go.
    """
    finished = Delivery.objects.for_institution(institution).filter(
        is_test=False, status__in=FINISHED
    )
    return (
        finished.filter(status__in=WITH_FINDINGS)
        .exclude(newer_than_outer(finished))
        .select_related("sub_delivery__registry", "unit")
        .order_by("-submitted_at", "-pk")
    )


def deadline_of(delivery: Delivery, plans: dict[int, list[Deadline]]) -> dt.date | None:
    """The deadline a delivery was for: its period's, or for ``TOTAAL`` the next one."""
    entries = plans.get(delivery.sub_delivery_id, [])
    if delivery.period != TOTAAL:
        found = [e.deadline for e in entries if e.period == delivery.period]
        return found[-1] if found else None
    deadlines = [e.deadline for e in entries if e.period == TOTAAL]
    index = bisect.bisect_left(deadlines, timezone.localdate(delivery.submitted_at))
    return deadlines[index] if index < len(deadlines) else None
