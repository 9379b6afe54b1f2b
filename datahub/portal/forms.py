"""Forms of the portal pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from datahub.audit.models import Action
from datahub.dictionaries.models import Method, Registry, SubDelivery
from datahub.institutions.models import Institution, Role


class AddPersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ChangePersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All actions")), *Action.choices], required=False
    )


class DictionaryUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Data dictionary workbook (.xlsx)"),
        help_text=_("The registry's workbook in the Datahub format."),
    )


def _institution_field(**options: Any) -> forms.ModelChoiceField[Institution]:
    """A choice of institution, by AGB code (``empty_label`` "Choose…" unless given)."""
    options.setdefault("empty_label", _("Choose…"))
    return forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.order_by("agb_code"), **options
    )


class InstitutionFilterForm(forms.Form):
    institution = _institution_field(required=False, empty_label=_("All institutions"))


class ParticipationForm(forms.Form):
    institution = _institution_field()
    sub_delivery = forms.ModelChoiceField(
        label=_("Sub-delivery"),
        queryset=SubDelivery.objects.select_related("registry").order_by("code"),
        empty_label=_("Choose…"),
    )
    since = forms.DateField(label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MethodForm(forms.Form):
    institution = _institution_field()
    registry = forms.ModelChoiceField(
        label=_("Registry"), queryset=Registry.objects.all(), empty_label=_("Choose…")
    )
    method = forms.ChoiceField(label=_("Delivery method"), choices=Method.choices)
