"""Filter forms of Aangeleverd, Verwacht and the operator's delivery status (GET, in the URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from datahub.deliveries.models import Channel, Status
from datahub.dictionaries.models import SubDelivery
from datahub.schedule.listing import DeliveryFilter
from datahub.schedule.services import Deadline, Expected

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _RegistryFilterForm(forms.Form):
    """Registry and sub-delivery, with the choices the institution takes part in."""

    registratie = forms.TypedChoiceField(
        label=_("Quality registry"), required=False, coerce=int, empty_value=None
    )
    deelaanlevering = forms.ChoiceField(label=_("Sub-delivery"), required=False)

    def __init__(self, data: Any, sub_deliveries: Sequence[SubDelivery]) -> None:
        super().__init__(data)
        registries = {s.registry_id: s.registry.stream for s in sub_deliveries}
        self._registry_of = {s.code: s.registry_id for s in sub_deliveries}
        self.fields["registratie"].choices = [("", _("All")), *sorted(registries.items(), key=_2)]  # type: ignore[attr-defined]
        self.fields["deelaanlevering"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *((s.code, f"{s.registry.stream} – {s.name}") for s in sub_deliveries),
        ]

    def clean(self) -> dict[str, Any]:
        """A range that ends before it starts, or a sub-delivery of another registry than the
        one chosen, says so at its field (which then filters nothing) instead of an empty list."""
        cleaned = super().clean() or {}
        since, until = cleaned.get("van"), cleaned.get("tot")
        if since is not None and until is not None and until < since:
            self.add_error("tot", _("The end date lies before the start date."))
        registry, code = cleaned.get("registratie"), cleaned.get("deelaanlevering")
        if registry and code and self._registry_of.get(code) != registry:
            self.add_error("deelaanlevering", _("This sub-delivery is not of the chosen registry."))
        return cleaned

    def value(self, name: str) -> Any:
        """The cleaned value; None when the field is not valid (a bad filter filters nothing)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name)


def _2(item: tuple[int, str]) -> str:
    return item[1]


class DeliveredFilterForm(_RegistryFilterForm):
    kanaal = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Status.choices]
    )
    van = forms.DateField(label=_("Delivered from"), required=False, widget=DATE)
    tot = forms.DateField(label=_("Delivered until"), required=False, widget=DATE)
    recent = forms.BooleanField(
        label=_("Show only the most recent delivery per period"), required=False
    )

    def chosen(self) -> DeliveryFilter:
        return DeliveryFilter(
            registry=self.value("registratie"),
            code=self.value("deelaanlevering") or "",
            channel=self.value("kanaal") or "",
            status=self.value("status") or "",
            since=self.value("van"),
            until=self.value("tot"),
            most_recent=bool(self.value("recent")),
        )


class ExpectedFilterForm(_RegistryFilterForm):
    van = forms.DateField(label=_("Deadline from"), required=False, widget=DATE)
    tot = forms.DateField(label=_("Deadline until"), required=False, widget=DATE)

    def apply(self, rows: Sequence[Expected]) -> list[Expected]:
        registry, code = self.value("registratie"), self.value("deelaanlevering")
        since: dt.date | None = self.value("van")
        until: dt.date | None = self.value("tot")
        return [
            e
            for e in rows
            if (not registry or e.sub_delivery.registry_id == registry)
            and (not code or e.sub_delivery.code == code)
            and (since is None or e.deadline >= since)
            and (until is None or e.deadline <= until)
        ]


class PeriodStatusForm(forms.Form):
    """The operator chooses a sub-delivery, then one of its deadlines."""

    deelaanlevering = forms.ModelChoiceField(
        label=_("Sub-delivery"),
        queryset=SubDelivery.objects.select_related("registry").order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("Choose…"),
    )
    deadline = forms.ChoiceField(label=_("Period and deadline"), required=False)

    def set_deadlines(self, entries: Sequence[Deadline]) -> None:
        self.fields["deadline"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (e.key, f"{e.period} ({date_format(e.deadline, 'SHORT_DATE_FORMAT')})")
                for e in entries
            ),
        ]
