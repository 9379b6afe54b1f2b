"""The dashboard's choices (GET, in the URL): a sub-delivery and the delivery dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.dictionaries.models import SubDelivery
from datahub.quality.services import default_range
from datahub.schedule.forms import DATE


class QualityForm(forms.Form):
    deelaanlevering = forms.ChoiceField(label=_("Sub-delivery"), required=False)
    van = forms.DateField(label=_("Delivered from"), required=False, widget=DATE)
    tot = forms.DateField(label=_("Delivered until"), required=False, widget=DATE)

    def __init__(self, data: Any, sub_deliveries: Sequence[SubDelivery]) -> None:
        since, until = default_range()
        data = data.copy()
        data.setdefault("van", since.isoformat())
        data.setdefault("tot", until.isoformat())
        if sub_deliveries:
            data.setdefault("deelaanlevering", sub_deliveries[0].code)
        super().__init__(data)
        self.sub_deliveries = {s.code: s for s in sub_deliveries}
        self.fields["deelaanlevering"].choices = [  # type: ignore[attr-defined]
            (s.code, f"{s.registry.stream} – {s.name}") for s in sub_deliveries
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("van"), cleaned.get("tot")
        if since and until and since > until:
            self.add_error("tot", _("The end date lies before the start date."))
        return cleaned

    def chosen(self) -> tuple[SubDelivery | None, dt.date | None, dt.date | None]:
        """The sub-delivery and dates; None where the choice is not valid."""
        if not self.is_valid():
            return None, None, None
        data = self.cleaned_data
        return self.sub_deliveries.get(data["deelaanlevering"]), *_within_reach(
            data["van"], data["tot"]
        )


#: Deliveries are made from this day on; none is made after today. A date beyond these (the
#: calendar's last day, for "everything") means the same and keeps the schedule's arithmetic,
#: a year past the range's end, inside the calendar.
_FIRST_DAY = dt.date(1900, 1, 1)


def _within_reach(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    """The range with its ends clamped to the days deliveries can have been made on.

    Example::

        >>> _within_reach(dt.date(1, 1, 1), dt.date(2020, 1, 1))
        (datetime.date(1900, 1, 1), datetime.date(2020, 1, 1))
    """
    today = timezone.localdate()
    return max(since, _FIRST_DAY), max(min(until, today), _FIRST_DAY)
