"""The dashboard's choices (GET, in the URL): a sub-delivery and the delivery dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from datahub.dictionaries.models import SubDelivery
from datahub.quality.services import default_range

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
        return self.sub_deliveries.get(data["deelaanlevering"]), data["van"], data["tot"]
