"""Forms of the forwarding pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.dictionaries.models import Registry
from datahub.forwarding import authorisations
from datahub.forwarding.models import ProcessorRegistration
from datahub.institutions.models import Institution, Processor
from datahub.token_expiry import ValidityField


class RegistrationChoiceField(forms.ModelChoiceField[ProcessorRegistration]):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, ProcessorRegistration)
        return f"{obj.registry.stream} – {obj.processor.name}"


#: How far ahead an authorisation may start.
MAX_DAYS_AHEAD = 5 * 366


class AuthoriseForm(forms.Form):
    registration = RegistrationChoiceField(
        label=_("Registry and processor"),
        queryset=ProcessorRegistration.objects.none(),
        empty_label=_("Choose…"),
    )
    valid_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["registration"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorisations.choosable(institution)

    def clean_valid_from(self) -> dt.date:
        """From today on: forwarding follows the authorisations in force when a delivery
        finished, so a date in the past would show earlier deliveries as if they had gone to
        the processor."""
        day: dt.date = self.cleaned_data["valid_from"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(
                _(
                    "The start date cannot lie in the past: an authorisation applies to "
                    "deliveries processed from the moment it is given."
                )
            )
        if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("The start date lies too far in the future."))
        return day


class RegisterProcessorForm(forms.Form):
    processor = forms.ModelChoiceField(
        label=_("Processor"), queryset=Processor.objects.all(), empty_label=_("Choose…")
    )
    registry = forms.ModelChoiceField(
        label=_("Registry"), queryset=Registry.objects.all(), empty_label=_("Choose…")
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses this token, e.g. “nightly import”."),
    )
    valid_days = ValidityField()
