"""Forms of the portal pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from datahub.audit.models import Action
from datahub.institutions.models import Role


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
