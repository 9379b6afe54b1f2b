"""What the upload page suggests in its free-text fields Kwaliteitsregistratie, Versienummer and
Periode, so that a file whose name does not follow the convention need not be described by heart.

Suggestions only: the fields stay free text and ``intake.check`` decides what is accepted. The
suggestions follow the rules the intake and the schedule already have, not rules of their own:

* the sub-deliveries the institution takes part in (today, or during a period the schedule still
  expects from it) and delivers through this channel;
* per sub-delivery the dictionary versions valid today (``dictionaries.services.accepted_versions``:
  the one in force first), which the intake accepts;
* per sub-delivery the periods the schedule expects (``schedule.services``): those whose deadline
  passed without a delivery (Missende aanleveringen), then those due in the coming 30 days
  (Komende aanleveringen). ``TOTAAL`` is no period to choose: the page fills it in itself.

A fixed number of queries, whatever the number of participations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from datahub.dictionaries.models import DictionaryVersion, SubDelivery
from datahub.dictionaries.services import accepted_versions, methods_of, participations_of
from datahub.institutions.models import Institution
from datahub.schedule import services as schedule


@dataclass(frozen=True)
class Offer:
    """One sub-delivery the institution may deliver here, with its versions and open periods."""

    sub_delivery: SubDelivery
    #: Valid today; the one in force first.
    versions: tuple[DictionaryVersion, ...]
    #: Deadline passed without a delivery, oldest first.
    missing: tuple[schedule.Expected, ...]
    #: Deadline in the coming 30 days, not delivered yet.
    upcoming: tuple[schedule.Expected, ...]

    @property
    def code(self) -> str:
        return self.sub_delivery.code


def offers(institution: Institution, channel: str, today: dt.date) -> list[Offer]:
    """The sub-deliveries ``institution`` may deliver through ``channel``, in the order of its
    participations (registry, sub-delivery)."""
    methods = methods_of(institution)
    participations = [
        p
        for p in participations_of(institution)
        if methods.get(p.sub_delivery.registry_id) == channel
    ]
    expected = schedule.expected_deliveries(
        institution, today + dt.timedelta(days=schedule.UPCOMING_DAYS)
    )
    missing = _by_sub_delivery(schedule.missing(expected, today))
    upcoming = _by_sub_delivery(schedule.upcoming(expected, today))
    versions = accepted_versions((p.sub_delivery_id for p in participations), today)
    return [
        Offer(
            p.sub_delivery,
            tuple(versions.get(p.sub_delivery_id, ())),
            missing.get(p.sub_delivery_id, ()),
            upcoming.get(p.sub_delivery_id, ()),
        )
        for p in participations
        # an ended participation only for a period it still owes (the intake accepts that too)
        if p.is_active_on(today) or missing.get(p.sub_delivery_id)
    ]


def shown_for(all_offers: Sequence[Offer], code: str) -> list[Offer]:
    """The offers whose versions and periods the fields suggest for the ``code`` filled in: that
    sub-delivery's; every one while no code is filled in; none for a code not offered (so never
    anything of a registry the institution does not deliver here)."""
    code = code.strip().upper()
    if not code:
        return list(all_offers)
    return [offer for offer in all_offers if offer.code == code]


def _by_sub_delivery(
    expected: Sequence[schedule.Expected],
) -> dict[int, tuple[schedule.Expected, ...]]:
    """Dated periods per sub-delivery (the schedule has each at most once per sub-delivery)."""
    grouped: dict[int, list[schedule.Expected]] = {}
    for entry in expected:
        if entry.period != schedule.TOTAAL:
            grouped.setdefault(entry.sub_delivery.pk, []).append(entry)
    return {key: tuple(rows) for key, rows in grouped.items()}
